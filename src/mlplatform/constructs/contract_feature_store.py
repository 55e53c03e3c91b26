"""The platform's feature store as seen from a team's stack, read from the platform contract.

Made by :meth:`FeatureStore.from_environment
<mlplatform.constructs.feature_store.FeatureStore.from_environment>`. Creates
no resources: the offline database and tables (``<env>-data``), and the
online tables or the Redis users' secrets (``<env>-ml``) are the
``features/...`` parameters those layers wrote, read one per group the team
uses; the key and the features zone come from the lake, imported the same way.

Which online store the platform runs decides which statements a grant holds,
and a grant is made at synth time, so the importer takes the kind
(``online_store``, default ``dynamodb``); the plan checks it against the
platform's ``features/online-store`` parameter and stops with a message if
they differ, instead of granting on tables that do not exist.

Its metrics are the platform store's: a table's read from the contract, and a Redis cache's
queries over the nodes the contract lists (``features/redis/node-ids``), read only when a
team asks for one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Literal, TypeVar

from cdktf import Fn, Token
from constructs import Construct

from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.contract_reader import ContractReader, PerItem
from mlplatform.constructs.feature_store import FeatureStoreMixin, FeatureStoreRefs
from mlplatform.decisions import online_store_plan as store_plan
from mlplatform.decisions.arns import Arns
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.contract_items import FEATURE_GROUPS
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.metrics import (
    IN_LIST_ITEM,
    IN_LIST_SEPARATOR,
    QuerySpec,
    Watchable,
    in_list,
)
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import IDataLake

__all__ = ["ContractFeatureStore"]

_Spec = TypeVar("_Spec", bound=Watchable)


class ContractFeatureStore(FeatureStoreMixin, Construct):
    """The platform's feature store: per group its offline table and online table (or the
    Redis users' secrets), and grants over them.

    ``groups``, if given, are what a grant without a group covers; without them
    each grant names its groups. ``offline_queries`` (default on, as the
    platform's default) grants Athena through the platform's workgroup.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        lake: IDataLake,
        platform: PlatformContract | None = None,
        groups: Sequence[str] = (),
        online_store: Literal["dynamodb", "redis"] = "dynamodb",
        offline_queries: bool = True,
    ) -> None:
        super().__init__(scope, id)
        if online_store not in ("dynamodb", "redis"):
            raise ValueError(f"{self.node.path}: online_store is 'dynamodb' or 'redis'")
        self._reader = ContractReader.of(self, platform)
        for group in groups:
            self._check(group)
        context = AccountContext.of(self)
        region, account = context.region, context.account_id
        self._arns = Arns(context.partition, region, account)
        database = self._reader.value("features/offline-database")
        # The grants' statements depend on the kind: the plan stops if the platform's differs.
        self._kind_check(online_store)
        self._refs = self._contract_refs(
            naming, lake, tuple(groups), online_store, offline_queries, database
        )

    # ----------------------------------------------------------------- steps
    def _contract_refs(
        self,
        naming: Naming,
        lake: IDataLake,
        groups: tuple[str, ...],
        online_store: Literal["dynamodb", "redis"],
        offline_queries: bool,
        database: str,
    ) -> FeatureStoreRefs:
        """What grants and properties read, each group's values read from the contract on use."""
        reader, arns = self._reader, self._arns
        tables = PerItem(
            lambda g: reader.value("features/groups/{group}/offline-table", group=g), groups
        )
        online: Mapping[str, str] = (
            PerItem(
                lambda g: reader.value("features/groups/{group}/online-table-name", group=g),
                groups,
            )
            if online_store == "dynamodb"
            else {}
        )
        workgroup = reader.value("data/athena-workgroup") if offline_queries else None
        return FeatureStoreRefs(
            naming=naming,
            groups=groups,
            online_store=online_store,
            key_arn=lake.key_arn,
            features_bucket_arn=lake.bucket_arn("features"),
            catalog_arn=arns.glue_catalog(),
            database_arn=arns.glue_database(database),
            offline_table_arns=PerItem(lambda g: arns.glue_table(database, tables[g]), groups),
            workgroup_arn=arns.athena_workgroup(workgroup) if workgroup else None,
            staging_bucket_arn=(
                reader.value("data/athena-results-bucket-arn") if offline_queries else None
            ),
            online_table_names=online,
            online_table_arns=(
                PerItem(lambda g: arns.dynamodb_table(online[g]), groups)
                if online_store == "dynamodb"
                else {}
            ),
            secret_arns=store_plan.contract_secret_arns(reader.value, online_store),
            # The tables' names are read from the contract; a Redis cache's nodes too, but only
            # when a metric asks for them (see _watched).
            metrics=FeatureStoreMetrics(online_store=online_store, groups=groups, tables=online),
        )

    def _kind_check(self, expected: str) -> None:
        """A postcondition on the ``features/online-store`` data source: plan fails on a mismatch."""
        source = self._reader.source("features/online-store")
        source.add_override(
            "lifecycle.postcondition",
            [
                {
                    "condition": f'${{self.insecure_value == "{expected}"}}',
                    "error_message": (
                        f"the platform's online feature store is not {expected}; pass "
                        "online_store= with the platform's kind to FeatureStore.from_environment"
                    ),
                }
            ],
        )

    # ----------------------------------------------------------------- metrics
    def metric_read_latency(self, group: str | None = None, *, statistic: str = "p99") -> Watchable:
        """Online read latency: ``group``'s DynamoDB table (ms, at ``statistic``), or the Redis
        cache's slowest node (µs), its nodes read from the contract."""
        return self._watched(lambda metrics: metrics.read_latency(group, statistic=statistic))

    def metric_cache_hit_rate(self) -> QuerySpec:
        """The Redis cache's hit rate, % (a Redis store only), its nodes read from the contract."""
        return self._watched(lambda metrics: metrics.cache_hit_rate())

    def metric_evictions(self) -> QuerySpec:
        """Keys the Redis cache evicted for memory (a Redis store only), its nodes read from
        the contract."""
        return self._watched(lambda metrics: metrics.evictions())

    def _watched(self, spec: Callable[[FeatureStoreMetrics], _Spec]) -> _Spec:
        """``spec`` of the store; with Redis, over the nodes of ``features/redis/node-ids``.

        The ids are a token, so Terraform quotes and joins them into the query's ``IN (...)``
        list at plan time, as :func:`~mlplatform.decisions.metrics.in_list` does at synth.
        ``spec`` runs over a placeholder first, so a refusal (an unknown group) reads nothing.
        """
        metrics = self._refs.metrics
        if metrics.online_store != "redis":
            return spec(metrics)
        spec(replace(metrics, quoted_node_ids=in_list(["placeholder"])))
        ids = self._reader.values("features/redis/node-ids")
        quoted_ids = Token.as_list(Fn.formatlist(IN_LIST_ITEM, [ids]))
        quoted = Fn.join(IN_LIST_SEPARATOR, quoted_ids)
        return spec(replace(metrics, quoted_node_ids=quoted))

    @property
    def feature_groups(self) -> tuple[str, ...]:
        """The groups named up front (the platform's groups are known at plan time only)."""
        return self._refs.groups

    @property
    def all_groups(self) -> list[str]:
        """Every feature group of the platform's store (a token list, known at plan time)."""
        return self._reader.values("features/groups")

    @property
    def redis_endpoint(self) -> str:
        """The Redis/Valkey primary endpoint (a platform with a Redis online store)."""
        return self._reader.value("features/redis/endpoint")

    @property
    def redis_reader_endpoint(self) -> str:
        """The Redis/Valkey reader endpoint (a platform with a Redis online store)."""
        return self._reader.value("features/redis/reader-endpoint")

    @property
    def redis_port(self) -> str:
        """The port Redis/Valkey listens on, as a string (a platform with a Redis online store)."""
        return self._reader.value("features/redis/port")

    @property
    def offline_database(self) -> str:
        """Glue database of the offline feature tables."""
        return self._reader.value("features/offline-database")

    def offline_table_name(self, group: str) -> str:
        """One group's offline (Glue) table."""
        self._select(group)
        return self._reader.value("features/groups/{group}/offline-table", group=group)

    def online_table_name(self, group: str) -> str:
        """One group's online DynamoDB table."""
        self._select(group)
        return self._refs.online_table_names[group]

    def _check(self, group: str) -> None:
        self._reader.contract.name("features/groups/{group}/offline-table", group=group)

    def _select(self, group: str | Iterable[str] | None) -> tuple[str, ...]:
        return FEATURE_GROUPS.choose(
            self._reader.contract, self.node.path, "at synth time", group, self._refs.groups
        )
