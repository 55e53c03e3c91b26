"""The network of one environment: a VPC that keeps ML workloads off the internet.

Workloads run in private subnets and reach the internet only through NAT
(one per AZ by default, so an AZ outage does not cut the others off). AWS
services they call all the time (S3, ECR, STS, SageMaker runtime) are reached
through VPC endpoints, which is cheaper than NAT and keeps traffic private.
The default security group is stripped of all rules, and every flow is logged
to a KMS-encrypted log group.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_log_group import CloudwatchLogGroup
from mlplatform.bindings.aws.default_security_group import DefaultSecurityGroup
from mlplatform.bindings.aws.eip import Eip
from mlplatform.bindings.aws.flow_log import FlowLog
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.internet_gateway import InternetGateway
from mlplatform.bindings.aws.nat_gateway import NatGateway
from mlplatform.bindings.aws.route import Route
from mlplatform.bindings.aws.route_table import RouteTable
from mlplatform.bindings.aws.route_table_association import RouteTableAssociation
from mlplatform.bindings.aws.security_group import SecurityGroup
from mlplatform.bindings.aws.subnet import Subnet
from mlplatform.bindings.aws.vpc import Vpc
from mlplatform.bindings.aws.vpc_endpoint import VpcEndpoint
from mlplatform.bindings.aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from mlplatform.config import NetworkProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.network_layout import ANYWHERE, NetworkLayout
from mlplatform.decisions.policies.cloudwatch import flow_logs_delivery_policy
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.decisions.policies.kms import cloudwatch_logs_key_statement
from mlplatform.interfaces import VpcPlacement

if TYPE_CHECKING:
    from mlplatform.constructs.imported_network import ImportedNetwork

__all__ = ["Network"]


class Network(Construct):
    """VPC, subnets in each AZ, NAT, routes, VPC endpoints and flow logs."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        region: str,
        availability_zones: tuple[str, ...],
        props: NetworkProps | None = None,
    ) -> None:
        super().__init__(scope, id)
        props = props or NetworkProps()
        self._naming = naming
        self._props = props
        self._layout = NetworkLayout.of(naming, region, availability_zones, props)
        self._zones = self._layout.zones
        self._vpc = self._vpc_with_closed_default_group()
        gateway, self._public = self._public_side()
        self._nats = self._nat_gateways(gateway)
        self._private, self._private_routes = self._private_side()
        self._s3_endpoint, self._dynamodb_endpoint = self._gateway_endpoints()
        self._endpoint_group = self._interface_endpoints()
        self._flow_logs(region)

    # ----------------------------------------------------------------- steps
    def _vpc_with_closed_default_group(self) -> Vpc:
        """The VPC; its default security group emptied, as it allows all traffic between members."""
        vpc = Vpc(
            self,
            "vpc",
            cidr_block=self._props.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": self._naming.resource("vpc")},
        )
        DefaultSecurityGroup(
            self, "default-security-group", vpc_id=vpc.id, tags={"Name": "default-deny"}
        )
        return vpc

    def _public_side(self) -> tuple[InternetGateway, list[Subnet]]:
        """Internet gateway, one public route table, and the public subnets NAT gateways sit in."""
        vpc_id = self._vpc.id
        gateway = InternetGateway(
            self, "internet-gateway", vpc_id=vpc_id, tags={"Name": self._naming.resource("igw")}
        )
        public_routes = RouteTable(
            self, "public-routes", vpc_id=vpc_id, tags={"Name": self._naming.resource("public")}
        )
        Route(
            self,
            "public-default-route",
            route_table_id=public_routes.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=gateway.id,
        )
        subnets: list[Subnet] = []
        for public_plan in self._layout.public_subnets:
            public = Subnet(self, public_plan.id, vpc_id=vpc_id, **public_plan.settings)
            self._associate(public_plan.association_id, public, public_routes)
            subnets.append(public)
        return gateway, subnets

    def _nat_gateways(self, gateway: InternetGateway) -> list[NatGateway]:
        """NAT gateways and their addresses: one in the first AZ, or one per AZ."""
        nats: list[NatGateway] = []
        for nat in self._layout.nat_gateways:
            address = Eip(self, nat.address_id, domain="vpc", tags={"Name": nat.name})
            nats.append(
                NatGateway(
                    self,
                    nat.id,
                    allocation_id=address.id,
                    subnet_id=self._public[nat.index].id,
                    tags={"Name": nat.name},
                    depends_on=[gateway],
                )
            )
        return nats

    def _private_side(self) -> tuple[list[Subnet], list[RouteTable]]:
        """A private subnet and route table per AZ, its default route through its NAT gateway."""
        vpc_id = self._vpc.id
        subnets: list[Subnet] = []
        route_tables: list[RouteTable] = []
        for private_plan in self._layout.private_subnets:
            private = Subnet(self, private_plan.id, vpc_id=vpc_id, **private_plan.settings)
            routes = RouteTable(
                self, private_plan.routes_id, vpc_id=vpc_id, tags={"Name": private_plan.routes_name}
            )
            Route(
                self,
                private_plan.route_id,
                route_table_id=routes.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=self._nats[private_plan.nat].id,
            )
            self._associate(private_plan.association_id, private, routes)
            subnets.append(private)
            route_tables.append(routes)
        return subnets, route_tables

    def _gateway_endpoints(self) -> tuple[VpcEndpoint, VpcEndpoint]:
        """Free gateway endpoints for S3 and DynamoDB (which keeps feature reads off NAT)."""
        vpc_id = self._vpc.id
        gateway_endpoints = [
            VpcEndpoint(
                self,
                endpoint.id,
                vpc_id=vpc_id,
                service_name=endpoint.service_name,
                vpc_endpoint_type="Gateway",
                route_table_ids=[r.id for r in self._private_routes],
                tags={"Name": endpoint.name},
            )
            for endpoint in self._layout.gateway_endpoints
        ]
        s3_endpoint, dynamodb_endpoint = gateway_endpoints
        return s3_endpoint, dynamodb_endpoint

    def _interface_endpoints(self) -> SecurityGroup | None:
        """The other services' endpoints in the private subnets, open to HTTPS from the VPC."""
        if not self._layout.interface_endpoints:
            return None
        vpc_id = self._vpc.id
        group = SecurityGroup(
            self, "endpoint-security-group", vpc_id=vpc_id, **self._layout.endpoint_security_group
        )
        VpcSecurityGroupIngressRule(
            self,
            "endpoint-https-from-vpc",
            security_group_id=group.id,
            **self._layout.endpoint_ingress,
        )
        for endpoint in self._layout.interface_endpoints:
            VpcEndpoint(
                self,
                endpoint.id,
                vpc_id=vpc_id,
                service_name=endpoint.service_name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self._private],
                security_group_ids=[group.id],
                tags={"Name": endpoint.name},
            )
        return group

    def _flow_logs(self, region: str) -> None:
        """Every accepted and rejected flow, to a KMS-encrypted log group retained as configured."""
        naming = self._naming
        account = AccountContext.of(self)
        key = PlatformKey(
            self,
            "logs-key",
            props=PlatformKeyProps(
                alias=naming.kms_alias("network-logs"),
                description=f"Network logs of {naming.prefix}",
                service_statements=[
                    cloudwatch_logs_key_statement(account.account_id, account.partition, region)
                ],
                alias_moved_from="logs-key-alias",
            ),
        )
        log_group = CloudwatchLogGroup(
            self,
            "flow-logs",
            name=naming.log_group("network", "flow-logs"),
            retention_in_days=self._props.flow_logs_retention_days,
            kms_key_id=key.arn,
        )
        role = IamRole(
            self,
            "flow-logs-role",
            name=naming.iam("network", "flow-logs"),
            assume_role_policy=json.dumps(
                service_trust_policy("vpc-flow-logs.amazonaws.com", account.account_id)
            ),
        )
        IamRolePolicy(
            self,
            "flow-logs-delivery",
            name="deliver-flow-logs",
            role=role.id,
            policy=json.dumps(flow_logs_delivery_policy(log_group.arn)),
        )
        FlowLog(
            self,
            "flow-log",
            vpc_id=self._vpc.id,
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            **self._layout.flow_log,
        )

    def _associate(self, id: str, subnet: Subnet, routes: RouteTable) -> RouteTableAssociation:
        """Subnet ``subnet`` routed by ``routes``."""
        return RouteTableAssociation(self, id, subnet_id=subnet.id, route_table_id=routes.id)

    # ----------------------------------------------------------------- properties
    @property
    def vpc_id(self) -> str:
        return self._vpc.id

    @property
    def vpc_cidr(self) -> str:
        return self._vpc.cidr_block

    @property
    def availability_zones(self) -> tuple[str, ...]:
        """The zones the subnets are in, in subnet order."""
        return self._zones

    @property
    def private_subnet_ids(self) -> list[str]:
        return [s.id for s in self._private]

    @property
    def public_subnet_ids(self) -> list[str]:
        return [s.id for s in self._public]

    @property
    def nat_gateway_ids(self) -> list[str]:
        return [n.id for n in self._nats]

    @property
    def s3_prefix_list_id(self) -> str:
        """Prefix list of the S3 gateway endpoint, for security group egress to S3."""
        return self._s3_endpoint.prefix_list_id

    @property
    def dynamodb_prefix_list_id(self) -> str:
        """Prefix list of the DynamoDB gateway endpoint, for security group egress to DynamoDB."""
        return self._dynamodb_endpoint.prefix_list_id

    @classmethod
    def from_environment(
        cls, scope: Construct, id: str, *, platform: PlatformContract | None = None
    ) -> ImportedNetwork:
        """The platform's network, read from its contract in SSM; creates nothing.

        ``platform`` defaults to the ``TeamStack``'s platform environment; its
        ``placement()`` is what a team's endpoint or pool runs in.
        """
        # Imported here: the importer module reads the contract with its own construct.
        from mlplatform.constructs.contract_reader import check_construct_id
        from mlplatform.constructs.imported_network import ImportedNetwork

        return ImportedNetwork(
            scope, check_construct_id(id, "Network.from_environment"), platform=platform
        )

    def placement(self) -> VpcPlacement:
        """The values a component needs to run in this network's private subnets."""
        return VpcPlacement(
            vpc_id=self.vpc_id,
            vpc_cidr=self.vpc_cidr,
            private_subnet_ids=tuple(self.private_subnet_ids),
            availability_zones=self._zones,
            s3_prefix_list_id=self.s3_prefix_list_id,
            dynamodb_prefix_list_id=self.dynamodb_prefix_list_id,
        )
