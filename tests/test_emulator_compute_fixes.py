"""The emulator answers like AWS where the compute layer needs it to (see mlplatform.emulator.fixes).

Without these fixes ``local`` could not keep the hardened launch templates
(plain moto copies a template's own tags into what it launches, so every plan
after the deploy would update the templates), a training pool's placement
group (plain moto has none, and the provider waits forever for one), managed
add-ons and access entries (plain moto's EKS has neither, and forgets a
cluster's access configuration and answers no cluster security group), including the
node entry of Karpenter's nodes, or
the access policy of Karpenter's interruption queue once another of its attributes changes.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.local_aws import LocalAws

TAGS = [{"Key": "env", "Value": "local"}]


@pytest.fixture
def ec2(emulated_aws: LocalAws) -> Any:
    return boto3.client("ec2")


def test_a_launch_templates_own_tags_stay_out_of_what_it_launches(ec2: Any) -> None:
    ec2.create_launch_template(
        LaunchTemplateName="nodes",
        LaunchTemplateData={
            "MetadataOptions": {"HttpTokens": "required"},
            "TagSpecifications": [{"ResourceType": "instance", "Tags": TAGS}],
        },
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": TAGS}],
    )

    template = ec2.describe_launch_templates(LaunchTemplateNames=["nodes"])["LaunchTemplates"][0]
    version = ec2.describe_launch_template_versions(
        LaunchTemplateName="nodes", Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]
    assert template["Tags"] == TAGS
    assert version["LaunchTemplateData"]["TagSpecifications"] == [
        {"ResourceType": "instance", "Tags": TAGS}
    ]


def test_a_template_tagged_only_itself_launches_untagged(ec2: Any) -> None:
    ec2.create_launch_template(
        LaunchTemplateName="plain",
        LaunchTemplateData={"MetadataOptions": {"HttpTokens": "required"}},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": TAGS}],
    )

    version = ec2.describe_launch_template_versions(
        LaunchTemplateName="plain", Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]
    assert "TagSpecifications" not in version["LaunchTemplateData"]
    assert version["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"] == "required"


def test_a_cluster_placement_group_is_available_at_once_and_can_be_deleted(ec2: Any) -> None:
    created = ec2.create_placement_group(
        GroupName="training",
        Strategy="cluster",
        TagSpecifications=[{"ResourceType": "placement-group", "Tags": TAGS}],
    )["PlacementGroup"]

    [group] = ec2.describe_placement_groups(GroupNames=["training"])["PlacementGroups"]
    assert group == created
    assert group["State"] == "available"
    assert group["Strategy"] == "cluster"
    assert group["GroupId"].startswith("pg-")
    assert group["GroupArn"].endswith(":placement-group/training")
    assert group["Tags"] == TAGS
    by_id = ec2.describe_placement_groups(GroupIds=[group["GroupId"]])["PlacementGroups"]
    assert [g["GroupName"] for g in by_id] == ["training"]
    with pytest.raises(ClientError, match=r"InvalidPlacementGroup\.Duplicate"):
        ec2.create_placement_group(GroupName="training", Strategy="cluster")

    ec2.delete_placement_group(GroupName="training")

    assert ec2.describe_placement_groups()["PlacementGroups"] == []
    with pytest.raises(ClientError, match=r"InvalidPlacementGroup\.Unknown"):
        ec2.describe_placement_groups(GroupNames=["training"])
    with pytest.raises(ClientError, match=r"InvalidPlacementGroup\.Unknown"):
        ec2.delete_placement_group(GroupName="training")


ROLE = "arn:aws:iam::123456789012:role/eks"
ADMIN = "arn:aws:iam::123456789012:role/platform-admin"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@pytest.fixture
def eks(emulated_aws: LocalAws) -> Any:
    return boto3.client("eks")


def cluster(eks: Any, name: str, **access: Any) -> dict[str, Any]:
    created: dict[str, Any] = eks.create_cluster(
        name=name,
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
        **({"accessConfig": access} if access else {}),
    )["cluster"]
    return created


def test_role_arns_are_still_checked_against_the_partitions(eks: Any) -> None:
    # moto's own check, with one boto3 session instead of a new one per call.
    cluster(eks, "first")
    cluster(eks, "second")  # the session is reused
    with pytest.raises(ClientError, match="Invalid Role Arn"):
        eks.create_cluster(
            name="nowhere",
            roleArn=ROLE.replace("arn:aws:", "arn:aws-nowhere:"),
            resourcesVpcConfig={"subnetIds": ["subnet-1"]},
        )


def test_a_cluster_keeps_its_access_configuration(eks: Any) -> None:
    cluster(eks, "api", authenticationMode="API", bootstrapClusterCreatorAdminPermissions=False)
    cluster(eks, "default")

    api = eks.describe_cluster(name="api")["cluster"]["accessConfig"]
    default = eks.describe_cluster(name="default")["cluster"]["accessConfig"]
    assert api == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert default == {
        "authenticationMode": "CONFIG_MAP",
        "bootstrapClusterCreatorAdminPermissions": True,
    }


def test_a_cluster_has_the_security_group_eks_made_for_it_until_it_is_deleted(
    eks: Any, ec2: Any
) -> None:
    """AWS: ``VpcConfigResponse.clusterSecurityGroupId`` is "the cluster security group that
    was created by Amazon EKS for the cluster", in the cluster's VPC; it goes with the cluster."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    eks.create_cluster(name="sg", roleArn=ROLE, resourcesVpcConfig={"subnetIds": [subnet]})

    config = eks.describe_cluster(name="sg")["cluster"]["resourcesVpcConfig"]
    group_id = config["clusterSecurityGroupId"]
    assert config["vpcId"] == vpc
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["VpcId"] == vpc
    assert group["GroupName"].startswith("eks-cluster-sg-sg-")

    eks.delete_cluster(name="sg")
    with pytest.raises(ClientError, match=r"InvalidGroup\.NotFound"):
        ec2.describe_security_groups(GroupIds=[group_id])


def test_a_pinned_add_on_is_installed_listed_and_removed(eks: Any) -> None:
    cluster(eks, "c")
    created = eks.create_addon(
        clusterName="c",
        addonName="vpc-cni",
        addonVersion="v1.19.5-eksbuild.1",
        serviceAccountRoleArn=ROLE,
        resolveConflicts="OVERWRITE",
        tags={"env": "local"},
    )["addon"]

    addon = eks.describe_addon(clusterName="c", addonName="vpc-cni")["addon"]
    assert addon == created
    assert addon["status"] == "ACTIVE"
    assert addon["addonVersion"] == "v1.19.5-eksbuild.1"
    assert addon["serviceAccountRoleArn"] == ROLE
    assert addon["tags"] == {"env": "local"}
    assert addon["addonArn"].startswith("arn:aws:eks:us-east-1:123456789012:addon/c/vpc-cni/")
    assert eks.list_addons(clusterName="c")["addons"] == ["vpc-cni"]
    with pytest.raises(ClientError, match="ResourceInUseException"):
        eks.create_addon(clusterName="c", addonName="vpc-cni", addonVersion="v1")

    eks.delete_addon(clusterName="c", addonName="vpc-cni")

    assert eks.list_addons(clusterName="c")["addons"] == []
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        eks.describe_addon(clusterName="c", addonName="vpc-cni")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        eks.create_addon(clusterName="missing", addonName="coredns", addonVersion="v1")


def test_an_access_entry_grants_what_its_associated_policy_grants(eks: Any) -> None:
    cluster(eks, "c", authenticationMode="API", bootstrapClusterCreatorAdminPermissions=False)
    entry = eks.create_access_entry(clusterName="c", principalArn=ADMIN, type="STANDARD")[
        "accessEntry"
    ]
    assert entry["principalArn"] == ADMIN
    assert entry["type"] == "STANDARD"
    assert entry["kubernetesGroups"] == []
    assert eks.describe_access_entry(clusterName="c", principalArn=ADMIN)["accessEntry"] == entry
    assert eks.list_access_entries(clusterName="c")["accessEntries"] == [ADMIN]
    policies = eks.list_associated_access_policies(clusterName="c", principalArn=ADMIN)
    assert policies["associatedAccessPolicies"] == []  # an entry alone grants nothing

    eks.associate_access_policy(
        clusterName="c",
        principalArn=ADMIN,
        policyArn=ADMIN_POLICY,
        accessScope={"type": "cluster"},
    )

    [policy] = eks.list_associated_access_policies(clusterName="c", principalArn=ADMIN)[
        "associatedAccessPolicies"
    ]
    assert policy["policyArn"] == ADMIN_POLICY
    assert policy["accessScope"] == {"type": "cluster"}
    eks.disassociate_access_policy(clusterName="c", principalArn=ADMIN, policyArn=ADMIN_POLICY)
    policies = eks.list_associated_access_policies(clusterName="c", principalArn=ADMIN)
    assert policies["associatedAccessPolicies"] == []
    eks.delete_access_entry(clusterName="c", principalArn=ADMIN)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        eks.describe_access_entry(clusterName="c", principalArn=ADMIN)


def test_a_node_role_entry_gets_the_node_username_and_no_groups_or_policies(eks: Any) -> None:
    cluster(eks, "c", authenticationMode="API", bootstrapClusterCreatorAdminPermissions=False)
    nodes = "arn:aws:iam::123456789012:role/karpenter-node"

    entry = eks.create_access_entry(clusterName="c", principalArn=nodes, type="EC2_LINUX")[
        "accessEntry"
    ]

    assert entry["type"] == "EC2_LINUX"
    assert entry["username"] == "system:node:{{EC2PrivateDNSName}}"
    assert eks.describe_access_entry(clusterName="c", principalArn=nodes)["accessEntry"] == entry
    with pytest.raises(ClientError, match="InvalidRequestException"):
        eks.associate_access_policy(
            clusterName="c",
            principalArn=nodes,
            policyArn=ADMIN_POLICY,
            accessScope={"type": "cluster"},
        )
    other = "arn:aws:iam::123456789012:role/other-nodes"
    for given in ({"kubernetesGroups": ["system:masters"]}, {"username": "me"}):
        with pytest.raises(ClientError, match="InvalidParameterException"):
            eks.create_access_entry(clusterName="c", principalArn=other, type="EC2_LINUX", **given)
    with pytest.raises(ClientError, match="InvalidParameterException"):
        eks.create_access_entry(
            clusterName="c", principalArn="arn:aws:iam::123456789012:user/u", type="EC2_LINUX"
        )


def test_access_entries_need_a_cluster_that_authenticates_through_the_api(eks: Any) -> None:
    cluster(eks, "configmap")

    with pytest.raises(ClientError, match="authentication mode must be set to one of"):
        eks.create_access_entry(clusterName="configmap", principalArn=ADMIN)


def test_setting_a_queues_other_attributes_keeps_its_policy(emulated_aws: LocalAws) -> None:
    sqs = boto3.client("sqs")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:123456789012:interruptions",
            }
        ],
    }
    url = sqs.create_queue(QueueName="interruptions", Attributes={"Policy": json.dumps(policy)})[
        "QueueUrl"
    ]

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "300"})

    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == "300"
    assert json.loads(attributes["Policy"]) == policy
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})  # how AWS removes it
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in attributes
