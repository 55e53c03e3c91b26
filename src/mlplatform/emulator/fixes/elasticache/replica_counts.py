"""Adding and removing a replication group's read replicas (``IncreaseReplicaCount``,
``DecreaseReplicaCount``), as the ElastiCache API reference documents them.

AWS adds or removes read replicas until each node group (shard) has ``NewReplicaCount`` of them,
"the number of read replica nodes you want at the completion of this operation" (or, node group
by node group, the ``NewReplicaCount`` of its ``ReplicaConfiguration`` entry, whose
``PreferredAvailabilityZones`` name the zones of the primary and each replica).
``DecreaseReplicaCount`` may instead name the replicas to remove (``ReplicasToRemove``). An added
replica is a new member cluster named after the group (``<group>-003``) that
``DescribeCacheClusters`` describes like the others; a removed one is gone from the members and
from ``DescribeCacheClusters``. AWS refuses:

- ``ApplyImmediately`` false: "ApplyImmediately=False is not currently supported"
  (``InvalidParameterValue``);
- more than 5 replicas in a node group, or a count on the wrong side of the current one
  (``InvalidParameterValue``), and the current count itself (``NoOperationFault``);
- with cluster mode disabled, fewer than 1 replica "if Multi-AZ is enabled" (the reference of
  ``NewReplicaCount``), or while automatic failover is on (it needs at least 2 clusters, as
  ``CreateReplicationGroup``'s ``NumCacheClusters`` says): ``InvalidParameterCombination``;
- removing the primary, or a cluster that is not a replica of the group
  (``InvalidParameterValue``).

moto had neither operation, so changing ``num_cache_clusters`` failed with a server error. Like
the emulator's other changes, nothing takes time: the group and its clusters stay ``available``.
Without zones asked for, a new replica goes to the subnet group's zone with the fewest of the
node group's clusters (AWS picks zones its own way); without ``ReplicasToRemove`` the newest
replicas go (AWS does not document which).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mlplatform.emulator.fixes.elasticache._plumbing import _backend, _refused, _result
from mlplatform.emulator.fixes.elasticache.replication_group_changes import (
    _replication_group,
    _restate_members,
    _snapshotting_cluster,
)
from mlplatform.emulator.fixes.elasticache.replication_groups import (
    _MAX_CLUSTERS,
    _add_member_clusters,
    _subnet_group_zones,
)

_MAX_REPLICAS = _MAX_CLUSTERS - 1

Target = tuple[dict[str, Any], int, list[str]]
"""A node group, the number of replicas it is to have, and the zones asked for (or none)."""


def _increase_replica_count(self: Any) -> Any:
    """Add replicas until each node group named has its ``NewReplicaCount``."""
    group = _replication_group(self)
    _needs_apply_immediately(self)
    targets = _targets(self, group)
    for node_group, count, _zones in targets:
        if count < _replicas(node_group):
            raise _refused(
                "InvalidParameterValue",
                f"NewReplicaCount {count} is fewer than the {_replicas(node_group)} replicas of "
                f"node group {node_group['node_group_id']}; use DecreaseReplicaCount.",
            )
    _refuse_no_change(targets)
    added = [
        cluster_id
        for node_group, count, zones in targets
        for cluster_id in _add_replicas(self, group, node_group, count, zones)
    ]
    _add_member_clusters(self, group, added)
    group.snapshotting_cluster_id = _snapshotting_cluster(group)
    _restate_members(self, group)
    return _result({"ReplicationGroup": group})


def _decrease_replica_count(self: Any) -> Any:
    """Remove the replicas named, or the newest, until each node group has its count."""
    group = _replication_group(self)
    _needs_apply_immediately(self)
    named = list(self._get_param("ReplicasToRemove") or [])
    removed = _named_replicas(group, named) if named else _newest_replicas(self, group)
    _check_what_remains(self, group, removed)
    backend = _backend(self)
    for node_group in group.node_groups:
        node_group["node_group_members"] = [
            m for m in node_group["node_group_members"] if m["cache_cluster_id"] not in removed
        ]
    group.member_clusters = [c for c in group.member_clusters if c not in removed]
    for cluster_id in removed:
        cluster = backend.cache_clusters.pop(cluster_id, None)
        if cluster is not None:
            backend.tagging_service.delete_all_tags_for_resource(cluster.arn)
    group.snapshotting_cluster_id = _snapshotting_cluster(group)
    return _result({"ReplicationGroup": group})


# --------------------------------------------------------------------- what is asked
def _needs_apply_immediately(self: Any) -> None:
    if not self._get_bool_param("ApplyImmediately", False):
        raise _refused(
            "InvalidParameterValue", "ApplyImmediately=False is not currently supported."
        )


def _replicas(node_group: dict[str, Any]) -> int:
    return len(node_group["node_group_members"]) - 1


def _targets(self: Any, group: Any) -> list[Target]:
    """Each node group the request changes, with its new replica count and zones."""
    count = self._get_int_param("NewReplicaCount")
    shards = self._get_param("ReplicaConfiguration") or []
    if count is None and not shards:
        raise _refused(
            "InvalidParameterValue", "Either NewReplicaCount or ReplicaConfiguration is required."
        )
    by_id = {ng["node_group_id"]: ng for ng in group.node_groups}
    targets: list[Target] = []
    for shard in shards:
        node_group = by_id.get(shard.get("NodeGroupId"))
        if node_group is None:
            raise _refused(
                "InvalidParameterValue",
                f"Node group {shard.get('NodeGroupId')} is not in replication group "
                f"{group.replication_group_id}.",
            )
        zones = list(shard.get("PreferredAvailabilityZones") or [])
        targets.append((node_group, int(shard["NewReplicaCount"]), zones))
    if not shards:
        targets = [(ng, int(count or 0), []) for ng in group.node_groups]
    for _node_group, wanted, zones in targets:
        if not 0 <= wanted <= _MAX_REPLICAS:
            raise _refused(
                "InvalidParameterValue",
                f"NewReplicaCount must be between 0 and {_MAX_REPLICAS}; got {wanted}.",
            )
        if zones and len(zones) != wanted + 1:
            raise _refused(
                "InvalidParameterValue",
                "PreferredAvailabilityZones must name NewReplicaCount + 1 zones (the primary's "
                "and each replica's).",
            )
    return targets


def _refuse_no_change(targets: list[Target]) -> None:
    if all(count == _replicas(node_group) for node_group, count, _zones in targets):
        raise _refused(
            "NoOperationFault", "The replication group already has that number of replicas."
        )


# --------------------------------------------------------------------- adding
def _add_replicas(
    self: Any, group: Any, node_group: dict[str, Any], count: int, zones: list[str]
) -> list[str]:
    """New replica members of ``node_group`` up to ``count``; their cluster ids."""
    members: list[dict[str, Any]] = node_group["node_group_members"]
    offered = _subnet_group_zones(self, group.cache_subnet_group_name)
    domain = str(node_group.get("primary_endpoint_address", "")).removeprefix("master.")
    added = []
    while _replicas(node_group) < count:
        cluster_id = _free_cluster_id(self, group, node_group)
        member: dict[str, Any] = {
            "cache_cluster_id": cluster_id,
            "cache_node_id": node_group["node_group_id"],
            "preferred_availability_zone": (
                zones[len(members)] if zones else _least_used_zone(members, offered)
            ),
        }
        if not group.cluster_enabled:
            member["current_role"] = "replica"
            member["read_endpoint"] = {"address": f"{cluster_id}.{domain}", "port": group.port}
        members.append(member)
        group.member_clusters.append(cluster_id)
        added.append(cluster_id)
    return added


def _free_cluster_id(self: Any, group: Any, node_group: dict[str, Any]) -> str:
    """The first member cluster id not in use: ``<group>-NNN``, or ``<group>-<shard>-NNN``
    with cluster mode enabled (as the group's first members are named)."""
    prefix = group.replication_group_id
    if group.cluster_enabled:
        prefix = f"{prefix}-{node_group['node_group_id']}"
    taken = {*group.member_clusters, *_backend(self).cache_clusters}
    number = 1
    while f"{prefix}-{number:03}" in taken:
        number += 1
    return f"{prefix}-{number:03}"


def _least_used_zone(members: list[dict[str, Any]], offered: list[str]) -> str:
    used = Counter(m.get("preferred_availability_zone") for m in members)
    return min(offered, key=lambda zone: (used[zone], offered.index(zone)))


# --------------------------------------------------------------------- removing
def _named_replicas(group: Any, named: list[str]) -> set[str]:
    """``ReplicasToRemove``: each a replica of the group, never its primary."""
    primaries = {ng["node_group_members"][0]["cache_cluster_id"] for ng in group.node_groups}
    for cluster_id in named:
        if cluster_id in primaries:
            raise _refused("InvalidParameterValue", f"Cache cluster {cluster_id} is the primary.")
        if cluster_id not in group.member_clusters:
            raise _refused(
                "InvalidParameterValue",
                f"Cache cluster {cluster_id} is not a replica of {group.replication_group_id}.",
            )
    return set(named)


def _newest_replicas(self: Any, group: Any) -> set[str]:
    """The replicas beyond each node group's ``NewReplicaCount``, newest first."""
    targets = _targets(self, group)
    for node_group, count, _zones in targets:
        if count > _replicas(node_group):
            raise _refused(
                "InvalidParameterValue",
                f"NewReplicaCount {count} is more than the {_replicas(node_group)} replicas of "
                f"node group {node_group['node_group_id']}; use IncreaseReplicaCount.",
            )
    _refuse_no_change(targets)
    return {
        m["cache_cluster_id"]
        for node_group, count, _zones in targets
        for m in node_group["node_group_members"][1 + count :]
    }


def _check_what_remains(self: Any, group: Any, removed: set[str]) -> None:
    """With cluster mode disabled, Multi-AZ and automatic failover keep a replica; a
    ``NewReplicaCount`` given beside ``ReplicasToRemove`` must be what remains."""
    asked = self._get_int_param("NewReplicaCount")
    for node_group in group.node_groups:
        remaining = sum(
            m["cache_cluster_id"] not in removed for m in node_group["node_group_members"][1:]
        )
        if asked is not None and remaining != asked:
            raise _refused(
                "InvalidParameterCombination",
                f"Removing those replicas leaves {remaining}, not NewReplicaCount {asked}.",
            )
        if group.cluster_enabled or remaining >= 1:
            continue
        if group.multi_az == "enabled" or group.automatic_failover == "enabled":
            raise _refused(
                "InvalidParameterCombination",
                "Multi-AZ and automatic failover need at least 1 replica; disable them first.",
            )
