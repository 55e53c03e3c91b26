"""Where in a VPC a component places its network interfaces.

Components that run inside the VPC (Glue jobs, EKS nodes, endpoints) take a
``VpcPlacement`` rather than a ``Network``, so they can be used with a VPC the
platform did not create, and so the dependency is only on values.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VpcPlacement"]


@dataclass(frozen=True)
class VpcPlacement:
    """A VPC, its CIDR, and private subnets (with their zones) to place interfaces in."""

    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: tuple[str, ...]
    availability_zones: tuple[str, ...]
    s3_prefix_list_id: str
    """Prefix list of the S3 gateway endpoint, so egress to S3 needs no internet route."""
