"""What a team's GPU pool provisioning is, whichever engine installs it: release, checks, tags.

Both engines' ``GpuPoolProvisioning`` (cdktf's in a ``TeamStack``, Pulumi's in a
``TeamLayer``) install a team's Karpenter ``EC2NodeClass``/``NodePool`` objects in one
Helm release; what that release is called, which pools it may hold and how their nodes
are tagged is decided here once, so the two engines install the same release and refuse
the same pools with the same one-line messages. The reasons for each refusal are on
:mod:`mlplatform.constructs.gpu_pool_provisioning`.

Plain Python: no engine is imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from mlplatform.config import GpuPoolProps
from mlplatform.decisions.device_plugins import pools_needing
from mlplatform.decisions.scheduling import pool_node_tags
from mlplatform.errors import ConstructError

__all__ = [
    "RELEASE_NAMESPACE",
    "TeamPool",
    "TeamPoolsRefusal",
    "check_team_pools",
    "team_node_tags",
    "team_pools_release",
    "unprovisioned_pool_warning",
]

RELEASE_NAMESPACE = "kube-system"
"""Where the release lives, as the platform's own ``gpu-pools``."""
# Helm release names: a DNS label of at most 53 characters.
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_RELEASE_MAX = 53
_PLUGIN_FIX = {
    "nvidia": "leave ami_family unset (Bottlerocket's NVIDIA variant ships the plugin)",
    "efa": "set efa: false",
    "neuron": "run Neuron jobs on a platform pool",
}


class TeamPool(Protocol):
    """What the checks read of a pool (either engine's ``GpuTrainingPool``)."""

    @property
    def name(self) -> str: ...

    @property
    def node_pool_name(self) -> str: ...

    @property
    def props(self) -> GpuPoolProps: ...


def team_pools_release(where: str, team: str, stack: str, scope: str = "TeamStack") -> str:
    """The release, ``<team>-<stack>-gpu-pools`` (one per team stack or layer), or a one-line
    error if Helm would not take that name (``scope`` names what to rename)."""
    release = f"{team}-{stack}-gpu-pools"
    if not _RELEASE_NAME.match(release) or len(release) > _RELEASE_MAX:
        raise ConstructError(
            f"{where}: its Helm release would be {release!r}, not a lowercase DNS label of "
            f"at most {_RELEASE_MAX} characters; give the {scope} a shorter lowercase name"
        )
    return release


def check_team_pools(
    where: str, team: str, pools: Sequence[object], pool_type: type, importer: str
) -> None:
    """One line for the first pool the team cannot provision as given.

    ``pool_type`` is the engine's ``GpuTrainingPool``; ``importer`` what builds the cluster
    with the team's naming (``ComputeCluster.from_environment in the TeamStack``).
    """
    if not pools:
        raise ConstructError(f"{where}: pools is empty; pass the stack's GpuTrainingPools")
    seen: set[str] = set()
    for item in pools:
        if not isinstance(item, pool_type):
            raise ConstructError(
                f"{where}: pools holds a {type(item).__name__}; pass GpuTrainingPools"
            )
        pool: TeamPool = item  # type: ignore[assignment]
        name = pool.node_pool_name
        if not name.startswith(f"{team}-"):
            raise ConstructError(
                f"{where}: GPU pool {pool.name!r} is named {name!r} in the cluster, not "
                f"{team}-{pool.name}; build it on {importer} (the team's naming)"
            )
        if name in seen:
            raise ConstructError(
                f"{where}: two pools are named {pool.name!r}; give each pool its own id"
            )
        seen.add(name)
        namespace = pool.props.job_namespace
        if namespace != team and not namespace.startswith(f"{team}-"):
            raise ConstructError(
                f"{where}: GPU pool {pool.name!r} runs its jobs in namespace {namespace!r}, which "
                f"is not the team's; set job_namespace: {team} (or {team}-<name>) in its props"
            )
        needed = pools_needing({name: pool.props})
        if needed:
            plugin = next(iter(needed))
            raise ConstructError(
                f"{where}: GPU pool {pool.name!r} needs the {plugin} device plugin, which the "
                f"platform runs only on its own pools' nodes; {_PLUGIN_FIX[plugin]}"
            )


def team_node_tags(team_tags: Mapping[str, str], node_pool_name: str, name: str) -> dict[str, str]:
    """A team pool's node tags: the team's cost tags, the pool label and ``Name`` (the
    ``<org>-<env>-<team>-gpu-<pool>`` name), so the instances bill to the team."""
    return pool_node_tags(team_tags, node_pool_name, name)


class TeamPoolsRefusal:
    """What a team's pool provisioning says when it cannot install, in both engines' words.

    ``scope`` is where a team builds it (``TeamStack``, ``TeamLayer``); ``unit`` what
    holds one release (``stack``, ``layer``)."""

    def __init__(self, where: str, scope: str, unit: str) -> None:
        self.where, self.scope, self.unit = where, scope, unit

    def checked_release(
        self, team: str, stack: str, pools: Sequence[object], pool_type: type
    ) -> str:
        """The release of ``team``'s ``pools`` in ``stack`` (the stack's or layer's name),
        once :func:`check_team_pools` passes them; both engines check in this order, so a
        bad pool is named before a bad release name."""
        check_team_pools(
            self.where,
            team,
            pools,
            pool_type,
            f"ComputeCluster.from_environment in the {self.scope}",
        )
        return team_pools_release(self.where, team, stack, self.scope)

    def outside_a_team(self) -> ConstructError:
        return ConstructError(
            f"{self.where}: build it in a {self.scope}; the platform's own pools get their "
            "nodes from its <env>-cluster layer"
        )

    def cluster_not_from_the_contract(self) -> ConstructError:
        return ConstructError(
            f"{self.where}: cluster must be the platform's, from ComputeCluster.from_environment "
            "(its endpoint, certificate authority and Karpenter's instance profile come "
            "from the platform contract)"
        )

    def second_provisioning(self, name: str) -> ConstructError:
        return ConstructError(
            f"{self.where}: {self.unit} {name} already has a GpuPoolProvisioning; list every "
            f"pool in that one (one Helm release and provider per {self.unit})"
        )

    def no_karpenter(self, name: str, environment: str) -> str:
        """The plan's (or preview's) error on a platform whose cluster layer is off."""
        return (
            f"{self.where} in {self.unit} {name}: the platform environment {environment} does "
            "not run Karpenter (compute/cluster-layer is not enabled), so a team's pools would "
            "get no nodes; give the platform a GPU pool and cluster_layer.enabled, or remove "
            "the provisioning"
        )

    def not_registered(self, name: str, team: str, environment: str) -> str:
        """The plan's (or preview's) error when the platform does not let ``team``'s deploys
        install pools (``compute/team-deployers`` does not list it)."""
        return (
            f"{self.where} in {self.unit} {name}: the platform environment {environment} does "
            f"not let team {team} install GPU pools (compute/team-deployers does not list it), "
            "so there is no namespace or access for its release; the platform team adds the "
            f"team's deploying roles under compute.cluster.team_deployers.{team} in "
            f"{environment}.yaml and deploys the compute and cluster layers"
        )

    def emulator(self) -> str:
        """Why nothing is installed on the emulator's platform."""
        return (
            f"{self.where}: nothing installed; the emulator's platform has no Kubernetes API "
            "and no Karpenter, so its pools keep only their AWS side (job role, grants)"
        )


def unprovisioned_pool_warning(path: str, scope: str = "stack") -> str:
    """What both engines print for a team's pool that no ``GpuPoolProvisioning`` lists.

    A warning, not an error: the pool's AWS side (job role, grants) is useful by itself,
    for instance to test a team repo on the emulator, which has no Kubernetes API anyway.
    """
    return (
        f"GPU pool {path}: no GpuPoolProvisioning in the {scope} lists it, so Karpenter "
        "launches no nodes for it (the platform provisions only its own pools); add "
        f'GpuPoolProvisioning({scope}, "pools", cluster=cluster, pools=[pool])'
    )
