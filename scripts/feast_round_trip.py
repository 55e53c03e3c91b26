"""A round trip through Feast itself against a deployed feature store: apply, write, read back.

Runs with the Feast venv's Python (``.tools/feast/bin/python``; Feast cannot share
the project's venv, see the Makefile), given an environment file and a directory
holding the ``feature_store.yaml`` that ``mlplatform features config`` wrote:

1. writes a repository definitions file there (``mlplatform.feast_repo``: the
   environment's entities and feature views) and runs the CLI's ``feast apply``
   command in this process;
2. ``write_to_online_store`` one row per group for one entity, event time now
   (with ``--stale-entity-age-hours H``, also one row per group for a second
   entity, event time H hours ago: an online TTL shorter than H must hide it),
   then ``get_online_features`` for those entities;
3. prints ``{"written": {group: row}, "read": {feature: [value per entity]}}``
   as JSON on stdout (``written`` holds the first entity's rows), for the caller
   to compare and to check with boto3 where Feast wrote.

AWS comes from the environment as boto3 reads it (``AWS_ENDPOINT_URL`` and
``FEAST_S3_ENDPOINT_URL`` for the emulator).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFINITIONS = '''"""The environment's feature groups (written by scripts/feast_round_trip.py)."""

from pathlib import Path

from mlplatform.feast_repo import feast_objects
from mlplatform.loader import EnvironmentLoader

globals().update(feast_objects(EnvironmentLoader.parse(Path({path!r}).read_text(), {path!r})))
'''


def sample(kind: str, index: int) -> Any:
    """A value of Feast type ``kind`` (as the environment file names it) for entity ``index``."""
    if kind.startswith("Array("):
        return [sample(kind[6:-1], index), sample(kind[6:-1], index + 1)]
    values: dict[str, Any] = {
        "Int32": index,
        "Int64": 1000 + index,
        "Float32": 0.25 * index,
        "Float64": 0.5 * index,
        "String": f"value-{index}",
        "Bytes": f"bytes-{index}".encode(),
        "Bool": index % 2 == 0,
        "UnixTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return values[kind]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("environment", type=Path, help="the environment file")
    parser.add_argument("repo", type=Path, help="directory with feature_store.yaml")
    parser.add_argument(
        "--stale-entity-age-hours",
        type=float,
        help="also write a second entity whose rows' event time is this many hours old",
    )
    args = parser.parse_args()
    repo: Path = args.repo

    # Imported here: Feast costs seconds to import, and --help should not.
    import pandas as pd
    from feast import FeatureStore
    from feast.cli.cli import cli as feast_cli

    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader.parse(args.environment.read_text(), args.environment)
    assert config.feature_store is not None, f"{args.environment}: no feature_store"
    (repo / "features.py").write_text(DEFINITIONS.format(path=str(args.environment.resolve())))
    # The `feast apply` command, run in this process: a second Feast process would cost
    # its import again (about 4 s). Its report goes to stderr; stdout carries the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        feast_cli.main(["-c", str(repo), "apply"], standalone_mode=False)

    store = FeatureStore(repo_path=str(repo))
    now = datetime.now(UTC).replace(microsecond=0)
    # Entity 1 is written now; entity 2, if asked for, that many hours ago.
    ages = [0.0] if args.stale_entity_age_hours is None else [0.0, args.stale_entity_age_hours]
    written: dict[str, dict[str, Any]] = {}
    wanted: list[str] = []
    entities: list[dict[str, Any]] = [{} for _ in ages]
    for name, group in config.feature_store.feature_groups.items():
        rows = []
        for index, hours in enumerate(ages, start=1):  # the groups may share an entity's keys
            row = {column: sample(kind, index) for column, kind in group.features.items()}
            rows.append({**row, group.event_time: now - timedelta(hours=hours)})
            entities[index - 1].update({key: row[key] for key in group.entity_keys})
            written.setdefault(name, row)
        store.write_to_online_store(name, pd.DataFrame(rows))
        wanted += [f"{name}:{feature}" for feature in group.value_features]
    read = store.get_online_features(features=wanted, entity_rows=entities).to_dict()
    print(json.dumps({"written": written, "read": read}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
