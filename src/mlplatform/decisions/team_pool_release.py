"""The objects of a team's GPU pool release, whichever engine installs it.

Both engines' ``GpuPoolProvisioning`` install one Helm release of the shipped
``platform-manifests`` chart holding a team's jobs' namespaces and service
accounts and, per pool, an ``EC2NodeClass`` and a ``NodePool``
(:mod:`~mlplatform.decisions.team_pools` names the release and checks the
pools). They differ only in when the pools' subnets, security groups and job
roles are known (cdktf: tokens at synth; Pulumi: inside ``apply``), so each
engine gathers a :class:`ProvisionedPool` per pool and this module renders
the same objects, in the same order, from them (``team_pool_release.manifests``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlplatform.config import ClusterLayerProps
from mlplatform.decisions.job_accounts import JobAccount, job_account_manifests
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.node_pools import NodeClassFacts, node_class, node_pool
from mlplatform.decisions.team_access import release_namespace
from mlplatform.decisions.team_pools import TeamPool, team_node_tags

__all__ = ["ProvisionedPool", "manifests"]


@dataclass(frozen=True)
class ProvisionedPool:
    """One team pool and what its nodes launch with (strings may be an engine's tokens)."""

    pool: TeamPool
    job_account: JobAccount
    """``(namespace, service account, job role ARN)`` its jobs run as."""
    subnet_ids: Sequence[str]
    security_group_ids: Sequence[str]
    placement_group: str | None
    subnet_selector_terms: Any = None
    """The node class's subnet terms when the engine must build them itself (cdktf: a
    Terraform ``for`` expression over a token list whose length is known at plan time
    only); ``None``: one term per subnet id."""


def manifests(
    pools: Sequence[ProvisionedPool],
    *,
    instance_profile: str,
    tags: Mapping[str, str],
    naming: Naming,
    versions: ClusterLayerProps,
    team: str,
) -> list[dict[str, Any]]:
    """Namespaces and service accounts of the pools' jobs, then per pool its ``EC2NodeClass``
    (nodes tagged with the team's tags, the pool and ``Name`` ``<prefix>-gpu-<pool>``) and
    its ``NodePool``, each named as the pool's ``node_pool_name``. The team's own namespace
    (``<team>``, where the release lives) is the platform's (:mod:`team_access
    <mlplatform.decisions.team_access>`), so it is left out; its service accounts are not."""
    accounts: dict[str, JobAccount] = {}
    objects: list[dict[str, Any]] = []
    for provisioned in pools:
        pool = provisioned.pool
        name = pool.node_pool_name
        accounts[name] = provisioned.job_account
        facts = NodeClassFacts(
            instance_profile=instance_profile,
            subnet_ids=provisioned.subnet_ids,
            security_group_ids=provisioned.security_group_ids,
            placement_group=provisioned.placement_group,
            tags=team_node_tags(tags, name, naming.resource("gpu", pool.name)),
        )
        node_class_object = node_class(name, pool.props, facts, versions)
        if provisioned.subnet_selector_terms is not None:
            node_class_object["spec"]["subnetSelectorTerms"] = provisioned.subnet_selector_terms
        objects += [node_class_object, node_pool(name, pool.props)]
    platforms = release_namespace(team)
    accounts_and_namespaces = [
        o
        for o in job_account_manifests(accounts)
        if not (o["kind"] == "Namespace" and o["metadata"]["name"] == platforms)
    ]
    return accounts_and_namespaces + objects
