"""The emulator answers like AWS where the compute layer needs it to (see mlplatform.emulator.fixes).

Without these fixes ``local`` could not keep the hardened launch templates
(plain moto copies a template's own tags into what it launches, so every plan
after the deploy would update the templates) nor a training pool's placement
group (plain moto has none, and the provider waits forever for one).
"""

from __future__ import annotations

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
