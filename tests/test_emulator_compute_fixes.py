"""The emulator answers like AWS where the compute layer needs it to (see mlplatform.emulator.fixes).

Without these fixes ``local`` could not keep the hardened launch templates:
plain moto copies a template's own tags into what it launches, so every plan
after the deploy would update the templates.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

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
