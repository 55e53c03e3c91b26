"""The online feature store's resources and their settings: DynamoDB tables or a Redis/Valkey group.

Both engines make the same store (cdktf's
:class:`~mlplatform.constructs.feature_store.FeatureStore`, Pulumi's
:class:`~mlplatform.pulumi.feature_store.FeatureStore`); what each resource is
set to (names from :func:`~mlplatform.decisions.feature_store.feature_store_names`,
keys, engine, encryption, failover, snapshots, users and their access) is
decided here once, as plain settings each engine passes to its resource. Only
what an engine spells its own way stays with it: the nested blocks (typed
structs in cdktf, dicts in Pulumi), the at-rest flag (a string in cdktf's
binding) and the ids of what it made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from mlplatform.config import FeatureStoreProps, RedisOnlineStoreProps
from mlplatform.decisions.feature_store import (
    ONLINE_HASH_KEY,
    REDIS_USERS,
    TTL_ATTRIBUTE,
    groups_materialized_by,
    parameter_group_family,
    redis_access_string,
)

__all__ = [
    "REDIS_PASSWORD_LENGTH",
    "ROTATED_USER_SETTINGS",
    "client_groups",
    "contract_secret_arns",
    "default_user_settings",
    "materializing_pools",
    "online_readers",
    "online_table_blocks",
    "online_table_settings",
    "parameter_group_settings",
    "replication_group_settings",
    "secret_settings",
    "subnet_group_settings",
    "user_settings",
]

REDIS_PASSWORD_LENGTH = 64
"""Characters of each generated AUTH password (ElastiCache takes 16-128)."""

_Id = TypeVar("_Id")
"""A security group id as the engine holds it (a string or token, a Pulumi input)."""


def online_readers(store: FeatureStoreProps) -> list[str]:
    """The serving endpoints that read online features (sorted): each is granted the groups it
    reads, and is a client of the store."""
    return sorted({r for group in store.feature_groups.values() for r in group.online_readers})


def client_groups(
    store: FeatureStoreProps, nodes: _Id | None, readers: Mapping[str, _Id | None]
) -> dict[str, _Id]:
    """The store's clients by label: the cluster's nodes (``nodes``, their security group) and
    each reading endpoint in a VPC (``readers``: its security group, ``None`` when serverless),
    as ``endpoint-<name>``. DynamoDB needs egress from the endpoints only (the nodes may reach
    anything); Redis admits each of them."""
    clients: dict[str, _Id] = {"nodes": nodes} if nodes is not None else {}
    for name, group_id in readers.items():
        if group_id is not None:
            clients[f"endpoint-{name}"] = group_id
    if store.redis is None:
        return {k: v for k, v in clients.items() if k.startswith("endpoint-")}
    return clients


def contract_secret_arns(read: Callable[..., _Id], online_store: str) -> dict[str, _Id]:
    """The Redis users' AUTH secret ARNs by user, as a team reads them from the platform
    contract with ``read`` (its reader's ``value``); none for a DynamoDB store."""
    if online_store != "redis":
        return {}
    return {u: read("features/redis/users/{user}/secret-arn", user=u) for u in REDIS_USERS}


def materializing_pools(
    store: FeatureStoreProps, pools: Iterable[str]
) -> list[tuple[str, tuple[str, ...]]]:
    """Each GPU pool that materializes feature groups (sorted), with those groups."""
    found = ((pool, groups_materialized_by(store, pool)) for pool in sorted(pools))
    return [(pool, groups) for pool, groups in found if groups]


def online_table_settings(
    names: Mapping[str, str], group: str, owner: str, deletion_protection: bool
) -> dict[str, Any]:
    """One group's DynamoDB table as Feast's store reads and writes it (on demand, keyed by
    ``entity_id``); tagged ``owner``, what the Feast feature view's tags say too (``feast
    apply`` keeps only those)."""
    return {
        "name": names[f"online_table:{group}"],
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": ONLINE_HASH_KEY,
        "deletion_protection_enabled": deletion_protection,
        "tags": {"owner": owner},
    }


def online_table_blocks(key_arn: object) -> dict[str, dict[str, Any]]:
    """The table's nested blocks, each as its fields (the engine wraps them in its own types):
    the string hash key, TTL on ``expires_at``, point-in-time recovery, encryption with the
    lake key ``key_arn``."""
    return {
        "attribute": {"name": ONLINE_HASH_KEY, "type": "S"},
        "ttl": {"attribute_name": TTL_ATTRIBUTE, "enabled": True},
        "point_in_time_recovery": {"enabled": True},
        "server_side_encryption": {"enabled": True, "kms_key_arn": key_arn},
    }


def subnet_group_settings(names: Mapping[str, str]) -> dict[str, Any]:
    """The replication group's subnet group (the engine adds the private subnets)."""
    return {
        "name": names["subnet_group"],
        "description": "Private subnets of the online feature store",
    }


def parameter_group_settings(
    names: Mapping[str, str], redis: RedisOnlineStoreProps
) -> dict[str, Any]:
    """The parameter group: a cache of features evicts (``maxmemory-policy``, which the engine
    sets in its own parameter block), never refuses a write."""
    return {
        "name": names["parameter_group"],
        "family": parameter_group_family(redis.engine, redis.engine_version),
        "description": "Online feature store: evict features, never refuse a write",
    }


def default_user_settings(names: Mapping[str, str], engine: str) -> dict[str, Any]:
    """ElastiCache asks every user group for a user named ``default``; this one is off (no
    password required, since it can do nothing)."""
    return {
        "user_id": names["user:default"],
        "user_name": "default",
        "engine": engine,
        "access_string": "off -@all",
    }


ROTATED_USER_SETTINGS = ("authentication_mode",)
"""What Terraform leaves alone on a ``reader`` or ``writer`` user once it exists: the
passwords are the rotation's (the user is made with its secret's current one)."""


def user_settings(names: Mapping[str, str], user: str, engine: str) -> dict[str, Any]:
    """The ``reader`` or ``writer`` user (its password comes from its secret)."""
    return {
        "user_id": names[f"user:{user}"],
        "user_name": names[f"user_name:{user}"],
        "engine": engine,
        "access_string": redis_access_string(user),
    }


def secret_settings(names: Mapping[str, str], user: str) -> dict[str, Any]:
    """The secret holding ``user``'s generated AUTH password (the engine adds the lake key)."""
    return {
        "name": names[f"secret:{user}"],
        "description": f"AUTH password of the online feature store's {user} user",
    }


def replication_group_settings(
    names: Mapping[str, str], redis: RedisOnlineStoreProps
) -> dict[str, Any]:
    """The replication group: TLS in transit, Multi-AZ with automatic failover unless turned
    off, ``replicas`` readers beside the primary, daily snapshots and a final one."""
    return {
        "replication_group_id": names["replication_group"],
        "description": f"Online features of {names['project'].replace('_', '-')}",
        "engine": redis.engine,
        "engine_version": redis.engine_version,
        "node_type": redis.node_type,
        "port": redis.port,
        "num_cache_clusters": 1 + redis.replicas,
        "automatic_failover_enabled": redis.multi_az,
        "multi_az_enabled": redis.multi_az,
        "transit_encryption_enabled": True,
        "snapshot_retention_limit": redis.snapshot_retention_days,
        "final_snapshot_identifier": f"{names['replication_group']}-final",
    }
