"""The feature store's config, decisions and policies: errors naming group and field, names, grants.

Pure Python: nothing here imports cdktf, the AWS bindings or Feast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlplatform.config import EnvironmentConfig, FeatureGroupProps, FeatureStoreProps
from mlplatform.decisions.feature_store import (
    feast_online_tags,
    feast_project,
    feature_store_names,
    glue_type,
    groups_materialized_by,
    groups_read_by,
    key_ttl_seconds,
    offline_columns,
    online_table_name,
    online_table_name_template,
    redis_access_string,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies import (
    STAR_ONLY_ACTIONS,
    feature_offline_read_statements,
    feature_online_statements,
)
from mlplatform.loader import ConfigError, EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]
_DEV = (ROOT / "environments" / "dev.yaml").read_text(encoding="utf-8")
DEV = _DEV[: _DEV.index("# The feature store")]  # dev.yaml without its own feature store
PATH = "environments/dev.yaml"
NAMING = Naming("mlp", "dev", "111111111111")


def _group(**overrides: Any) -> dict[str, Any]:
    group: dict[str, Any] = {
        "owner_team": "ranking",
        "entity_keys": ["user_id"],
        "features": {"user_id": "Int64", "ctr_7d": "Float32", "embedding": "Array(Float32)"},
        "online_ttl_hours": 24,
    }
    group.update(overrides)
    return group


def _load(store: dict[str, Any], edit: Any = None) -> EnvironmentConfig:
    """dev.yaml without its own feature store, with ``store``; ``edit(data)`` changes it more."""
    data = yaml.safe_load(DEV)
    data["feature_store"] = store
    data["ml"]["serving"]["ranker"]["network_isolation"] = False
    if edit is not None:
        edit(data)
    return EnvironmentLoader.parse(yaml.safe_dump(data, sort_keys=False), PATH)


def _problems(store: dict[str, Any], edit: Any = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _load(store, edit)
    return list(caught.value.problems)


# ----------------------------------------------------------------------------- the files
@pytest.mark.parametrize("name", ["local", "dev", "staging", "prod"])
def test_every_environment_declares_the_ranker_group_read_by_the_ranker_endpoint(
    name: str,
) -> None:
    config = EnvironmentLoader(ROOT / "environments").load(name)
    assert config.feature_store is not None
    group = config.feature_store.feature_groups["ranker"]
    assert group.online_readers == ("ranker",)
    assert config.ml is not None and config.compute is not None
    assert set(group.materializers) == set(config.compute.gpu_pools)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("local", "dynamodb"), ("dev", "dynamodb"), ("staging", "redis"), ("prod", "redis")],
)
def test_dev_and_local_serve_from_dynamodb_staging_and_prod_from_redis(
    name: str, kind: str
) -> None:
    config = EnvironmentLoader(ROOT / "environments").load(name)
    assert config.feature_store is not None
    assert config.feature_store.online_store.type == kind


def test_local_yaml_says_why_it_uses_dynamodb() -> None:
    text = (ROOT / "environments" / "local.yaml").read_text(encoding="utf-8")
    section = text[text.index("# The feature store") :]
    assert "ElastiCache" in section and "moto" in section


def test_prod_redis_fails_over_across_zones_and_keeps_snapshots() -> None:
    config = EnvironmentLoader(ROOT / "environments").load("prod")
    assert config.feature_store is not None
    redis = config.feature_store.redis
    assert redis is not None
    assert redis.multi_az and redis.replicas >= 1 and redis.snapshot_retention_days >= 7


# ----------------------------------------------------------------------------- errors
def test_a_feature_given_twice_names_the_group_and_the_lines() -> None:
    text = DEV + (
        "feature_store:\n"
        "  feature_groups:\n"
        "    ranker:\n"
        "      owner_team: ranking\n"
        "      entity_keys: [user_id]\n"
        "      features:\n"
        "        user_id: Int64\n"
        "        ctr_7d: Float32\n"
        "        ctr_7d: Float64\n"
    )
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(text, PATH)
    [problem] = caught.value.problems
    assert problem.startswith(
        "feature_store.feature_groups.ranker.features: 'ctr_7d' is given twice"
    )
    assert "keep one" in problem


def test_an_entity_key_missing_from_the_features_names_group_and_field() -> None:
    problems = _problems({"feature_groups": {"ranker": _group(entity_keys=["item_id"])}})
    assert problems == [
        "feature_store.feature_groups.ranker: entity_keys: 'item_id' is not one of the features "
        "(user_id, ctr_7d, embedding); add it to features with its type"
    ]


def test_an_unknown_type_names_the_feature_and_suggests_feasts_spelling() -> None:
    group = _group(features={"user_id": "Int64", "ctr_7d": "float32"})
    [problem] = _problems({"feature_groups": {"ranker": group}})
    assert problem.startswith("feature_store.feature_groups.ranker.features: feature 'ctr_7d': ")
    assert "unknown type 'float32'" in problem and "did you mean Float32?" in problem


def test_an_unknown_array_element_type_is_refused() -> None:
    group = _group(features={"user_id": "Int64", "emb": "Array(Double)"})
    [problem] = _problems({"feature_groups": {"ranker": group}})
    assert "unknown type 'Array(Double)'" in problem


@pytest.mark.parametrize("hours", [0, 8761, -1])
def test_an_online_ttl_out_of_range_names_the_group(hours: int) -> None:
    [problem] = _problems({"feature_groups": {"ranker": _group(online_ttl_hours=hours)}})
    assert problem == (
        f"feature_store.feature_groups.ranker.online_ttl_hours: {hours} hours is out of range; "
        "an online TTL is 1 to 8760 hours (a year)"
    )


def test_the_event_time_is_not_a_feature() -> None:
    group = _group(event_time="ctr_7d")
    [problem] = _problems({"feature_groups": {"ranker": group}})
    assert problem.startswith("feature_store.feature_groups.ranker: event_time: 'ctr_7d' is also")


def test_an_array_cannot_be_an_entity_key() -> None:
    [problem] = _problems({"feature_groups": {"ranker": _group(entity_keys=["embedding"])}})
    assert "entity_keys: 'embedding' is an array" in problem


def test_an_unknown_online_store_names_the_choices() -> None:
    problems = _problems(
        {"online_store": {"type": "memcached"}, "feature_groups": {"ranker": _group()}}
    )
    assert problems == [
        "feature_store.online_store.type: unknown 'memcached'; use one of 'dynamodb', 'redis'"
    ]


def test_a_redis_typo_lists_the_redis_keys() -> None:
    problems = _problems(
        {"online_store": {"type": "redis", "node_typ": "x"}, "feature_groups": {"ranker": _group()}}
    )
    assert len(problems) == 1
    assert (
        "node_typ: unknown key; allowed keys here: type, engine, engine_version, node_type"
        in problems[0]
    )


def test_multi_az_failover_needs_a_replica() -> None:
    store = {
        "online_store": {"type": "redis", "replicas": 0},
        "feature_groups": {"ranker": _group()},
    }
    [problem] = _problems(store)
    assert problem.startswith("feature_store.online_store.redis: replicas: multi_az failover")


def test_a_reader_must_be_a_serving_endpoint() -> None:
    [problem] = _problems({"feature_groups": {"ranker": _group(online_readers=["search"])}})
    assert problem.startswith(
        "feature_store.feature_groups.ranker.online_readers: 'search' is not a serving endpoint"
    )


def test_a_reader_cannot_be_network_isolated() -> None:
    def isolate(data: dict[str, Any]) -> None:
        data["ml"]["serving"]["ranker"]["network_isolation"] = True

    [problem] = _problems(
        {"feature_groups": {"ranker": _group(online_readers=["ranker"])}}, isolate
    )
    assert "endpoint 'ranker' runs with network_isolation" in problem
    assert "set ml.serving.ranker.network_isolation: false" in problem


def test_a_materializer_must_be_a_gpu_pool() -> None:
    [problem] = _problems({"feature_groups": {"ranker": _group(materializers=["nightly"])}})
    assert problem.startswith(
        "feature_store.feature_groups.ranker.materializers: 'nightly' is not a GPU pool"
    )


def test_the_lake_needs_a_features_zone() -> None:
    def no_features(data: dict[str, Any]) -> None:
        data["data_lake"]["zones"] = ["raw", "curated"]
        del data["compute"]  # its pools read the features zone too

    [problem] = _problems({"feature_groups": {"ranker": _group()}}, no_features)
    assert problem.startswith("feature_store: its offline tables live in the data lake's features")


def test_a_group_name_must_suit_glue_and_feast() -> None:
    [problem] = _problems({"feature_groups": {"Ranker-v2": _group()}})
    assert "feature group name 'Ranker-v2'" in problem


# ----------------------------------------------------------------------------- decisions
def test_online_tables_are_the_ones_feasts_template_names() -> None:
    assert feast_project(NAMING) == "mlp_dev"
    assert online_table_name_template(NAMING) == "mlp-dev-features-{table_name}"
    assert online_table_name(NAMING, "ranker") == "mlp-dev-features-ranker"


def test_names_of_a_dynamodb_store() -> None:
    store = FeatureStoreProps(feature_groups={"ranker": FeatureGroupProps(**_group())})
    names = feature_store_names(NAMING, store)
    assert names["online_table:ranker"] == "mlp-dev-features-ranker"
    assert names["offline_table:ranker"] == "ranker"
    assert names["registry"] == "s3://mlp-dev-datalake-features-111111111111/feast/registry.pb"
    assert "replication_group" not in names


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        (
            "password_rotation_days",
            0,
            "password_rotation_days: Input should be greater than or equal to 1",
        ),
        (
            "password_rotation_days",
            400,
            "password_rotation_days: Input should be less than or equal to 365",
        ),
        ("rotation_log_retention_days", 100, "CloudWatch Logs accepts only these retention days"),
    ],
)
def test_a_rotation_setting_out_of_range_names_the_field(
    setting: str, value: int, says: str
) -> None:
    store = {
        "online_store": {"type": "redis", setting: value},
        "feature_groups": {"ranker": _group()},
    }
    [problem] = _problems(store)
    assert problem.startswith("feature_store.online_store.redis")
    assert says in problem


def test_names_of_a_redis_store_fit_elasticache() -> None:
    store = FeatureStoreProps.model_validate(
        {"online_store": {"type": "redis"}, "feature_groups": {"ranker": _group()}}
    )
    names = feature_store_names(Naming("abcdefghijkl", "abcdefghij"), store)
    assert "online_table:ranker" not in names
    assert all(len(names[k]) <= 40 for k in ("replication_group", "user_group", "user:reader"))
    assert len(names["rotation_function"]) <= 64  # a Lambda function's name
    assert names["secret:writer"] == "abcdefghijkl-abcdefghij/features/redis-writer"


def test_glue_types_of_feast_types() -> None:
    assert [glue_type(t) for t in ("Int64", "Float32", "String", "Array(Float64)")] == [
        "bigint",
        "float",
        "string",
        "array<double>",
    ]
    group = FeatureGroupProps(**_group())
    assert offline_columns(group)[-1] == ("event_timestamp", "timestamp")


def test_readers_and_materializers_by_name() -> None:
    store = FeatureStoreProps(
        feature_groups={
            "ranker": FeatureGroupProps(**_group(online_readers=["ranker"], materializers=["a"])),
            "search": FeatureGroupProps(**_group(online_ttl_hours=2)),
        }
    )
    assert groups_read_by(store, "ranker") == ("ranker",)
    assert groups_materialized_by(store, "b") == ()
    assert key_ttl_seconds(store.feature_groups) == 7200


def test_feast_is_told_the_tables_default_tags() -> None:
    config = EnvironmentLoader(ROOT / "environments").load("dev")
    assert feast_online_tags(config)["component"] == "ml"


def test_redis_users_read_or_write_and_run_nothing_else() -> None:
    assert redis_access_string("reader") == "on ~* -@all +@read +@connection"
    assert "+@write" in redis_access_string("writer")


# ----------------------------------------------------------------------------- policies
def _resources(statements: list[dict[str, Any]]) -> list[str]:
    return [
        r
        for s in statements
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]


def test_online_reads_touch_only_the_tables_items_and_the_registry() -> None:
    statements = feature_online_statements(
        write=False, key_arn="K", features_bucket_arn="B", table_arns=["T"]
    )
    actions = {a for s in statements for a in s["Action"]}
    assert "dynamodb:BatchGetItem" in actions
    assert not {"dynamodb:PutItem", "dynamodb:CreateTable", "dynamodb:DeleteTable"} & actions
    assert _resources(statements) == ["B/feast/*", "T", "K"]


def test_materializing_writes_items_never_tables() -> None:
    statements = feature_online_statements(
        write=True, key_arn="K", features_bucket_arn="B", secret_arns=["S"]
    )
    actions = {a for s in statements for a in s["Action"]}
    assert "secretsmanager:GetSecretValue" in actions
    assert not any(a.endswith("Table") and a != "dynamodb:DescribeTable" for a in actions)


def test_offline_reads_are_held_to_the_groups() -> None:
    statements = feature_offline_read_statements(
        groups=["ranker"],
        key_arn="K",
        features_bucket_arn="B",
        catalog_arn="C",
        database_arn="D",
        table_arns=["D/ranker"],
        workgroup_arn="W",
        staging_bucket_arn="Q",
    )
    assert "*" not in _resources(statements)
    assert "B/ranker/*" in _resources(statements)
    assert not {a for s in statements for a in s["Action"]} & STAR_ONLY_ACTIONS
