"""Which EKS managed add-ons a cluster runs, with which IRSA role and policy, and when.

Both engines install the same five add-ons in the same two phases, so the
choice lives here once and each engine only turns an :class:`ClusterAddon`
into its resources (``cluster_addons.install(cluster_addons.addon_plan(...).before_nodes,
...)``):

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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
    "AddonInstaller",
    "AddonLogGroup",
    "AddonRole",
    "ClusterAddon",
    "ClusterAddonPlan",
    "addon_plan",
    "install",
]

# Service accounts of the add-ons that call AWS APIs (names fixed by the add-ons).
CNI_SERVICE_ACCOUNT = ("kube-system", "aws-node")
EBS_CSI_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")


_Resource = TypeVar("_Resource")
"""An engine's resource (what others depend on)."""
_Role = TypeVar("_Role")
"""An engine's IAM role."""


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


def addon_plan(addons: AddonVersionsProps | None, cluster_name: str) -> ClusterAddonPlan:
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


def install(
    addons: Sequence[ClusterAddon],
    *,
    after: Sequence[_Resource],
    log_group: Callable[[AddonLogGroup], _Resource],
    role: Callable[[AddonRole], tuple[_Role, _Resource]],
    addon: Callable[[ClusterAddon, _Role | None, list[_Resource]], _Resource],
) -> list[_Resource]:
    """``addons`` made with an engine's three makers, each add-on waiting for ``after``, its
    IRSA role's policy attachment and its log groups; returns the add-ons.

    ``log_group`` makes one log group, ``role`` an IRSA role and its policy attachment
    (returning both), ``addon`` the add-on with its role and what it waits for. Its log
    groups come first, so the agent never creates them itself (unencrypted, kept forever),
    and the policy before the add-on, so its pods never start without their permissions.
    """
    made: list[_Resource] = []
    for item in addons:
        log_groups = [log_group(group) for group in item.log_groups]
        item_role: _Role | None = None
        policies: list[_Resource] = []
        if item.role is not None:
            item_role, policy = role(item.role)
            policies.append(policy)
        made.append(addon(item, item_role, [*after, *policies, *log_groups]))
    return made


class AddonInstaller(Generic[_Resource, _Role]):
    """A cluster of either engine that installs add-ons: its three makers, wired to
    :func:`install` once.

    Mixed into cdktf's and Pulumi's ``ComputeCluster``; each defines the makers in its own
    resources, and both install a plan's phases with :meth:`_addons`.
    """

    def _addons(
        self, addons: Sequence[ClusterAddon], *, after: Sequence[_Resource] = ()
    ) -> list[_Resource]:
        """The add-ons in ``addons``, made by :func:`install` with this cluster's makers."""
        return install(
            addons,
            after=after,
            log_group=self._addon_log_group,
            role=self._addon_role,
            addon=self._addon,
        )

    def _addon_log_group(self, group: AddonLogGroup) -> _Resource:
        """One log group an add-on writes to."""
        raise NotImplementedError

    def _addon_role(self, role: AddonRole) -> tuple[_Role, _Resource]:
        """An add-on's IRSA role and its policy attachment."""
        raise NotImplementedError

    def _addon(
        self, addon: ClusterAddon, role: _Role | None, depends_on: Sequence[_Resource]
    ) -> _Resource:
        """The add-on itself, with its role, waiting for ``depends_on``."""
        raise NotImplementedError
