"""What an environment's network is made of: subnets, NAT gateways, routes, endpoints, flow log.

Both engines build the same VPC from the same :class:`NetworkLayout`, so every
name, tag and setting is decided here once and each engine only makes a
resource per item, in this order:

- the VPC and, to empty it, its default security group;
- the public side: an internet gateway, one route table with a default route
  to it, and a public subnet per zone (no public IPs on launch; tagged for
  internet-facing load balancers);
- NAT: one gateway in the first zone, or one per zone (``one_per_az``, so a
  zone's outage does not cut the others off), each with its own address;
- the private side: per zone a subnet (tagged for internal load balancers), a
  route table and a default route to its zone's NAT (or the one NAT);
- endpoints: S3 and DynamoDB through free gateway endpoints on the private
  route tables, the configured services through interface endpoints in the
  private subnets, behind a security group that admits HTTPS from the VPC;
- the flow log of every accepted and rejected flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlplatform.config import NetworkProps
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.subnet_plan import SubnetPlan
from mlplatform.errors import ConstructError

__all__ = [
    "ANYWHERE",
    "Endpoint",
    "NatGateway",
    "NetworkLayout",
    "PrivateSubnet",
    "PublicSubnet",
]

ANYWHERE = "0.0.0.0/0"
"""The destination of a default route."""


@dataclass(frozen=True)
class PublicSubnet:
    """A zone's public subnet (NAT gateways, internet-facing load balancers)."""

    id: str
    association_id: str
    """Its association with the public route table."""
    settings: dict[str, Any]
    """The subnet's ``cidr_block``, ``availability_zone``, ``map_public_ip_on_launch`` and tags."""


@dataclass(frozen=True)
class NatGateway:
    """A NAT gateway in public subnet ``index`` (its zone's), and its address."""

    index: int
    id: str
    address_id: str
    name: str
    """The ``Name`` tag of the gateway and its address."""


@dataclass(frozen=True)
class PrivateSubnet:
    """A zone's private subnet, its route table and the default route to its NAT gateway."""

    id: str
    routes_id: str
    route_id: str
    association_id: str
    nat: int
    """The index of the NAT gateway its default route goes through."""
    settings: dict[str, Any]
    """The subnet's ``cidr_block``, ``availability_zone`` and tags."""
    routes_name: str
    """The ``Name`` tag of its route table."""


@dataclass(frozen=True)
class Endpoint:
    """A VPC endpoint: gateway (on the private route tables) or interface (in the subnets)."""

    id: str
    service_name: str
    name: str
    """The ``Name`` tag."""


@dataclass(frozen=True)
class NetworkLayout:
    """Every resource of one environment's network, in the order both engines make them."""

    zones: tuple[str, ...]
    public_subnets: tuple[PublicSubnet, ...]
    nat_gateways: tuple[NatGateway, ...]
    private_subnets: tuple[PrivateSubnet, ...]
    gateway_endpoints: tuple[Endpoint, ...]
    interface_endpoints: tuple[Endpoint, ...]
    endpoint_security_group: dict[str, Any]
    """The interface endpoints' security group's ``name``, ``description`` and tags."""
    endpoint_ingress: dict[str, Any]
    """Its one ingress rule's settings."""
    flow_log: dict[str, Any]
    """The flow log's settings (its destination and role are the engine's resources)."""

    @staticmethod
    def of(
        naming: Naming, region: str, availability_zones: Sequence[str], props: NetworkProps
    ) -> NetworkLayout:
        """The layout of ``props`` in the first ``az_count`` of ``availability_zones``."""
        zones = tuple(availability_zones[: props.az_count])
        if len(zones) < props.az_count:
            raise ConstructError(
                f"Network needs {props.az_count} availability zones, got {len(zones)}; "
                "pass more zones or lower az_count"
            )
        plans = SubnetPlan.for_vpc(props.cidr, zones)
        one_per_az = props.nat_strategy == "one_per_az"
        return NetworkLayout(
            zones=zones,
            public_subnets=tuple(
                PublicSubnet(
                    id=f"public-{index}",
                    association_id=f"public-{index}-routes",
                    settings=_subnet(naming, "public", plan.public_cidr, plan.availability_zone),
                )
                for index, plan in enumerate(plans)
            ),
            nat_gateways=tuple(
                NatGateway(
                    index=index,
                    id=f"nat-{index}",
                    address_id=f"nat-{index}-address",
                    name=naming.resource("nat", zones[index]),
                )
                for index in range(len(zones) if one_per_az else 1)
            ),
            private_subnets=tuple(
                PrivateSubnet(
                    id=f"private-{index}",
                    routes_id=f"private-{index}-routes",
                    route_id=f"private-{index}-default-route",
                    association_id=f"private-{index}-association",
                    nat=index if one_per_az else 0,
                    settings=_subnet(naming, "private", plan.private_cidr, plan.availability_zone),
                    routes_name=naming.resource("private", plan.availability_zone),
                )
                for index, plan in enumerate(plans)
            ),
            gateway_endpoints=tuple(
                Endpoint(f"{service}-endpoint", _service(region, service), naming.resource(service))
                for service in ("s3", "dynamodb")
            ),
            interface_endpoints=tuple(
                Endpoint(
                    f"endpoint-{service.replace('.', '-')}",
                    _service(region, service),
                    naming.resource("endpoint", service.replace(".", "-")),
                )
                for service in props.interface_endpoints
            ),
            endpoint_security_group=_endpoint_security_group(naming),
            endpoint_ingress=_endpoint_ingress(props.cidr),
            flow_log=_flow_log(naming),
        )


def _service(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def _subnet(naming: Naming, tier: str, cidr: str, zone: str) -> dict[str, Any]:
    """A subnet's settings: public ones launch without public IPs; both carry the tag the
    AWS load balancer controller looks for (internet-facing or internal)."""
    settings: dict[str, Any] = {"cidr_block": cidr, "availability_zone": zone}
    if tier == "public":
        settings["map_public_ip_on_launch"] = False
    role = "kubernetes.io/role/elb" if tier == "public" else "kubernetes.io/role/internal-elb"
    settings["tags"] = {"Name": naming.resource(tier, zone), "tier": tier, role: "1"}
    return settings


def _endpoint_security_group(naming: Naming) -> dict[str, Any]:
    """The interface endpoints' security group (its only rule: :func:`_endpoint_ingress`)."""
    return {
        "name": naming.resource("endpoints"),
        "description": "HTTPS from inside the VPC to interface endpoints",
        "tags": {"Name": naming.resource("endpoints")},
    }


def _endpoint_ingress(vpc_cidr: str) -> dict[str, Any]:
    """HTTPS from anywhere in the VPC, all an interface endpoint answers."""
    return {
        "cidr_ipv4": vpc_cidr,
        "ip_protocol": "tcp",
        "from_port": 443,
        "to_port": 443,
        "description": "HTTPS from the VPC",
    }


def _flow_log(naming: Naming) -> dict[str, Any]:
    """Every accepted and rejected flow, to CloudWatch Logs, aggregated each minute."""
    return {
        "traffic_type": "ALL",
        "log_destination_type": "cloud-watch-logs",
        "max_aggregation_interval": 60,
        "tags": {"Name": naming.resource("flow-log")},
    }
