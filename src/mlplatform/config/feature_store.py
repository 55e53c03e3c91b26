"""Config of the feature store: declared feature groups, and the online store that serves them.

A feature group is what Feast calls a feature view: rows of typed features
keyed by entity keys, stamped with an event time. Each group gets an offline
table in the lake's ``features`` zone (``<env>-data``) and online storage in
the environment's online store (``<env>-ml``): a DynamoDB table, or keys in
one ElastiCache (Redis OSS or Valkey) replication group. Type names are
Feast's (``Int64``, ``Float32``, ``Array(Float32)``), so a group reads the
same here and in a Feast repository.

Errors name the group and the field (``feature_store.feature_groups.ranker.
entity_keys: ...``). Rules that need other layers (a reader is a serving
endpoint, a materializer a GPU pool, the lake has a ``features`` zone) are
checked by :class:`~mlplatform.config.EnvironmentConfig`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from mlplatform.config._base import RetentionDays, _check_unique, _Frozen

__all__ = [
    "FEAST_SCALAR_TYPES",
    "DynamoDbOnlineStoreProps",
    "FeatureGroupProps",
    "FeatureStoreProps",
    "RedisOnlineStoreProps",
    "feast_type_problem",
]

FEAST_SCALAR_TYPES = (
    "Int32",
    "Int64",
    "Float32",
    "Float64",
    "String",
    "Bytes",
    "Bool",
    "UnixTimestamp",
)
"""Feast's primitive types (``feast.types``); each also comes as ``Array(<type>)``."""

_ARRAY = re.compile(r"^Array\((\w+)\)$")
_GROUP_NAME = r"^[a-z][a-z0-9_]{0,39}$"
_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_TEAM = r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$"
MAX_ONLINE_TTL_HOURS = 24 * 365
"""A year: longer-lived rows are not online features but reference data."""


def feast_type_problem(value: str) -> str | None:
    """Why ``value`` is not a Feast type name, or ``None`` when it is one."""
    match = _ARRAY.match(value)
    scalar = match.group(1) if match else value
    if scalar in FEAST_SCALAR_TYPES:
        return None
    lowered = {t.lower(): t for t in FEAST_SCALAR_TYPES}
    hint = lowered.get(scalar.lower())
    suggestion = f"; did you mean {hint if not match else f'Array({hint})'}?" if hint else ""
    return (
        f"unknown type {value!r}; use a Feast type: {', '.join(FEAST_SCALAR_TYPES)}, "
        f"or Array(<type>){suggestion}"
    )


class FeatureGroupProps(_Frozen):
    """One feature group (a Feast feature view): entity keys, event time, typed features.

    Offline it is a Parquet table partitioned by date (``dt``) in the Glue
    database of the lake's ``features`` zone, under ``<group>/`` in its bucket.
    Online it holds the latest row per entity, readable by the serving
    endpoints listed in ``online_readers`` and written by the GPU pools listed
    in ``materializers``.
    """

    owner_team: Annotated[str, Field(pattern=_TEAM)]
    """Team that owns the group's definitions and data; tagged on its resources."""
    entity_keys: tuple[str, ...]
    """Columns that identify an entity (``user_id``); each must be a feature too."""
    event_time: str = "event_timestamp"
    """Column with the time a row's values were true; a timestamp, not listed in ``features``."""
    features: dict[str, str]
    """Column name -> Feast type (``Int64``, ``Float32``, ``String``, ``Array(Float32)`` ...)."""
    online_ttl_hours: StrictInt = 24
    """How long an online row stays valid after its event time, 1 hour to a year. Default 24.
    Redis enforces it (Feast's ``key_ttl_seconds`` expires keys); DynamoDB expires only items
    that carry an ``expires_at`` epoch-seconds attribute, and Feast 0.67 writes none (see the
    README's "Feature store")."""
    description: str = ""
    """What the group holds, for the catalog."""
    online_readers: tuple[str, ...] = ()
    """Serving endpoints (``ml.serving`` names) that read the group online."""
    materializers: tuple[str, ...] = ()
    """GPU pools (``compute.gpu_pools`` names) whose jobs read it offline and write it online."""

    @field_validator("features")
    @classmethod
    def _features(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("list at least one feature, as name: type (user_id: Int64)")
        seen: dict[str, str] = {}
        for name, kind in value.items():
            if not _COLUMN.match(name):
                raise ValueError(
                    f"feature {name!r}: a column name is 1-63 lowercase letters, digits and "
                    "'_', starting with a letter (Athena and Glue fold case)"
                )
            if name.lower() in seen:
                raise ValueError(f"feature {name!r} is listed twice; list each feature once")
            seen[name.lower()] = name
            if not isinstance(kind, str):
                raise ValueError(f"feature {name!r}: expected a Feast type name, got {kind!r}")
            problem = feast_type_problem(kind)
            if problem is not None:
                raise ValueError(f"feature {name!r}: {problem}")
        return value

    @field_validator("online_ttl_hours")
    @classmethod
    def _ttl(cls, value: int) -> int:
        if not 1 <= value <= MAX_ONLINE_TTL_HOURS:
            raise ValueError(
                f"{value} hours is out of range; an online TTL is 1 to {MAX_ONLINE_TTL_HOURS} "
                "hours (a year)"
            )
        return value

    @field_validator("entity_keys", "online_readers", "materializers")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_unique(value, "name")

    @model_validator(mode="after")
    def _keys_and_time(self) -> Self:
        if not self.entity_keys:
            raise ValueError("entity_keys: list at least one entity key column, such as user_id")
        for key in self.entity_keys:
            if key not in self.features:
                raise ValueError(
                    f"entity_keys: {key!r} is not one of the features "
                    f"({', '.join(self.features)}); add it to features with its type"
                )
            if self.features[key].startswith("Array("):
                raise ValueError(
                    f"entity_keys: {key!r} is an array ({self.features[key]}); an entity key "
                    "is one value"
                )
        if not _COLUMN.match(self.event_time):
            raise ValueError(
                f"event_time: {self.event_time!r} is not a column name; use lowercase letters, "
                "digits and '_', such as event_timestamp"
            )
        if self.event_time in self.features:
            raise ValueError(
                f"event_time: {self.event_time!r} is also a feature; the event time is its own "
                "timestamp column, so remove it from features"
            )
        if self.event_time == "dt":
            raise ValueError("event_time: 'dt' is the offline table's date partition; rename it")
        if "dt" in self.features:
            raise ValueError("features: 'dt' is the offline table's date partition; rename it")
        return self

    @property
    def online_ttl_seconds(self) -> int:
        """``online_ttl_hours`` in seconds."""
        return self.online_ttl_hours * 3600

    @property
    def value_features(self) -> dict[str, str]:
        """The features that are not entity keys (what a Feast feature view lists as schema)."""
        return {n: t for n, t in self.features.items() if n not in self.entity_keys}


class DynamoDbOnlineStoreProps(_Frozen):
    """Online features in DynamoDB: one table per group, as Feast's DynamoDB store reads them.

    Each table is on-demand, encrypted with the lake's KMS key, has
    point-in-time recovery and TTL on ``expires_at`` (none of these can be
    turned off; guardrail MLP-DDB-1 checks the first two), with the hash key
    ``entity_id`` Feast writes.
    """

    type: Literal["dynamodb"] = "dynamodb"
    deletion_protection: StrictBool = True
    """Refuse to delete a table. On by default; the emulator environment turns it off."""


class RedisOnlineStoreProps(_Frozen):
    """Online features in one ElastiCache replication group (Redis OSS or Valkey), DoorDash's choice.

    Always: TLS in transit (guardrail MLP-FS-1), encryption at rest with the
    lake's KMS key, AUTH through a user group whose passwords live in Secrets
    Manager (one reader user, one writer user; the default user is off),
    private subnets only, ingress only from the cluster's nodes and the
    serving endpoints that read features.
    """

    type: Literal["redis"]
    engine: Literal["valkey", "redis"] = "valkey"
    """Valkey (the Redis OSS fork ElastiCache prices lower) or Redis OSS. Default valkey."""
    engine_version: Annotated[str, Field(pattern=r"^\d+\.\d+$")] = "8.0"
    """Major.minor engine version, pinned: an upgrade is a reviewed change. Default 8.0."""
    node_type: Annotated[str, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = "cache.r7g.large"
    """ElastiCache node type; memory-optimised r7g by default."""
    replicas: Annotated[StrictInt, Field(ge=0, le=5)] = 1
    """Read replicas beside the primary (0-5). Multi-AZ failover needs at least 1."""
    multi_az: StrictBool = True
    """Multi-AZ with automatic failover. On by default; dev may turn it off to save a node."""
    snapshot_retention_days: Annotated[StrictInt, Field(ge=0, le=35)] = 7
    """Daily snapshots kept (0-35; 0 turns snapshots off). Default 7."""
    maxmemory_policy: Literal[
        "volatile-lru", "volatile-lfu", "volatile-ttl", "allkeys-lru", "allkeys-lfu"
    ] = "volatile-lru"
    """What Redis evicts when memory is full. ``volatile-lru``: least recently used among keys
    with a TTL, which every feature row has; it never evicts a key without one and never
    refuses writes the way ``noeviction`` would."""
    port: Annotated[StrictInt, Field(ge=1024, le=65535)] = 6379
    """The port clients connect to. Default 6379."""
    password_rotation_days: Annotated[StrictInt, Field(ge=1, le=365)] = 30
    """Days between automatic rotations of the reader's and writer's AUTH passwords (1-365).
    The previous password stays valid until the next rotation, so a client that cached it
    has this long to read the new one. Default 30."""
    rotation_log_retention_days: RetentionDays = 365
    """Days the rotation function's logs are kept (a CloudWatch retention value). Default 365."""

    @model_validator(mode="after")
    def _failover_needs_a_replica(self) -> Self:
        if self.multi_az and self.replicas < 1:
            raise ValueError(
                "replicas: multi_az failover needs at least 1 replica; set replicas: 1, or "
                "multi_az: false"
            )
        return self


OnlineStoreProps = Annotated[
    DynamoDbOnlineStoreProps | RedisOnlineStoreProps, Field(discriminator="type")
]


class FeatureStoreProps(_Frozen):
    """The feature store: the online store and the feature groups it holds."""

    online_store: OnlineStoreProps = Field(default_factory=DynamoDbOnlineStoreProps)
    """``{type: dynamodb}`` (default) or ``{type: redis, ...}``."""
    feature_groups: dict[str, FeatureGroupProps]
    """Groups by name (lowercase letters, digits, '_'; at most 40 characters): the Feast
    feature view names."""

    @field_validator("feature_groups")
    @classmethod
    def _group_names(cls, value: dict[str, FeatureGroupProps]) -> dict[str, FeatureGroupProps]:
        if not value:
            raise ValueError("declare at least one feature group, or remove feature_store")
        for name in value:
            if not re.match(_GROUP_NAME, name):
                raise ValueError(
                    f"feature group name {name!r} must be 1-40 lowercase letters, digits and "
                    "'_', starting with a letter (it names a Glue table and a Feast feature view)"
                )
        return value

    @property
    def redis(self) -> RedisOnlineStoreProps | None:
        """The Redis settings, or ``None`` when the online store is DynamoDB."""
        store = self.online_store
        return store if isinstance(store, RedisOnlineStoreProps) else None

    @property
    def dynamodb(self) -> DynamoDbOnlineStoreProps | None:
        """The DynamoDB settings, or ``None`` when the online store is Redis."""
        store = self.online_store
        return store if isinstance(store, DynamoDbOnlineStoreProps) else None
