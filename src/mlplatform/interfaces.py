"""What constructs need from each other, as protocols: any object with these members will do.

A grant needs a role's name and a construct node to hang the policy from, not
a particular binding class, so a role made with the generated bindings, the
prebuilt ones or a team's own construct can all be granted to.
"""

from __future__ import annotations

from typing import Protocol

from constructs import Node

__all__ = ["IRole"]


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
        """The role's construct node (its address names the grant's policy)."""
        ...
