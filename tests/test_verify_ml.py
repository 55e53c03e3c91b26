"""mlplatform.verify on the ml layer against moto: the registry, the alarm topic and the
endpoints with their scaling and alarms, each changed the way someone would change them by
hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.policies.ecr import ecr_lifecycle_policy
from mlplatform.emulator.local_aws import LocalAws
from tests.deployed_environment import (
    ACCOUNT,
    Builder,
    build_environment,
    change_alarm,
    client,
    local_with,
    verifier,
)

ENDPOINT = "mlp-local-serving-ranker"
TARGET = f"endpoint/{ENDPOINT}/variant/primary"
POLICY = "mlp-local-serving-ranker-primary-invocations"
ERRORS_ALARM = "mlp-local-serving-ranker-primary-5xx-errors"
TABLE = "mlp-local-registry-models"
REPOSITORY = "mlp-local-registry-ranker"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:mlp-local-ml-alarms"


@pytest.fixture
def aws(emulated_aws: LocalAws) -> None:
    """The session's emulator server, emptied; its fixes answer as AWS does."""


@pytest.fixture
def config() -> EnvironmentConfig:
    return local_with()


def _scaling_bounds(minimum: int, maximum: int) -> None:
    client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=TARGET,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


def _raise_max(builder: Builder) -> None:
    _scaling_bounds(1, 5)


def _retarget_policy(builder: Builder) -> None:
    client("application-autoscaling").put_scaling_policy(
        PolicyName=POLICY,
        ServiceNamespace="sagemaker",
        ResourceId=TARGET,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 500.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
            "ScaleInCooldown": 300,
            "ScaleOutCooldown": 60,
        },
    )


def _delete_policy(builder: Builder) -> None:
    client("application-autoscaling").delete_scaling_policy(
        PolicyName=POLICY,
        ServiceNamespace="sagemaker",
        ResourceId=TARGET,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )


def _change_alarm(**changes: Any) -> None:
    change_alarm(ERRORS_ALARM, **changes)


def _silence_alarm(builder: Builder) -> None:
    _change_alarm(AlarmActions=[])


def _raise_threshold(builder: Builder) -> None:
    _change_alarm(Threshold=50.0)


def _delete_alarm(builder: Builder) -> None:
    client("cloudwatch").delete_alarms(AlarmNames=[ERRORS_ALARM])


ROLLBACK_ALARM = "mlp-local-serving-ranker-rollback-5xx-errors"


def _delete_rollback_alarm(builder: Builder) -> None:
    client("cloudwatch").delete_alarms(AlarmNames=[ROLLBACK_ALARM])


def _deploy_all_at_once(builder: Builder) -> None:
    sagemaker = client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    deployment = endpoint["LastDeploymentConfig"]
    deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] = {
        "Type": "ALL_AT_ONCE",
        "WaitIntervalInSeconds": 600,
    }
    sagemaker.update_endpoint(
        EndpointName=ENDPOINT,
        EndpointConfigName=endpoint["EndpointConfigName"],
        DeploymentConfig=deployment,
    )


def _switch_configuration(builder: Builder) -> None:
    sagemaker = client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    current = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    sagemaker.create_endpoint_config(
        EndpointConfigName="hand-made",
        ProductionVariants=current["ProductionVariants"],
        DataCaptureConfig=current["DataCaptureConfig"],
        KmsKeyId=current["KmsKeyId"],
    )
    sagemaker.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="hand-made")


def _pitr_off(builder: Builder) -> None:
    client("dynamodb").update_continuous_backups(
        TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )


def _protect_table(builder: Builder) -> None:
    client("dynamodb").update_table(TableName=TABLE, DeletionProtectionEnabled=True)


def _mutable_tags(builder: Builder) -> None:
    client("ecr").put_image_tag_mutability(repositoryName=REPOSITORY, imageTagMutability="MUTABLE")


def _no_scan(builder: Builder) -> None:
    client("ecr").put_image_scanning_configuration(
        repositoryName=REPOSITORY, imageScanningConfiguration={"scanOnPush": False}
    )


def _keep_more_images(builder: Builder) -> None:
    client("ecr").put_lifecycle_policy(
        repositoryName=REPOSITORY, lifecyclePolicyText=json.dumps(ecr_lifecycle_policy(50))
    )
    builder.keys["kept"] = json.dumps(ecr_lifecycle_policy(50))
    builder.keys["wanted"] = json.dumps(ecr_lifecycle_policy(5))


def _delete_package_group(builder: Builder) -> None:
    client("sagemaker").delete_model_package_group(ModelPackageGroupName=REPOSITORY)


def _topic_unencrypted(builder: Builder) -> None:
    client("sns").set_topic_attributes(
        TopicArn=TOPIC, AttributeName="KmsMasterKeyId", AttributeValue=""
    )


def _alarm_key_rotation_off(builder: Builder) -> None:
    kms = client("kms")
    key = kms.describe_key(KeyId="alias/mlp-local-ml-alarms")["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key)


def _artifacts_unversioned(builder: Builder) -> None:
    client("s3").put_bucket_versioning(
        Bucket="mlp-local-registry-artifacts", VersioningConfiguration={"Status": "Suspended"}
    )


def _endpoint_logs_forever(builder: Builder) -> None:
    client("logs").delete_retention_policy(logGroupName=f"/aws/sagemaker/Endpoints/{ENDPOINT}")


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (_raise_max, f"scalable target {TARGET}: max capacity is 5, expected 2"),
        (_retarget_policy, f"scaling policy {POLICY}: target value is 500, expected 100"),
        (_delete_policy, f"scaling policy {POLICY}: not found (on {TARGET})"),
        (_silence_alarm, f"alarm {ERRORS_ALARM}: alarm actions is [], expected [{TOPIC}]"),
        (_raise_threshold, f"alarm {ERRORS_ALARM}: threshold is 50, expected 5"),
        (_delete_alarm, f"alarm {ERRORS_ALARM}: not found"),
        (_delete_rollback_alarm, f"alarm {ROLLBACK_ALARM}: not found"),
        (
            _deploy_all_at_once,
            f"endpoint {ENDPOINT}: deployment traffic routing is ALL_AT_ONCE, expected CANARY",
        ),
        (
            _switch_configuration,
            f"endpoint {ENDPOINT}: configuration is hand-made, expected one named "
            f"<config>-xxxx (the configuration the environment file describes)",
        ),
        (
            _pitr_off,
            f"DynamoDB table {TABLE}: point-in-time recovery is DISABLED, expected ENABLED",
        ),
        (_protect_table, f"DynamoDB table {TABLE}: deletion protection is true, expected false"),
        (
            _mutable_tags,
            f"ECR repository {REPOSITORY}: tag mutability is MUTABLE, expected IMMUTABLE",
        ),
        (_no_scan, f"ECR repository {REPOSITORY}: scan on push is false, expected true"),
        (
            _keep_more_images,
            f"ECR repository {REPOSITORY}: lifecycle policy is <kept>, expected <wanted>",
        ),
        (_delete_package_group, f"model package group {REPOSITORY}: not found"),
        (
            _topic_unencrypted,
            "SNS topic mlp-local-ml-alarms: encryption key (the alias/mlp-local-ml-alarms key) "
            "is not set, expected <alias/mlp-local-ml-alarms>",
        ),
        (
            _alarm_key_rotation_off,
            "KMS key alias/mlp-local-ml-alarms: automatic rotation is disabled, expected enabled",
        ),
        (
            _artifacts_unversioned,
            "bucket mlp-local-registry-artifacts: versioning is Suspended, expected Enabled",
        ),
        (
            _endpoint_logs_forever,
            f"log group /aws/sagemaker/Endpoints/{ENDPOINT}: retention days is not set, expected 7",
        ),
    ],
    ids=[
        "scaling-max",
        "scaling-target-value",
        "scaling-policy",
        "alarm-actions",
        "alarm-threshold",
        "alarm",
        "rollback-alarm",
        "rollout-policy",
        "endpoint-configuration",
        "table-pitr",
        "table-deletion-protection",
        "ecr-tags",
        "ecr-scan",
        "ecr-lifecycle",
        "package-group",
        "topic-key",
        "alarm-key-rotation",
        "artifact-versioning",
        "endpoint-log-retention",
    ],
)
def test_one_change_is_exactly_one_problem(
    aws: None,
    config: EnvironmentConfig,
    breakage: Callable[[Builder], None],
    problem: str,
) -> None:
    builder = build_environment(config)
    builder.keys["config"] = builder.config_names["ranker"]
    breakage(builder)

    for name, value in builder.keys.items():
        problem = problem.replace(f"<{name}>", value)
    assert verifier(config).verify() == [problem]


def test_a_variant_the_file_does_not_autoscale_has_no_scalable_target(aws: None) -> None:
    config = local_with(
        (
            "      min_instances: 1\n",
            # One fixed instance cannot be split by a canary, so it rolls out all at once.
            "      autoscaling: false\n      rollout: {strategy: all_at_once}\n"
            "      min_instances: 1\n",
        )
    )
    build_environment(config)
    assert verifier(config).verify() == []

    _scaling_bounds(1, 2)

    assert verifier(config).verify() == [
        f"scalable target {TARGET}: registered, but the environment file does not autoscale "
        "this variant"
    ]
