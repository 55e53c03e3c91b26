"""ElastiCache replication groups: their member clusters, deleting a subnet group and a
replication group, as the ElastiCache API reference documents them.

**Member clusters.** AWS: a replication group is made of cache clusters (``MemberClusters``:
``NumCacheClusters`` of them with cluster mode disabled, spread over the zones of the subnet
group's subnets unless ``PreferredCacheClusterAZs`` names them), and ``DescribeCacheClusters``
describes each one: its replication group, engine and version, node type, parameter group
(``default.<family>`` when none was given), subnet group, security groups, encryption and, with
``ShowCacheNodeInfo``, its node and endpoint; ``ShowCacheClustersNotInReplicationGroups`` leaves
members out. moto named member clusters that DescribeCacheClusters could not find (and made one
member whatever ``NumCacheClusters`` said), so the provider's read after create failed. Creating a
replication group now also refuses a parameter group, subnet group or user group that does not
exist, automatic failover with fewer than two clusters, and Multi-AZ without automatic failover, as
AWS does.

**Deleting.** AWS: ``DeleteCacheSubnetGroup`` deletes a subnet group no cluster uses
(``CacheSubnetGroupInUse``, ``CacheSubnetGroupNotFoundFault``); moto had no such operation.
``DeleteReplicationGroup`` deletes the group and its member clusters (all but the primary with
``RetainPrimaryCluster``), after taking the snapshot named by ``FinalSnapshotIdentifier``
(``SnapshotAlreadyExistsFault`` if one has that name); moto left the group ``deleting`` for ever
and ignored the final snapshot, so ``terraform destroy`` waited until it timed out.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from mlplatform.emulator.fixes.elasticache._plumbing import (
    _backend,
    _empty,
    _in_pages,
    _refused,
)
from mlplatform.emulator.fixes.elasticache.parameter_groups import _parameter_group
from mlplatform.emulator.fixes.elasticache.user_groups import _user_group

_MAX_CLUSTERS = 6
"""Clusters of a replication group with cluster mode disabled: a primary and up to 5 replicas."""


# --------------------------------------------------------------------- subnet groups
def _delete_subnet_group(self: Any) -> Any:
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound

    backend = _backend(self)
    name = self._get_param("CacheSubnetGroupName")
    if name not in backend.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(name)
    users = sorted(
        {
            *(
                c.cache_cluster_id
                for c in backend.cache_clusters.values()
                if c.cache_subnet_group_name == name
            ),
            *(
                r.replication_group_id
                for r in backend.replication_groups.values()
                if r.cache_subnet_group_name == name
            ),
        }
    )
    if users:
        raise _refused(
            "CacheSubnetGroupInUse", f"Cache subnet group {name} is in use by: {', '.join(users)}"
        )
    group = backend.cache_subnet_groups.pop(name)
    backend.tagging_service.delete_all_tags_for_resource(group.arn)
    return _empty()


# --------------------------------------------------------------------- replication groups
def _create_replication_group(self: Any, original: Callable[[Any], Any]) -> Any:
    """Check what the group names, make ``NumCacheClusters`` members, then describe each one as
    a cache cluster."""
    backend = _backend(self)
    clusters = _check_replication_group(self)
    if clusters is not None and self._get_param("ReplicasPerNodeGroup") is None:
        # moto counts a disabled-cluster-mode group's members from ReplicasPerNodeGroup only.
        self.params["ReplicasPerNodeGroup"] = clusters - 1
        if not self._get_param("PreferredCacheClusterAZs"):
            self.params["PreferredCacheClusterAZs"] = _spread_zones(self, clusters)
    answer = original(self)
    group = backend.replication_groups[self._get_param("ReplicationGroupId")]
    _add_member_clusters(self, group)
    return answer


def _check_replication_group(self: Any) -> int | None:
    """Refuse what AWS refuses; the number of clusters with cluster mode disabled (else None)."""
    backend = _backend(self)
    parameter_group = self._get_param("CacheParameterGroupName")
    if parameter_group:
        _parameter_group(self, parameter_group)
    subnet_group = self._get_param("CacheSubnetGroupName")
    if subnet_group and subnet_group not in backend.cache_subnet_groups:
        from moto.elasticache.exceptions import CacheSubnetGroupNotFound

        raise CacheSubnetGroupNotFound(subnet_group)
    for group_id in self._get_param("UserGroupIds", []) or []:
        _user_group(self, group_id)
    failover = self._get_bool_param("AutomaticFailoverEnabled", False)
    if self._get_bool_param("MultiAZEnabled", False) and not failover:
        raise _refused(
            "InvalidParameterCombination", "Multi-AZ needs automatic failover to be enabled."
        )
    sharded = (self._get_param("ClusterMode") or "").lower() == "enabled" or (
        self._get_int_param("NumNodeGroups") or 1
    ) > 1
    if sharded:
        return None
    replicas = self._get_int_param("ReplicasPerNodeGroup")
    clusters = self._get_int_param("NumCacheClusters")
    count = clusters if clusters is not None else (replicas + 1 if replicas is not None else 1)
    if not 1 <= count <= _MAX_CLUSTERS:
        raise _refused(
            "InvalidParameterValue", f"NumCacheClusters must be between 1 and {_MAX_CLUSTERS}."
        )
    if failover and count < 2:
        raise _refused(
            "InvalidParameterCombination",
            "Automatic failover needs at least 2 cache clusters in the replication group.",
        )
    return count


def _spread_zones(self: Any, clusters: int) -> list[str]:
    """The zones AWS spreads ``clusters`` over: those of the subnet group's subnets in turn."""
    zones = _subnet_group_zones(self, self._get_param("CacheSubnetGroupName"))
    return [zones[i % len(zones)] for i in range(clusters)]


def _subnet_group_zones(self: Any, name: str | None) -> list[str]:
    """The zones of subnet group ``name``'s subnets (two of the region's without one)."""
    group = _backend(self).cache_subnet_groups.get(name or "")
    return sorted(
        {
            s["subnet_availability_zone"]
            for s in (group.subnets if group else [])
            if isinstance(s.get("subnet_availability_zone"), str)
        }
    ) or [f"{self.region}a", f"{self.region}b"]


def _family(engine: str, version: str | None) -> str:
    """The parameter group family of ``engine`` at ``version`` (``default.<family>``)."""
    if engine == "memcached":
        return "memcached1.6"
    major = (version or ("8" if engine == "valkey" else "7")).split(".")[0]
    if engine == "valkey":
        return f"valkey{major}"
    return "redis6.x" if major == "6" else ("redis7" if int(major) >= 7 else f"redis{version}")


def _member_parameter_group(group: Any) -> str:
    """The parameter group ``group``'s clusters use: its own, else ``default.<family>``."""
    name: str | None = group.cache_parameter_group_name
    return name or f"default.{_family(group.engine, group.engine_version)}"


def _add_member_clusters(self: Any, group: Any, cluster_ids: Iterable[str] = ()) -> None:
    """Each of ``group``'s member clusters (or only ``cluster_ids``) as DescribeCacheClusters
    answers it."""
    from moto.core.utils import utcnow
    from moto.elasticache.models import CacheCluster

    backend = _backend(self)
    engine = group.engine
    parameter_group = _member_parameter_group(group)
    members = {
        m["cache_cluster_id"]: m for ng in group.node_groups for m in ng["node_group_members"]
    }
    for cluster_id in list(cluster_ids) or group.member_clusters:
        member = members.get(cluster_id, {})
        zone = member.get("preferred_availability_zone") or f"{self.region}a"
        cluster: Any = CacheCluster(
            account_id=self.current_account,
            region_name=self.region,
            cache_cluster_id=cluster_id,
            cache_node_type=group.cache_node_type,
            replication_group_id=group.replication_group_id,
            az_mode="single-az",
            preferred_availability_zone=zone,
            num_cache_nodes=1,
            engine=engine,
            engine_version=group.engine_version,
            cache_parameter_group_name=parameter_group,
            cache_subnet_group_name=group.cache_subnet_group_name,
            transit_encryption_enabled=group.transit_encryption_enabled,
            network_type=group.network_type,
            ip_discovery=group.ip_discovery,
            snapshot_name=None,
            preferred_maintenance_window=group.preferred_maintenance_window,
            port=group.port,
            notification_topic_arn=group.notification_topic_arn,
            auto_minor_version_upgrade=group.auto_minor_version_upgrade,
            snapshot_retention_limit=group.snapshot_retention_limit,
            snapshot_window=group.snapshot_window,
            auth_token=None,
            outpost_mode=None,
            preferred_outpost_arn=None,
            preferred_availability_zones=None,
            cache_security_group_names=None,
            security_group_ids=group.security_group_ids,
            tags=None,
            snapshot_arns=None,
            preferred_outpost_arns=None,
            log_delivery_configurations=[],
            cache_node_ids_to_remove=None,
            cache_node_ids_to_reboot=None,
        )
        # moto sets these for engine "redis" only; a Valkey member is a one-node cluster too.
        cluster.num_cache_nodes = 1
        cluster.replication_group_id = group.replication_group_id
        cluster.snapshot_window = group.snapshot_window
        cluster.auto_minor_version_upgrade = _flag(group.auto_minor_version_upgrade, True)
        cluster.at_rest_encryption_enabled = bool(group.at_rest_encryption_enabled)
        cluster.auth_token_enabled = bool(group.auth_token_enabled)
        cluster.transit_encryption_mode = group.transit_encryption_mode
        cluster.replication_group_log_delivery_enabled = bool(group.log_delivery_configurations)
        cluster.cache_parameter_group = {
            "CacheParameterGroupName": parameter_group,
            "ParameterApplyStatus": "in-sync",
            "CacheNodeIdsToReboot": [],
        }
        cluster.security_groups = [
            {"SecurityGroupId": sg, "Status": "active"} for sg in group.security_group_ids or []
        ]
        address = (member.get("read_endpoint") or {}).get("address") or (
            f"{cluster_id}.{group.replication_group_id}.cache.amazonaws.com"
        )
        cluster.cache_nodes = [
            {
                "CacheNodeId": "0001",
                "CacheNodeStatus": "available",
                "CacheNodeCreateTime": utcnow(),
                "Endpoint": {"Address": address, "Port": group.port},
                "ParameterGroupStatus": "in-sync",
                "CustomerAvailabilityZone": zone,
            }
        ]
        backend.cache_clusters[cluster_id] = cluster


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return str(value).lower() == "true" if not isinstance(value, bool) else value


def _describe_cache_clusters(self: Any, original: Callable[[Any], Any]) -> Any:
    """moto's answer, honouring ``ShowCacheNodeInfo`` and
    ``ShowCacheClustersNotInReplicationGroups``."""
    backend = _backend(self)
    cluster_id = self._get_param("CacheClusterId")
    clusters = backend.describe_cache_clusters(cache_cluster_id=cluster_id)
    if self._get_bool_param("ShowCacheClustersNotInReplicationGroups", False):
        clusters = [c for c in clusters if not getattr(c, "replication_group_id", None)]
    if not self._get_bool_param("ShowCacheNodeInfo", False):
        shown = []
        for cluster in clusters:
            without_nodes = copy.copy(cluster)
            without_nodes.cache_nodes = None
            shown.append(without_nodes)
        clusters = shown
    return _in_pages({"CacheClusters": clusters})


def _delete_replication_group(self: Any, original: Callable[[Any], Any]) -> Any:
    """Take the final snapshot, then delete the group and its member clusters at once."""
    backend = _backend(self)
    group_id = self._get_param("ReplicationGroupId")
    group = backend.describe_replication_groups(replication_group_id=group_id)[0]
    final = self._get_param("FinalSnapshotIdentifier")
    if final:
        backend.create_snapshot(
            snapshot_name=final,
            replication_group_id=group_id,
            cache_cluster_id=None,
            kms_key_id=group.kms_key_id,
            tags=None,
        )
    primary = group.member_clusters[0] if group.member_clusters else None
    answer = original(self)
    retain = self._get_bool_param("RetainPrimaryCluster", False)
    for cluster_id in list(group.member_clusters) + ([primary] if primary else []):
        cluster = backend.cache_clusters.get(cluster_id)
        if cluster is None:
            continue
        if retain and cluster_id == primary:
            cluster.replication_group_id = None
        else:
            del backend.cache_clusters[cluster_id]
            backend.tagging_service.delete_all_tags_for_resource(cluster.arn)
    del backend.replication_groups[group_id]
    backend.tagging_service.delete_all_tags_for_resource(group.arn)
    return answer
