"""What ``ModifyReplicationGroup`` refuses, as the ElastiCache API reference documents it.

Each check runs before anything changes, so a refused request changes nothing (see
:mod:`mlplatform.emulator.fixes.elasticache.replication_group_changes` for what it changes):

- a cluster named as ``PrimaryClusterId`` or ``SnapshottingClusterId`` that is not a member:
  ``CacheClusterNotFound``;
- Multi-AZ without automatic failover, or automatic failover with fewer than two clusters (as
  ``CreateReplicationGroup`` refuses them): ``InvalidParameterCombination``;
- a maintenance window that is not ``ddd:hh24:mi-ddd:hh24:mi`` or shorter than "the minimum
  maintenance window ... a 60 minute period", a snapshot window that is not ``hh24:mi-hh24:mi``,
  a snapshot retention outside 0 to 35 days: ``InvalidParameterValue``;
- a user group to add or remove that does not exist: ``UserGroupNotFound``;
- an engine version older than the group's ("you cannot downgrade to an earlier engine
  version"; the reference names no error code, the emulator answers
  ``InvalidParameterCombination``), a parameter group that does not exist
  (``CacheParameterGroupNotFound``) or whose family is not the resulting engine version's
  (``InvalidParameterCombination``, "Expected a parameter group of family ... but found one of
  family ...", as AWS words it).
"""

from __future__ import annotations

import re
from typing import Any

from mlplatform.emulator.fixes.elasticache._plumbing import _refused
from mlplatform.emulator.fixes.elasticache.parameter_groups import _parameter_group
from mlplatform.emulator.fixes.elasticache.replication_groups import _family
from mlplatform.emulator.fixes.elasticache.user_groups import _user_group

_DAY = "(sun|mon|tue|wed|thu|fri|sat)"
_TIME = "([01][0-9]|2[0-3]):([0-5][0-9])"
_MAINTENANCE_WINDOW = re.compile(f"^{_DAY}:{_TIME}-{_DAY}:{_TIME}$")
_SNAPSHOT_WINDOW = re.compile(f"^{_TIME}-{_TIME}$")
_NODE_TYPE = re.compile(r"^cache\.[a-z0-9-]+\.[a-z0-9]+$")
_MAX_RETENTION_DAYS = 35
_WEEK_MINUTES = 7 * 24 * 60


def _check_modification(self: Any, group: Any) -> None:
    """Refuse what AWS refuses, before anything changes."""
    for name in ("PrimaryClusterId", "SnapshottingClusterId"):
        cluster_id = self._get_param(name)
        if cluster_id is not None and cluster_id not in group.member_clusters:
            raise _refused("CacheClusterNotFound", f"Cache cluster {cluster_id} not found.")
    _check_failover(self, group)
    _check_windows(self)
    retention = self._get_int_param("SnapshotRetentionLimit")
    if retention is not None and not 0 <= retention <= _MAX_RETENTION_DAYS:
        raise _refused(
            "InvalidParameterValue",
            f"SnapshotRetentionLimit must be between 0 and {_MAX_RETENTION_DAYS} days.",
        )
    for group_id in [
        *(self._get_param("UserGroupIdsToAdd") or []),
        *(self._get_param("UserGroupIdsToRemove") or []),
    ]:
        _user_group(self, group_id)
    _check_nodes(self, group)


def _check_failover(self: Any, group: Any) -> None:
    """Multi-AZ needs automatic failover, which needs a replica beside each primary."""
    failover = self._get_bool_param("AutomaticFailoverEnabled")
    multi_az = self._get_bool_param("MultiAZEnabled")
    failover = group.automatic_failover == "enabled" if failover is None else failover
    multi_az = group.multi_az == "enabled" if multi_az is None else multi_az
    if multi_az and not failover:
        raise _refused(
            "InvalidParameterCombination", "Multi-AZ needs automatic failover to be enabled."
        )
    smallest = min(len(ng["node_group_members"]) for ng in group.node_groups)
    if failover and not group.cluster_enabled and smallest < 2:
        raise _refused(
            "InvalidParameterCombination",
            "Automatic failover needs at least 2 cache clusters in the replication group.",
        )


def _check_windows(self: Any) -> None:
    """The maintenance window and the snapshot window, in the formats AWS takes."""
    maintenance = self._get_param("PreferredMaintenanceWindow")
    if maintenance is not None:
        match = _MAINTENANCE_WINDOW.match(maintenance.lower())
        if not match or _window_minutes(match.groups()) < 60:
            raise _refused(
                "InvalidParameterValue",
                f"Invalid maintenance window {maintenance}: use ddd:hh24:mi-ddd:hh24:mi, "
                "at least 60 minutes long.",
            )
    snapshot = self._get_param("SnapshotWindow")
    if snapshot is not None and not _SNAPSHOT_WINDOW.match(snapshot):
        raise _refused(
            "InvalidParameterValue", f"Invalid snapshot window {snapshot}: use hh24:mi-hh24:mi."
        )


def _window_minutes(parts: tuple[str | Any, ...]) -> int:
    """How long a ``ddd:hh24:mi-ddd:hh24:mi`` window lasts (it may wrap round the week)."""
    days = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    start_day, start_hour, start_minute, end_day, end_hour, end_minute = parts
    start = days.index(start_day) * 1440 + int(start_hour) * 60 + int(start_minute)
    end = days.index(end_day) * 1440 + int(end_hour) * 60 + int(end_minute)
    return (end - start) % _WEEK_MINUTES


def _check_nodes(self: Any, group: Any) -> None:
    """A node type AWS could scale to, no older engine version, and a parameter group of the
    resulting engine version's family."""
    node_type = self._get_param("CacheNodeType")
    if node_type is not None and not _NODE_TYPE.match(node_type):
        raise _refused("InvalidParameterValue", f"Invalid cache node type: {node_type}")
    engine = (self._get_param("Engine") or group.engine).lower()
    if engine not in ("redis", "valkey"):
        raise _refused("InvalidParameterValue", f"Engine {engine!r} is not redis or valkey.")
    version = self._get_param("EngineVersion")
    if version is not None and _older(version, group.engine_version):
        raise _refused(
            "InvalidParameterCombination",
            f"Cannot downgrade the engine from {group.engine_version} to {version}; create "
            "a new replication group with the earlier version instead.",
        )
    named = self._get_param("CacheParameterGroupName")
    parameter_group = _parameter_group(self, named) if named else None
    if not named and version is None and self._get_param("Engine") is None:
        return  # neither side of the family changes
    if parameter_group is None and group.cache_parameter_group_name:
        parameter_group = _parameter_group(self, group.cache_parameter_group_name)
    expected = _family(engine, version or group.engine_version)
    if parameter_group is not None and parameter_group["CacheParameterGroupFamily"] != expected:
        raise _refused(
            "InvalidParameterCombination",
            f"Expected a parameter group of family {expected} but found one of family "
            f"{parameter_group['CacheParameterGroupFamily']}.",
        )


def _older(version: str, than: str | None) -> bool:
    """Whether engine ``version`` is older than ``than``, compared on as many parts as
    ``version`` gives (``7.2`` is older than ``8.0``; ``7.1`` is not older than ``7.1.2``)."""
    if not than:
        return False

    def numbers(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", text))

    return numbers(version) < numbers(than)[: max(len(numbers(version)), 2)]
