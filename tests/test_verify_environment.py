"""scripts/verify_environment.py and mlplatform.verify against moto: nothing there, everything
there, one setting changed behind Terraform's back (the network, the data lake and the keys;
compute and ml have their own files)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.contract import expected_parameters
from mlplatform.decisions.lifecycle import expiring_rules
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.verify import EnvironmentVerifier
from tests.conftest import load_script
from tests.deployed_environment import (
    Builder,
    build_environment,
    change_alarm,
    client,
    local_with,
    use_fake_account,
    verifier,
)

verify_environment = load_script("verify_environment")


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_account(monkeypatch)


@pytest.fixture
def config() -> EnvironmentConfig:
    return local_with()


@pytest.fixture
def aws(emulated_aws: LocalAws) -> None:
    """The session's emulator server, emptied; its fixes answer as AWS does."""


def test_the_script_is_the_package_verifier() -> None:
    assert verify_environment.EnvironmentVerifier is EnvironmentVerifier


def test_empty_account_reports_everything_missing(aws: None, config: EnvironmentConfig) -> None:
    problems = verifier(config).verify()

    assert problems == [
        "VPC mlp-local-vpc: not found (no VPC has the tag Name=mlp-local-vpc)",
        "KMS key alias/mlp-local-network-logs: not found (no key has this alias)",
        "log group /mlplatform/mlp-local/network/flow-logs: not found",
        "KMS key alias/mlp-local-datalake: not found (no key has this alias)",
        "bucket mlp-local-datalake-raw: not found",
        "Glue database mlp_local_datalake_raw: not found",
        "bucket mlp-local-datalake-curated: not found",
        "Glue database mlp_local_datalake_curated: not found",
        "bucket mlp-local-datalake-features: not found",
        "Glue database mlp_local_datalake_features: not found",
        "bucket mlp-local-datalake-access-logs: not found",
        "KMS key alias/mlp-local-eks: not found (no key has this alias)",
        "log group /aws/eks/mlp-local-eks/cluster: not found",
        "EKS cluster mlp-local-eks: not found",
        "KMS key alias/mlp-local-registry: not found (no key has this alias)",
        "bucket mlp-local-registry-artifacts: not found",
        "bucket mlp-local-registry-access-logs: not found",
        "DynamoDB table mlp-local-registry-models: not found",
        "ECR repository mlp-local-registry-ranker: not found",
        "model package group mlp-local-registry-ranker: not found",
        "KMS key alias/mlp-local-ml-alarms: not found (no key has this alias)",
        "SNS topic mlp-local-ml-alarms: not found",
        "endpoint mlp-local-serving-ranker: not found",
        "scalable target endpoint/mlp-local-serving-ranker/variant/primary: not found",
        "alarm mlp-local-serving-ranker-primary-5xx-errors: not found",
        "alarm mlp-local-serving-ranker-primary-p99-latency: not found",
        "alarm mlp-local-serving-ranker-rollback-5xx-errors: not found",
        "alarm mlp-local-serving-ranker-rollback-p99-latency: not found",
        "log group /aws/sagemaker/Endpoints/mlp-local-serving-ranker: not found",
        "dashboard mlp-local-platform: not found",
        "SSM parameters /mlp/local/platform/...: not found (the platform contract team repos "
        f"read: {len(expected_parameters(config))} parameters)",
    ]


def test_complete_environment_has_no_problems(aws: None, config: EnvironmentConfig) -> None:
    build_environment(config)
    check = verifier(config)

    assert check.verify() == []
    for line in [
        "VPC mlp-local-vpc: Interface endpoint com.amazonaws.us-east-1.sagemaker.runtime",
        "bucket mlp-local-datalake-features: versioning Enabled",
        "KMS key alias/mlp-local-datalake: automatic rotation enabled",
        "EKS node group mlp-local-cpu-system: labels mlplatform/node-group=system",
        "SQS queue mlp-local-karpenter-interruptions: encrypted at rest",
        "EventBridge rule mlp-local-karpenter-rebalance: sends to the interruption queue",
        "IAM role mlp-local-karpenter-controller: policy karpenter-controller is scoped to "
        "cluster mlp-local-eks",
        "scalable target endpoint/mlp-local-serving-ranker/variant/primary: max capacity 2",
        "endpoint mlp-local-serving-ranker: status InService",
    ]:
        assert line in check.passed


def test_layers_the_file_leaves_out_are_not_checked(aws: None, config: EnvironmentConfig) -> None:
    without = config.model_copy(update={"compute": None, "ml": None})
    build_environment(without)

    assert verifier(without).verify() == []


# ---------------------------------------------------------------------- one change, one problem
def _s3() -> Any:
    return client("s3")


def _stale_contract(builder: Builder) -> None:
    client("ssm").put_parameter(
        Name="/mlp/local/platform/data/zones/raw/bucket-name",
        Value="mlp-local-datalake-old",
        Type="String",
        Overwrite=True,
    )


def _contract_names_another_vpc(builder: Builder) -> None:
    other = client("ec2").create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    client("ssm").put_parameter(
        Name="/mlp/local/platform/network/vpc-id", Value=other, Type="String", Overwrite=True
    )
    builder.keys["other-vpc"] = other
    [vpc] = client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": ["mlp-local-vpc"]}]
    )["Vpcs"]
    builder.keys["vpc"] = vpc["VpcId"]


def _contract_names_another_karpenter_role(builder: Builder) -> None:
    client("ssm").put_parameter(
        Name="/mlp/local/platform/compute/karpenter/node-role-arn",
        Value="arn:aws:iam::123456789012:role/mlp-local-eks-node",
        Type="String",
        Overwrite=True,
    )


def _drop_contract_parameter(builder: Builder) -> None:
    client("ssm").delete_parameter(Name="/mlp/local/platform/compute/oidc-provider-arn")


def _key_id(alias: str) -> str:
    return str(client("kms").describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])


def _suspend_versioning(builder: Builder) -> None:
    _s3().put_bucket_versioning(
        Bucket="mlp-local-datalake-curated", VersioningConfiguration={"Status": "Suspended"}
    )


def _drop_policy(builder: Builder) -> None:
    _s3().delete_bucket_policy(Bucket="mlp-local-datalake-raw")


def _open_public_access(builder: Builder) -> None:
    _s3().put_public_access_block(
        Bucket="mlp-local-datalake-raw",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


def _encrypt_with_s3_keys(builder: Builder) -> None:
    _s3().put_bucket_encryption(
        Bucket="mlp-local-datalake-features",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def _encrypt_with_another_key(builder: Builder) -> None:
    other = client("kms").create_key()["KeyMetadata"]["Arn"]
    _s3().put_bucket_encryption(
        Bucket="mlp-local-datalake-features",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": other,
                    }
                }
            ]
        },
    )
    builder.keys["other"] = other


def _keep_old_versions_longer(builder: Builder) -> None:
    s3 = _s3()
    rules = s3.get_bucket_lifecycle_configuration(Bucket="mlp-local-datalake-raw")["Rules"]
    for rule in rules:
        if rule["ID"] == "expire-noncurrent-versions":
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": 365}
    s3.put_bucket_lifecycle_configuration(
        Bucket="mlp-local-datalake-raw", LifecycleConfiguration={"Rules": rules}
    )


def _stop_access_logging(builder: Builder) -> None:
    _s3().put_bucket_logging(Bucket="mlp-local-datalake-curated", BucketLoggingStatus={})


def _allow_acls(builder: Builder) -> None:
    _s3().put_bucket_ownership_controls(
        Bucket="mlp-local-datalake-raw",
        OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
    )


def _retag_bucket(builder: Builder) -> None:
    s3 = _s3()
    tags = s3.get_bucket_tagging(Bucket="mlp-local-datalake-raw")["TagSet"]
    tags = [t for t in tags if t["Key"] != "cost-center"]
    s3.put_bucket_tagging(Bucket="mlp-local-datalake-raw", Tagging={"TagSet": tags})


def _drop_endpoint(builder: Builder) -> None:
    ec2 = client("ec2")
    endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    sts = next(e for e in endpoints if e["ServiceName"].endswith(".sts"))
    ec2.delete_vpc_endpoints(VpcEndpointIds=[sts["VpcEndpointId"]])


def _open_default_security_group(builder: Builder) -> None:
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["mlp-local-vpc"]}])["Vpcs"]
    group = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc[0]["VpcId"]]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    builder.keys["default-group"] = group["GroupId"]


def _shorten_flow_log_retention(builder: Builder) -> None:
    client("logs").put_retention_policy(
        logGroupName="/mlplatform/mlp-local/network/flow-logs", retentionInDays=1
    )


def _drop_database(builder: Builder) -> None:
    client("glue").delete_database(Name="mlp_local_datalake_features")


def _rotation_off(builder: Builder) -> None:
    client("kms").disable_key_rotation(KeyId=_key_id("alias/mlp-local-datalake"))


def _key_disabled(builder: Builder) -> None:
    client("kms").disable_key(KeyId=_key_id("alias/mlp-local-network-logs"))


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (
            _suspend_versioning,
            "bucket mlp-local-datalake-curated: versioning is Suspended, expected Enabled",
        ),
        (
            _drop_policy,
            "bucket mlp-local-datalake-raw: "
            "no bucket policy statement denies aws:SecureTransport false",
        ),
        (
            _open_public_access,
            "bucket mlp-local-datalake-raw: public access block flags not on: "
            "BlockPublicPolicy, RestrictPublicBuckets",
        ),
        (
            _encrypt_with_s3_keys,
            "bucket mlp-local-datalake-features: default encryption is AES256, expected aws:kms",
        ),
        (
            _encrypt_with_another_key,
            "bucket mlp-local-datalake-features: encryption key (the alias/mlp-local-datalake key) "
            "is <other>, expected <alias/mlp-local-datalake>",
        ),
        (
            _keep_old_versions_longer,
            "bucket mlp-local-datalake-raw: lifecycle rule expire-noncurrent-versions "
            "NoncurrentVersionExpiration is {NoncurrentDays=365}, expected {NoncurrentDays=7}",
        ),
        (
            _stop_access_logging,
            "bucket mlp-local-datalake-curated: access logs is not set, "
            "expected mlp-local-datalake-access-logs/curated/",
        ),
        (
            _allow_acls,
            "bucket mlp-local-datalake-raw: object ownership is ObjectWriter, "
            "expected BucketOwnerEnforced",
        ),
        (
            _retag_bucket,
            "bucket mlp-local-datalake-raw: tag cost-center is not set, expected local",
        ),
        (
            _drop_endpoint,
            "VPC mlp-local-vpc: no available Interface endpoint for com.amazonaws.us-east-1.sts",
        ),
        (
            _open_default_security_group,
            "VPC mlp-local-vpc: default security group <default-group>: rules is 1, expected 0",
        ),
        (
            _shorten_flow_log_retention,
            "log group /mlplatform/mlp-local/network/flow-logs: retention days is 1, expected 7",
        ),
        (_drop_database, "Glue database mlp_local_datalake_features: not found"),
        (
            _rotation_off,
            "KMS key alias/mlp-local-datalake: automatic rotation is disabled, expected enabled",
        ),
        (
            _key_disabled,
            "KMS key alias/mlp-local-network-logs: state is Disabled, expected Enabled",
        ),
        (
            _stale_contract,
            "SSM parameter /mlp/local/platform/data/zones/raw/bucket-name: value is "
            "mlp-local-datalake-old, expected mlp-local-datalake-raw",
        ),
        (
            _contract_names_another_vpc,
            "SSM parameter /mlp/local/platform/network/vpc-id: value (the VPC mlp-local-vpc) is "
            "<other-vpc>, expected <vpc>",
        ),
        (
            _contract_names_another_karpenter_role,
            "SSM parameter /mlp/local/platform/compute/karpenter/node-role-arn: value (the role "
            "mlp-local-karpenter-node) is arn:aws:iam::123456789012:role/mlp-local-eks-node, "
            "expected arn:aws:iam::123456789012:role/mlp-local-karpenter-node",
        ),
        (
            _drop_contract_parameter,
            "SSM parameter /mlp/local/platform/compute/oidc-provider-arn: not found (the "
            "platform contract team repos read)",
        ),
    ],
    ids=[
        "versioning",
        "policy",
        "public-access",
        "sse-s3",
        "other-key",
        "lifecycle",
        "access-logs",
        "ownership",
        "tags",
        "endpoint",
        "default-security-group",
        "log-retention",
        "glue-database",
        "key-rotation",
        "key-disabled",
        "contract-stale",
        "contract-vpc",
        "contract-karpenter-role",
        "contract-missing",
    ],
)
def test_one_change_is_exactly_one_problem(
    aws: None,
    config: EnvironmentConfig,
    breakage: Callable[[Builder], None],
    problem: str,
) -> None:
    builder = build_environment(config)
    breakage(builder)

    for name, value in builder.keys.items():  # <name>: a key ARN or id made while building
        problem = problem.replace(f"<{name}>", value)
    assert verifier(config).verify() == [problem]


def test_nat_per_az_is_counted(aws: None, config: EnvironmentConfig) -> None:
    config = local_with(("nat_strategy: one", "nat_strategy: one_per_az"))
    build_environment(config)
    assert verifier(config).verify() == []

    ec2 = client("ec2")
    ec2.delete_nat_gateway(
        NatGatewayId=ec2.describe_nat_gateways()["NatGateways"][0]["NatGatewayId"]
    )

    assert verifier(config).verify() == [
        "VPC mlp-local-vpc: 1 available NAT gateway(s), expected 2 for nat_strategy one_per_az"
    ]


def test_switched_on_athena_and_glue_connection_are_checked(
    aws: None, config: EnvironmentConfig
) -> None:
    config = local_with(
        ("athena_workgroup: false", "athena_workgroup: true"),
        ("glue_vpc_connection: false", "glue_vpc_connection: true"),
    )
    builder = build_environment(config)
    assert verifier(config).verify() == [
        "bucket mlp-local-datalake-query-results: not found",
        "Athena workgroup mlp-local-analytics: not found",
        "Glue connection mlp-local-datalake-vpc: not found",
    ]

    key = builder.keys["alias/mlp-local-datalake"]
    builder.bucket(
        "mlp-local-datalake-query-results",
        "data",
        key,
        expiring_rules(config.data_lake.query_results_expiry_days),
        ("mlp-local-datalake-access-logs", "query-results/"),
    )
    client("athena").create_work_group(
        Name="mlp-local-analytics",
        Configuration={
            "EnforceWorkGroupConfiguration": True,
            "ResultConfiguration": {
                "OutputLocation": "s3://mlp-local-datalake-query-results/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": key},
            },
        },
    )
    client("glue").create_connection(
        ConnectionInput={
            "Name": "mlp-local-datalake-vpc",
            "ConnectionType": "NETWORK",
            "ConnectionProperties": {},
        }
    )

    assert verifier(config).verify() == []


def test_object_lock_is_checked_where_the_file_asks_for_it(aws: None) -> None:
    config = local_with(
        (
            "  force_destroy: true\n  # moto's Glue",
            "  object_lock: {mode: GOVERNANCE, retention_days: 30}\n  # moto's Glue",
        )
    )
    build_environment(config)
    assert verifier(config).verify() == []

    client("s3").put_object_lock_configuration(
        Bucket="mlp-local-datalake-raw",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )

    assert verifier(config).verify() == [
        "bucket mlp-local-datalake-raw: Object Lock retention days is 1, expected 30"
    ]


# Into another region, as prod and local have it; the anchor is the data lake's own line.
REPLICATED = (
    "\n  access_log_expiry_days: 30\n",
    "\n  access_log_expiry_days: 30\n  replication: {region: us-west-2}\n",
)


def test_a_replicated_lake_is_checked_in_both_regions(aws: None) -> None:
    config = local_with(REPLICATED)
    build_environment(config)
    verification = verifier(config)
    assert verification.verify() == []
    checked = "\n".join(verification.passed)
    assert "bucket mlp-local-datalake-raw replication" in checked
    assert "KMS key alias/mlp-local-datalake-dr" in checked
    assert "bucket mlp-local-datalake-dr-raw: exists" in checked
    assert "alarm mlp-local-datalake-dr-raw-failed-replication" in checked


def _no_rule(_builder: Builder) -> None:
    client("s3").delete_bucket_replication(Bucket="mlp-local-datalake-raw")


def _replica_unversioned(_builder: Builder) -> None:
    client("s3", "us-west-2").put_bucket_versioning(
        Bucket="mlp-local-datalake-dr-curated",
        VersioningConfiguration={"Status": "Suspended"},
    )


def _metrics_off(_builder: Builder) -> None:
    s3 = client("s3")
    configuration = s3.get_bucket_replication(Bucket="mlp-local-datalake-features")
    rules = configuration["ReplicationConfiguration"]["Rules"]
    rules[0]["Destination"]["Metrics"] = {"Status": "Disabled"}
    s3.put_bucket_replication(
        Bucket="mlp-local-datalake-features",
        ReplicationConfiguration=configuration["ReplicationConfiguration"],
    )


def _alarm_deleted(_builder: Builder) -> None:
    client("cloudwatch").delete_alarms(AlarmNames=["mlp-local-datalake-dr-raw-failed-replication"])


def _alarm_on_another_bucket(_builder: Builder) -> None:
    name = "mlp-local-datalake-dr-curated-failed-replication"
    (alarm,) = client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    dimensions = [
        {**d, "Value": "elsewhere"} if d["Name"] == "DestinationBucket" else d
        for d in alarm["Dimensions"]
    ]
    change_alarm(name, Dimensions=dimensions)


def _batch_role_trusting_another_service(_builder: Builder) -> None:
    client("iam").update_assume_role_policy(
        RoleName="mlp-local-datalake-batch-replication",
        PolicyDocument=json.dumps(service_trust_policy("s3.amazonaws.com")),
    )


def _replica_key_disabled(builder: Builder) -> None:
    kms = client("kms", "us-west-2")
    kms.disable_key(
        KeyId=kms.describe_key(KeyId="alias/mlp-local-datalake-dr")["KeyMetadata"]["KeyId"]
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_no_rule, "bucket mlp-local-datalake-raw replication: not found (no rule into us-west-2)"),
        (
            _replica_unversioned,
            "bucket mlp-local-datalake-dr-curated: versioning is Suspended, expected Enabled",
        ),
        (
            _replica_key_disabled,
            "KMS key alias/mlp-local-datalake-dr: state is Disabled, expected Enabled",
        ),
        (
            _metrics_off,
            "bucket mlp-local-datalake-features replication: replication metrics is Disabled, "
            "expected Enabled",
        ),
        (_alarm_deleted, "alarm mlp-local-datalake-dr-raw-failed-replication: not found"),
        (
            _alarm_on_another_bucket,
            "alarm mlp-local-datalake-dr-curated-failed-replication: dimensions is "
            "{SourceBucket=mlp-local-datalake-curated, DestinationBucket=elsewhere, "
            "RuleId=replicate-curated}, expected {SourceBucket=mlp-local-datalake-curated, "
            "DestinationBucket=mlp-local-datalake-dr-curated, RuleId=replicate-curated}",
        ),
        (
            _batch_role_trusting_another_service,
            "IAM role mlp-local-datalake-batch-replication: trusted services is "
            "[s3.amazonaws.com], expected [batchoperations.s3.amazonaws.com]",
        ),
    ],
    ids=[
        "no-rule",
        "replica-unversioned",
        "replica-key-disabled",
        "metrics-off",
        "alarm-deleted",
        "alarm-on-another-bucket",
        "batch-role-trusts-another-service",
    ],
)
def test_one_change_to_the_replication_is_exactly_one_problem(
    aws: None, change: Any, problem: str
) -> None:
    config = local_with(REPLICATED)
    builder = build_environment(config)

    change(builder)

    assert verifier(config).verify() == [problem]
