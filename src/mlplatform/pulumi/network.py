"""``Network`` on Pulumi: the VPC, subnets, NAT, routes, endpoints and flow logs of one environment.

A translation of :class:`mlplatform.constructs.network.Network`: the subnet
plan, names, key statement and policies all come from ``decisions``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi
import pulumi_aws as aws

from mlplatform.config import NetworkProps
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.network_layout import ANYWHERE, NetworkLayout
from mlplatform.decisions.policies.cloudwatch import flow_logs_delivery_policy
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.decisions.policies.kms import cloudwatch_logs_key_statement
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps

if TYPE_CHECKING:
    from mlplatform.pulumi.contract_network import ContractNetwork

__all__ = ["Network", "NetworkPlacement", "SubnetIds", "Zones"]


SubnetIds = Sequence[pulumi.Input[str]] | pulumi.Output[list[str]]
"""Subnet ids: a known list (the platform's own network), or a list read at preview (the
contract's ``network/private-subnet-ids``), whose items and length are not known before."""
Zones = Sequence[str] | pulumi.Output[list[str]]
"""Availability zones: known, or read at preview with the subnets (``network/availability-zones``)."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class NetworkPlacement:
    """What a component needs to run in the network's private subnets (``VpcPlacement``'s fields).

    ``Network.placement()`` gives the platform network's, with the subnets and zones as
    known tuples; ``Network.from_environment(...).placement()`` a team program's, with
    both as lists read from the platform contract at preview (``pulumi.Output``). Users
    never index them: :meth:`subnets`, :meth:`first_subnet`, :meth:`first_zone` and
    :meth:`with_lists` work on either, at once on known lists (an error stops the program
    there) and inside ``apply`` on read ones (an error fails the preview), as cdktf picks
    from token lists with Terraform functions at plan time.
    """

    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    private_subnet_ids: SubnetIds
    availability_zones: Zones
    s3_prefix_list_id: pulumi.Input[str]
    dynamodb_prefix_list_id: pulumi.Input[str] | None = None

    @property
    def known(self) -> bool:
        """Whether the subnets and zones are known lists (not read at preview)."""
        return not isinstance(self.private_subnet_ids, pulumi.Output) and not isinstance(
            self.availability_zones, pulumi.Output
        )

    def subnets(self) -> list[pulumi.Input[str]] | pulumi.Output[list[str]]:
        """The private subnets as a resource's list input (``subnet_ids=``)."""
        if isinstance(self.private_subnet_ids, pulumi.Output):
            return self.private_subnet_ids
        return list(self.private_subnet_ids)

    def first_subnet(self) -> pulumi.Input[str]:
        """The first zone's private subnet (what takes one subnet: a Glue connection)."""
        return self.with_lists(lambda subnets, _zones: subnets[0])

    def first_zone(self) -> pulumi.Input[str]:
        """The first availability zone, the one :meth:`first_subnet` is in."""
        return self.with_lists(lambda _subnets, zones: zones[0])

    def with_lists(self, pick: Callable[[list[Any], list[str]], _T]) -> _T | pulumi.Output[_T]:
        """``pick(subnets, zones)`` now when both are known, else once they are (in ``apply``).

        With known lists a subnet may still be an output (a subnet's id before it exists),
        so ``pick`` chooses among subnets and never reads them.
        """
        if self.known:
            return pick(list(self.private_subnet_ids), list(self.availability_zones))
        lists = pulumi.Output.all(
            pulumi.Output.from_input(self.private_subnet_ids),
            pulumi.Output.from_input(self.availability_zones),
        )
        return lists.apply(lambda values: pick(list(values[0]), list(values[1])))


class Network(PlatformComponent):
    """``mlplatform:network:Network``: VPC, subnets in each AZ, NAT, routes, endpoints, flow logs."""

    def __init__(self, layer: Layer, id: str, *, props: NetworkProps | None = None) -> None:
        super().__init__(layer.layer, "Network", f"{layer.path}/{id}", parent=layer)
        config = layer.config
        naming = layer.naming
        region = config.region
        props = props or NetworkProps()
        layout = NetworkLayout.of(naming, region, config.availability_zones, props)
        self.availability_zones = layout.zones
        opts = self.options

        self.vpc = aws.ec2.Vpc(
            self.child("vpc"),
            cidr_block=props.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": naming.resource("vpc")},
            opts=opts(),
        )
        vpc_id = self.vpc.id
        aws.ec2.DefaultSecurityGroup(
            self.child("default-security-group"),
            vpc_id=vpc_id,
            tags={"Name": "default-deny"},
            opts=opts(),
        )

        # --- public side
        gateway = aws.ec2.InternetGateway(
            self.child("internet-gateway"),
            vpc_id=vpc_id,
            tags={"Name": naming.resource("igw")},
            opts=opts(),
        )
        public_routes = aws.ec2.RouteTable(
            self.child("public-routes"),
            vpc_id=vpc_id,
            tags={"Name": naming.resource("public")},
            opts=opts(),
        )
        aws.ec2.Route(
            self.child("public-default-route"),
            route_table_id=public_routes.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=gateway.id,
            opts=opts(),
        )
        self.public_subnets: list[aws.ec2.Subnet] = []
        for public_plan in layout.public_subnets:
            public = aws.ec2.Subnet(
                self.child(public_plan.id), vpc_id=vpc_id, **public_plan.settings, opts=opts()
            )
            self._associate(public_plan.association_id, public, public_routes)
            self.public_subnets.append(public)

        # --- NAT: one in the first AZ, or one per AZ
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        for nat in layout.nat_gateways:
            address = aws.ec2.Eip(
                self.child(nat.address_id), domain="vpc", tags={"Name": nat.name}, opts=opts()
            )
            self.nat_gateways.append(
                aws.ec2.NatGateway(
                    self.child(nat.id),
                    allocation_id=address.id,
                    subnet_id=self.public_subnets[nat.index].id,
                    tags={"Name": nat.name},
                    opts=opts(depends_on=[gateway]),
                )
            )

        # --- private side
        self.private_subnets: list[aws.ec2.Subnet] = []
        private_routes: list[aws.ec2.RouteTable] = []
        for private_plan in layout.private_subnets:
            private = aws.ec2.Subnet(
                self.child(private_plan.id), vpc_id=vpc_id, **private_plan.settings, opts=opts()
            )
            routes = aws.ec2.RouteTable(
                self.child(private_plan.routes_id),
                vpc_id=vpc_id,
                tags={"Name": private_plan.routes_name},
                opts=opts(),
            )
            aws.ec2.Route(
                self.child(private_plan.route_id),
                route_table_id=routes.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=self.nat_gateways[private_plan.nat].id,
                opts=opts(),
            )
            self._associate(private_plan.association_id, private, routes)
            self.private_subnets.append(private)
            private_routes.append(routes)

        # --- endpoints
        self.s3_endpoint, self.dynamodb_endpoint = [
            aws.ec2.VpcEndpoint(
                self.child(endpoint.id),
                vpc_id=vpc_id,
                service_name=endpoint.service_name,
                vpc_endpoint_type="Gateway",
                route_table_ids=[r.id for r in private_routes],
                tags={"Name": endpoint.name},
                opts=opts(),
            )
            for endpoint in layout.gateway_endpoints
        ]
        if layout.interface_endpoints:
            group = aws.ec2.SecurityGroup(
                self.child("endpoint-security-group"),
                vpc_id=vpc_id,
                **layout.endpoint_security_group,
                opts=opts(),
            )
            aws.vpc.SecurityGroupIngressRule(
                self.child("endpoint-https-from-vpc"),
                security_group_id=group.id,
                **layout.endpoint_ingress,
                opts=opts(),
            )
            for endpoint in layout.interface_endpoints:
                aws.ec2.VpcEndpoint(
                    self.child(endpoint.id),
                    vpc_id=vpc_id,
                    service_name=endpoint.service_name,
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=[s.id for s in self.private_subnets],
                    security_group_ids=[group.id],
                    tags={"Name": endpoint.name},
                    opts=opts(),
                )

        # --- flow logs
        key = PlatformKey(
            layer,
            self,
            "logs-key",
            props=PlatformKeyProps(
                alias=naming.kms_alias("network-logs"),
                description=f"Network logs of {naming.prefix}",
                service_statements=lambda account_id, partition, _region: [
                    cloudwatch_logs_key_statement(account_id, partition, region)
                ],
            ),
        )
        log_group = aws.cloudwatch.LogGroup(
            self.child("flow-logs"),
            name=naming.log_group("network", "flow-logs"),
            retention_in_days=props.flow_logs_retention_days,
            kms_key_id=key.arn,
            opts=opts(),
        )
        role = aws.iam.Role(
            self.child("flow-logs-role"),
            name=naming.iam("network", "flow-logs"),
            assume_role_policy=layer.document(
                lambda account_id, _partition: service_trust_policy(
                    "vpc-flow-logs.amazonaws.com", account_id
                )
            ),
            opts=opts(),
        )
        aws.iam.RolePolicy(
            self.child("flow-logs-delivery"),
            name="deliver-flow-logs",
            role=role.id,
            policy=layer.document(
                lambda _account, _partition, arn: flow_logs_delivery_policy(arn), log_group.arn
            ),
            opts=opts(),
        )
        aws.ec2.FlowLog(
            self.child("flow-log"),
            vpc_id=vpc_id,
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            **layout.flow_log,
            opts=opts(),
        )
        self.register_outputs({"vpc_id": self.vpc.id})

    def _associate(
        self, id: str, subnet: aws.ec2.Subnet, routes: aws.ec2.RouteTable
    ) -> aws.ec2.RouteTableAssociation:
        """Subnet ``subnet`` routed by ``routes``."""
        return aws.ec2.RouteTableAssociation(
            self.child(id), subnet_id=subnet.id, route_table_id=routes.id, opts=self.options()
        )

    @staticmethod
    def from_environment(
        layer: Layer, id: str, *, platform: PlatformContract | None = None
    ) -> ContractNetwork:
        """The platform's network, read from its contract in SSM (``/<org>/<env>/platform/
        network/...``) as cdktf's ``Network.from_environment``; creates nothing.

        ``platform`` defaults to ``layer``'s environment.
        """
        # Imported here: the importer module imports Layer, as this one does.
        from mlplatform.pulumi.contract_network import ContractNetwork

        return ContractNetwork(layer, id, platform=platform)

    def placement(self) -> NetworkPlacement:
        """The values a component needs to run in this network's private subnets."""
        return NetworkPlacement(
            vpc_id=self.vpc.id,
            vpc_cidr=self.vpc.cidr_block,
            private_subnet_ids=tuple(s.id for s in self.private_subnets),
            availability_zones=self.availability_zones,
            s3_prefix_list_id=self.s3_endpoint.prefix_list_id,
            dynamodb_prefix_list_id=self.dynamodb_endpoint.prefix_list_id,
        )

    @property
    def private_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [s.id for s in self.private_subnets]

    @property
    def public_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [s.id for s in self.public_subnets]
