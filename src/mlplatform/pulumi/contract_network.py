"""The platform's network as seen from a team's Pulumi program, read from the platform contract.

Made by :meth:`Network.from_environment <mlplatform.pulumi.network.Network.from_environment>`,
the counterpart of cdktf's ``ImportedNetwork``. Creates no resources: each value is the
``network/...`` parameter the ``<env>-network`` layer wrote, so a team writes no VPC or
subnet id by hand.
"""

from __future__ import annotations

import pulumi

from mlplatform.decisions.contract import PlatformContract
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.network import NetworkPlacement

__all__ = ["ContractNetwork"]


class ContractNetwork(PlatformComponent):
    """``mlplatform:<layer>:ContractNetwork``: VPC, CIDR, private subnets, zones, prefix lists.

    The subnet ids and zones are lists known at preview only (their number too): pass
    them on whole rather than indexing them, as with cdktf's token lists, or take
    :meth:`placement`, whose users pick from them once they are known.
    """

    def __init__(self, layer: Layer, id: str, *, platform: PlatformContract | None = None) -> None:
        super().__init__(layer.layer, "ContractNetwork", layer.child(id), parent=layer)
        self._reader = ContractReader.of(layer, platform)
        self.register_outputs({})

    @property
    def vpc_id(self) -> pulumi.Output[str]:
        return self._reader.value("network/vpc-id")

    @property
    def vpc_cidr(self) -> pulumi.Output[str]:
        return self._reader.value("network/vpc-cidr")

    @property
    def private_subnet_ids(self) -> pulumi.Output[list[str]]:
        """The private subnets' ids, in zone order."""
        return self._reader.values("network/private-subnet-ids")

    @property
    def availability_zones(self) -> pulumi.Output[list[str]]:
        """The zones of the private subnets, in the same order."""
        return self._reader.values("network/availability-zones")

    @property
    def s3_prefix_list_id(self) -> pulumi.Output[str]:
        return self._reader.value("network/s3-prefix-list-id")

    @property
    def dynamodb_prefix_list_id(self) -> pulumi.Output[str]:
        return self._reader.value("network/dynamodb-prefix-list-id")

    def placement(self) -> NetworkPlacement:
        """The values a component needs to run in the platform's private subnets, as cdktf's
        ``ImportedNetwork.placement()`` (the same six parameters): the subnets and zones as
        the contract's lists, known at preview."""
        return NetworkPlacement(
            vpc_id=self.vpc_id,
            vpc_cidr=self.vpc_cidr,
            private_subnet_ids=self.private_subnet_ids,
            availability_zones=self.availability_zones,
            s3_prefix_list_id=self.s3_prefix_list_id,
            dynamodb_prefix_list_id=self.dynamodb_prefix_list_id,
        )
