"""Network: every security default and sizing choice, read from the synthesized Terraform."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack, Testing

from mlplatform.config import NetworkProps
from mlplatform.constructs.network import Network
from mlplatform.decisions.naming import Naming

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def synth(stack: TerraformStack, naming: Naming, **props: Any) -> dict[str, Any]:
    Network(
        stack,
        "network",
        naming=naming,
        region="us-east-1",
        availability_zones=ZONES,
        props=NetworkProps(**props),
    )
    result: dict[str, Any] = json.loads(Testing.synth(stack))
    return result


def resources(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list(document["resource"].get(kind, {}).values())


def test_vpc_has_dns_and_configured_cidr(stack: TerraformStack, naming: Naming) -> None:
    document = synth(stack, naming, cidr="10.50.0.0/16")

    assert Testing.to_have_resource_with_properties(
        json.dumps(document),
        "aws_vpc",
        {"cidr_block": "10.50.0.0/16", "enable_dns_support": True, "enable_dns_hostnames": True},
    )
    assert resources(document, "aws_vpc")[0]["tags"]["Name"] == "acme-test-vpc"


@pytest.mark.parametrize("az_count", [2, 3])
def test_one_private_and_one_public_subnet_per_zone(
    stack: TerraformStack, naming: Naming, az_count: int
) -> None:
    document = synth(stack, naming, az_count=az_count)

    subnets = resources(document, "aws_subnet")
    assert len(subnets) == 2 * az_count
    for tier in ("public", "private"):
        zones = sorted(s["availability_zone"] for s in subnets if s["tags"]["tier"] == tier)
        assert zones == list(ZONES[:az_count])
    assert all(
        s["map_public_ip_on_launch"] is False for s in subnets if "map_public_ip_on_launch" in s
    )


def test_public_subnets_never_assign_public_ips(stack: TerraformStack, naming: Naming) -> None:
    document = synth(stack, naming)

    public = [s for s in resources(document, "aws_subnet") if s["tags"]["tier"] == "public"]
    assert public and all(s["map_public_ip_on_launch"] is False for s in public)


@pytest.mark.parametrize(("strategy", "expected"), [("one", 1), ("one_per_az", 3)])
def test_nat_strategy_sets_the_number_of_nat_gateways(
    stack: TerraformStack, naming: Naming, strategy: str, expected: int
) -> None:
    document = synth(stack, naming, az_count=3, nat_strategy=strategy)

    assert len(resources(document, "aws_nat_gateway")) == expected
    assert len(resources(document, "aws_eip")) == expected
    nat_routes = [r for r in resources(document, "aws_route") if "nat_gateway_id" in r]
    assert len(nat_routes) == 3  # every private route table has a default route via NAT
    assert len({r["nat_gateway_id"] for r in nat_routes}) == expected


def test_default_security_group_is_emptied(stack: TerraformStack, naming: Naming) -> None:
    document = synth(stack, naming)

    (default,) = resources(document, "aws_default_security_group")
    assert not default.get("ingress") and not default.get("egress")


def test_s3_and_dynamodb_gateway_endpoints_serve_every_private_route_table(
    stack: TerraformStack, naming: Naming
) -> None:
    document = synth(stack, naming, az_count=3)

    gateways = [
        e for e in resources(document, "aws_vpc_endpoint") if e["vpc_endpoint_type"] == "Gateway"
    ]
    assert sorted(g["service_name"] for g in gateways) == [
        "com.amazonaws.us-east-1.dynamodb",  # the online feature store's reads stay private
        "com.amazonaws.us-east-1.s3",
    ]
    assert all(len(g["route_table_ids"]) == 3 for g in gateways)


def test_interface_endpoints_are_private_and_only_take_https_from_the_vpc(
    stack: TerraformStack, naming: Naming
) -> None:
    document = synth(stack, naming, cidr="10.60.0.0/16", interface_endpoints=("sts", "ecr.api"))

    interfaces = [
        e for e in resources(document, "aws_vpc_endpoint") if e["vpc_endpoint_type"] == "Interface"
    ]
    assert sorted(e["service_name"] for e in interfaces) == [
        "com.amazonaws.us-east-1.ecr.api",
        "com.amazonaws.us-east-1.sts",
    ]
    assert all(e["private_dns_enabled"] is True for e in interfaces)
    (ingress,) = resources(document, "aws_vpc_security_group_ingress_rule")
    assert (ingress["cidr_ipv4"], ingress["from_port"], ingress["to_port"]) == (
        "10.60.0.0/16",
        443,
        443,
    )


def test_no_interface_endpoints_means_no_endpoint_security_group(
    stack: TerraformStack, naming: Naming
) -> None:
    document = synth(stack, naming, interface_endpoints=())

    assert resources(document, "aws_security_group") == []
    assert len(resources(document, "aws_vpc_endpoint")) == 2  # the S3 and DynamoDB gateways


def test_flow_logs_capture_all_traffic_into_an_encrypted_expiring_group(
    stack: TerraformStack, naming: Naming
) -> None:
    document = synth(stack, naming, flow_logs_retention_days=90)

    (flow_log,) = resources(document, "aws_flow_log")
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    (group,) = resources(document, "aws_cloudwatch_log_group")
    assert group["retention_in_days"] == 90
    assert group["kms_key_id"].startswith("${aws_kms_key.")
    assert group["name"] == "/mlplatform/acme-test/network/flow-logs"
    (key,) = resources(document, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    key_policy = json.loads(key["policy"])
    logs = next(s for s in key_policy["Statement"] if s["Sid"] == "AllowCloudWatchLogs")
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}


def test_flow_log_role_is_trusted_only_by_the_flow_log_service_of_this_account(
    stack: TerraformStack, naming: Naming
) -> None:
    document = synth(stack, naming)

    (role,) = resources(document, "aws_iam_role")
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
    (policy,) = resources(document, "aws_iam_role_policy")
    (write,) = json.loads(policy["policy"])["Statement"]
    assert "*" not in write["Resource"]
    assert set(write["Action"]) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
    }


def test_network_refuses_fewer_zones_than_az_count(stack: TerraformStack, naming: Naming) -> None:
    with pytest.raises(ValueError, match="needs 3 availability zones, got 2"):
        Network(
            stack,
            "network",
            naming=naming,
            region="us-east-1",
            availability_zones=ZONES[:2],
            props=NetworkProps(az_count=3),
        )
