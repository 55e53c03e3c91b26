"""scripts/verify_environment.py against moto: nothing there, everything there, one thing broken."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies import tls_only_bucket_policy
from mlplatform.decisions.subnet_plan import SubnetPlan
from mlplatform.loader import EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ROOT / "environments"


def _load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py``: scripts are not a package, but their classes are the API."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


verify_environment = _load_script("verify_environment")


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 must never find, let alone use, real credentials."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture
def config() -> EnvironmentConfig:
    return EnvironmentLoader(ENVIRONMENTS).load("local")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def verifier(config: EnvironmentConfig) -> Any:
    """A verifier with plain clients, which mock_aws intercepts in-process."""
    clients = lambda service: boto3.client(service, region_name=config.region)  # noqa: E731
    return verify_environment.EnvironmentVerifier(config, clients)


def build_environment(config: EnvironmentConfig) -> None:
    """What a deploy of ``config`` leaves behind, made by hand with boto3."""
    naming = Naming.for_environment(config)
    region = config.region
    ec2 = boto3.client("ec2", region_name=region)
    vpc_id = ec2.create_vpc(
        CidrBlock=config.network.cidr,
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": naming.resource("vpc")}]}
        ],
    )["Vpc"]["VpcId"]

    def subnet(cidr: str, zone: str, tier: str) -> str:
        tags = [{"Key": "tier", "Value": tier}]
        return str(
            ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=zone,
                TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
            )["Subnet"]["SubnetId"]
        )

    plans = SubnetPlan.for_vpc(config.network.cidr, config.used_availability_zones)
    public = [subnet(p.public_cidr, p.availability_zone, "public") for p in plans]
    private = [subnet(p.private_cidr, p.availability_zone, "private") for p in plans]
    nat_count = len(plans) if config.network.nat_strategy == "one_per_az" else 1
    for index in range(nat_count):
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=public[index], AllocationId=address)
    routes = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[routes],
    )
    for service in config.network.interface_endpoints:
        ec2.create_vpc_endpoint(
            VpcId=vpc_id,
            ServiceName=f"com.amazonaws.{region}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=private,
        )
    log_group = naming.log_group("network", "flow-logs")
    boto3.client("logs", region_name=region).create_log_group(logGroupName=log_group)
    ec2.create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=log_group,
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/mlp-local-network-flow-logs",
    )

    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=naming.bucket("datalake", "access-logs"))
    glue = boto3.client("glue", region_name=region)
    for zone in config.data_lake.zones:
        bucket = naming.bucket("datalake", zone)
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_policy(
            Bucket=bucket, Policy=json.dumps(tls_only_bucket_policy(f"arn:aws:s3:::{bucket}"))
        )
        glue.create_database(DatabaseInput={"Name": naming.glue_database("datalake", zone)})


def test_empty_account_reports_everything_missing(aws: None, config: EnvironmentConfig) -> None:
    problems = verifier(config).verify()

    assert problems == [
        "VPC mlp-local-vpc: not found (no VPC has the tag Name=mlp-local-vpc)",
        "bucket mlp-local-datalake-raw: not found",
        "Glue database mlp_local_datalake_raw: not found",
        "bucket mlp-local-datalake-curated: not found",
        "Glue database mlp_local_datalake_curated: not found",
        "bucket mlp-local-datalake-features: not found",
        "Glue database mlp_local_datalake_features: not found",
        "bucket mlp-local-datalake-access-logs: not found",
    ]


def test_complete_environment_has_no_problems(aws: None, config: EnvironmentConfig) -> None:
    build_environment(config)
    check = verifier(config)

    assert check.verify() == []
    assert "VPC mlp-local-vpc: Interface endpoint com.amazonaws.us-east-1.sagemaker.runtime" in (
        check.passed
    )
    assert "bucket mlp-local-datalake-features: versioning Enabled" in check.passed


def _suspend_versioning(config: EnvironmentConfig) -> None:
    boto3.client("s3").put_bucket_versioning(
        Bucket="mlp-local-datalake-curated", VersioningConfiguration={"Status": "Suspended"}
    )


def _drop_policy(config: EnvironmentConfig) -> None:
    boto3.client("s3").delete_bucket_policy(Bucket="mlp-local-datalake-raw")


def _open_public_access(config: EnvironmentConfig) -> None:
    boto3.client("s3").put_public_access_block(
        Bucket="mlp-local-datalake-raw",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


def _drop_endpoint(config: EnvironmentConfig) -> None:
    ec2 = boto3.client("ec2")
    endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    sts = next(e for e in endpoints if e["ServiceName"].endswith(".sts"))
    ec2.delete_vpc_endpoints(VpcEndpointIds=[sts["VpcEndpointId"]])


def _drop_database(config: EnvironmentConfig) -> None:
    boto3.client("glue").delete_database(Name="mlp_local_datalake_features")


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
            _drop_endpoint,
            "VPC mlp-local-vpc: no available Interface endpoint for com.amazonaws.us-east-1.sts",
        ),
        (_drop_database, "Glue database mlp_local_datalake_features: not found"),
    ],
    ids=["versioning", "policy", "public-access", "endpoint", "glue-database"],
)
def test_one_break_is_exactly_one_problem(
    aws: None,
    config: EnvironmentConfig,
    breakage: Callable[[EnvironmentConfig], None],
    problem: str,
) -> None:
    build_environment(config)
    breakage(config)

    assert verifier(config).verify() == [problem]


def test_nat_per_az_is_counted(aws: None) -> None:
    text = (ENVIRONMENTS / "local.yaml").read_text(encoding="utf-8")
    config = EnvironmentLoader.parse(text.replace("nat_strategy: one", "nat_strategy: one_per_az"))
    build_environment(config)
    assert verifier(config).verify() == []

    ec2 = boto3.client("ec2")
    ec2.delete_nat_gateway(
        NatGatewayId=ec2.describe_nat_gateways()["NatGateways"][0]["NatGatewayId"]
    )

    assert verifier(config).verify() == [
        "VPC mlp-local-vpc: 1 available NAT gateway(s), expected 2 for nat_strategy one_per_az"
    ]


def test_cli_checks_the_account_first(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    # dev.yaml expects account 111111111111; moto's credentials belong to 123456789012.
    code = verify_environment.main(["dev", "--environments", str(ENVIRONMENTS)])

    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        "problem: the credentials belong to account 123456789012, but the dev environment is "
        "in account 111111111111; nothing else was checked"
    ]


def test_cli_needs_the_emulator_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    code = verify_environment.main(["local", "--environments", str(ENVIRONMENTS)])

    assert code == 2
    assert "pass --endpoint-url or run make up" in capsys.readouterr().err
