"""How a VPC's address space is divided between private and public subnets.

Private subnets hold the workloads (EKS nodes, endpoints, training jobs), so
they get the large blocks: the VPC is cut into quarters and each AZ's private
subnet takes one quarter. The public subnets only hold NAT gateways and load
balancers, so they share the last quarter, a sixteenth of the VPC each.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SubnetPlan"]


@dataclass(frozen=True)
class SubnetPlan:
    """The subnets of one availability zone."""

    availability_zone: str
    private_cidr: str
    public_cidr: str

    @staticmethod
    def for_vpc(cidr: str, availability_zones: Sequence[str]) -> list[SubnetPlan]:
        """One plan per AZ (at most three), deterministic for the same inputs."""
        if not 1 <= len(availability_zones) <= 3:
            raise ValueError("a VPC spans one to three availability zones")
        network = ipaddress.IPv4Network(cidr)
        quarters = list(network.subnets(prefixlen_diff=2))
        public_blocks = list(quarters[3].subnets(prefixlen_diff=2))
        return [
            SubnetPlan(az, str(quarters[index]), str(public_blocks[index]))
            for index, az in enumerate(availability_zones)
        ]
