"""FeatureTables and FeatureStore: resources, grants, the importer and the guardrails, from synth JSON."""

from __future__ import annotations

import base64
import json
import zipfile
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import FeatureStoreProps
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.feature_store import FeatureStore
from mlplatform.constructs.feature_tables import FeatureTables
from mlplatform.decisions import password_rotation
from mlplatform.decisions.metrics import MetricSpec
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies import STAR_ONLY_ACTIONS
from mlplatform.guardrails import RULES, Resources
from mlplatform.interfaces import IFeatureStore
from mlplatform.lambdas import code_archive
from tests.test_ml_constructs import PLACEMENT, _of_type, _synth

GROUPS = {
    "ranker": {
        "owner_team": "ranking",
        "entity_keys": ["user_id"],
        "features": {"user_id": "Int64", "ctr_7d": "Float32", "embedding": "Array(Float32)"},
    },
    "search": {
        "owner_team": "search",
        "entity_keys": ["query_id"],
        "features": {"query_id": "String", "clicks": "Int64"},
    },
}


def _props(online: dict[str, Any] | None = None) -> FeatureStoreProps:
    return FeatureStoreProps.model_validate(
        {"online_store": online or {"type": "dynamodb"}, "feature_groups": GROUPS}
    )


LOGS_KEY = "arn:aws:kms:us-east-1:123456789012:key/logs"
"""A key CloudWatch Logs may use (the platform passes the model registry's)."""


def _role(stack: TerraformStack, name: str) -> IamRole:
    return IamRole(stack, name, name=name, assume_role_policy="{}")


def _store(
    stack: TerraformStack, naming: Naming, online: dict[str, Any] | None = None
) -> FeatureStore:
    lake = DataLake(stack, "lake", naming=naming)
    return FeatureStore(
        stack,
        "features",
        naming=naming,
        props=_props(online),
        lake=lake,
        athena_workgroup=naming.resource("analytics"),
        placement=PLACEMENT,
        clients={"nodes": "sg-nodes", "endpoint-ranker": "sg-ranker"},
        logs_key_arn=LOGS_KEY,
    )


def _policies(synth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        config["name"]: json.loads(config["policy"])
        for config in _of_type(synth, "aws_iam_role_policy").values()
    }


def _actions(document: dict[str, Any]) -> set[str]:
    return {a for s in document["Statement"] for a in s["Action"]}


def _findings(synth: dict[str, Any], rule_id: str) -> list[str]:
    resources: Resources = synth.get("resource", {})
    [rule] = [r for r in RULES if r.id == rule_id]
    return [f"{f.resource}: {f.message}" for f in rule.check(resources)]


# ----------------------------------------------------------------------------- offline
def test_each_group_gets_a_partitioned_parquet_table_in_the_features_database(
    stack: TerraformStack, naming: Naming
) -> None:
    lake = DataLake(stack, "lake", naming=naming)
    tables = FeatureTables(stack, "feature-tables", lake=lake, props=_props())
    synth = _synth(stack)
    [ranker] = [
        t for t in _of_type(synth, "aws_glue_catalog_table").values() if t["name"] == "ranker"
    ]
    assert ranker["database_name"].startswith("${aws_glue_catalog_database.")
    assert ranker["owner"] == "ranking"
    assert [k["name"] for k in ranker["partition_keys"]] == ["dt"]
    descriptor = ranker["storage_descriptor"]
    assert descriptor["location"].endswith("/ranker/")
    assert [(c["name"], c["type"]) for c in descriptor["columns"]] == [
        ("user_id", "bigint"),
        ("ctr_7d", "float"),
        ("embedding", "array<float>"),
        ("event_timestamp", "timestamp"),
    ]
    # Terraform reads ${...} as an interpolation: the projection template is escaped.
    template = ranker["parameters"]["storage.location.template"]
    assert template.startswith("s3://${aws_s3_bucket.")  # the bucket is a reference
    assert template.endswith("}/ranker/dt=$${dt}/")
    assert ranker["lifecycle"]["prevent_destroy"] is True
    assert set(tables.table_names) == {"ranker", "search"}


# ----------------------------------------------------------------------------- DynamoDB
def test_a_dynamodb_store_gives_each_client_https_egress_to_the_gateway_endpoint_only(
    stack: TerraformStack, naming: Naming
) -> None:
    _store(stack, naming)
    egress = list(_of_type(_synth(stack), "aws_vpc_security_group_egress_rule").values())

    # A reader inside the VPC (an endpoint's security group allows little egress) reaches
    # DynamoDB through the network's gateway endpoint, on HTTPS, and nowhere else new.
    assert sorted(e["security_group_id"] for e in egress if "prefix_list_id" in e) == [
        "sg-nodes",
        "sg-ranker",
    ]
    for rule in egress:
        assert rule["prefix_list_id"] == PLACEMENT.dynamodb_prefix_list_id
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)


def test_dynamodb_tables_are_the_ones_feast_uses_encrypted_and_recoverable(
    stack: TerraformStack, naming: Naming
) -> None:
    store: IFeatureStore = _store(stack, naming)  # the platform's own satisfies the protocol
    synth = _synth(stack)
    tables = {t["name"]: t for t in _of_type(synth, "aws_dynamodb_table").values()}
    table = tables["acme-test-features-ranker"]
    assert table["hash_key"] == "entity_id"
    assert table["attribute"] == [{"name": "entity_id", "type": "S"}]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["ttl"] == {"attribute_name": "expires_at", "enabled": True}
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")
    assert table["deletion_protection_enabled"] is True
    assert table["tags"] == {"owner": "ranking"}
    assert table["lifecycle"]["prevent_destroy"] is True
    assert _of_type(synth, "aws_elasticache_replication_group") == {}
    assert set(store.online_table_names) == {"ranker", "search"}
    assert _findings(synth, "MLP-DDB-1") == []


def test_read_online_is_item_reads_on_the_groups_tables(
    stack: TerraformStack, naming: Naming
) -> None:
    store = _store(stack, naming)
    store.grant_read_online(_role(stack, "serving"), "ranker")
    policy = _policies(_synth(stack))["features-read-online-ranker"]
    assert _actions(policy) >= {"dynamodb:BatchGetItem", "kms:Decrypt", "s3:GetObject"}
    assert not {"dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteTable"} & _actions(
        policy
    )
    [table] = [s for s in policy["Statement"] if s["Sid"] == "ReadOnlineFeatures"]
    assert len(table["Resource"]) == 1 and "online-ranker" in table["Resource"][0]


def test_materialize_reads_offline_and_writes_online(stack: TerraformStack, naming: Naming) -> None:
    store = _store(stack, naming)
    store.grant_materialize(_role(stack, "pool"))
    policy = _policies(_synth(stack))["features-materialize-all"]
    actions = _actions(policy)
    assert {"dynamodb:BatchWriteItem", "glue:GetTable", "athena:StartQueryExecution"} <= actions
    assert not {"dynamodb:CreateTable", "dynamodb:DeleteTable", "s3:DeleteObject"} & actions
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    resources = [
        r
        for s in policy["Statement"]
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert "*" not in resources
    assert not actions & STAR_ONLY_ACTIONS


def test_read_offline_is_held_to_the_groups_prefixes(stack: TerraformStack, naming: Naming) -> None:
    store = _store(stack, naming)
    store.grant_read_offline(_role(stack, "training"), ["search"])
    policy = _policies(_synth(stack))["features-read-offline-search"]
    [objects] = [s for s in policy["Statement"] if s["Sid"] == "ReadOfflineFeatures"]
    assert [r.rsplit("}", 1)[-1] for r in objects["Resource"]] == ["/search/*"]
    [glue] = [s for s in policy["Statement"] if s["Sid"] == "ReadOfflineTables"]
    assert glue["Resource"][-1].endswith(":table/acme_test_datalake_features/search")


def test_an_unknown_group_is_refused_by_name(stack: TerraformStack, naming: Naming) -> None:
    store = _store(stack, naming)
    with pytest.raises(ValueError, match="no feature group 'ads'; its groups are ranker, search"):
        store.grant_read_online(_role(stack, "serving"), "ads")


# ----------------------------------------------------------------------------- Redis
REDIS = {"type": "redis", "engine": "valkey", "engine_version": "8.0", "replicas": 1}


def test_redis_is_encrypted_authenticated_private_and_failing_over(
    stack: TerraformStack, naming: Naming
) -> None:
    _store(stack, naming, REDIS)
    synth = _synth(stack)
    [group] = _of_type(synth, "aws_elasticache_replication_group").values()
    assert group["replication_group_id"] == "acme-test-features"
    assert group["transit_encryption_enabled"] is True
    assert group["at_rest_encryption_enabled"] == "true"
    assert group["kms_key_id"].startswith("${aws_kms_key.")
    assert group["automatic_failover_enabled"] is True and group["multi_az_enabled"] is True
    assert group["num_cache_clusters"] == 2
    assert group["snapshot_retention_limit"] == 7
    assert group["engine"] == "valkey" and group["engine_version"] == "8.0"
    assert group["user_group_ids"] and group["subnet_group_name"]
    assert group["lifecycle"]["prevent_destroy"] is True
    [params] = _of_type(synth, "aws_elasticache_parameter_group").values()
    assert params["family"] == "valkey8"
    assert params["parameter"] == [{"name": "maxmemory-policy", "value": "volatile-lru"}]
    [subnets] = _of_type(synth, "aws_elasticache_subnet_group").values()
    assert subnets["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert _findings(synth, "MLP-REDIS-1") == []
    assert _findings(synth, "MLP-SECRET-1") == []


def test_redis_users_default_off_reader_and_writer_with_secrets(
    stack: TerraformStack, naming: Naming
) -> None:
    store = _store(stack, naming, REDIS)
    synth = _synth(stack)
    users = {u["user_name"]: u for u in _of_type(synth, "aws_elasticache_user").values()}
    assert users["default"]["access_string"] == "off -@all"
    assert users["acme-test-features-reader"]["access_string"] == "on ~* -@all +@read +@connection"
    assert users["acme-test-features-writer"]["authentication_mode"]["type"] == "password"
    [user_group] = _of_type(synth, "aws_elasticache_user_group").values()
    assert len(user_group["user_ids"]) == 3
    secrets = _of_type(synth, "aws_secretsmanager_secret").values()
    assert sorted(s["name"] for s in secrets) == [
        "acme-test/features/redis-reader",
        "acme-test/features/redis-writer",
    ]
    assert all(s["kms_key_id"].startswith("${aws_kms_key.") for s in secrets)
    versions = _of_type(synth, "aws_secretsmanager_secret_version").values()
    assert all(v["lifecycle"]["ignore_changes"] == ["secret_string"] for v in versions)
    assert set(store.secret_arns) == {"reader", "writer"}


def test_a_redis_user_is_made_with_its_secrets_current_password_and_then_left_to_rotation(
    stack: TerraformStack, naming: Naming
) -> None:
    """A user Terraform makes again (deleted behind its back) starts with the password clients read from
    the secret, not with the first one, which a rotation has retired; once made, its
    passwords are the rotation's, so a plan after a rotation changes nothing."""
    _store(stack, naming, REDIS)
    synth = _synth(stack)
    versions = _of_type(synth, "aws_secretsmanager_secret_version")
    current = synth["data"]["aws_secretsmanager_secret_version"]
    users = _of_type(synth, "aws_elasticache_user")
    for user in ("reader", "writer"):
        [secret] = [k for k in _of_type(synth, "aws_secretsmanager_secret") if f"-{user}_" in k]
        [first] = [k for k in versions if f"secret-{user}-version" in k]
        [read] = [k for k in current if f"secret-{user}-current" in k]
        assert current[read]["secret_id"] == f"${{aws_secretsmanager_secret.{secret}.id}}"
        assert "version_stage" not in current[read]  # AWSCURRENT
        # Read once the first version exists (on the first apply, after it is made).
        assert current[read]["depends_on"] == [f"aws_secretsmanager_secret_version.{first}"]
        [made] = [u for k, u in users.items() if f"user-{user}_" in k]
        assert made["authentication_mode"]["passwords"] == [
            f"${{data.aws_secretsmanager_secret_version.{read}.secret_string}}"
        ]
        assert made["lifecycle"] == {"ignore_changes": ["authentication_mode"]}


def test_the_functions_code_is_the_handler_alone_zipped_the_same_every_time(
    stack: TerraformStack, naming: Naming, tmp_path: Path
) -> None:
    """The zip Terraform uploads holds exactly the handler (no ``__pycache__`` a test run left
    beside it), with fixed timestamps, so its bytes change only with the code."""
    _store(stack, naming, REDIS)
    App.of(stack).synth()
    stack_dir = tmp_path / "stacks" / "test"
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    [function] = _of_type(document, "aws_lambda_function").values()
    archive = stack_dir / function["filename"]
    handler = (password_rotation.CODE_DIRECTORY / password_rotation.HANDLER_FILE).read_bytes()
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.namelist() == [password_rotation.HANDLER_FILE]
        assert zipped.read(password_rotation.HANDLER_FILE) == handler
        assert {entry.date_time for entry in zipped.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    rebuilt = code_archive(password_rotation.FUNCTION_DIRECTORY, [password_rotation.HANDLER_FILE])
    assert archive.read_bytes() == rebuilt.read_bytes()
    assert function["source_code_hash"] == base64.b64encode(sha256(handler).digest()).decode()


def test_redis_passwords_rotate_with_a_function_that_may_touch_only_them(
    stack: TerraformStack, naming: Naming
) -> None:
    _store(stack, naming, REDIS)
    synth = _synth(stack)
    [function] = _of_type(synth, "aws_lambda_function").values()
    assert function["function_name"] == "acme-test-features-redis-rotation"
    assert function["handler"] == "index.handler" and function["runtime"].startswith("python3")
    assert function["filename"].startswith("assets/") and function["filename"].endswith(".zip")
    assert function["tracing_config"] == {"mode": "Active"}
    assert function["kms_key_arn"].startswith("${aws_kms_key.")
    users = json.loads(function["environment"]["variables"]["USERS"])
    secrets = _of_type(synth, "aws_secretsmanager_secret")
    assert sorted(users.values()) == sorted(
        f"${{aws_elasticache_user.{k}.user_id}}"
        for k in _of_type(synth, "aws_elasticache_user")
        if "user-reader" in k or "user-writer" in k
    )
    assert sorted(users) == sorted(f"${{aws_secretsmanager_secret.{k}.arn}}" for k in secrets)
    [log_group] = _of_type(synth, "aws_cloudwatch_log_group").values()
    assert log_group["name"] == "/aws/lambda/acme-test-features-redis-rotation"
    assert log_group["kms_key_id"] == LOGS_KEY and log_group["retention_in_days"] == 365
    [permission] = _of_type(synth, "aws_lambda_permission").values()
    assert permission["principal"] == "secretsmanager.amazonaws.com"
    assert permission["source_account"].startswith("${data.aws_caller_identity.")
    rotations = _of_type(synth, "aws_secretsmanager_secret_rotation").values()
    assert sorted(r["secret_id"] for r in rotations) == sorted(
        f"${{aws_secretsmanager_secret.{k}.id}}" for k in secrets
    )
    assert all(r["rotation_rules"] == {"automatically_after_days": 30} for r in rotations)
    assert all(r["rotate_immediately"] is False for r in rotations)
    document = _policies(synth)["rotate-redis-passwords"]
    resources = {s["Sid"]: s["Resource"] for s in document["Statement"]}
    assert resources["RotateSecrets"] == [
        f"${{aws_secretsmanager_secret.{k}.arn}}" for k in secrets
    ]
    assert len(resources["RotateUserPasswords"]) == 2
    actions = {
        a
        for st in document["Statement"]
        for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    }
    assert actions == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "secretsmanager:GetRandomPassword",
        "kms:GenerateDataKey",
        "kms:Decrypt",
        "kms:DescribeKey",
        "elasticache:ModifyUser",
        "elasticache:DescribeUsers",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    star = [s for s in document["Statement"] if s["Resource"] == "*"]
    assert sorted(s["Sid"] for s in star) == ["GeneratePasswords", "SendTraces"]


def test_redis_without_a_key_for_the_rotations_logs_is_refused(
    stack: TerraformStack, naming: Naming
) -> None:
    lake = DataLake(stack, "lake", naming=naming)
    with pytest.raises(ValueError, match="pass logs_key_arn"):
        FeatureStore(
            stack, "features", naming=naming, props=_props(REDIS), lake=lake, placement=PLACEMENT
        )


def test_redis_admits_only_its_clients_on_its_port(stack: TerraformStack, naming: Naming) -> None:
    _store(stack, naming, REDIS)
    synth = _synth(stack)
    ingress = list(_of_type(synth, "aws_vpc_security_group_ingress_rule").values())
    redis_ingress = [r for r in ingress if "features_security-group" in r["security_group_id"]]
    assert sorted(r["referenced_security_group_id"] for r in redis_ingress) == [
        "sg-nodes",
        "sg-ranker",
    ]
    assert all(r["from_port"] == r["to_port"] == 6379 for r in redis_ingress)
    egress = [
        r
        for r in _of_type(synth, "aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"] in {"sg-nodes", "sg-ranker"}
    ]
    assert len(egress) == 2 and all(r["to_port"] == 6379 for r in egress)
    assert _findings(synth, "MLP-EC2-1") == []


def test_redis_grants_read_one_users_secret(stack: TerraformStack, naming: Naming) -> None:
    store = _store(stack, naming, REDIS)
    store.grant_read_online(_role(stack, "serving"))
    store.grant_materialize(_role(stack, "pool"))
    policies = _policies(_synth(stack))
    [reader] = [
        s
        for s in policies["features-read-online-all"]["Statement"]
        if s["Sid"] == "ReadOnlineStoreAuth"
    ]
    [writer] = [
        s
        for s in policies["features-materialize-all"]["Statement"]
        if s["Sid"] == "ReadOnlineStoreAuth"
    ]
    assert len(reader["Resource"]) == len(writer["Resource"]) == 1
    assert reader["Resource"] != writer["Resource"]


def test_redis_needs_a_placement(stack: TerraformStack, naming: Naming) -> None:
    lake = DataLake(stack, "lake", naming=naming)
    with pytest.raises(ValueError, match="runs in the VPC; pass placement"):
        FeatureStore(stack, "features", naming=naming, props=_props(REDIS), lake=lake)


def test_redis_guardrail_names_transit_encryption_off(
    stack: TerraformStack, naming: Naming
) -> None:
    _store(stack, naming, REDIS)
    synth = _synth(stack)
    resources: Resources = synth["resource"]
    [group] = resources["aws_elasticache_replication_group"].values()
    group["transit_encryption_enabled"] = False
    group.pop("user_group_ids")
    [rule] = [r for r in RULES if r.id == "MLP-REDIS-1"]
    messages = [f.message for f in rule.check(resources)]
    assert messages == [
        "accepts connections without TLS (transit_encryption_enabled)",
        "lets clients in without AUTH (no user_group_ids or auth_token)",
    ]


# ----------------------------------------------------------------------------- importing
def test_an_imported_store_grants_the_same_tables_by_name(
    stack: TerraformStack, naming: Naming
) -> None:
    lake = DataLake.from_names(stack, "lake", naming=naming)
    store: IFeatureStore = FeatureStore.from_names(
        stack,
        "features",
        naming=naming,
        props=_props(),
        lake=lake,
        region="us-east-1",
        account_id="123456789012",
    )
    store.grant_read_online(_role(stack, "serving"), "ranker")
    synth = _synth(stack)
    assert _of_type(synth, "aws_dynamodb_table") == {}
    policy = _policies(synth)["features-read-online-ranker"]
    [table] = [s for s in policy["Statement"] if s["Sid"] == "ReadOnlineFeatures"]
    [arn] = table["Resource"]
    assert arn.endswith("}:dynamodb:us-east-1:123456789012:table/acme-test-features-ranker")
    assert store.online_table_names == {
        "ranker": "acme-test-features-ranker",
        "search": "acme-test-features-search",
    }
    # Teams watch the platform's tables by the same names.
    latency = store.metric_read_latency("ranker")
    assert isinstance(latency, MetricSpec)
    assert latency.dimension_map == {
        "TableName": "acme-test-features-ranker",
        "Operation": "BatchGetItem",
    }
    assert store.metric_read_throttles("search").dimension_map == {
        "TableName": "acme-test-features-search"
    }


def test_an_imported_redis_store_grants_secrets_by_name_pattern(
    stack: TerraformStack, naming: Naming
) -> None:
    lake = DataLake.from_names(stack, "lake", naming=naming)
    store = FeatureStore.from_names(
        stack,
        "features",
        naming=naming,
        props=_props(REDIS),
        lake=lake,
        region="us-east-1",
        account_id="123456789012",
    )
    store.grant_read_online(_role(stack, "serving"))
    policy = _policies(_synth(stack))["features-read-online-all"]
    [auth] = [s for s in policy["Statement"] if s["Sid"] == "ReadOnlineStoreAuth"]
    [arn] = auth["Resource"]
    assert arn.endswith(
        "}:secretsmanager:us-east-1:123456789012:secret:acme-test/features/redis-reader-??????"
    )
    assert "'acme-test-features-001'" in store.metric_evictions().expression
