"""A role from an earlier layer, as a construct of this one: grants to it live here.

A data lake grant puts its inline policy beside the role it grants to, so a
role in a later layer references the lake and never the other way round. A
layer that grants to a role made earlier (the ml layer, to the GPU pools' job
roles of the compute layer) names that role here, by its cross-stack name and
ARN, and the policy then belongs to this layer's state. The earlier layer no
longer reads the lake, so it need not wait for it to deploy.
"""

from __future__ import annotations

from constructs import Construct

__all__ = ["RoleReference"]


class RoleReference(Construct):
    """An existing IAM role (an ``IRole``) whose grants this construct's stack owns."""

    def __init__(self, scope: Construct, id: str, *, name: str, arn: str) -> None:
        super().__init__(scope, id)
        self._name = name
        self._arn = arn

    @property
    def name(self) -> str:
        """The role's name (a cross-stack reference when the role is in another stack)."""
        return self._name

    @property
    def arn(self) -> str:
        """The role's ARN."""
        return self._arn
