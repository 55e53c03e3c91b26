"""Modifying an ElastiCache replication group (``ModifyReplicationGroup``), as the ElastiCache
API reference documents it.

AWS changes the group's own settings as asked, and its member clusters describe them: the
description; automatic failover and Multi-AZ; the snapshot retention, window and snapshotting
cluster; the primary (``PrimaryClusterId``); the maintenance window (which AWS keeps in lower
case); the VPC security groups; the notification topic; minor version upgrades; the parameter
group; and the user groups added and removed (``UserGroupIdsToAdd``, ``UserGroupIdsToRemove``,
``RemoveUserGroups``). What it refuses, before changing anything, is in
:mod:`mlplatform.emulator.fixes.elasticache.replication_group_checks`.

Changes to the *nodes*, a node type (``CacheNodeType``) or an engine version (``EngineVersion``:
"you can upgrade to a newer engine version ... but you cannot downgrade"), are, in the words of
``ApplyImmediately``, "applied on the next maintenance reboot" unless ``ApplyImmediately`` is true.
Until then each member cluster keeps its node type and version and lists the change under
``PendingModifiedValues``; with ``ApplyImmediately`` they, and the changes pending before, apply
at once. So terraform, which reads the node type and engine version of the primary cluster, plans
such a change again until the maintenance window, as the provider's documentation of
``apply_immediately`` warns. A request that names no setting is ``InvalidParameterCombination``
("No modifications were requested", which the provider tolerates).

moto stored six of these settings (description, engine, node type, automatic failover, Multi-AZ,
snapshot retention) on the group only, applied a node type at once whatever
``ApplyImmediately`` said, and left the member clusters as they were created, so the provider
read the old settings back and planned the change for ever.

Unlike AWS: the emulator keeps no list of engine versions or node types (any newer version and
any ``cache.<family>.<size>`` is accepted), a new parameter group's parameters are ``in-sync`` at
once, and no maintenance window ever comes: a node change made without ``ApplyImmediately``
stays pending until a request with ``ApplyImmediately`` applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import side_table
from mlplatform.emulator.fixes.elasticache._plumbing import _backend, _refused, _result
from mlplatform.emulator.fixes.elasticache.replication_group_checks import _check_modification
from mlplatform.emulator.fixes.elasticache.replication_groups import (
    _flag,
    _member_parameter_group,
)

_NODE_CHANGES = {"CacheNodeType": "cache_node_type", "EngineVersion": "engine_version"}
"""What ``ModifyReplicationGroup`` changes on the nodes (``PendingModifiedValues`` member ->
the group's attribute): applied at once only with ``ApplyImmediately``."""

_SETTINGS = (
    "ReplicationGroupDescription",
    "PrimaryClusterId",
    "SnapshottingClusterId",
    "AutomaticFailoverEnabled",
    "MultiAZEnabled",
    "SecurityGroupIds",
    "PreferredMaintenanceWindow",
    "NotificationTopicArn",
    "NotificationTopicStatus",
    "CacheParameterGroupName",
    "Engine",
    "EngineVersion",
    "AutoMinorVersionUpgrade",
    "SnapshotRetentionLimit",
    "SnapshotWindow",
    "CacheNodeType",
    "UserGroupIdsToAdd",
    "UserGroupIdsToRemove",
    "RemoveUserGroups",
    "TransitEncryptionEnabled",
    "TransitEncryptionMode",
    "IpDiscovery",
)
"""The settings a ModifyReplicationGroup request may name (the emulator's subset)."""


# --------------------------------------------------------------------- shared
def _replication_group(self: Any) -> Any:
    """The group the request names (``ReplicationGroupNotFoundFault``)."""
    group_id = self._get_param("ReplicationGroupId")
    if not group_id:
        raise _refused("InvalidParameterValue", "The parameter ReplicationGroupId is required.")
    return _backend(self).describe_replication_groups(replication_group_id=group_id)[0]


def _pending(group: Any) -> dict[str, str]:
    """The node changes waiting for ``group``'s maintenance window, as ``PendingModifiedValues``."""
    return side_table(group, "pending_node_changes")


def _restate_members(self: Any, group: Any) -> None:
    """Each member cluster describes ``group``'s settings (and its pending node changes)."""
    backend = _backend(self)
    parameter_group = _member_parameter_group(group)
    topic_status = side_table(group, "notification").get("TopicStatus", "active")
    pending = dict(_pending(group))
    for cluster_id in group.member_clusters:
        cluster = backend.cache_clusters.get(cluster_id)
        if cluster is None:
            continue
        cluster.engine = group.engine
        cluster.engine_version = group.engine_version
        cluster.cache_node_type = group.cache_node_type
        cluster.cache_parameter_group_name = parameter_group
        cluster.cache_parameter_group = {
            "CacheParameterGroupName": parameter_group,
            "ParameterApplyStatus": "in-sync",
            "CacheNodeIdsToReboot": [],
        }
        cluster.security_group_ids = list(group.security_group_ids or [])
        cluster.security_groups = [
            {"SecurityGroupId": sg, "Status": "active"} for sg in cluster.security_group_ids
        ]
        cluster.preferred_maintenance_window = group.preferred_maintenance_window
        cluster.snapshot_retention_limit = group.snapshot_retention_limit
        cluster.snapshot_window = group.snapshot_window
        cluster.auto_minor_version_upgrade = _flag(group.auto_minor_version_upgrade, True)
        cluster.notification_topic_arn = group.notification_topic_arn
        cluster.notification_configuration = (
            {"TopicArn": group.notification_topic_arn, "TopicStatus": topic_status}
            if group.notification_topic_arn
            else None
        )
        cluster.transit_encryption_enabled = group.transit_encryption_enabled
        cluster.transit_encryption_mode = group.transit_encryption_mode
        cluster.ip_discovery = group.ip_discovery
        cluster.pending_modified_values = pending or None


def _snapshotting_cluster(group: Any) -> str | None:
    """The member AWS takes daily snapshots of: a replica when there is one (as moto chose at
    create), none while snapshots are off."""
    if not group.snapshot_retention_limit or not group.member_clusters:
        return None
    current: str | None = group.snapshotting_cluster_id
    if current in group.member_clusters:
        return current
    return str(group.member_clusters[1 if len(group.member_clusters) > 1 else 0])


# --------------------------------------------------------------------- ModifyReplicationGroup
def _modify_replication_group(self: Any, original: Callable[[Any], Any]) -> Any:
    """Check the whole request, then change the group (its node changes now or pending) and
    restate its member clusters. moto's own ``original`` is not called: it applied a node
    type at once and left the member clusters alone."""
    group = _replication_group(self)
    if all(self._get_param(name) is None for name in _SETTINGS):
        raise _refused("InvalidParameterCombination", "No modifications were requested.")
    _check_modification(self, group)
    _change_settings(self, group)
    _change_nodes(self, group)
    _restate_members(self, group)
    return _result({"ReplicationGroup": group})


def _change_settings(self: Any, group: Any) -> None:
    """The settings AWS changes at once, whatever ``ApplyImmediately`` says."""
    plain = {
        "ReplicationGroupDescription": "description",
        "SecurityGroupIds": "security_group_ids",
        "NotificationTopicArn": "notification_topic_arn",
        "CacheParameterGroupName": "cache_parameter_group_name",
        "SnapshotRetentionLimit": "snapshot_retention_limit",
        "SnapshotWindow": "snapshot_window",
        "TransitEncryptionMode": "transit_encryption_mode",
        "IpDiscovery": "ip_discovery",
    }
    for name, attribute in plain.items():
        if self._get_param(name) is not None:
            setattr(group, attribute, self._get_param(name))
    for name, attribute in {
        "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
        "TransitEncryptionEnabled": "transit_encryption_enabled",
    }.items():
        if self._get_bool_param(name) is not None:
            setattr(group, attribute, self._get_bool_param(name))
    for name, attribute in {
        "AutomaticFailoverEnabled": "automatic_failover",
        "MultiAZEnabled": "multi_az",
    }.items():
        if self._get_bool_param(name) is not None:
            setattr(group, attribute, "enabled" if self._get_bool_param(name) else "disabled")
    if self._get_param("PreferredMaintenanceWindow") is not None:
        group.preferred_maintenance_window = self._get_param("PreferredMaintenanceWindow").lower()
    if self._get_param("Engine") is not None:
        group.engine = self._get_param("Engine").lower()
    if self._get_param("NotificationTopicStatus") is not None:
        side_table(group, "notification")["TopicStatus"] = self._get_param(
            "NotificationTopicStatus"
        )
    group.snapshot_retention_limit = int(group.snapshot_retention_limit or 0)
    group.snapshotting_cluster_id = self._get_param("SnapshottingClusterId") or (
        _snapshotting_cluster(group)
    )
    _change_user_groups(self, group)
    primary = self._get_param("PrimaryClusterId")
    if primary is not None:
        _promote(group, primary)


def _change_user_groups(self: Any, group: Any) -> None:
    removed = set(self._get_param("UserGroupIdsToRemove") or [])
    if self._get_bool_param("RemoveUserGroups", False):
        removed |= set(group.user_group_ids)
    kept = [g for g in group.user_group_ids if g not in removed]
    added = [g for g in self._get_param("UserGroupIdsToAdd") or [] if g not in kept]
    group.user_group_ids = [*kept, *added]


def _promote(group: Any, cluster_id: str) -> None:
    """Make member ``cluster_id`` the primary: first of its node group and of the members."""
    for node_group in group.node_groups:
        members = node_group["node_group_members"]
        if any(m["cache_cluster_id"] == cluster_id for m in members):
            members.sort(key=lambda m: m["cache_cluster_id"] != cluster_id)
            for member in members:
                if "current_role" in member:
                    member["current_role"] = (
                        "primary" if member["cache_cluster_id"] == cluster_id else "replica"
                    )
    group.member_clusters.sort(key=lambda c: c != cluster_id)
    group.primary_cluster_id = cluster_id


def _change_nodes(self: Any, group: Any) -> None:
    """Node type and engine version: pending until the maintenance window, or applied now with
    ``ApplyImmediately`` (with whatever was pending)."""
    pending = _pending(group)
    for name, attribute in _NODE_CHANGES.items():
        value = self._get_param(name)
        if value is None:
            continue
        if value == getattr(group, attribute):
            pending.pop(name, None)
        else:
            pending[name] = value
    if self._get_bool_param("ApplyImmediately", False):
        for name, attribute in _NODE_CHANGES.items():
            if name in pending:
                setattr(group, attribute, pending.pop(name))
