"""``GpuPoolProvisioning`` on Pulumi: a team's GPU pools get Karpenter nodes in the platform's cluster.

The counterpart of :mod:`mlplatform.constructs.gpu_pool_provisioning` (whose docstring
says why each piece is there), for a :class:`~mlplatform.pulumi.team_layer.TeamLayer`:
one atomic Helm release ``<team>-<layer>-gpu-pools`` of the shipped
``platform-manifests`` chart in the team's namespace (the platform makes it), holding the team's jobs' namespaces and
service accounts and, per pool, an ``EC2NodeClass`` and ``NodePool`` named
``<team>-<pool>``. Everything it decides comes from the same functions as cdktf's:
release name, pool checks and node tags (:mod:`mlplatform.decisions.team_pools`),
objects (:mod:`~mlplatform.decisions.node_pools`,
:mod:`~mlplatform.decisions.job_accounts`), install settings
(:func:`~mlplatform.pulumi.gpu_provisioning.helm_release`, the platform's).

Helm reaches the cluster through a pulumi-kubernetes provider whose kubeconfig is built
from the contract (endpoint, certificate authority, ``aws eks get-token``), as the
platform's cluster layer builds its own. On the emulator (``emulator: true``) it installs
nothing and says why (:attr:`skipped`). On a platform that does not run Karpenter
(``compute/cluster-layer`` is not ``enabled``), or that does not let the team's deploys
install pools (``compute/team-deployers`` does not list it), the preview fails naming the
reason before any release is planned, as cdktf's plan fails on its preconditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from mlplatform.config import ClusterLayerProps
from mlplatform.decisions import team_pool_release
from mlplatform.decisions.cluster_releases import manifests_release
from mlplatform.decisions.contract import CLUSTER_LAYER_ENABLED, LIST_SEPARATOR
from mlplatform.decisions.naming import check_construct_id
from mlplatform.decisions.team_access import release_namespace
from mlplatform.decisions.team_pools import TeamPoolsRefusal
from mlplatform.errors import ConstructError
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.compute_cluster import ImportedComputeCluster
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.gpu_provisioning import MANIFESTS_CHART, helm_release, kubeconfig
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.team_layer import TeamLayer

__all__ = ["GpuPoolProvisioning"]

_PROVISIONED = "_gpu_pool_provisioning"
"""Where a layer remembers its provisioning (one release and provider per layer)."""


class GpuPoolProvisioning(PlatformComponent):
    """``mlplatform:<team>-<layer>:GpuPoolProvisioning``: a team's pools' NodePools and node
    classes, jobs' namespaces and service accounts, in one Helm release.

    ``GpuPoolProvisioning(layer, "pools", cluster=cluster, pools=[pool])`` in a ``TeamLayer``,
    with ``cluster`` from ``ComputeCluster.from_environment`` and each pool a
    ``GpuTrainingPool`` on it. One per layer: list every pool.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        cluster: ImportedComputeCluster,
        pools: Sequence[GpuTrainingPool],
        versions: ClusterLayerProps | None = None,
    ) -> None:
        check_construct_id(id, "GpuPoolProvisioning")
        refusal = TeamPoolsRefusal(f"GpuPoolProvisioning {id!r}", "TeamLayer", "layer")
        team_layer, release = _checked_release(refusal, layer, cluster, pools)
        layer.__dict__[_PROVISIONED] = True
        team_layer.pools_provisioned(list(pools))
        config = team_layer.team_config
        self._pools = list(pools)
        self._release_name = release
        self._skipped: str | None = None
        self.provider: kubernetes.Provider | None = None
        self.release: kubernetes.helm.v3.Release | None = None
        path = f"{layer.path}/{id}"
        if config.platform.emulator:
            super().__init__(layer.layer, "GpuPoolProvisioning", path, parent=layer)
            self._skipped = refusal.emulator()
            pulumi.log.info(self._skipped, resource=self)
            self.register_outputs({})
            return
        team = config.team.name
        instance_profile = _require_karpenter(
            cluster,
            refusal.no_karpenter(layer.path, config.environment),
            team,
            refusal.not_registered(layer.path, team, config.environment),
        )
        self.provider = _kubernetes_provider(layer, path, cluster, config.platform.region)
        super().__init__(
            layer.layer,
            "GpuPoolProvisioning",
            path,
            parent=layer,
            opts=pulumi.ResourceOptions(providers={"kubernetes": self.provider}),
        )
        self.manifests = self._pool_manifests(
            instance_profile, dict(layer.tags), versions or ClusterLayerProps(), cluster, team
        )
        """The release's objects once known: namespaces and service accounts, then per pool
        its ``EC2NodeClass`` and ``NodePool`` (cdktf's ``manifests``)."""
        self.release = helm_release(
            self,
            manifests_release(release, str(MANIFESTS_CHART), namespace=release_namespace(team)),
            self.manifests.apply(lambda manifests: {"manifests": manifests}),
        )
        self.register_outputs({"release": release})

    # ----------------------------------------------------------------- steps
    def _pool_manifests(
        self,
        instance_profile: pulumi.Output[str],
        tags: dict[str, str],
        versions: ClusterLayerProps,
        cluster: ImportedComputeCluster,
        team: str,
    ) -> pulumi.Output[list[dict[str, Any]]]:
        """The release's objects: job namespaces and accounts, each pool's node class and pool.

        The objects cdktf's construct renders, in its order, once the outputs are known.
        """
        pools = self._pools
        inputs = [
            pulumi.Output.all(
                pool.subnet_ids
                if isinstance(pool.subnet_ids, pulumi.Output)
                else pulumi.Output.all(*pool.subnet_ids),
                pulumi.Output.all(*pool.security_group_ids),
                pool.placement_group_name,
                pool.job_role.arn,
            )
            for pool in pools
        ]

        def render(values: list[Any]) -> list[dict[str, Any]]:
            profile, resolved = values[0], values[1:]
            provisioned: list[team_pool_release.ProvisionedPool] = []
            for pool, (subnets, groups, placement_group, role_arn) in zip(
                pools, resolved, strict=True
            ):
                if isinstance(pool.subnet_ids, pulumi.Output) and not pool.props.availability_zones:
                    # Every subnet of a list read from the contract: cdktf iterates it as a
                    # Terraform set (toset), in lexical order, so the values are the same.
                    subnets = sorted(set(subnets))
                provisioned.append(
                    team_pool_release.ProvisionedPool(
                        pool=pool,
                        job_account=(pool.props.job_namespace, pool.job_service_account, role_arn),
                        subnet_ids=list(subnets),
                        security_group_ids=list(groups),
                        placement_group=placement_group,
                    )
                )
            return team_pool_release.manifests(
                provisioned,
                instance_profile=profile,
                tags=tags,
                naming=cluster.naming,
                versions=versions,
                team=team,
            )

        return pulumi.Output.all(instance_profile, *inputs).apply(render)

    @property
    def release_name(self) -> str:
        """The Helm release, ``<team>-<layer>-gpu-pools``."""
        return self._release_name

    @property
    def skipped(self) -> str | None:
        """Why nothing is installed (the emulator has no Kubernetes API), or ``None``."""
        return self._skipped

    @property
    def pools(self) -> list[GpuTrainingPool]:
        return list(self._pools)


def _checked_release(
    refusal: TeamPoolsRefusal,
    layer: Layer,
    cluster: ImportedComputeCluster,
    pools: Sequence[GpuTrainingPool],
) -> tuple[TeamLayer, str]:
    """The team's layer and the release name, once the layer, cluster and pools pass the
    checks; run before the component exists, so a refusal leaves nothing."""
    if not isinstance(layer, TeamLayer):
        raise refusal.outside_a_team()
    if not isinstance(cluster, ImportedComputeCluster) or not cluster.reads_contract:
        raise refusal.cluster_not_from_the_contract()
    if layer.__dict__.get(_PROVISIONED):
        raise refusal.second_provisioning(layer.path)
    team = layer.team_config.team.name
    return layer, refusal.checked_release(team, layer.stack_name, pools, GpuTrainingPool)


def _require_karpenter(
    cluster: ImportedComputeCluster,
    error_message: str,
    team: str,
    unregistered_message: str,
) -> pulumi.Output[str]:
    """The Karpenter nodes' instance profile; on a platform without Karpenter, or one that does
    not let ``team``'s deploys install pools, the preview stops here, saying why, before Helm
    runs."""

    def checked(values: list[str]) -> str:
        cluster_layer, teams, profile = values
        if cluster_layer != CLUSTER_LAYER_ENABLED:
            raise ConstructError(error_message)
        if team not in teams.split(LIST_SEPARATOR):
            raise ConstructError(unregistered_message)
        return profile

    return pulumi.Output.all(
        cluster.cluster_layer, cluster.team_deployers, cluster.karpenter_instance_profile_name
    ).apply(checked)


def _kubernetes_provider(
    layer: Layer, path: str, cluster: ImportedComputeCluster, region: str
) -> kubernetes.Provider:
    """Helm's way into the platform's cluster: a kubeconfig from the contract's endpoint and
    certificate authority, with ``aws eks get-token`` (as cdktf's ``cluster_helm``)."""
    return kubernetes.Provider(
        f"{path}/kubernetes",
        kubeconfig=kubeconfig(
            cluster.cluster_endpoint,
            cluster.certificate_authority_data,
            cluster.cluster_name,
            region,
        ),
        opts=pulumi.ResourceOptions(parent=layer),
    )
