"""A team's GPU pools get Karpenter nodes: their NodePools and node classes in the platform's cluster.

``GpuTrainingPool`` in a team repo makes the pool's AWS side (job role,
grants, placement group, scratch), but Karpenter launches nodes only for the
``NodePool`` objects it finds in the cluster, and the platform's
``<env>-cluster`` layer renders those for the platform's own pools only. This
construct installs the team's: one atomic Helm release of the chart the
platform's layer uses (``platform-manifests``), holding only the team's
objects, built by the same functions
(:func:`~mlplatform.decisions.node_pools.node_class`,
:func:`~mlplatform.decisions.node_pools.node_pool`,
:func:`~mlplatform.decisions.job_accounts.job_account_manifests`):

- per pool an ``EC2NodeClass`` and a ``NodePool`` named
  :attr:`GpuTrainingPool.node_pool_name <mlplatform.constructs.gpu_pool.GpuTrainingPool.node_pool_name>`,
  ``<team>-<pool>``, which is also the nodes' ``mlplatform/pool`` label: a
  platform pool is named without the team, and another team's starts with its
  own name. Should two names meet anyway (a platform pool named ``ranking-x``),
  Helm refuses to take over an object another release owns, so the atomic
  install fails instead of changing the other pool;
- the jobs' namespace and IRSA service account. The namespace must be the
  team's (``<team>`` or ``<team>-...``): the platform's ``gpu-pools`` release
  owns ``training``, and a service account there would share names with the
  platform's jobs;
- the nodes' tags: the team's cost tags (``team``, ``cost-center``, ...),
  ``mlplatform/pool`` and ``Name`` ``<org>-<env>-<team>-gpu-<pool>``, so the
  instances bill to the team.

The release is ``<team>-<stack>-gpu-pools`` (one per team stack), in the
team's namespace ``<team>``, which the platform makes. Helm reaches the cluster with
:func:`~mlplatform.constructs.gpu_provisioning.cluster_helm`,
the platform's own set-up, fed from the contract (endpoint, certificate
authority, ``aws eks get-token``). The deploying role is one the platform registers
for the team (``compute.cluster.team_deployers``): it may install the team's pools
and nothing else (:mod:`~mlplatform.decisions.team_access`); the plan stops on a
precondition naming that setting when ``compute/team-deployers`` does not list the team.

Why these refusals:

- **Device plugins**: the platform installs the NVIDIA and EFA plugins with a
  node affinity on *its* pools' ``mlplatform/pool`` labels, and the Neuron
  plugin on its pools' instance types, so a team pool's nodes are not
  covered. NVIDIA pools on Bottlerocket (the default) need no plugin: its
  NVIDIA variant ships one. A team pool that would need a plugin (NVIDIA on
  AL2023, EFA, Neuron) is refused rather than left with GPUs nobody
  advertises; a second copy of a plugin in the team's release would run
  beside the platform's on shared instance types.
- **Karpenter's permissions** need no change for team pools: its controller
  may launch into any subnet, security group and placement group of the
  account, pass only its node role through the one instance profile the
  contract names (the one a team's node class uses), and tag at creation with
  any tags as long as the cluster's ownership tags are there, which Karpenter
  adds itself (:mod:`mlplatform.decisions.policies.karpenter`).
- **No Karpenter** (the emulator's ``local``, whose team file says
  ``emulator: true``): the emulator has no Kubernetes API, so the construct
  is an explicit no-op there, with :attr:`skipped` saying why and a synth
  note, and the same team app deploys its pools' AWS side on ``local`` as the
  platform's own ``local`` does. On a real platform whose cluster layer is off
  or that has no GPU pools (``compute/cluster-layer`` is ``disabled``), the
  plan fails on a precondition that says so, before Helm is reached.

Node images follow ``versions`` (default: the versions this mlplatform
release pins, as the platform's own default does); pass the platform's
``cluster_layer`` to match it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktf import Annotations, Fn, Op, TerraformIterator, TerraformStack, Tokenization
from cdktf_cdktf_provider_helm.provider import HelmProvider
from cdktf_cdktf_provider_helm.release import Release
from constructs import Construct

from mlplatform.config import ClusterLayerProps, TeamConfig
from mlplatform.constructs.contract_reader import check_construct_id
from mlplatform.constructs.gpu_pool import GpuTrainingPool
from mlplatform.constructs.gpu_provisioning import cluster_helm, helm_release, manifests_chart
from mlplatform.constructs.imported_compute_cluster import ImportedComputeCluster
from mlplatform.decisions import team_pool_release
from mlplatform.decisions.cluster_releases import manifests_release
from mlplatform.decisions.contract import CLUSTER_LAYER_ENABLED, LIST_SEPARATOR
from mlplatform.decisions.team_access import release_namespace
from mlplatform.decisions.team_pools import TeamPoolsRefusal
from mlplatform.interfaces import IComputeCluster

__all__ = ["GpuPoolProvisioning"]


class GpuPoolProvisioning(Construct):
    """Karpenter ``EC2NodeClass``/``NodePool``, job namespace and service account for a team's pools.

    ``GpuPoolProvisioning(stack, "pools", cluster=cluster, pools=[pool])`` in a
    ``TeamStack``, with ``cluster`` from ``ComputeCluster.from_environment`` and
    each pool a ``GpuTrainingPool`` on it. One per stack: list every pool.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: IComputeCluster,
        pools: Sequence[GpuTrainingPool],
        versions: ClusterLayerProps | None = None,
    ) -> None:
        check_construct_id(id, "GpuPoolProvisioning")
        refusal = TeamPoolsRefusal(f"GpuPoolProvisioning {id!r}", "TeamStack", "stack")
        stack = TerraformStack.of(scope)
        config, contract_cluster, release = _checked_release(refusal, stack, cluster, pools)
        super().__init__(scope, id)
        self._pools = list(pools)
        self._release_name = release
        self._manifests: list[dict[str, Any]] = []
        self._skipped: str | None = None
        self.helm_provider: HelmProvider | None = None
        self.release: Release | None = None
        if config.platform.emulator:
            self._skipped = refusal.emulator()
            Annotations.of(self).add_info(self._skipped)
            return
        self._require_karpenter(
            contract_cluster, refusal.no_karpenter(stack.node.id, config.environment)
        )
        team = config.team.name
        self._require_registration(
            contract_cluster,
            team,
            refusal.not_registered(stack.node.id, team, config.environment),
        )
        self._manifests = self._pool_manifests(contract_cluster, stack, versions, team)
        self.helm_provider = cluster_helm(self, contract_cluster, config.region)
        self.release = helm_release(
            self,
            manifests_release(
                release,
                manifests_chart(self),
                {"manifests": self._manifests},
                namespace=release_namespace(team),
            ),
        )

    # ----------------------------------------------------------------- steps
    def _require_karpenter(self, cluster: ImportedComputeCluster, error_message: str) -> None:
        """On a platform without Karpenter the plan stops here, saying why, before Helm runs."""
        profile_source = cluster.contract_source("compute/karpenter/instance-profile-name")
        profile_source.add_override(
            "lifecycle.precondition",
            [
                {
                    "condition": Op.eq(cluster.cluster_layer, CLUSTER_LAYER_ENABLED),
                    "error_message": error_message,
                }
            ],
        )

    def _require_registration(
        self, cluster: ImportedComputeCluster, team: str, error_message: str
    ) -> None:
        """Unless the platform lets the team's deploys install pools (its namespace and access
        exist), the plan stops here, saying what the platform team does."""
        cluster.contract_source("compute/team-deployers").add_override(
            "lifecycle.precondition",
            [
                {
                    "condition": Fn.contains(
                        Fn.split(LIST_SEPARATOR, cluster.team_deployers), team
                    ),
                    "error_message": error_message,
                }
            ],
        )

    def _pool_manifests(
        self,
        cluster: ImportedComputeCluster,
        stack: TerraformStack,
        versions: ClusterLayerProps | None,
        team: str,
    ) -> list[dict[str, Any]]:
        """The release's objects: job namespaces and accounts, each pool's node class and pool."""
        return team_pool_release.manifests(
            [
                team_pool_release.ProvisionedPool(
                    pool=pool,
                    job_account=(pool.job_namespace, pool.job_service_account, pool.job_role_arn),
                    subnet_ids=pool.subnet_ids,
                    security_group_ids=pool.security_group_ids,
                    placement_group=pool.placement_group_name,
                    subnet_selector_terms=_subnet_terms(pool),
                )
                for pool in self._pools
            ],
            instance_profile=cluster.karpenter_instance_profile_name,
            tags=dict(getattr(stack, "tags", {})),
            naming=cluster.naming,
            versions=versions or ClusterLayerProps(),
            team=team,
        )

    @property
    def release_name(self) -> str:
        """The Helm release, ``<team>-<stack>-gpu-pools``."""
        return self._release_name

    @property
    def manifests(self) -> list[dict[str, Any]]:
        """The release's objects (none where :attr:`skipped`): namespaces and service
        accounts, then per pool its ``EC2NodeClass`` and ``NodePool``."""
        return list(self._manifests)

    @property
    def skipped(self) -> str | None:
        """Why nothing is installed (the emulator has no Kubernetes API), or ``None``."""
        return self._skipped

    @property
    def pools(self) -> list[GpuTrainingPool]:
        return list(self._pools)


def _checked_release(
    refusal: TeamPoolsRefusal,
    stack: TerraformStack,
    cluster: IComputeCluster,
    pools: Sequence[GpuTrainingPool],
) -> tuple[TeamConfig, ImportedComputeCluster, str]:
    """The team's config, the contract's cluster and the release name, once the stack, cluster
    and pools pass the checks; run before the construct exists, so a refusal leaves nothing."""
    config = getattr(stack, "config", None)
    if not isinstance(config, TeamConfig):
        raise refusal.outside_a_team()
    if not isinstance(cluster, ImportedComputeCluster) or not cluster.reads_contract:
        raise refusal.cluster_not_from_the_contract()
    if any(isinstance(c, GpuPoolProvisioning) for c in stack.node.find_all()):
        raise refusal.second_provisioning(stack.node.id)
    stack_name = getattr(stack, "name", stack.node.id)
    release = refusal.checked_release(config.team.name, stack_name, pools, GpuTrainingPool)
    return config, cluster, release


def _subnet_terms(pool: GpuTrainingPool) -> Any:
    """The node class's subnet terms as Terraform builds them when the subnets are one token
    list (a contract-read placement: how many there are is known at plan time only); else
    ``None`` (one term per subnet)."""
    subnets = pool.subnet_ids
    if Tokenization.reverse_list(subnets) is None:
        return None
    return TerraformIterator.from_list(subnets).for_expression_for_list("{ id = val }")
