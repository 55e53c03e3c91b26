"""Snapshots of every stack of every environment, as Terraform JSON.

Update on purpose with ``pytest tests/test_snapshots.py --snapshot-update`` and
read the diff of ``__snapshots__/`` before committing it. The ``//`` metadata
(construct paths, cdktf version) is left out so snapshots hold only what
Terraform applies, with no absolute paths and no tool versions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import environment_names, stack_dirs


def without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [without_metadata(v) for v in value]
    return value


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("environment", environment_names())
def test_every_stack_matches_its_snapshot(
    synthesized: Path, environment: str, json_snapshot: SnapshotAssertion
) -> None:
    stacks = stack_dirs(synthesized, environment)
    assert {f"{environment}-data", f"{environment}-network"} <= {p.name for p in stacks}
    for directory in stacks:
        document = json.loads((directory / "cdk.tf.json").read_text())
        assert without_metadata(document) == json_snapshot(name=directory.name)


def test_snapshots_hold_no_absolute_paths_or_versions(synthesized: Path) -> None:
    for path in synthesized.glob("*/cdk.tf.json"):
        text = json.dumps(without_metadata(json.loads(path.read_text())))
        assert str(Path.home()) not in text and "/tmp/" not in text and "/work/" not in text
        assert "0.21.0" not in text  # the cdktf version lives only in the dropped metadata
