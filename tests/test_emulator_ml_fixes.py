"""The emulator answers like AWS where the ml layer needs it to (see mlplatform.emulator.server).

Without these fixes the ``local`` ml stack never converges: plain moto loses a
prefix-list rule's description, reports every model as not network-isolated
and inside an empty VPC, has no tags for Application Auto Scaling targets, and
cannot switch an endpoint to a new configuration (a rollout).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.local_aws import LocalAws

ROLE = "arn:aws:iam::123456789012:role/serving"


@pytest.fixture
def aws(emulated_aws: LocalAws) -> None:
    """The test's boto3 clients talk to an emptied emulator server, where the fixes live."""


def test_prefix_list_egress_rules_keep_their_description(aws: None) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListIds": [{"PrefixListId": "pl-1234", "Description": "to S3"}],
            }
        ],
    )

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    by_prefix = {r.get("PrefixListId"): r for r in rules["SecurityGroupRules"]}
    assert by_prefix["pl-1234"]["Description"] == "to S3"


def test_models_report_network_isolation_and_no_empty_vpc(aws: None) -> None:
    sagemaker = boto3.client("sagemaker")
    container = {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/r:1"}
    sagemaker.create_model(
        ModelName="isolated",
        ExecutionRoleArn=ROLE,
        PrimaryContainer=container,
        EnableNetworkIsolation=True,
    )
    sagemaker.create_model(
        ModelName="in-vpc",
        ExecutionRoleArn=ROLE,
        PrimaryContainer=container,
        VpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
    )

    isolated = sagemaker.describe_model(ModelName="isolated")
    in_vpc = sagemaker.describe_model(ModelName="in-vpc")
    assert isolated["EnableNetworkIsolation"] is True
    assert "VpcConfig" not in isolated
    assert in_vpc["EnableNetworkIsolation"] is False
    assert in_vpc["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}


def test_scalable_targets_have_tags(aws: None) -> None:
    autoscaling = boto3.client("application-autoscaling")
    arn = autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/e/variant/v1",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=2,
        Tags={"env": "local"},
    )["ScalableTargetARN"]

    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "local"}
    autoscaling.tag_resource(ResourceARN=arn, Tags={"team": "ml"})
    autoscaling.untag_resource(ResourceARN=arn, TagKeys=["env"])
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "ml"}


def test_an_endpoint_switches_configuration_in_place(aws: None) -> None:
    sagemaker = boto3.client("sagemaker")
    container = {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/r:1"}
    for model in ("v1", "v2"):
        sagemaker.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer=container)
    variant = {"InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
    sagemaker.create_endpoint_config(
        EndpointConfigName="before",
        ProductionVariants=[{"VariantName": "v1", "ModelName": "v1", **variant}],
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="canary",
        ProductionVariants=[
            {"VariantName": "v1", "ModelName": "v1", "InitialVariantWeight": 90, **variant},
            {"VariantName": "v2", "ModelName": "v2", "InitialVariantWeight": 10, **variant},
        ],
    )
    arn = sagemaker.create_endpoint(EndpointName="ranker", EndpointConfigName="before")[
        "EndpointArn"
    ]

    assert (
        sagemaker.update_endpoint(EndpointName="ranker", EndpointConfigName="canary")["EndpointArn"]
        == arn
    )
    endpoint = sagemaker.describe_endpoint(EndpointName="ranker")
    assert endpoint["EndpointConfigName"] == "canary"
    weights = {v["VariantName"]: v["CurrentWeight"] for v in endpoint["ProductionVariants"]}
    assert weights == {"v1": 90, "v2": 10}
    with pytest.raises(sagemaker.exceptions.ClientError, match="Could not find endpoint"):
        sagemaker.update_endpoint(EndpointName="nope", EndpointConfigName="canary")


def test_model_package_groups_can_be_deleted(aws: None) -> None:
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="ranker")

    sagemaker.delete_model_package_group(ModelPackageGroupName="ranker")

    assert sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    with pytest.raises(ClientError):
        sagemaker.describe_model_package_group(ModelPackageGroupName="ranker")
