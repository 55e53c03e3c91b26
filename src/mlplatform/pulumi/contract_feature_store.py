"""The platform's feature store as seen from a team's Pulumi program, read from the contract.

Made by :meth:`FeatureStore.from_environment
<mlplatform.pulumi.feature_store.FeatureStore.from_environment>`, the counterpart of cdktf's
``ContractFeatureStore``. Creates no resources: the offline database and tables
(``<env>-data``), and the online tables or the Redis users' secrets (``<env>-ml``) are the
``features/...`` parameters those layers wrote, read one per group the team uses; the key
and the features zone come from the lake, imported the same way.

Which online store the platform runs decides which statements a grant holds, and a grant
is made when the program runs, so the importer takes the kind (``online_store``, default
``dynamodb``); the preview checks it against the platform's ``features/online-store``
parameter and stops with the message cdktf's plan stops with if they differ, instead of
granting on tables that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, TypeVar

import pulumi

from mlplatform.decisions import online_store_plan as store_plan
from mlplatform.decisions.arns import Arns
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.contract_items import FEATURE_GROUPS
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.metrics import MetricSpec, QuerySpec, Watchable
from mlplatform.decisions.naming import Naming
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.contract_model_registry import PerItem
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.data_lake import DataLakeGrants
from mlplatform.pulumi.feature_store import FeatureStoreGrants, FeatureStoreRefs
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.metrics import deferred_redis_metric, deferred_store_metric
from mlplatform.pulumi.resource_arns import ArnOutputs

__all__ = ["ContractFeatureStore"]

_Spec = TypeVar("_Spec", bound=Watchable)


class ContractFeatureStore(FeatureStoreGrants, PlatformComponent):
    """``mlplatform:<layer>:ContractFeatureStore``: per group its offline table and online
    table (or the Redis users' secrets), and grants over them.

    ``groups``, if given, are what a grant without a group covers; without them each grant
    names its groups. ``offline_queries`` (default on, as the platform's default) grants
    Athena through the platform's workgroup.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        naming: Naming,
        lake: DataLakeGrants,
        platform: PlatformContract | None = None,
        groups: Sequence[str] = (),
        online_store: Literal["dynamodb", "redis"] = "dynamodb",
        offline_queries: bool = True,
    ) -> None:
        super().__init__(layer.layer, "ContractFeatureStore", layer.child(id), parent=layer)
        if online_store not in ("dynamodb", "redis"):
            raise ValueError(f"{self.path}: online_store is 'dynamodb' or 'redis'")
        self.naming = naming
        self._reader = ContractReader.of(layer, platform)
        for group in groups:
            self._check(group)
        database = self._reader.value("features/offline-database")
        # The grants' statements depend on the kind: the preview stops if the platform's differs.
        kind = self._kind_check(online_store)
        self._online = self._online_table_names(tuple(groups), online_store)
        self._store_metrics = FeatureStoreMetrics(online_store=online_store, groups=tuple(groups))
        self.refs = self._contract_refs(
            layer, lake, tuple(groups), online_store, offline_queries, database, kind
        )
        self.online_store = online_store
        # Registered, so a program without grants still fails its preview on the wrong kind.
        self.register_outputs({"online_store": kind})

    # ----------------------------------------------------------------- steps
    def _kind_check(self, expected: Literal["dynamodb", "redis"]) -> pulumi.Output[str]:
        """The platform's ``features/online-store``, once checked to be ``expected``."""
        return self._reader.value("features/online-store").apply(
            lambda found: _checked_kind(found, expected)
        )

    def _online_table_names(
        self, groups: tuple[str, ...], online_store: Literal["dynamodb", "redis"]
    ) -> Mapping[str, pulumi.Output[str]]:
        """Each group's DynamoDB table, read from the contract on use (none with Redis)."""
        if online_store != "dynamodb":
            return {}
        reader = self._reader
        return PerItem(
            lambda g: reader.value("features/groups/{group}/online-table-name", group=g), groups
        )

    def _contract_refs(
        self,
        layer: Layer,
        lake: DataLakeGrants,
        groups: tuple[str, ...],
        online_store: Literal["dynamodb", "redis"],
        offline_queries: bool,
        database: pulumi.Output[str],
        kind: pulumi.Output[str],
    ) -> FeatureStoreRefs:
        """What grants and properties read, each group's values read from the contract on use."""
        reader, online = self._reader, self._online
        partition, region, account = layer.partition, layer.region, layer.account_id
        arns = ArnOutputs(partition, region, account)
        tables = PerItem(
            lambda g: reader.value("features/groups/{group}/offline-table", group=g), groups
        )
        workgroup = reader.value("data/athena-workgroup") if offline_queries else None
        return FeatureStoreRefs(
            groups=groups,
            names={},
            database=database,
            offline_tables=tables,
            athena_workgroup=workgroup,
            staging_bucket_arn=(
                reader.value("data/athena-results-bucket-arn") if offline_queries else None
            ),
            # Every grant holds the key, so none is made before the kind is checked.
            key_arn=pulumi.Output.all(kind, lake.key_arn).apply(lambda values: values[1]),
            features_bucket_arn=lake.bucket_arn("features"),
            partition=partition,
            region=region,
            account_id=account,
            online_table_arns=(
                PerItem(lambda g: arns.of(Arns.dynamodb_table, online[g]), groups)
                if online_store == "dynamodb"
                else {}
            ),
            secret_arns=store_plan.contract_secret_arns(reader.value, online_store),
        )

    # ----------------------------------------------------------------- metrics
    # The tables' names are read from the contract (each spec an Output); a Redis cache's
    # nodes too (features/redis/node-ids), read when a metric asks for them, as cdktf's are.
    def metric_read_latency(
        self, group: str | None = None, *, statistic: str = "p99"
    ) -> pulumi.Output[Watchable]:
        """Online read latency: ``group``'s DynamoDB table (ms, at ``statistic``), or the Redis
        cache's slowest node (µs)."""
        return self._watched(lambda metrics: metrics.read_latency(group, statistic=statistic))

    def metric_read_throttles(self, group: str | None = None) -> pulumi.Output[MetricSpec]:
        """Throttled reads of ``group``'s DynamoDB table (a DynamoDB store only)."""
        return self._watched(lambda metrics: metrics.read_throttles(group))

    def metric_cache_hit_rate(self) -> pulumi.Output[QuerySpec]:
        """The Redis cache's hit rate, % (a Redis store only), over the contract's nodes."""
        return self._watched(lambda metrics: metrics.cache_hit_rate())

    def metric_evictions(self) -> pulumi.Output[QuerySpec]:
        """Keys the Redis cache evicted for memory (a Redis store only), over the contract's
        nodes."""
        return self._watched(lambda metrics: metrics.evictions())

    def _watched(self, spec: Callable[[FeatureStoreMetrics], _Spec]) -> pulumi.Output[_Spec]:
        """``spec`` of the store once the names it needs, read from the contract, are known."""
        metrics = self._store_metrics
        if metrics.online_store == "redis":
            reader = self._reader
            return deferred_redis_metric(
                metrics, lambda: reader.values("features/redis/node-ids"), spec
            )
        return deferred_store_metric(metrics, self._online, spec)

    @property
    def online_table_names(self) -> dict[str, pulumi.Output[str]]:  # type: ignore[override]
        """The DynamoDB table of each group named up front (empty with Redis)."""
        return {g: self._online[g] for g in self._online}

    @property
    def all_groups(self) -> pulumi.Output[list[str]]:
        """Every feature group of the platform's store (known at preview)."""
        return self._reader.values("features/groups")

    @property
    def redis_endpoint(self) -> pulumi.Output[str]:
        """The Redis/Valkey primary endpoint (a platform with a Redis online store)."""
        return self._reader.value("features/redis/endpoint")

    @property
    def redis_reader_endpoint(self) -> pulumi.Output[str]:
        """The Redis/Valkey reader endpoint (a platform with a Redis online store)."""
        return self._reader.value("features/redis/reader-endpoint")

    @property
    def redis_port(self) -> pulumi.Output[str]:
        """The port Redis/Valkey listens on, as a string (a platform with a Redis online store)."""
        return self._reader.value("features/redis/port")

    @property
    def offline_database(self) -> pulumi.Output[str]:
        """Glue database of the offline feature tables."""
        return self._reader.value("features/offline-database")

    def offline_table_name(self, group: str) -> pulumi.Output[str]:
        """One group's offline (Glue) table."""
        self._select(group)
        return self._reader.value("features/groups/{group}/offline-table", group=group)

    def online_table_name(self, group: str) -> pulumi.Output[str]:
        """One group's online DynamoDB table (a platform with a DynamoDB online store)."""
        self._select(group)
        if group not in self._online:
            raise ValueError(f"{self.path}: the platform's online store is Redis, not DynamoDB")
        return self._online[group]

    def _check(self, group: str) -> None:
        self._reader.contract.name("features/groups/{group}/offline-table", group=group)

    def _select(self, group: str | Iterable[str] | None) -> tuple[str, ...]:
        return FEATURE_GROUPS.choose(
            self._reader.contract, self.path, "before preview", group, self.refs.groups
        )


def _checked_kind(found: str, expected: str) -> str:
    """``found`` (the platform's ``features/online-store``) if it is ``expected``; otherwise the
    error cdktf's postcondition fails the plan with."""
    if found != expected:
        raise ValueError(
            f"the platform's online feature store is not {expected}; pass "
            "online_store= with the platform's kind to FeatureStore.from_environment"
        )
    return found
