"""Layer 1, ``<env>-network``: the VPC every other layer runs in."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.network import Network
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["NetworkStack"]


class NetworkStack(PlatformStack):
    """VPC, subnets, NAT, endpoints and flow logs of one environment."""

    def __init__(
        self, scope: Construct, config: EnvironmentConfig, *, emulator_endpoint: str | None = None
    ):
        super().__init__(scope, config, "network", emulator_endpoint=emulator_endpoint)
        self.network = Network(
            self,
            "network",
            naming=self.naming,
            region=config.region,
            availability_zones=config.availability_zones,
            props=config.network,
        )
        TerraformOutput(self, "vpc_id", value=self.network.vpc_id)
        TerraformOutput(self, "private_subnet_ids", value=self.network.private_subnet_ids)
        TerraformOutput(self, "public_subnet_ids", value=self.network.public_subnet_ids)
        TerraformOutput(self, "nat_gateway_ids", value=self.network.nat_gateway_ids)
        TerraformOutput(self, "vpc_cidr", value=self.network.vpc_cidr)
        TerraformOutput(self, "availability_zones", value=list(self.network.availability_zones))
        TerraformOutput(self, "s3_prefix_list_id", value=self.network.s3_prefix_list_id)
        network = self.network
        put = self.contract.put
        put("network/vpc-id", network.vpc_id)
        put("network/vpc-cidr", network.vpc_cidr)
        put("network/private-subnet-ids", network.private_subnet_ids)
        put("network/availability-zones", list(network.availability_zones))
        put("network/s3-prefix-list-id", network.s3_prefix_list_id)
        put("network/dynamodb-prefix-list-id", network.dynamodb_prefix_list_id)
