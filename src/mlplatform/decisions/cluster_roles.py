"""The IAM roles AWS services assume for the cluster: the control plane's and the nodes'.

Each is a role one AWS service may assume, carrying AWS managed policies only
(what EKS documents for it, and no more). The platform's cluster has two (the
control plane and the managed node groups' nodes); Karpenter's nodes get a
third, alike but for its name, so an instance profile names it alone. Both
engines make them from these :class:`ServiceRole` values: the role, then one
attachment per managed policy, ids ``<role id>-<policy>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.decisions.policies.eks import (
    EKS_CLUSTER_MANAGED_POLICIES,
    eks_node_managed_policies,
)

__all__ = ["ServiceRole", "cluster_role", "karpenter_node_role", "node_role"]


@dataclass(frozen=True)
class ServiceRole:
    """A role an AWS service assumes, and the AWS managed policies attached to it."""

    id: str
    """The role's id in its construct or component; its attachments' ids start with it."""
    name: str
    description: str
    service: str
    """The service principal that may assume it (``ec2.amazonaws.com``)."""
    managed_policies: tuple[str, ...]

    @property
    def assume_role_policy(self) -> str:
        """The trust policy, as JSON."""
        return json.dumps(service_trust_policy(self.service))

    def attachment_id(self, policy: str) -> str:
        """The id of ``policy``'s attachment (a policy path's ``/`` is not allowed in one)."""
        return f"{self.id}-{policy}".replace("/", "-")


def cluster_role(naming: Naming) -> ServiceRole:
    """The EKS control plane's role: the cluster policy (secrets key use is the engine's)."""
    return ServiceRole(
        id="cluster-role",
        name=naming.iam("eks", "cluster"),
        description="Assumed by the EKS control plane",
        service="eks.amazonaws.com",
        managed_policies=EKS_CLUSTER_MANAGED_POLICIES,
    )


def node_role(naming: Naming, *, cni_on_node_role: bool) -> ServiceRole:
    """The role every managed node group's nodes share."""
    return _nodes_role(
        naming.iam("eks", "node"), "the EC2 worker nodes of the cluster", cni_on_node_role
    )


def karpenter_node_role(naming: Naming, *, cni_on_node_role: bool) -> ServiceRole:
    """The role of the nodes Karpenter launches (its instance profile has the same name)."""
    return _nodes_role(
        naming.iam("karpenter", "node"),
        "the EC2 nodes Karpenter launches into the cluster",
        cni_on_node_role,
    )


def _nodes_role(name: str, nodes: str, cni_on_node_role: bool) -> ServiceRole:
    """A role EC2 nodes of the cluster assume, with what every node needs (and the CNI policy
    only where the CNI runs on the node's credentials)."""
    return ServiceRole(
        id="node-role",
        name=name,
        description=f"Assumed by {nodes}",
        service="ec2.amazonaws.com",
        managed_policies=eks_node_managed_policies(cni_on_node_role=cni_on_node_role),
    )
