"""mlplatform.verify on the feature store against the emulator: the offline Glue table and the
online DynamoDB table, each changed the way someone would change them by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlplatform.config import EnvironmentConfig, RedisOnlineStoreProps
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.verify.feature_store import check_rotation
from mlplatform.verify.findings import Findings
from tests.deployed_environment import (
    VERIFY_ENVIRONMENT,
    build_environment,
    client,
    verifier,
)

TABLE = "mlp-local-features-ranker"
DATABASE = "mlp_local_datalake_features"
STORE = """
feature_store:
  online_store: {type: dynamodb, deletion_protection: false}
  feature_groups:
    ranker:
      owner_team: ranking
      entity_keys: [user_id]
      features: {user_id: Int64, ctr_7d: Float32, user_embedding: Array(Float32)}
"""


@pytest.fixture
def config(emulated_aws: LocalAws) -> EnvironmentConfig:
    return EnvironmentLoader.parse(VERIFY_ENVIRONMENT.read_text(encoding="utf-8") + STORE)


def _pitr_off() -> None:
    client("dynamodb").update_continuous_backups(
        TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )


def _ttl_off() -> None:
    client("dynamodb").update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires_at"}
    )


def _protect() -> None:
    client("dynamodb").update_table(TableName=TABLE, DeletionProtectionEnabled=True)


def _retype_a_column() -> None:
    glue = client("glue")
    table = glue.get_table(DatabaseName=DATABASE, Name="ranker")["Table"]
    descriptor = table["StorageDescriptor"]
    descriptor["Columns"][1]["Type"] = "double"
    glue.update_table(
        DatabaseName=DATABASE,
        TableInput={
            "Name": "ranker",
            "TableType": table["TableType"],
            "PartitionKeys": table["PartitionKeys"],
            "StorageDescriptor": descriptor,
        },
    )


def _drop_offline_table() -> None:
    client("glue").delete_table(DatabaseName=DATABASE, Name="ranker")


COLUMNS = (
    "[user_id, bigint], [ctr_7d, {}], [user_embedding, array<float>], [event_timestamp, timestamp]"
)


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            _pitr_off,
            f"DynamoDB table {TABLE}: point-in-time recovery is DISABLED, expected ENABLED",
        ),
        (
            _ttl_off,
            f"DynamoDB table {TABLE}: TTL is [DISABLED, expires_at], expected [ENABLED, expires_at]",
        ),
        (_protect, f"DynamoDB table {TABLE}: deletion protection is true, expected false"),
        (
            _retype_a_column,
            f"Glue table {DATABASE}.ranker: columns is [{COLUMNS.format('double')}], "
            f"expected [{COLUMNS.format('float')}]",
        ),
        (_drop_offline_table, f"Glue table {DATABASE}.ranker: not found"),
    ],
)
def test_one_change_is_exactly_one_problem(
    config: EnvironmentConfig, breakage: Callable[[], None], problem: str
) -> None:
    build_environment(config)
    assert verifier(config).verify() == []
    breakage()

    assert verifier(config).verify() == [problem]


def test_a_secret_rotated_by_hand_or_not_at_all_is_named() -> None:
    """``make verify`` on the Redis store's secrets (as DescribeSecret answers): rotation on,
    by the store's function, on the file's schedule; each other state is one problem."""
    redis = RedisOnlineStoreProps(type="redis", password_rotation_days=14)
    names = {"rotation_function": "mlp-prod-features-redis-rotation"}
    function = "arn:aws:lambda:us-east-1:333333333333:function:mlp-prod-features-redis-rotation"
    rotated: dict[str, Any] = {
        "RotationEnabled": True,
        "RotationLambdaARN": function,
        "RotationRules": {"AutomaticallyAfterDays": 14},
    }
    kept = Findings()
    check_rotation(kept, "secret w", rotated, names, redis)
    assert kept.problems == []

    changes: list[tuple[dict[str, Any], str]] = [
        ({"RotationEnabled": False}, "secret w: rotation is false, expected true"),
        (
            {"RotationLambdaARN": function.replace("redis-rotation", "other")},
            "secret w: rotation function is mlp-prod-features-other, "
            "expected mlp-prod-features-redis-rotation",
        ),
        (
            {"RotationRules": {"AutomaticallyAfterDays": 90}},
            "secret w: rotation (days) is 90, expected 14",
        ),
    ]
    for changed, problem in changes:
        findings = Findings()
        check_rotation(findings, "secret w", {**rotated, **changed}, names, redis)
        assert findings.problems == [problem]
