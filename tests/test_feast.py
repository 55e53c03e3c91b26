"""Feast against the platform: the feature_store.yaml `mlplatform features config` writes, read by
Feast's own parser, and a round trip through Feast into the platform's own online table.

Feast runs in its own venv (``.tools/feast``, made by ``make setup``): it cannot share
the project's (see the Makefile). These tests call it as a subprocess; nothing here
imports Feast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.feature_store import feature_store_names
from mlplatform.decisions.naming import Naming
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import EnvironmentLoader
from tests.deployed_environment import VERIFY_ENVIRONMENT, build_environment, client

ROOT = Path(__file__).resolve().parents[1]
FEAST_PYTHON = ROOT / ".tools" / "feast" / "bin" / "python"
PARSE = """
import json, sys
from pathlib import Path
from feast.repo_config import load_repo_config
parsed = []
for path in map(Path, sys.argv[1:]):
    config = load_repo_config(path.parent, path)
    parsed.append({
        "project": config.project,
        "registry": config.registry.path,
        "online": config.online_store.model_dump(),
        "offline": config.offline_store.model_dump(),
    })
print(json.dumps(parsed, default=str))
"""
REDIS_PASSWORD = "s3cr3t"
"""What the Redis writer's password is in the parsing process's environment."""


@pytest.fixture(scope="module")
def feast_python() -> Path:
    assert FEAST_PYTHON.is_file(), f"{FEAST_PYTHON} is missing; make setup makes Feast's venv"
    return FEAST_PYTHON


def _outputs(config: EnvironmentConfig) -> dict[str, Any]:
    """What `cdktf deploy --outputs-file` writes for the feature store (names, not ARNs)."""
    assert config.feature_store is not None
    naming = Naming.for_environment(config)
    names = feature_store_names(naming, config.feature_store)
    env = config.environment
    ml: dict[str, Any] = {"feature_online_store": config.feature_store.online_store.type}
    ml["feature_project"] = names["project"]
    if config.feature_store.redis is not None:
        ml["feature_redis_endpoint"] = (
            f"master.{names['replication_group']}.abc123.use1.cache.amazonaws.com"
        )
        ml["feature_redis_port"] = 6379
    else:
        ml["feature_online_tables"] = {
            g: names[f"online_table:{g}"] for g in config.feature_store.feature_groups
        }
    data: dict[str, Any] = {
        "feature_database": naming.glue_database("datalake", "features"),
        "feature_registry": names["registry"],
    }
    if config.data_lake.athena_workgroup:
        data["athena_workgroup"] = naming.resource("analytics")
        data["feature_staging_location"] = names["staging"]
    return {f"{env}-data": data, f"{env}-ml": ml}


def _write_config(tmp_path: Path, environment: str, outputs: dict[str, Any], *extra: str) -> Path:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs))
    return write_feast_config(
        environment, outputs_file, tmp_path / "repo" / "feature_store.yaml", *extra
    )


@pytest.fixture(scope="module")
def parsed(feast_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What Feast's own parser reads from the feature_store.yaml `mlplatform features config`
    writes for dev (DynamoDB) and for prod (Redis, as its writer), by environment: one Feast
    process for both, since importing Feast costs about 4 s."""
    paths: dict[str, Path] = {}
    for environment, options in (("dev", ()), ("prod", ("--user", "writer"))):
        config = EnvironmentLoader(ROOT / "environments").load(environment)
        directory = tmp_path_factory.mktemp(environment)
        paths[environment] = _write_config(directory, environment, _outputs(config), *options)
    assert REDIS_PASSWORD not in paths["prod"].read_text()
    done = subprocess.run(
        [str(feast_python), "-c", PARSE, *map(str, paths.values())],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "FEATURE_STORE_REDIS_PASSWORD": REDIS_PASSWORD},
    )
    return dict(zip(paths, json.loads(done.stdout), strict=True))


def test_dev_gets_feasts_dynamodb_store_over_the_platforms_tables(
    parsed: dict[str, Any],
) -> None:
    dev = parsed["dev"]
    assert dev["project"] == "mlp_dev"
    assert dev["registry"] == "s3://mlp-dev-datalake-features-111111111111/feast/registry.pb"
    online = dev["online"]
    assert online["type"] == "dynamodb"
    assert online["table_name_template"].format(project="mlp_dev", table_name="ranker") == (
        "mlp-dev-features-ranker"
    )
    assert online["tags"]["component"] == "ml" and online["tags"]["env"] == "dev"
    assert online["endpoint_url"] is None
    offline = dev["offline"]
    assert offline["type"] == "athena"
    assert (offline["database"], offline["workgroup"]) == (
        "mlp_dev_datalake_features",
        "mlp-dev-analytics",
    )
    assert offline["s3_staging_location"] == (
        "s3://mlp-dev-datalake-query-results-111111111111/feast/staging/"
    )


def test_prod_gets_feasts_redis_store_over_tls_with_the_password_from_the_environment(
    parsed: dict[str, Any],
) -> None:
    online = parsed["prod"]["online"]
    assert online["type"] == "redis"
    host, *options = online["connection_string"].split(",")
    assert host.endswith(".cache.amazonaws.com:6379")
    assert options == [
        "ssl=true",
        "username=mlp-prod-features-writer",
        f"password={REDIS_PASSWORD}",
    ]
    assert online["key_ttl_seconds"] == 24 * 3600


def test_outputs_without_the_feature_store_name_what_is_missing(tmp_path: Path) -> None:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({"dev-data": {}, "dev-ml": {}}))
    done = subprocess.run(
        [sys.executable, "-m", "mlplatform.cli", "features", "config", "dev",
         "--outputs", str(outputs_file)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert "dev-ml.feature_online_tables: not in the outputs file" in done.stderr


def run_round_trip(
    feast_python: Path, environment_file: Path, repo: Path, endpoint: str, *options: str
) -> dict[str, Any]:
    """``scripts/feast_round_trip.py`` in Feast's venv against the emulator at ``endpoint``."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "FEAST_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "mlplatform-local",
        "AWS_SECRET_ACCESS_KEY": "mlplatform-local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FEAST_USAGE": "False",
    }
    done = subprocess.run(
        [
            str(feast_python),
            str(ROOT / "scripts" / "feast_round_trip.py"),
            str(environment_file),
            str(repo),
            *options,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def check_feast_wrote_the_platforms_table(
    config: EnvironmentConfig, result: dict[str, Any], client: Any = client, rows: int = 1
) -> None:
    """Feast read back what it wrote for the first entity, from the platform's table, which
    holds ``rows`` rows (one per entity written), and made no table of its own; its registry
    is in the features zone. ``client(service)`` talks to the emulator."""
    assert config.feature_store is not None
    names = feature_store_names(Naming.for_environment(config), config.feature_store)
    dynamodb = client("dynamodb")
    for group, row in result["written"].items():
        for feature in config.feature_store.feature_groups[group].value_features:
            expected, found = row[feature], result["read"][feature][0]
            assert found == pytest.approx(expected), (feature, found, expected)
        items = dynamodb.scan(TableName=names[f"online_table:{group}"])["Items"]
        assert len(items) == rows and all("entity_id" in item for item in items), items
    tables = dynamodb.list_tables()["TableNames"]
    assert not [t for t in tables if t.startswith(names["project"] + ".")], tables
    bucket, key = names["registry"].removeprefix("s3://").split("/", 1)
    assert client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0


def write_feast_config(environment: str, outputs_file: Path, target: Path, *options: str) -> Path:
    """``mlplatform features config`` into ``target`` (feature_store.yaml), as a user runs it."""
    command = [
        sys.executable, "-m", "mlplatform.cli", "features", "config", environment,
        "--outputs", str(outputs_file), "--output", str(target), *options,
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)
    return target


@pytest.fixture
def built_store(emulated_aws: LocalAws, tmp_path: Path) -> tuple[EnvironmentConfig, Path]:
    """local (the verifier's small build) with a ranker group, built in the emulator as
    FeatureTables and FeatureStore build it; its file is written beside."""
    # With the lake's Athena workgroup (which this small build leaves out): feast apply
    # validates each Athena source through it.
    lake = VERIFY_ENVIRONMENT.read_text(encoding="utf-8").replace("  athena_workgroup: false\n", "")
    text = lake + yaml.safe_dump(
        {
            "feature_store": {
                "online_store": {"type": "dynamodb", "deletion_protection": False},
                "feature_groups": {
                    "ranker": {
                        "owner_team": "ranking",
                        "entity_keys": ["user_id"],
                        "features": {
                            "user_id": "Int64",
                            "clicks_7d": "Int64",
                            "ctr_7d": "Float32",
                            "user_embedding": "Array(Float32)",
                        },
                        "online_ttl_hours": 24,
                    }
                },
            }
        }
    )
    environment_file = tmp_path / "local.yaml"
    environment_file.write_text(text)
    config = EnvironmentLoader.parse(text)
    build_environment(config)
    client("athena").create_work_group(Name="mlp-local-analytics", Configuration={})
    return config, environment_file


def test_feast_round_trips_through_the_platforms_online_table(
    emulated_aws: LocalAws,
    tmp_path: Path,
    feast_python: Path,
    built_store: tuple[EnvironmentConfig, Path],
) -> None:
    config, environment_file = built_store
    path = _write_config(
        tmp_path, str(environment_file), _outputs(config), "--endpoint", emulated_aws.endpoint
    )

    result = run_round_trip(feast_python, environment_file, path.parent, emulated_aws.endpoint)

    check_feast_wrote_the_platforms_table(config, result)


def test_the_ttl_store_writes_expires_at_and_serves_no_expired_row(
    emulated_aws: LocalAws,
    tmp_path: Path,
    feast_python: Path,
    built_store: tuple[EnvironmentConfig, Path],
) -> None:
    config, environment_file = built_store
    path = _write_config(
        tmp_path,
        str(environment_file),
        _outputs(config),
        "--endpoint",
        emulated_aws.endpoint,
        "--enforce-ttl",
    )
    table = "mlp-local-features-ranker"
    ttl = 24 * 3600

    # One Feast process (its import costs seconds): a row written now, and a row of a
    # second entity written 30 hours ago, under the group's 24-hour TTL.
    result = run_round_trip(
        feast_python,
        environment_file,
        path.parent,
        emulated_aws.endpoint,
        "--stale-entity-age-hours",
        "30",
    )
    check_feast_wrote_the_platforms_table(config, result, rows=2)
    assert config.feature_store is not None
    for feature in config.feature_store.feature_groups["ranker"].value_features:
        assert result["read"][feature][1] is None, result  # 30 hours old: expired
    expiries = sorted(
        int(item["expires_at"]["N"]) for item in client("dynamodb").scan(TableName=table)["Items"]
    )
    stale, fresh = expiries
    assert abs(fresh - (time.time() + ttl)) < 120
    assert abs(stale - (time.time() - 6 * 3600)) < 120  # written 30 hours ago, kept 24
