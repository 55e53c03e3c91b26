"""Everything in the cluster that makes GPU pools run GPU jobs, as pinned Helm releases.

In install order:

1. ``karpenter-crd``: the NodePool/EC2NodeClass CRDs (their own release, so
   upgrades reach them);
2. ``karpenter``: the controller, on the system nodes, as the IRSA role and
   with the interruption queue the compute layer made;
3. ``gpu-pools``: one EC2NodeClass and one NodePool per pool (the same
   labels, taints, capacity type, instance types and limits as the pool's
   config), plus the jobs' namespaces and service accounts. Rendered by a
   tiny chart shipped in the package and copied into the stack as a cdktf
   asset, so Helm, not the kubernetes provider, applies them: the kubernetes
   provider's ``kubernetes_manifest`` needs the CRDs to exist at plan time,
   which breaks the first apply of a new cluster;
4. device plugins the pools' images lack (:mod:`mlplatform.decisions.device_plugins`).

Every release is atomic (a failed upgrade rolls back) and waits for its pods.
What the construct needs from the compute layer arrives as plain values
(:class:`~mlplatform.decisions.node_pools.NodeClassFacts` per pool), so a team
repo can feed it from another stack's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from cdktf import AssetType, Fn, ITerraformDependable, TerraformAsset, Tokenization
from cdktf_cdktf_provider_helm.provider import HelmProvider
from cdktf_cdktf_provider_helm.release import Release
from constructs import Construct

from mlplatform.config import ClusterLayerProps, GpuPoolProps
from mlplatform.constructs.cluster_helm_provider import cluster_helm_provider
from mlplatform.decisions.cluster_releases import (
    MANIFESTS_CHART,
    manifests_release,
    release_settings,
)
from mlplatform.decisions.device_plugins import device_plugin_charts
from mlplatform.decisions.helm_chart import HelmChart
from mlplatform.decisions.job_accounts import JobAccount, job_account_manifests
from mlplatform.decisions.karpenter_release import karpenter_charts
from mlplatform.decisions.node_pools import NodeClassFacts, node_class, node_pool
from mlplatform.decisions.team_access import TeamNodes, team_access_manifests
from mlplatform.errors import ConstructError

__all__ = ["GpuProvisioning", "cluster_helm", "helm_release", "manifests_chart"]


class ReachableCluster(Protocol):
    """What Helm needs to know of a cluster: the platform's own, or a team's import of it."""

    @property
    def cluster_endpoint(self) -> str: ...

    @property
    def certificate_authority_data(self) -> str: ...

    @property
    def cluster_name(self) -> str: ...


def cluster_helm(scope: Construct, cluster: ReachableCluster, region: str) -> HelmProvider:
    """The ``helm`` provider of ``scope``, reaching ``cluster`` (for the cluster layer's
    releases and a team's pools' release alike)."""
    return cluster_helm_provider(
        scope,
        "helm",
        endpoint=cluster.cluster_endpoint,
        certificate_authority_data=cluster.certificate_authority_data,
        cluster_name=cluster.cluster_name,
        region=region,
    )


def helm_release(
    scope: Construct, chart: HelmChart, depends_on: Sequence[ITerraformDependable] = ()
) -> Release:
    """``chart`` as an atomic release that waits for its pods (a team's pools' release too)."""
    return Release(
        scope,
        chart.release,
        repository=chart.repository or None,
        chart=chart.chart,
        values=[Fn.jsonencode(chart.values)] if chart.values else None,
        wait=True,
        **release_settings(chart),
        depends_on=list(depends_on) or None,
    )


def manifests_chart(scope: Construct) -> str:
    """The shipped chart that renders ``values.manifests`` as they are, copied into the stack
    as an asset; its path for a release's ``chart``."""
    return TerraformAsset(
        scope, "manifests-chart", path=str(MANIFESTS_CHART), type=AssetType.DIRECTORY
    ).path


class GpuProvisioning(Construct):
    """Karpenter, one provisioner per GPU pool, the jobs' service accounts and device plugins.

    ``pools`` maps each pool's name to its config and the facts of its nodes
    (instance profile, subnets, security groups, placement group, tags);
    ``job_accounts`` maps it to ``(namespace, service account, role ARN)``; ``region`` is the
    cluster's, whose EKS image registry the EFA device plugin comes from. ``teams`` are those
    whose deploys may install GPU pools: their namespaces, RBAC and admission policies join
    the ``gpu-pools`` release (:mod:`~mlplatform.decisions.team_access`), holding their node
    classes to ``team_nodes`` (required with teams).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        versions: ClusterLayerProps,
        region: str,
        cluster_name: str,
        interruption_queue: str,
        controller_role_arn: str,
        system_nodes: int,
        pools: Mapping[str, tuple[GpuPoolProps, NodeClassFacts]],
        job_accounts: Mapping[str, JobAccount],
        teams: Sequence[str] = (),
        team_nodes: TeamNodes | None = None,
    ) -> None:
        super().__init__(scope, id)
        if teams and team_nodes is None:
            raise ConstructError(
                f"GpuProvisioning {id!r}: teams {', '.join(teams)} need team_nodes (the Karpenter "
                "node instance profile, the cluster's private subnets and security group)"
            )
        crds, controller = karpenter_charts(
            versions,
            cluster_name=cluster_name,
            interruption_queue=interruption_queue,
            controller_role_arn=controller_role_arn,
            system_nodes=system_nodes,
        )
        crd_release = self._release(crds)
        karpenter = self._release(controller, depends_on=[crd_release])

        manifests: list[dict[str, Any]] = job_account_manifests(job_accounts)
        for name, (props, facts) in sorted(pools.items()):
            manifests += [node_class(name, props, facts, versions), node_pool(name, props)]
        if team_nodes is not None:
            manifests += team_access_manifests(teams, _quotable(team_nodes))
        self._manifests = manifests
        self._release(
            manifests_release("gpu-pools", manifests_chart(self), {"manifests": manifests}),
            depends_on=[karpenter],
        )

        plugins = device_plugin_charts({n: p for n, (p, _) in pools.items()}, versions, region)
        for plugin in plugins:
            self._release(plugin)
        self._charts = [crds, controller, *plugins]

    def _release(
        self, chart: HelmChart, depends_on: Sequence[ITerraformDependable] = ()
    ) -> Release:
        return helm_release(self, chart, depends_on)

    @property
    def manifests(self) -> list[dict[str, Any]]:
        """The Kubernetes objects of the ``gpu-pools`` release, as the chart renders them."""
        return list(self._manifests)

    @property
    def charts(self) -> list[HelmChart]:
        """The third-party releases (Karpenter and device plugins), in install order."""
        return list(self._charts)


def _quotable(nodes: TeamNodes) -> TeamNodes:
    """``nodes`` with each list Terraform knows only at apply (one token) as one string that
    renders as its ids joined by ``', '``, as :class:`TeamNodes` takes it."""

    def ids(values: Sequence[str]) -> list[str]:
        if Tokenization.reverse_list(list(values)) is None:
            return list(values)
        return [Fn.join("', '", list(values))]

    return TeamNodes(nodes.instance_profile, ids(nodes.subnet_ids), ids(nodes.security_group_ids))
