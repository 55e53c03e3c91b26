"""The platform's network as seen from a team's stack, read from the platform contract.

Made by :meth:`Network.from_environment
<mlplatform.constructs.network.Network.from_environment>`. Creates no
resources: each value is the ``network/...`` parameter the ``<env>-network``
layer wrote. A team places its endpoints, pools and Glue jobs with
:meth:`ImportedNetwork.placement` and writes no VPC or subnet id by hand.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.constructs.contract_reader import ContractReader
from mlplatform.decisions.contract import PlatformContract
from mlplatform.interfaces import VpcPlacement

__all__ = ["ImportedNetwork"]


class ImportedNetwork(Construct):
    """VPC, CIDR, private subnets, zones and gateway prefix lists of the platform's network.

    The subnet ids and zones are token lists (their number is known at plan
    time only): pass them on whole, as ``placement()`` does, rather than
    indexing them.
    """

    def __init__(
        self, scope: Construct, id: str, *, platform: PlatformContract | None = None
    ) -> None:
        super().__init__(scope, id)
        self._reader = ContractReader.of(self, platform)

    @property
    def vpc_id(self) -> str:
        return self._reader.value("network/vpc-id")

    @property
    def vpc_cidr(self) -> str:
        return self._reader.value("network/vpc-cidr")

    @property
    def private_subnet_ids(self) -> list[str]:
        """The private subnets' ids, in zone order (a token list)."""
        return self._reader.values("network/private-subnet-ids")

    @property
    def availability_zones(self) -> tuple[str, ...]:
        """The zones of the private subnets, in the same order (a token list)."""
        return tuple(self._reader.values("network/availability-zones"))

    @property
    def s3_prefix_list_id(self) -> str:
        return self._reader.value("network/s3-prefix-list-id")

    @property
    def dynamodb_prefix_list_id(self) -> str:
        return self._reader.value("network/dynamodb-prefix-list-id")

    def placement(self) -> VpcPlacement:
        """The values a component needs to run in the platform's private subnets."""
        return VpcPlacement(
            vpc_id=self.vpc_id,
            vpc_cidr=self.vpc_cidr,
            private_subnet_ids=tuple(self.private_subnet_ids),
            availability_zones=self.availability_zones,
            s3_prefix_list_id=self.s3_prefix_list_id,
            dynamodb_prefix_list_id=self.dynamodb_prefix_list_id,
        )
