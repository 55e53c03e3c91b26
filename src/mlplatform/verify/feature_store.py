"""The feature store: each group's offline Glue table, and its online store.

Offline: the table is in the features zone's database, over the group's
prefix, with the group's columns (Feast types as Glue types) and the ``dt``
partition. Online, DynamoDB: each group's table as Feast reads it (hash key
``entity_id``), protected like every stateful table (point-in-time recovery,
the lake key, deletion protection) and with TTL on ``expires_at``. Online,
Redis: the replication group's TLS, encryption at rest with the lake key,
AUTH user group, failover and snapshots, and the AUTH secrets' key and rotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlplatform.config import FeatureStoreProps, RedisOnlineStoreProps
from mlplatform.decisions import password_rotation as rotation
from mlplatform.decisions.feature_store import (
    OFFLINE_PARTITION,
    ONLINE_HASH_KEY,
    REDIS_USERS,
    TTL_ATTRIBUTE,
    feature_store_names,
    offline_columns,
    offline_location,
)
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.findings import Findings
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.reads import read_or_none
from mlplatform.verify.tables import check_protected_table

__all__ = ["FeatureStoreChecker", "check_rotation"]


class FeatureStoreChecker:
    """The store's resources, named as ``FeatureTables`` and ``FeatureStore`` name them."""

    def __init__(self, context: VerifyContext, keys: KeyChecker, props: FeatureStoreProps) -> None:
        self.context = context
        self.keys = keys
        self.props = props
        self.names = feature_store_names(context.naming, props)
        self.alias = self.names["key_alias"]

    def check(self) -> None:
        for group in self.props.feature_groups:
            self._offline_table(group)
        if self.props.dynamodb is not None:
            for group in self.props.feature_groups:
                self._online_table(group, self.props.dynamodb.deletion_protection)
        if self.props.redis is not None:
            self._redis(self.props.redis)

    def _offline_table(self, group: str) -> None:
        naming = self.context.naming
        findings = self.context.findings
        database = naming.glue_database("datalake", "features")
        name = self.names[f"offline_table:{group}"]
        resource = f"Glue table {database}.{name}"
        found = read_or_none(
            self.context.client("glue").get_table, DatabaseName=database, Name=name
        )
        if found is None:
            findings.missing(resource)
            return
        table = found["Table"]
        descriptor = table.get("StorageDescriptor", {})
        bucket = naming.bucket("datalake", "features")
        findings.compare(
            resource, "location", descriptor.get("Location"), offline_location(bucket, name)
        )
        columns = [(c.get("Name"), c.get("Type")) for c in descriptor.get("Columns", [])]
        expected = offline_columns(self.props.feature_groups[group])
        findings.compare(resource, "columns", columns, expected)
        partitions = [k.get("Name") for k in table.get("PartitionKeys", [])]
        findings.compare(resource, "partition keys", partitions, [OFFLINE_PARTITION])

    def _online_table(self, group: str, deletion_protection: bool) -> None:
        name = self.names[f"online_table:{group}"]
        table = check_protected_table(
            self.context,
            self.keys,
            name,
            key_alias=self.alias,
            deletion_protection=deletion_protection,
        )
        if table is None:
            return
        findings = self.context.findings
        resource = f"DynamoDB table {name}"
        keys = [(k.get("AttributeName"), k.get("KeyType")) for k in table.get("KeySchema", [])]
        findings.compare(resource, "key schema (Feast's)", keys, [(ONLINE_HASH_KEY, "HASH")])
        ttl = self.context.client("dynamodb").describe_time_to_live(TableName=name)
        description = ttl.get("TimeToLiveDescription", {})
        findings.compare(
            resource,
            "TTL",
            (description.get("TimeToLiveStatus"), description.get("AttributeName")),
            ("ENABLED", TTL_ATTRIBUTE),
        )

    def _redis(self, redis: RedisOnlineStoreProps) -> None:
        findings = self.context.findings
        group_id = self.names["replication_group"]
        resource = f"ElastiCache replication group {group_id}"
        elasticache = self.context.client("elasticache")
        found = read_or_none(
            elasticache.describe_replication_groups,
            {"ReplicationGroupNotFoundFault"},
            ReplicationGroupId=group_id,
        )
        if found is None:
            findings.missing(resource)
            return
        group: dict[str, Any] = found["ReplicationGroups"][0]
        findings.compare(resource, "TLS in transit", group.get("TransitEncryptionEnabled"), True)
        findings.compare(resource, "encryption at rest", group.get("AtRestEncryptionEnabled"), True)
        key = self.keys.arn(self.alias)
        if key is not None:
            findings.compare(resource, f"key (the {self.alias} key)", group.get("KmsKeyId"), key)
        findings.compare(
            resource, "AUTH user groups", group.get("UserGroupIds"), [self.names["user_group"]]
        )
        failover = "enabled" if redis.multi_az else "disabled"
        findings.compare(resource, "automatic failover", group.get("AutomaticFailover"), failover)
        findings.compare(resource, "Multi-AZ", group.get("MultiAZ"), failover)
        findings.compare(
            resource,
            "snapshot retention (days)",
            group.get("SnapshotRetentionLimit"),
            redis.snapshot_retention_days,
        )
        self._user_group(elasticache)
        secrets = self.context.client("secretsmanager")
        for user in REDIS_USERS:
            name = self.names[f"secret:{user}"]
            secret = read_or_none(secrets.describe_secret, SecretId=name)
            if secret is None:
                findings.missing(f"secret {name}")
                continue
            if key is not None:
                findings.compare(
                    f"secret {name}", f"key (the {self.alias} key)", secret.get("KmsKeyId"), key
                )
            check_rotation(findings, f"secret {name}", secret, self.names, redis)

    def _user_group(self, elasticache: Any) -> None:
        """The AUTH user group holds the ``default`` user and each store user: one the group
        lost (AWS's DeleteUser takes a user out of its groups; after a ``-replace`` Terraform
        puts it back only at the next apply) can no longer sign in."""
        group_id = self.names["user_group"]
        resource = f"ElastiCache user group {group_id}"
        found = read_or_none(
            elasticache.describe_user_groups, {"UserGroupNotFound"}, UserGroupId=group_id
        )
        if found is None:
            self.context.findings.missing(resource)
            return
        expected = sorted(self.names[f"user:{u}"] for u in ("default", *REDIS_USERS))
        users = sorted(found["UserGroups"][0].get("UserIds", []))
        self.context.findings.compare(resource, "users", users, expected)


def check_rotation(
    findings: Findings,
    resource: str,
    secret: Mapping[str, Any],
    names: Mapping[str, str],
    redis: RedisOnlineStoreProps,
) -> None:
    """Secrets Manager rotates ``secret`` (as ``DescribeSecret`` answers it) with the store's
    function, on the file's schedule."""
    findings.compare(resource, "rotation", bool(secret.get("RotationEnabled")), True)
    function = str(secret.get("RotationLambdaARN", "")).rsplit(":", 1)[-1]
    findings.compare(resource, "rotation function", function, rotation.function_name(names))
    days = secret.get("RotationRules", {}).get("AutomaticallyAfterDays")
    findings.compare(resource, "rotation (days)", days, redis.password_rotation_days)
