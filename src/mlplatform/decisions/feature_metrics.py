"""What to watch on a feature store, whichever online store the environment chose.

The question a team asks is the same for both stores ("are online reads
fast?", "is the store keeping up?"), but the metrics differ: DynamoDB has a
table per group with per-operation latency and throttling; a Redis/Valkey
replication group is one cache for every group, with hash-command latency,
hit rate and evictions. :class:`FeatureStoreMetrics` answers with the right
one, for the construct's ``metric_*`` helpers, a team's importer and the
environment's dashboard alike. The Redis nodes are the platform's decision
(:meth:`FeatureStoreMetrics.for_store`); the platform contract publishes them
(``features/redis/node-ids``) for the importers, which know them at plan time only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mlplatform.config import FeatureStoreProps
from mlplatform.decisions.feature_store import feature_store_names
from mlplatform.decisions.metrics import (
    MetricSpec,
    QuerySpec,
    RedisNodes,
    Watchable,
    dynamodb_read_latency,
    dynamodb_read_throttles,
    redis_cache_hit_rate,
    redis_evictions,
    redis_node_ids,
    redis_read_latency,
)
from mlplatform.decisions.naming import Naming

__all__ = ["FeatureStoreMetrics"]


@dataclass(frozen=True)
class FeatureStoreMetrics:
    """The metrics of one feature store: its DynamoDB tables by group, or its Redis nodes."""

    online_store: str
    """``dynamodb`` or ``redis``."""
    groups: tuple[str, ...]
    tables: Mapping[str, str] = field(default_factory=dict)
    """The DynamoDB table of each group (empty with Redis)."""
    node_ids: tuple[str, ...] = ()
    """The Redis replication group's nodes (empty with DynamoDB)."""
    quoted_node_ids: str = ""
    """The Redis nodes when only the plan knows them: already the inside of the queries'
    ``IN (...)`` list (a cdktf token over the contract's ``features/redis/node-ids``, see
    :func:`~mlplatform.decisions.metrics.in_list`); used where :attr:`node_ids` is empty."""

    @classmethod
    def for_store(cls, naming: Naming, props: FeatureStoreProps) -> FeatureStoreMetrics:
        """The metrics of the store ``props`` describes, by the platform's names."""
        names = feature_store_names(naming, props)
        groups = tuple(props.feature_groups)
        nodes: tuple[str, ...] = ()
        if props.redis is not None:
            nodes = redis_node_ids(names["replication_group"], 1 + props.redis.replicas)
        return cls(
            online_store=props.online_store.type,
            groups=groups,
            tables={g: names[f"online_table:{g}"] for g in groups if f"online_table:{g}" in names},
            node_ids=nodes,
        )

    def read_latency(self, group: str | None = None, *, statistic: str = "p99") -> Watchable:
        """How long online reads take.

        DynamoDB: ``BatchGetItem`` latency (ms) of ``group``'s table at
        ``statistic``; ``group`` may be left out when the store has one group.
        Redis: the slowest node's average hash-command latency (µs); one
        cache serves every group, so ``group`` only has to exist, and the
        statistic is the node's average (Metrics Insights has no percentiles).
        """
        if self.online_store == "redis":
            self._group(group, required=False)
            return redis_read_latency(self._redis_nodes("metric_read_latency"))
        return dynamodb_read_latency(self._table(group), statistic=statistic)

    def read_throttles(self, group: str | None = None) -> MetricSpec:
        """DynamoDB reads of ``group``'s table that were throttled (DynamoDB only)."""
        if self.online_store == "redis":
            raise ValueError(
                "a Redis online store does not throttle reads; watch metric_evictions() and "
                "metric_cache_hit_rate() instead"
            )
        return dynamodb_read_throttles(self._table(group))

    def cache_hit_rate(self) -> QuerySpec:
        """Hits of key lookups, % (Redis only): misses are entities with no online row."""
        return redis_cache_hit_rate(self._redis_nodes("metric_cache_hit_rate"))

    def evictions(self) -> QuerySpec:
        """Keys evicted for memory (Redis only): features lost before their TTL."""
        return redis_evictions(self._redis_nodes("metric_evictions"))

    def _redis_nodes(self, helper: str) -> RedisNodes:
        if self.online_store != "redis":
            raise ValueError(
                f"{helper}() is a Redis metric; this store keeps online features in DynamoDB: "
                "watch metric_read_latency() and metric_read_throttles() instead"
            )
        if self.node_ids:
            return self.node_ids
        if not self.quoted_node_ids:
            raise ValueError(
                f"{helper}(): the Redis cache's nodes are not known here; import the store with "
                "FeatureStore.from_environment(...) or FeatureStore.from_names(..., props=...) "
                "to watch it"
            )
        return self.quoted_node_ids

    def _table(self, group: str | None) -> str:
        chosen = self._group(group, required=True)
        if chosen is None or chosen not in self.tables:
            raise ValueError(
                f"the imported feature store does not know the online table of group {chosen!r}; "
                "list the groups you watch when importing it (groups=[...])"
            )
        return self.tables[chosen]

    def _group(self, group: str | None, *, required: bool) -> str | None:
        """The group a helper is about; ``None`` when the store does not need one (Redis)."""
        if group is None:
            if len(self.groups) == 1:
                return self.groups[0]
            if not required:
                return None
            if not self.groups:
                raise ValueError(
                    "the imported feature store does not know its groups; name the group "
                    "(metric_read_latency('ranker')) and list it when importing the store "
                    "(groups=[...])"
                )
            raise ValueError(
                f"the feature store has {len(self.groups)} groups, each with its own table; "
                f"name one: {', '.join(self.groups)}"
            )
        if self.groups and group not in self.groups:
            raise ValueError(
                f"the feature store has no feature group {group!r}; "
                f"its groups are {', '.join(self.groups)}"
            )
        return group
