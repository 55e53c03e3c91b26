"""ModelRegistry, ServingEndpoint and MlStack: resources, grants and outputs, read from synth JSON.

The grant tests are the issue's acceptance test on the synthesized IAM policies:
a role granted publish can write the registry, while an endpoint's role can
only read its own model family and pull its own image.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack, Testing

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider, AwsProviderDefaultTags
from mlplatform.config import ModelRegistryProps, ObjectLockProps, ServingEndpointProps
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies import ECR_PULL_ACTIONS, ECR_PUSH_ACTIONS, STAR_ONLY_ACTIONS
from mlplatform.guardrails.stack_check import Guardrails
from mlplatform.interfaces import DataCaptureDestination, VpcPlacement
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from tests.conftest import GUARDED_TAGS

ROOT = Path(__file__).resolve().parents[1]
LAKE = DataCaptureDestination(
    bucket_name="acme-test-datalake-raw",
    bucket_arn="arn:aws:s3:::acme-test-datalake-raw",
    key_arn="arn:aws:kms:us-east-1:123456789012:key/lake",
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:acme-test-ml-alarms"
PLACEMENT = VpcPlacement(
    vpc_id="vpc-0123",
    vpc_cidr="10.20.0.0/16",
    private_subnet_ids=("subnet-a", "subnet-b"),
    availability_zones=("us-east-1a", "us-east-1b"),
    s3_prefix_list_id="pl-63a5400a",
    dynamodb_prefix_list_id="pl-02cd2c6b",
)


def _endpoint_props(**overrides: Any) -> ServingEndpointProps:
    data: dict[str, Any] = {
        "model_package_group": "ranker",
        "instance_type": "ml.m5.large",
        "min_instances": 2,
        "max_instances": 6,
        "target_invocations_per_instance": 500,
        "data_capture_percent": 10,
        "variants": [{"name": "v7", "model_version": "7", "image_tag": "1.4.2"}],
    }
    data.update(overrides)
    return ServingEndpointProps.model_validate(data)


def _registry(stack: TerraformStack, naming: Naming, **props: Any) -> ModelRegistry:
    return ModelRegistry(
        stack,
        "registry",
        naming=naming,
        props=ModelRegistryProps(model_families=("ranker", "search"), **props),
    )


def _synth(stack: TerraformStack) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Testing.synth(stack))
    return result


def _of_type(synth: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = synth.get("resource", {}).get(kind, {})
    return found


def _variant_alarms(synth: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-variant alarms (one metric each), not the endpoint-wide rollback alarms."""
    alarms = _of_type(synth, "aws_cloudwatch_metric_alarm").values()
    return [a for a in alarms if "metric_name" in a]


def _one(synth: dict[str, Any], kind: str) -> dict[str, Any]:
    resources = list(_of_type(synth, kind).values())
    assert len(resources) == 1, f"expected one {kind}, found {len(resources)}"
    return resources[0]


def _address(synth: dict[str, Any], kind: str, name_part: str) -> str:
    matches = [n for n in _of_type(synth, kind) if name_part in n]
    assert len(matches) == 1, (kind, name_part, list(_of_type(synth, kind)))
    return f"{kind}.{matches[0]}"


def _policies_of_role(synth: dict[str, Any], role_address: str) -> list[dict[str, Any]]:
    return [
        json.loads(p["policy"])
        for p in _of_type(synth, "aws_iam_role_policy").values()
        if p["role"] == f"${{{role_address}.name}}"
    ]


def _statements(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for p in policies for s in p["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Every allowed action with the resources it is allowed on."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            grants.setdefault(action, set()).update(_as_list(statement["Resource"]))
    return grants


def _assert_no_wildcards(statements: list[dict[str, Any]]) -> None:
    for statement in statements:
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"wildcard action {action}"
        if "*" in _as_list(statement["Resource"]):
            assert set(_as_list(statement["Action"])) <= STAR_ONLY_ACTIONS, statement


# --------------------------------------------------------------------------- registry


def test_artifact_bucket_is_kms_encrypted_versioned_private_and_tls_only(
    stack: TerraformStack, naming: Naming
) -> None:
    _registry(stack, naming)
    synth = _synth(stack)

    buckets = {c["bucket"]: n for n, c in _of_type(synth, "aws_s3_bucket").items()}
    assert set(buckets) == {"acme-test-registry-artifacts", "acme-test-registry-access-logs"}
    artifacts = f"aws_s3_bucket.{buckets['acme-test-registry-artifacts']}"
    key = _address(synth, "aws_kms_key", "registry_key")

    def companion(kind: str) -> dict[str, Any]:
        found = [c for c in _of_type(synth, kind).values() if c["bucket"] == f"${{{artifacts}.id}}"]
        assert len(found) == 1, kind
        return found[0]

    encryption = companion("aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert encryption["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": f"${{{key}.arn}}",
    }
    assert companion("aws_s3_bucket_versioning")["versioning_configuration"] == {
        "status": "Enabled"
    }
    block = companion("aws_s3_bucket_public_access_block")
    assert all(
        block[flag]
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    assert '"aws:SecureTransport": "false"' in companion("aws_s3_bucket_policy")["policy"]
    rules = {r["id"]: r for r in companion("aws_s3_bucket_lifecycle_configuration")["rule"]}
    assert rules["expire-noncurrent-versions"]["noncurrent_version_expiration"] == [
        {"noncurrent_days": 90}
    ]
    assert companion("aws_s3_bucket_logging")["target_prefix"] == "artifacts/"
    assert "aws_s3_bucket_object_lock_configuration" not in synth["resource"]
    assert _one(synth, "aws_kms_key")["enable_key_rotation"] is True


def test_object_lock_in_governance_mode_where_configured(
    stack: TerraformStack, naming: Naming
) -> None:
    _registry(stack, naming, object_lock=ObjectLockProps(mode="GOVERNANCE", retention_days=30))
    synth = _synth(stack)

    lock = _one(synth, "aws_s3_bucket_object_lock_configuration")
    assert lock["rule"]["default_retention"] == {"mode": "GOVERNANCE", "days": 30}
    artifacts = next(
        c
        for c in _of_type(synth, "aws_s3_bucket").values()
        if c["bucket"] == "acme-test-registry-artifacts"
    )
    assert lock["object_lock_enabled"] == "Enabled"
    assert "object_lock_enabled" not in artifacts  # never replaced to turn the lock on


def test_metadata_table_has_pitr_kms_and_deletion_protection(
    stack: TerraformStack, naming: Naming
) -> None:
    _registry(stack, naming)
    synth = _synth(stack)

    table = _one(synth, "aws_dynamodb_table")
    key = _address(synth, "aws_kms_key", "registry_key")
    assert table["name"] == "acme-test-registry-models"
    assert (table["hash_key"], table["range_key"]) == ("model", "version")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": f"${{{key}.arn}}"}
    assert table["deletion_protection_enabled"] is True
    assert table["global_secondary_index"][0]["hash_key"] == "stage"


def test_deletion_protection_can_be_turned_off_by_name(
    stack: TerraformStack, naming: Naming
) -> None:
    _registry(stack, naming, deletion_protection=False)

    assert _one(_synth(stack), "aws_dynamodb_table")["deletion_protection_enabled"] is False


def test_each_family_gets_an_immutable_scanned_encrypted_repository_and_a_package_group(
    stack: TerraformStack, naming: Naming
) -> None:
    _registry(stack, naming, image_retention_count=12)
    synth = _synth(stack)
    key = _address(synth, "aws_kms_key", "registry_key")

    repositories = {r["name"]: r for r in _of_type(synth, "aws_ecr_repository").values()}
    assert set(repositories) == {"acme-test-registry-ranker", "acme-test-registry-search"}
    for repository in repositories.values():
        assert repository["image_tag_mutability"] == "IMMUTABLE"
        assert repository["image_scanning_configuration"] == {"scan_on_push": True}
        assert repository["encryption_configuration"] == [
            {"encryption_type": "KMS", "kms_key": f"${{{key}.arn}}"}
        ]
        assert repository["force_delete"] is False
    lifecycles = list(_of_type(synth, "aws_ecr_lifecycle_policy").values())
    assert len(lifecycles) == 2
    keep = json.loads(lifecycles[0]["policy"])["rules"][-1]["selection"]
    assert keep["countNumber"] == 12
    groups = {
        g["model_package_group_name"]
        for g in _of_type(synth, "aws_sagemaker_model_package_group").values()
    }
    assert groups == {"acme-test-registry-ranker", "acme-test-registry-search"}


def test_registry_exposes_names_not_resources(stack: TerraformStack, naming: Naming) -> None:
    registry = _registry(stack, naming)

    assert registry.model_families == ("ranker", "search")
    assert set(registry.repository_urls) == {"ranker", "search"}
    assert registry.artifact_uri("ranker", "7").endswith("/ranker/7/model.tar.gz")
    with pytest.raises(ValueError, match="no model family 'ranking'; its families are"):
        registry.repository_url("ranking")


# --------------------------------------------------------------------------- grants


def test_publish_lets_a_role_write_artifacts_rows_images_and_packages(
    stack: TerraformStack, naming: Naming
) -> None:
    registry = _registry(stack, naming)
    trainer = IamRole(stack, "trainer", name="trainer", assume_role_policy="{}")
    registry.grant_publish(trainer, "ranker")
    synth = _synth(stack)

    bucket = _address(synth, "aws_s3_bucket", "artifacts")
    table = _address(synth, "aws_dynamodb_table", "metadata")
    ranker = _address(synth, "aws_ecr_repository", "repository-ranker")
    statements = _statements(_policies_of_role(synth, "aws_iam_role.trainer"))
    grants = _grants(statements)

    assert grants["s3:PutObject"] == {f"${{{bucket}.arn}}/ranker/*"}
    assert grants["dynamodb:PutItem"] == {f"${{{table}.arn}}"}
    rows = next(s for s in statements if "dynamodb:PutItem" in s["Action"])
    assert rows["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == ["ranker"]
    for action in ECR_PUSH_ACTIONS:
        assert grants[action] == {f"${{{ranker}.arn}}"}
    assert "kms:GenerateDataKey" in grants
    assert "sagemaker:CreateModelPackage" in grants
    _assert_no_wildcards(statements)
    assert not [a for a in grants if "Delete" in a]


def test_publish_without_a_family_covers_every_family(
    stack: TerraformStack, naming: Naming
) -> None:
    registry = _registry(stack, naming)
    trainer = IamRole(stack, "trainer", name="trainer", assume_role_policy="{}")
    registry.grant_publish(trainer)
    synth = _synth(stack)

    bucket = _address(synth, "aws_s3_bucket", "artifacts")
    grants = _grants(_statements(_policies_of_role(synth, "aws_iam_role.trainer")))
    assert grants["s3:PutObject"] == {
        f"${{{bucket}.arn}}/ranker/*",
        f"${{{bucket}.arn}}/search/*",
    }
    names = [p["name"] for p in _of_type(synth, "aws_iam_role_policy").values()]
    assert names == ["registry-publish-all"]


def test_the_endpoint_role_reads_only_its_own_model_and_pulls_only_its_own_image(
    stack: TerraformStack, naming: Naming
) -> None:
    registry = _registry(stack, naming)
    trainer = IamRole(stack, "trainer", name="trainer", assume_role_policy="{}")
    registry.grant_publish(trainer)
    endpoint = ServingEndpoint(
        stack, "ranker", registry=registry, props=_endpoint_props(), data_capture=LAKE
    )
    synth = _synth(stack)

    bucket = _address(synth, "aws_s3_bucket", "artifacts")
    ranker = _address(synth, "aws_ecr_repository", "repository-ranker")
    search = _address(synth, "aws_ecr_repository", "repository-search")
    table = _address(synth, "aws_dynamodb_table", "metadata")
    role = _address(synth, "aws_iam_role", "execution-role")
    statements = _statements(_policies_of_role(synth, role))
    grants = _grants(statements)

    # Reads its own family's artifacts, nothing else of the registry bucket.
    assert grants["s3:GetObject"] == {f"${{{bucket}.arn}}/ranker/*"}
    registry_resources = {r for rs in grants.values() for r in rs if bucket in r}
    assert registry_resources == {f"${{{bucket}.arn}}", f"${{{bucket}.arn}}/ranker/*"}
    listing = next(s for s in statements if s["Action"] == "s3:ListBucket")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["ranker/*"]}}
    # Pulls its own image only; pushes nothing.
    for action in ECR_PULL_ACTIONS:
        assert grants[action] == {f"${{{ranker}.arn}}"}
    assert not any(search in r for rs in grants.values() for r in rs)
    assert not set(grants) & (set(ECR_PUSH_ACTIONS) - set(ECR_PULL_ACTIONS))
    # Writes no registry artifact, no metadata row.
    assert not any(bucket in r for r in grants.get("s3:PutObject", set()))
    assert not [a for a in grants if a.startswith("dynamodb:")]
    assert not any(table in r for rs in grants.values() for r in rs)
    # Its only write to S3 is captured data under its own prefix of the lake.
    assert grants["s3:PutObject"] == {f"{LAKE.bucket_arn}/data-capture/ranker/*"}
    _assert_no_wildcards(statements)
    assert endpoint.variant_names == ("v7",)


def test_the_trust_policy_admits_only_sagemaker_of_this_account(
    stack: TerraformStack, naming: Naming
) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
    )
    synth = _synth(stack)

    trust = json.loads(_one(synth, "aws_iam_role")["assume_role_policy"])["Statement"]
    assert len(trust) == 1
    assert trust[0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert "aws:SourceAccount" in trust[0]["Condition"]["StringEquals"]


# --------------------------------------------------------------------------- endpoint


def test_endpoint_model_config_and_endpoint(stack: TerraformStack, naming: Naming) -> None:
    endpoint = ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
        alarm_topic_arn=TOPIC,
    )
    synth = _synth(stack)

    bucket = _address(synth, "aws_s3_bucket", "artifacts")
    repository = _address(synth, "aws_ecr_repository", "repository-ranker")
    key = _address(synth, "aws_kms_key", "registry_key")
    model = _one(synth, "aws_sagemaker_model")
    assert model["primary_container"]["image"] == f"${{{repository}.repository_url}}:1.4.2"
    assert model["primary_container"]["model_data_url"] == (
        f"s3://${{{bucket}.bucket}}/ranker/7/model.tar.gz"
    )
    assert model["enable_network_isolation"] is True
    assert model["lifecycle"] == {"create_before_destroy": True}
    config = _one(synth, "aws_sagemaker_endpoint_configuration")
    # The autoscaled count is autoscaling's once the configuration exists (see test_serving_rollout).
    assert config["lifecycle"] == {
        "create_before_destroy": True,
        "ignore_changes": ["production_variants[0].initial_instance_count"],
    }
    assert config["kms_key_arn"] == f"${{{key}.arn}}"
    [variant] = config["production_variants"]
    assert variant["instance_type"] == "ml.m5.large"
    # A new configuration starts the autoscaled primary at max_instances, never below
    # what autoscaling may have added.
    assert variant["initial_instance_count"] == 6
    assert variant["initial_variant_weight"] == 100
    # Names carry the plan's hash, then four hex digits of what only exists at apply
    # (role, repository, bucket), so replacing any of those renames the model too.
    assert model["name"].startswith("acme-test-serving-ranker-v7-")
    assert '${substr(sha1(join(",", [' in model["name"]
    assert "aws_iam_role." in model["name"] and "aws_ecr_repository." in model["name"]
    assert config["name"].startswith("acme-test-serving-ranker-")
    assert "aws_sagemaker_model." in config["name"]
    sagemaker = _one(synth, "aws_sagemaker_endpoint")
    assert sagemaker["name"] == "acme-test-serving-ranker"
    assert (
        sagemaker["endpoint_config_name"]
        == f"${{{_address(synth, 'aws_sagemaker_endpoint_configuration', 'config')}.name}}"
    )
    assert endpoint.variant_names == ("v7",)
    assert endpoint.uses_gpu is False


def test_data_capture_samples_into_the_lake_encrypted(
    stack: TerraformStack, naming: Naming
) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
    )

    capture = _one(_synth(stack), "aws_sagemaker_endpoint_configuration")["data_capture_config"]
    assert capture["enable_capture"] is True
    assert capture["initial_sampling_percentage"] == 10
    assert capture["destination_s3_uri"] == "s3://acme-test-datalake-raw/data-capture/ranker/"
    assert capture["kms_key_id"] == LAKE.key_arn
    assert [o["capture_mode"] for o in capture["capture_options"]] == ["Input", "Output"]


def test_two_variants_with_weights_for_a_canary(stack: TerraformStack, naming: Naming) -> None:
    props = _endpoint_props(
        instance_type="ml.g5.xlarge",
        variants=[
            {"name": "v7", "model_version": "7", "image_tag": "1.4.2", "weight": 90},
            {"name": "v8", "model_version": "8", "image_tag": "1.5.0", "weight": 10},
        ],
    )
    endpoint = ServingEndpoint(
        stack, "ranker", registry=_registry(stack, naming), props=props, data_capture=LAKE
    )
    synth = _synth(stack)

    config = _one(synth, "aws_sagemaker_endpoint_configuration")
    weights = {
        v["variant_name"]: v["initial_variant_weight"] for v in config["production_variants"]
    }
    assert weights == {"v7": 90, "v8": 10}
    # GPU types carry NVMe instance storage: SageMaker refuses a volume key for them.
    assert "kms_key_arn" not in config
    urls = sorted(
        m["primary_container"]["model_data_url"]
        for m in _of_type(synth, "aws_sagemaker_model").values()
    )
    assert [u.rsplit("/", 3)[-3:] for u in urls] == [
        ["ranker", "7", "model.tar.gz"],
        ["ranker", "8", "model.tar.gz"],
    ]
    assert endpoint.uses_gpu is True
    # Only the primary autoscales: SageMaker will not drop an autoscaled variant.
    [target] = _of_type(synth, "aws_appautoscaling_target").values()
    assert target["resource_id"] == "endpoint/acme-test-serving-ranker/variant/v7"
    assert len(_variant_alarms(synth)) == 4
    counts = {v["variant_name"]: v["initial_instance_count"] for v in config["production_variants"]}
    assert counts == {"v7": 6, "v8": 2}  # the canary's count is fixed at min_instances


def test_a_canary_keeps_the_endpoint_name(naming: Naming, tmp_path: Path) -> None:
    def endpoint_of(variants: list[dict[str, Any]]) -> tuple[str, str]:
        app = Testing.app(outdir=str(tmp_path))
        stack = TerraformStack(app, "rollout")
        AwsProvider(stack, "aws", region="us-east-1")
        ServingEndpoint(
            stack,
            "ranker",
            registry=_registry(stack, naming),
            props=_endpoint_props(variants=variants),
            data_capture=LAKE,
        )
        synth = _synth(stack)
        return (
            _one(synth, "aws_sagemaker_endpoint")["name"],
            _one(synth, "aws_sagemaker_endpoint_configuration")["name"],
        )

    v7 = {"name": "v7", "model_version": "7", "image_tag": "1.4.2"}
    v8 = {"name": "v8", "model_version": "8", "image_tag": "1.5.0"}
    before = endpoint_of([v7])
    canary = endpoint_of([{**v7, "weight": 90}, {**v8, "weight": 10}])
    promoted = endpoint_of([v8])

    assert before[0] == canary[0] == promoted[0] == "acme-test-serving-ranker"
    assert len({before[1], canary[1], promoted[1]}) == 3


def test_autoscaling_tracks_invocations_per_instance(stack: TerraformStack, naming: Naming) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
    )
    synth = _synth(stack)

    target = _one(synth, "aws_appautoscaling_target")
    assert target["service_namespace"] == "sagemaker"
    assert target["resource_id"] == "endpoint/acme-test-serving-ranker/variant/v7"
    assert target["scalable_dimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (target["min_capacity"], target["max_capacity"]) == (2, 6)
    policy = _one(synth, "aws_appautoscaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling"
    tracking = policy["target_tracking_scaling_policy_configuration"]
    assert tracking["target_value"] == 500
    assert tracking["predefined_metric_specification"] == {
        "predefined_metric_type": "SageMakerVariantInvocationsPerInstance"
    }
    assert tracking["scale_in_cooldown"] > tracking["scale_out_cooldown"]


def test_autoscaling_off_creates_no_scaling_resources(
    stack: TerraformStack, naming: Naming
) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(autoscaling=False),
        data_capture=LAKE,
    )
    synth = _synth(stack)

    assert not _of_type(synth, "aws_appautoscaling_target")
    assert not _of_type(synth, "aws_appautoscaling_policy")


def test_serverless_variant_for_dev(stack: TerraformStack, naming: Naming) -> None:
    props = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "serverless": {"memory_size_mb": 2048, "max_concurrency": 5},
            "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
        }
    )
    ServingEndpoint(stack, "ranker", registry=_registry(stack, naming), props=props)
    synth = _synth(stack)

    config = _one(synth, "aws_sagemaker_endpoint_configuration")
    [variant] = config["production_variants"]
    assert variant["serverless_config"] == {"memory_size_in_mb": 2048, "max_concurrency": 5}
    assert "instance_type" not in variant
    assert "data_capture_config" not in config
    assert not _of_type(synth, "aws_appautoscaling_target")
    # No capture, no capture grant.
    assert not any(
        p["name"] == "endpoint-data-capture"
        for p in _of_type(synth, "aws_iam_role_policy").values()
    )


def test_alarms_on_5xx_and_latency_notify_the_topic(stack: TerraformStack, naming: Naming) -> None:
    endpoint = ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
        alarm_topic_arn=TOPIC,
    )
    synth = _synth(stack)

    alarms = {a["metric_name"]: a for a in _variant_alarms(synth)}
    assert set(alarms) == {"Invocation5XXErrors", "ModelLatency"}
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/SageMaker"
        assert alarm["alarm_actions"] == [TOPIC]
        assert alarm["ok_actions"] == [TOPIC]
        assert alarm["dimensions"] == {
            "EndpointName": "acme-test-serving-ranker",
            "VariantName": "v7",
        }
    assert alarms["ModelLatency"]["extended_statistic"] == "p99"
    every_alarm = {a["alarm_name"] for a in _of_type(synth, "aws_cloudwatch_metric_alarm").values()}
    assert set(endpoint.alarm_names) == every_alarm
    assert set(endpoint.alarm_names) - set(endpoint.rollback_alarm_names) == {
        a["alarm_name"] for a in alarms.values()
    }


def test_container_logs_are_encrypted_and_expire(stack: TerraformStack, naming: Naming) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
    )
    synth = _synth(stack)

    logs = _one(synth, "aws_cloudwatch_log_group")
    key = _address(synth, "aws_kms_key", "registry_key")
    assert logs["name"] == "/aws/sagemaker/Endpoints/acme-test-serving-ranker"
    assert logs["kms_key_id"] == f"${{{key}.arn}}"
    assert logs["retention_in_days"] == 365
    # The registry key admits CloudWatch Logs, or the log group could not use it.
    key_policy = json.loads(_one(synth, "aws_kms_key")["policy"])
    assert any(s.get("Sid") == "AllowCloudWatchLogs" for s in key_policy["Statement"])


def test_placement_runs_instances_in_private_subnets_with_https_egress_only(
    stack: TerraformStack, naming: Naming
) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
        placement=PLACEMENT,
    )
    synth = _synth(stack)

    group = _address(synth, "aws_security_group", "security-group")
    assert _one(synth, "aws_security_group")["vpc_id"] == "vpc-0123"
    assert not _of_type(synth, "aws_vpc_security_group_ingress_rule")
    egress = _of_type(synth, "aws_vpc_security_group_egress_rule").values()
    assert {(e.get("prefix_list_id"), e.get("cidr_ipv4")) for e in egress} == {
        ("pl-63a5400a", None),
        (None, "10.20.0.0/16"),
    }
    assert all((e["from_port"], e["to_port"]) == (443, 443) for e in egress)
    model = _one(synth, "aws_sagemaker_model")
    assert model["vpc_config"] == {
        "security_group_ids": [f"${{{group}.id}}"],
        "subnets": ["subnet-a", "subnet-b"],
    }
    role = _address(synth, "aws_iam_role", "execution-role")
    statements = _statements(_policies_of_role(synth, role))
    assert "ec2:CreateNetworkInterface" in _grants(statements)
    _assert_no_wildcards(statements)


def test_without_placement_the_model_has_no_vpc_config(
    stack: TerraformStack, naming: Naming
) -> None:
    ServingEndpoint(
        stack,
        "ranker",
        registry=_registry(stack, naming),
        props=_endpoint_props(),
        data_capture=LAKE,
    )
    synth = _synth(stack)

    assert "vpc_config" not in _one(synth, "aws_sagemaker_model")
    assert not _of_type(synth, "aws_security_group")


def test_a_serverless_endpoint_cannot_be_placed_in_a_vpc(
    stack: TerraformStack, naming: Naming
) -> None:
    props = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "serverless": {},
            "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
        }
    )

    with pytest.raises(ValueError, match="serverless endpoint cannot run in a VPC"):
        ServingEndpoint(
            stack, "ranker", registry=_registry(stack, naming), props=props, placement=PLACEMENT
        )


def test_an_endpoint_must_serve_a_family_of_the_registry(
    stack: TerraformStack, naming: Naming
) -> None:
    registry = ModelRegistry(
        stack, "registry", naming=naming, props=ModelRegistryProps(model_families=("search",))
    )

    with pytest.raises(ValueError, match="model_package_group 'ranker' is not a family"):
        ServingEndpoint(stack, "ranker", registry=registry, props=_endpoint_props())


def test_data_capture_needs_a_destination(stack: TerraformStack, naming: Naming) -> None:
    with pytest.raises(ValueError, match="no data_capture destination was given"):
        ServingEndpoint(stack, "ranker", registry=_registry(stack, naming), props=_endpoint_props())


def test_registry_and_endpoint_pass_every_guardrail(tmp_path: Path, naming: Naming) -> None:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "guarded")
    AwsProvider(
        stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=GUARDED_TAGS)]
    )
    Guardrails.apply(stack)
    registry = _registry(stack, naming)
    ServingEndpoint(stack, "ranker", registry=registry, props=_endpoint_props(), data_capture=LAKE)

    app.synth()

    assert (tmp_path / "stacks" / "guarded" / "cdk.tf.json").is_file()


# --------------------------------------------------------------------------- stack


def test_ml_stack_outputs_and_wiring(tmp_path: Path) -> None:
    config = EnvironmentLoader(ROOT / "environments").load("staging")
    PlatformApp([config], outdir=str(tmp_path)).synth()
    synth = json.loads((tmp_path / "stacks" / "staging-ml" / "cdk.tf.json").read_text())

    assert set(synth["output"]) >= {
        "registry_bucket",
        "registry_table",
        "ecr_repositories",
        "endpoint_names",
        "alarm_topic_arn",
    }
    topic = _one(synth, "aws_sns_topic")
    assert topic["name"] == "mlp-staging-ml-alarms"
    assert topic["kms_master_key_id"].startswith("${aws_kms_key.")
    endpoint = _one(synth, "aws_sagemaker_endpoint")
    assert endpoint["name"] == "mlp-staging-serving-ranker"
    # Captured requests land in the data stack's raw zone (cross-stack reference).
    capture = _one(synth, "aws_sagemaker_endpoint_configuration")["data_capture_config"]
    assert "terraform_remote_state" in capture["destination_s3_uri"]
    assert capture["destination_s3_uri"].endswith("/data-capture/ranker/")
    # Instances run in the network stack's private subnets.
    model_vpc = next(iter(_of_type(synth, "aws_sagemaker_model").values()))["vpc_config"]
    assert all("terraform_remote_state" in subnet for subnet in model_vpc["subnets"])
    # Alarms notify the stack's topic.
    topic_address = _address(synth, "aws_sns_topic", "alarm-topic")
    for alarm in _of_type(synth, "aws_cloudwatch_metric_alarm").values():
        assert alarm["alarm_actions"] == [f"${{{topic_address}.arn}}"]
    # Training jobs of the compute layer's GPU pools may publish every family.
    publish = [
        p
        for p in _of_type(synth, "aws_iam_role_policy").values()
        if p["name"] == "model-registry-publish-all"
    ]
    pools = config.compute.gpu_pools if config.compute is not None else {}
    assert len(publish) == len(pools)
    for policy in publish:
        assert "terraform_remote_state" in policy["role"]
