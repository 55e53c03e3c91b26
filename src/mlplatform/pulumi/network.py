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
        props = props or NetworkProps()
        self._layer = layer
        self._naming = layer.naming
        self._layout = NetworkLayout.of(
            layer.naming, config.region, config.availability_zones, props
        )
        self.availability_zones = self._layout.zones
        self.vpc = self._vpc_with_closed_default_group(props.cidr)
        gateway, self.public_subnets = self._public_side()
        self.nat_gateways = self._nat_gateways(gateway)
        self.private_subnets, private_routes = self._private_side()
        self.s3_endpoint, self.dynamodb_endpoint = self._gateway_endpoints(private_routes)
        self._interface_endpoints()
        self._flow_logs(props.flow_logs_retention_days)
        self.register_outputs({"vpc_id": self.vpc.id})

    # ----------------------------------------------------------------- steps
    def _vpc_with_closed_default_group(self, cidr: str) -> aws.ec2.Vpc:
        """The VPC; its default security group emptied, as it allows all traffic between members."""
        vpc = aws.ec2.Vpc(
            self.child("vpc"),
            cidr_block=cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": self._naming.resource("vpc")},
            opts=self.options(),
        )
        aws.ec2.DefaultSecurityGroup(
            self.child("default-security-group"),
            vpc_id=vpc.id,
            tags={"Name": "default-deny"},
            opts=self.options(),
        )
        return vpc

    def _public_side(self) -> tuple[aws.ec2.InternetGateway, list[aws.ec2.Subnet]]:
        """Internet gateway, one public route table, and the public subnets NAT gateways sit in."""
        gateway = aws.ec2.InternetGateway(
            self.child("internet-gateway"),
            vpc_id=self.vpc.id,
            tags={"Name": self._naming.resource("igw")},
            opts=self.options(),
        )
        public_routes = aws.ec2.RouteTable(
            self.child("public-routes"),
            vpc_id=self.vpc.id,
            tags={"Name": self._naming.resource("public")},
            opts=self.options(),
        )
        aws.ec2.Route(
            self.child("public-default-route"),
            route_table_id=public_routes.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=gateway.id,
            opts=self.options(),
        )
        subnets: list[aws.ec2.Subnet] = []
        for public_plan in self._layout.public_subnets:
            public = aws.ec2.Subnet(
                self.child(public_plan.id),
                vpc_id=self.vpc.id,
                **public_plan.settings,
                opts=self.options(),
            )
            self._associate(public_plan.association_id, public, public_routes)
            subnets.append(public)
        return gateway, subnets

    def _nat_gateways(self, gateway: aws.ec2.InternetGateway) -> list[aws.ec2.NatGateway]:
        """NAT gateways and their addresses: one in the first AZ, or one per AZ (outages stay local)."""
        nat_gateways: list[aws.ec2.NatGateway] = []
        for nat in self._layout.nat_gateways:
            address = aws.ec2.Eip(
                self.child(nat.address_id),
                domain="vpc",
                tags={"Name": nat.name},
                opts=self.options(),
            )
            nat_gateways.append(
                aws.ec2.NatGateway(
                    self.child(nat.id),
                    allocation_id=address.id,
                    subnet_id=self.public_subnets[nat.index].id,
                    tags={"Name": nat.name},
                    opts=self.options(depends_on=[gateway]),
                )
            )
        return nat_gateways

    def _private_side(self) -> tuple[list[aws.ec2.Subnet], list[aws.ec2.RouteTable]]:
        """A private subnet and route table per AZ, its default route through its NAT gateway."""
        subnets: list[aws.ec2.Subnet] = []
        route_tables: list[aws.ec2.RouteTable] = []
        for private_plan in self._layout.private_subnets:
            private = aws.ec2.Subnet(
                self.child(private_plan.id),
                vpc_id=self.vpc.id,
                **private_plan.settings,
                opts=self.options(),
            )
            routes = aws.ec2.RouteTable(
                self.child(private_plan.routes_id),
                vpc_id=self.vpc.id,
                tags={"Name": private_plan.routes_name},
                opts=self.options(),
            )
            aws.ec2.Route(
                self.child(private_plan.route_id),
                route_table_id=routes.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=self.nat_gateways[private_plan.nat].id,
                opts=self.options(),
            )
            self._associate(private_plan.association_id, private, routes)
            subnets.append(private)
            route_tables.append(routes)
        return subnets, route_tables

    def _gateway_endpoints(
        self, private_routes: list[aws.ec2.RouteTable]
    ) -> list[aws.ec2.VpcEndpoint]:
        """S3 and DynamoDB through free gateway endpoints; DynamoDB's keeps feature reads off NAT."""
        return [
            aws.ec2.VpcEndpoint(
                self.child(endpoint.id),
                vpc_id=self.vpc.id,
                service_name=endpoint.service_name,
                vpc_endpoint_type="Gateway",
                route_table_ids=[r.id for r in private_routes],
                tags={"Name": endpoint.name},
                opts=self.options(),
            )
            for endpoint in self._layout.gateway_endpoints
        ]

    def _interface_endpoints(self) -> None:
        """The other services' endpoints in the private subnets, open to HTTPS from the VPC."""
        if not self._layout.interface_endpoints:
            return
        group = aws.ec2.SecurityGroup(
            self.child("endpoint-security-group"),
            vpc_id=self.vpc.id,
            **self._layout.endpoint_security_group,
            opts=self.options(),
        )
        aws.vpc.SecurityGroupIngressRule(
            self.child("endpoint-https-from-vpc"),
            security_group_id=group.id,
            **self._layout.endpoint_ingress,
            opts=self.options(),
        )
        for endpoint in self._layout.interface_endpoints:
            aws.ec2.VpcEndpoint(
                self.child(endpoint.id),
                vpc_id=self.vpc.id,
                service_name=endpoint.service_name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[group.id],
                tags={"Name": endpoint.name},
                opts=self.options(),
            )

    def _flow_logs(self, retention_days: int) -> None:
        """Every accepted and rejected flow, to a KMS-encrypted log group retained as configured."""
        naming, region = self._naming, self._layer.config.region
        key = PlatformKey(
            self._layer,
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
            retention_in_days=retention_days,
            kms_key_id=key.arn,
            opts=self.options(),
        )
        role = aws.iam.Role(
            self.child("flow-logs-role"),
            name=naming.iam("network", "flow-logs"),
            assume_role_policy=self._layer.document(
                lambda account_id, _partition: service_trust_policy(
                    "vpc-flow-logs.amazonaws.com", account_id
                )
            ),
            opts=self.options(),
        )
        aws.iam.RolePolicy(
            self.child("flow-logs-delivery"),
            name="deliver-flow-logs",
            role=role.id,
            policy=self._layer.document(
                lambda _account, _partition, arn: flow_logs_delivery_policy(arn), log_group.arn
            ),
            opts=self.options(),
        )
        aws.ec2.FlowLog(
            self.child("flow-log"),
            vpc_id=self.vpc.id,
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            **self._layout.flow_log,
            opts=self.options(),
        )

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
