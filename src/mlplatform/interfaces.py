"""What constructs take from each other: protocols for components, frozen dataclasses for values.

A grant needs a role's name and a construct node to hang the policy from, not
a particular binding class, so a role made with the generated bindings, the
prebuilt ones or a team's own construct can all be granted to.

Components that run inside the VPC take a :class:`VpcPlacement` rather than a
``Network``, and a serving endpoint takes a :class:`DataCaptureDestination`
rather than a ``DataLake``: both are plain values, so they can come from a
VPC or bucket the platform did not create. Nothing here depends on an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from constructs import Node

__all__ = ["DataCaptureDestination", "IRole", "VpcPlacement"]


class IRole(Protocol):
    """An IAM role as grants see it."""

    @property
    def name(self) -> str:
        """The role's name (what ``aws_iam_role_policy`` attaches to)."""
        ...

    @property
    def arn(self) -> str:
        """The role's ARN."""
        ...

    @property
    def node(self) -> Node:
        """The role's construct node: a grant's policy is named from its address or placed beside it."""
        ...


@dataclass(frozen=True)
class VpcPlacement:
    """A VPC, its CIDR, and private subnets (with their zones) to place interfaces in."""

    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: tuple[str, ...]
    availability_zones: tuple[str, ...]
    s3_prefix_list_id: str
    """Prefix list of the S3 gateway endpoint, so egress to S3 needs no internet route."""


@dataclass(frozen=True)
class DataCaptureDestination:
    """An SSE-KMS bucket (name and ARN) and the key that encrypts what is captured into it.

    The platform passes a lake zone; a team repo can pass any SSE-KMS bucket it owns.
    """

    bucket_name: str
    bucket_arn: str
    key_arn: str
    """KMS key SageMaker encrypts captured objects with; the endpoint's role may use it to encrypt."""
