"""Guardrails fail synth with an actionable rule id; suppressions need a reason; tags reach far."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack, Testing

from mlplatform.bindings.aws.cloudwatch_log_group import CloudwatchLogGroup
from mlplatform.bindings.aws.dynamodb_table import DynamodbTable
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.kms_key import KmsKey
from mlplatform.bindings.aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from mlplatform.bindings.aws.provider import AwsProvider, AwsProviderDefaultTags
from mlplatform.bindings.aws.s3_bucket import S3Bucket
from mlplatform.bindings.aws.security_group import SecurityGroup
from mlplatform.bindings.aws.vpc import Vpc
from mlplatform.bindings.aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from mlplatform.constructs.node_group import ManagedNodeGroup, ManagedNodeGroupProps
from mlplatform.constructs.secure_bucket import SecureBucket, SecureBucketProps
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.guardrails.stack_check import GuardedStack, Guardrails
from mlplatform.guardrails.suppressions import suppress

NODE_GROUP = ManagedNodeGroupProps(
    node_group_name="nodes",
    cluster_name="cluster",
    node_role_arn="arn:aws:iam::111111111111:role/nodes",
    subnet_ids=["subnet-1"],
    instance_types=["m6i.large"],
    ami_type="AL2023_x86_64_STANDARD",
    capacity_type="ON_DEMAND",
    min_size=0,
    max_size=2,
    desired_size=0,
    root_volume_gib=50,
)

TAGS = {"env": "test", "team": "ml-platform", "cost-center": "ml", "component": "guardrails"}


def guarded_stack(tmp_path: Path) -> tuple[App, TerraformStack]:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "guarded")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    Guardrails.apply(stack)
    return app, stack


def synth_errors(app: App) -> str:
    with pytest.raises(RuntimeError) as failure:
        app.synth()
    return str(failure.value)


def test_plain_bucket_breaks_every_s3_rule(tmp_path: Path) -> None:
    app, stack = guarded_stack(tmp_path)
    S3Bucket(stack, "naked", bucket="naked")

    errors = synth_errors(app)

    for rule in ("MLP-S3-1", "MLP-S3-2", "MLP-S3-3", "MLP-S3-4"):
        assert rule in errors
    assert (
        "MLP-S3-1: S3 buckets block all public access. aws_s3_bucket.naked (guarded/naked)"
        in errors
    )
    assert "fix: add an aws_s3_bucket_public_access_block" in errors


def test_secure_bucket_passes_every_rule(tmp_path: Path) -> None:
    app, stack = guarded_stack(tmp_path)
    key = KmsKey(stack, "key", enable_key_rotation=True)
    StateRetention.protect(key)
    SecureBucket(stack, "data", props=SecureBucketProps(bucket_name="data", kms_key_arn=key.arn))

    app.synth()

    assert (tmp_path / "stacks" / "guarded" / "cdk.tf.json").is_file()


def test_suppression_silences_one_rule_on_one_construct_only(tmp_path: Path) -> None:
    app, stack = guarded_stack(tmp_path)
    exempt = S3Bucket(stack, "exempt", bucket="exempt")
    S3Bucket(stack, "other", bucket="other")
    suppress(exempt, "MLP-S3-1", "public website bucket, reviewed in SEC-123")

    errors = synth_errors(app)

    assert "MLP-S3-1: S3 buckets block all public access. aws_s3_bucket.exempt" not in errors
    assert "aws_s3_bucket.exempt (guarded/exempt) is not encrypted" in errors
    assert "MLP-S3-1: S3 buckets block all public access. aws_s3_bucket.other" in errors


def test_suppression_without_a_reason_is_refused(stack: TerraformStack) -> None:
    bucket = S3Bucket(stack, "b", bucket="b")

    with pytest.raises(ValueError, match="needs a reason"):
        suppress(bucket, "MLP-S3-1", "  ")


def test_log_bucket_without_kms_is_refused_unless_it_receives_logs(stack: TerraformStack) -> None:
    with pytest.raises(ValueError, match="kms_key_arn is required"):
        SecureBucket(stack, "b", props=SecureBucketProps(bucket_name="b", kms_key_arn=None))


def _function(scope: TerraformStack, **settings: Any) -> LambdaFunction:
    return LambdaFunction(
        scope,
        "function",
        function_name="f",
        role="arn:aws:iam::111111111111:role/f",
        handler="index.handler",
        runtime="python3.12",
        filename="code.zip",
        **settings,
    )


def _kept_logs(scope: TerraformStack, name: str = "/aws/lambda/f") -> CloudwatchLogGroup:
    key = KmsKey(scope, "logs-key", enable_key_rotation=True)
    StateRetention.protect(key)
    return CloudwatchLogGroup(scope, "logs", name=name, kms_key_id=key.arn, retention_in_days=30)


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (
            lambda s: _function(s),
            "aws_lambda_function.function (guarded/function) logs to /aws/lambda/f, which no",
        ),
        (
            lambda s: (_kept_logs(s, "/aws/lambda/other"), _function(s)),
            "logs to /aws/lambda/f, which no aws_cloudwatch_log_group here makes",
        ),
        (
            lambda s: (
                _kept_logs(s),
                _function(s, environment=LambdaFunctionEnvironment(variables={"A": "b"})),
            ),
            "aws_lambda_function.function (guarded/function) keeps environment variables without "
            "kms_key_arn",
        ),
    ],
    ids=["no-log-group", "another-log-group", "variables-without-key"],
)
def test_a_function_lambda_would_log_alone_or_with_plain_variables_fails_synth(
    tmp_path: Path, build: Any, says: str
) -> None:
    app, stack = guarded_stack(tmp_path)
    build(stack)

    errors = synth_errors(app)

    assert "MLP-LAMBDA-1" in errors and says in errors


def test_a_function_with_its_log_group_and_keyed_variables_passes(tmp_path: Path) -> None:
    app, stack = guarded_stack(tmp_path)
    _kept_logs(stack)
    _function(
        stack,
        environment=LambdaFunctionEnvironment(variables={"A": "b"}),
        kms_key_arn="arn:aws:kms:us-east-1:111111111111:key/k",
    )

    app.synth()

    assert (tmp_path / "stacks" / "guarded" / "cdk.tf.json").is_file()


@pytest.mark.parametrize(
    ("rule", "build"),
    [
        ("MLP-KMS-1", lambda s: KmsKey(s, "key", enable_key_rotation=False)),
        ("MLP-LOG-1", lambda s: CloudwatchLogGroup(s, "logs", name="logs")),
        ("MLP-RET-1", lambda s: DynamodbTable(s, "table", name="t", hash_key="id")),
        ("MLP-VPC-1", lambda s: Vpc(s, "vpc", cidr_block="10.0.0.0/16")),
        (
            "MLP-EC2-1",
            lambda s: VpcSecurityGroupIngressRule(
                s,
                "open",
                security_group_id=SecurityGroup(s, "sg", name="sg").id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp",
                from_port=22,
                to_port=22,
            ),
        ),
        (
            "MLP-IAM-1",
            lambda s: IamRolePolicy(
                s,
                "admin",
                role=IamRole(s, "r", assume_role_policy="{}").name,
                policy=json.dumps(
                    {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
                ),
            ),
        ),
    ],
)
def test_each_rule_fires_on_its_violation(tmp_path: Path, rule: str, build: Any) -> None:
    app, stack = guarded_stack(tmp_path)
    build(stack)

    assert rule in synth_errors(app)


class TaggedStack(TerraformStack):
    """A stack that, like PlatformStack, names the tags for what launch templates launch."""

    launched_resource_tags = {"env": "test", "team": "ml"}  # noqa: RUF012


def test_launch_templates_get_tags_for_what_they_launch(tmp_path: Path) -> None:
    stack = TaggedStack(Testing.app(outdir=str(tmp_path)), "tagged")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    ManagedNodeGroup(stack, "nodes", props=NODE_GROUP)

    document = json.loads(Testing.synth(stack))

    (template,) = document["resource"]["aws_launch_template"].values()
    kinds = {spec["resource_type"]: spec["tags"] for spec in template["tag_specifications"]}
    assert set(kinds) == {"instance", "volume", "network-interface"}
    assert kinds["volume"] == {"env": "test", "team": "ml"}


def test_launch_templates_outside_a_tagging_stack_get_no_tag_specifications(
    stack: TerraformStack,
) -> None:
    ManagedNodeGroup(stack, "nodes", props=NODE_GROUP)

    document = json.loads(Testing.synth(stack))

    (template,) = document["resource"]["aws_launch_template"].values()
    assert "tag_specifications" not in template


def test_a_guarded_stack_checks_what_it_is_about_to_write(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = GuardedStack(app, "guarded")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    exempt = S3Bucket(stack, "exempt", bucket="exempt")
    S3Bucket(stack, "naked", bucket="naked")
    suppress(exempt, "MLP-S3-1", "public website bucket, reviewed in SEC-123")

    errors = synth_errors(app)

    assert "stack guarded breaks guardrails" in errors
    assert (
        "MLP-S3-1: S3 buckets block all public access. aws_s3_bucket.naked (guarded/naked)"
        in errors
    )
    assert "MLP-S3-1: S3 buckets block all public access. aws_s3_bucket.exempt" not in errors
    assert not (tmp_path / "stacks" / "guarded" / "cdk.tf.json").exists()
    with pytest.raises(RuntimeError, match="MLP-S3-2"):
        Testing.synth(stack)


def test_a_guarded_stack_that_keeps_every_rule_synthesizes(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = GuardedStack(app, "guarded")
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    key = KmsKey(stack, "key", enable_key_rotation=True)
    StateRetention.protect(key)
    SecureBucket(stack, "data", props=SecureBucketProps(bucket_name="data", kms_key_arn=key.arn))

    app.synth()

    assert (tmp_path / "stacks" / "guarded" / "cdk.tf.json").is_file()


def test_an_untagged_resource_fails_with_its_construct_path(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = GuardedStack(app, "untagged")
    AwsProvider(
        stack,
        "aws",
        region="us-east-1",
        default_tags=[
            AwsProviderDefaultTags(
                tags={"env": "test", "team": "ml-platform", "component": "guardrails"}
            )
        ],
    )
    key = KmsKey(stack, "key", enable_key_rotation=True, tags={"cost-center": "ml"})
    StateRetention.protect(key)
    SecureBucket(stack, "data", props=SecureBucketProps(bucket_name="data", kms_key_arn=key.arn))

    errors = synth_errors(app)

    assert "MLP-TAG-1" in errors
    assert "aws_kms_key.key" not in errors  # its own tag fills what the defaults miss
    assert (
        "aws_s3_bucket.data_bucket_F0368B94 (untagged/data/bucket) is not tagged cost-center"
        in errors
    )


def _replication(stack: TerraformStack, **destination: Any) -> None:
    from mlplatform.bindings.aws.s3_bucket_replication_configuration import (
        S3BucketReplicationConfigurationA,
        S3BucketReplicationConfigurationRule,
        S3BucketReplicationConfigurationRuleDestination,
        S3BucketReplicationConfigurationRuleFilter,
        S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
        S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
    )

    selection = destination.pop("selection", None)
    S3BucketReplicationConfigurationA(
        stack,
        "replication",
        bucket="source",
        role="arn:aws:iam::123456789012:role/replication",
        rule=[
            S3BucketReplicationConfigurationRule(
                id="everything",
                status="Enabled",
                filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                source_selection_criteria=(
                    S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                        sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                            status=selection
                        )
                    )
                    if selection
                    else None
                ),
                destination=S3BucketReplicationConfigurationRuleDestination(
                    bucket="arn:aws:s3:::replica", **destination
                ),
            )
        ],
    )


def test_a_replication_rule_that_skips_kms_objects_or_hides_failures_fails_synth(
    tmp_path: Path,
) -> None:
    """Every platform bucket is SSE-KMS, and S3 replicates such objects only when the rule
    selects them; without replication metrics no alarm can see a failed object."""
    app, stack = guarded_stack(tmp_path)
    _replication(stack)

    errors = synth_errors(app)

    assert (
        "MLP-S3-5: S3 replication rules replicate KMS-encrypted objects and publish replication "
        "metrics. aws_s3_bucket_replication_configuration.replication (guarded/replication) rule "
        "everything skips KMS-encrypted objects" in errors
    )
    assert "rule everything publishes no replication metrics" in errors


def test_a_replication_rule_that_replicates_kms_objects_and_publishes_metrics_passes(
    tmp_path: Path,
) -> None:
    from mlplatform.bindings.aws.s3_bucket_replication_configuration import (
        S3BucketReplicationConfigurationRuleDestinationMetrics,
    )

    app, stack = guarded_stack(tmp_path)
    _replication(
        stack,
        selection="Enabled",
        metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(status="Enabled"),
    )

    app.synth()
