"""Which EKS managed add-ons a cluster runs, with which IRSA role and policy, and when.

Both engines install the same five add-ons in the same two phases, so the
choice lives here once and each engine only turns an :class:`ClusterAddon`
into its resources:

- **before any node** (``vpc-cni``, ``kube-proxy``): a node becomes Ready only
  once pod networking and service routing are there, so the node groups wait
  for these (they are part of the cluster's ``compute_dependencies``);
- **on the nodes** (``coredns``, ``aws-ebs-csi-driver``,
  ``amazon-cloudwatch-observability``): they run as pods and need a node to
  schedule on, so they wait for the system node group.

The add-ons that call AWS APIs get their own IRSA role with one AWS managed
policy, so the node role keeps only what every node needs
(:func:`~mlplatform.decisions.policies.eks.eks_node_managed_policies`). The
observability add-on writes into log groups made beforehand with the cluster's
key and retention (:mod:`~mlplatform.decisions.container_insights`).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplatform.config import AddonVersionsProps
from mlplatform.decisions.container_insights import (
    CLOUDWATCH_AGENT_SERVICE_ACCOUNT,
    container_insights_log_groups,
)
from mlplatform.decisions.policies.eks import (
    CLOUDWATCH_AGENT_POLICY,
    EBS_CSI_DRIVER_POLICY,
    EKS_CNI_POLICY,
)

__all__ = [
    "CNI_SERVICE_ACCOUNT",
    "EBS_CSI_SERVICE_ACCOUNT",
    "AddonLogGroup",
    "AddonRole",
    "ClusterAddon",
    "ClusterAddonPlan",
    "cluster_addons",
]

# Service accounts of the add-ons that call AWS APIs (names fixed by the add-ons).
CNI_SERVICE_ACCOUNT = ("kube-system", "aws-node")
EBS_CSI_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")


@dataclass(frozen=True)
class AddonRole:
    """The IRSA role an add-on's service account assumes, and the one policy it carries."""

    service_account: tuple[str, str]
    """``(namespace, name)``, fixed by the add-on."""
    policy: str
    """The AWS managed policy attached to the role (a name under ``arn:...:policy/``)."""
    attachment_id: str
    """The attachment's id in the cluster (construct id / Pulumi name suffix)."""


@dataclass(frozen=True)
class AddonLogGroup:
    """A log group the add-on writes to, made first so it is encrypted and expires."""

    id: str
    name: str


@dataclass(frozen=True)
class ClusterAddon:
    """One managed add-on: its name, pinned version, IRSA role and log groups, if any."""

    name: str
    version: str
    role: AddonRole | None = None
    log_groups: tuple[AddonLogGroup, ...] = ()


@dataclass(frozen=True)
class ClusterAddonPlan:
    """The add-ons in install order: those nodes need first, then those that run on them."""

    before_nodes: tuple[ClusterAddon, ...] = ()
    on_nodes: tuple[ClusterAddon, ...] = ()


def cluster_addons(addons: AddonVersionsProps | None, cluster_name: str) -> ClusterAddonPlan:
    """The managed add-ons of cluster ``cluster_name`` at ``addons``' versions; none without
    ``addons`` (EKS then runs its self-installed CNI, kube-proxy and CoreDNS)."""
    if addons is None:
        return ClusterAddonPlan()
    versions = addons.by_addon()
    return ClusterAddonPlan(
        before_nodes=(
            ClusterAddon(
                "vpc-cni",
                versions["vpc-cni"],
                AddonRole(CNI_SERVICE_ACCOUNT, EKS_CNI_POLICY, "irsa-cni-policy"),
            ),
            ClusterAddon("kube-proxy", versions["kube-proxy"]),
        ),
        on_nodes=(
            ClusterAddon("coredns", versions["coredns"]),
            ClusterAddon(
                "aws-ebs-csi-driver",
                versions["aws-ebs-csi-driver"],
                AddonRole(EBS_CSI_SERVICE_ACCOUNT, EBS_CSI_DRIVER_POLICY, "irsa-ebs-csi-policy"),
            ),
            # Its DaemonSets tolerate every taint by default (the chart's root
            # ``tolerations: [{operator: Exists}]``), so they run on GPU nodes with no
            # configuration values.
            ClusterAddon(
                "amazon-cloudwatch-observability",
                versions["amazon-cloudwatch-observability"],
                AddonRole(
                    CLOUDWATCH_AGENT_SERVICE_ACCOUNT,
                    CLOUDWATCH_AGENT_POLICY,
                    "irsa-cloudwatch-agent-policy",
                ),
                tuple(
                    AddonLogGroup(f"container-insights-{group.rsplit('/', 1)[1]}-logs", group)
                    for group in container_insights_log_groups(cluster_name)
                ),
            ),
        ),
    )
