"""A team's Pulumi program reads the platform's network from the contract, as cdktf does.

``Network.from_environment`` on Pulumi reads the VPC, its CIDR and the gateway prefix lists
from the ``/<org>/<env>/platform/network/...`` SSM parameters. A security group the team
makes in that VPC (ingress from the VPC, egress to S3 through its gateway endpoint) matches
the cdktf ``TeamStack``'s field by field once both read the values the cdktf-synthesized
``dev`` platform writes; the list parameters (subnets, zones) are checked by value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from cdktf import App

from mlplatform.bindings.aws.security_group import SecurityGroup
from mlplatform.bindings.aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from mlplatform.bindings.aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.network import Network as CdktfNetwork
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.network import Network
from mlplatform.pulumi.normalise import from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.test_contract import team_config_for

STACK = "dev-ranking-serving"
NAME = "mlp-dev-ranking-serving-endpoint"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "serving")
    network = CdktfNetwork.from_environment(stack, "platform-network")
    group = SecurityGroup(
        stack, "endpoint-sg", name=NAME, description="endpoint", vpc_id=network.vpc_id
    )
    VpcSecurityGroupIngressRule(
        stack,
        "from-vpc",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4=network.vpc_cidr,
    )
    VpcSecurityGroupEgressRule(
        stack,
        "to-s3",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        prefix_list_id=network.s3_prefix_list_id,
    )
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig, read: list[str], lists: dict[str, Any]) -> None:
    layer = TeamLayer(team_config_for(config), "serving")
    network = Network.from_environment(layer, "platform-network")
    group = aws.ec2.SecurityGroup(
        f"{layer.path}/endpoint-sg",
        name=NAME,
        description="endpoint",
        vpc_id=network.vpc_id,
        opts=layer.options(),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{layer.path}/from-vpc",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4=network.vpc_cidr,
        opts=layer.options(),
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{layer.path}/to-s3",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        prefix_list_id=network.s3_prefix_list_id,
        opts=layer.options(),
    )
    read.extend(ContractReader.of(layer).names)
    pulumi.Output.all(network.private_subnet_ids, network.availability_zones).apply(
        lambda v: lists.update(subnets=v[0], zones=v[1])
    )


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def recorded(
    loader: EnvironmentLoader, platform: dict[str, str]
) -> tuple[Recording, list[str], dict[str, Any]]:
    config = loader.load("dev")
    read: list[str] = []
    lists: dict[str, Any] = {}
    recording = Recorder.run(lambda: team_program(config, read, lists), parameters=platform)
    return recording, read, lists


def test_the_network_reading_program_matches_the_cdktf_team_stack(
    tmp_path: Path,
    loader: EnvironmentLoader,
    platform: dict[str, str],
    recorded: tuple[Recording, list[str], dict[str, Any]],
) -> None:
    recording, read, _ = recorded
    document = cdktf_team_stack(tmp_path, loader.load("dev"))
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    assert (
        sorted(read)
        == cdktf_read
        == [
            "/mlp/dev/platform/network/s3-prefix-list-id",
            "/mlp/dev/platform/network/vpc-cidr",
            "/mlp/dev/platform/network/vpc-id",
        ]
    )
    cdktf = from_cdktf({STACK: document}, parameters=platform)
    pulumi_side = from_pulumi(recording)
    assert first_difference(cdktf, pulumi_side) is None
    group = pulumi_side.resources[("aws_security_group", NAME)]
    assert group.config["vpc_id"] == platform["/mlp/dev/platform/network/vpc-id"]


def test_the_list_parameters_are_the_platforms_subnets_and_zones(
    platform: dict[str, str], recorded: tuple[Recording, list[str], dict[str, Any]]
) -> None:
    _, _, lists = recorded
    subnets = platform["/mlp/dev/platform/network/private-subnet-ids"].split(",")
    zones = platform["/mlp/dev/platform/network/availability-zones"].split(",")
    assert lists == {"subnets": subnets, "zones": zones}
    assert len(subnets) == len(zones) >= 2


def test_the_placement_reads_what_cdktfs_reads_and_gives_the_lists_at_preview(
    tmp_path: Path, loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    """``placement()`` is cdktf's ``ImportedNetwork.placement()``: the same six parameters,
    the subnets and zones as lists known at preview, picked from by its users then."""
    config = loader.load("dev")
    read: list[str] = []
    seen: dict[str, Any] = {}

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        placement = Network.from_environment(layer, "platform-network").placement()
        assert not placement.known
        pulumi.Output.all(
            placement.subnets(), placement.first_subnet(), placement.first_zone()
        ).apply(lambda v: seen.update(subnets=v[0], first_subnet=v[1], first_zone=v[2]))
        read.extend(ContractReader.of(layer).names)

    Recorder.run(program, parameters=platform)
    app = App(outdir=str(tmp_path))
    stack = TeamStack(app, team_config_for(config), "serving")
    CdktfNetwork.from_environment(stack, "platform-network").placement()
    app.synth()
    document = json.loads((tmp_path / "stacks" / STACK / "cdk.tf.json").read_text())
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    assert sorted(read) == cdktf_read
    assert len(read) == 6
    subnets = platform["/mlp/dev/platform/network/private-subnet-ids"].split(",")
    zones = platform["/mlp/dev/platform/network/availability-zones"].split(",")
    assert seen == {"subnets": subnets, "first_subnet": subnets[0], "first_zone": zones[0]}
