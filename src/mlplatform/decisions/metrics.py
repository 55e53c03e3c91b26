"""Typed metric descriptions, independent of the engine: what to watch, not how to draw it.

A :class:`MetricSpec` is one CloudWatch metric (namespace, name, dimensions,
statistic, period); a :class:`QuerySpec` is one CloudWatch Metrics Insights
query, for what no single metric can say (a GPU pool's nodes are spread over
instances, so the pool's numbers are a query over its instance types).
A :class:`MathSpec` is metric math over a few metrics (a variant's instances
are its invocations over its invocations per instance).
Constructs hand them out through ``metric_*`` helpers
(``endpoint.metric_model_latency(statistic="p99")``), and the ``Alarm`` and
``Dashboard`` constructs, or a second engine, turn them into resources.

Every metric here exists in AWS as documented:

- ``AWS/SageMaker`` endpoint invocation metrics (``Invocations``,
  ``ModelLatency`` in microseconds, ``Invocation4XXErrors``,
  ``Invocation5XXErrors``, ``InvocationsPerInstance``) by ``EndpointName``
  and ``VariantName``. SageMaker publishes no instance count; the ratio of
  ``Invocations`` to ``InvocationsPerInstance`` is one while traffic flows
  (:func:`variant_instances`, a :class:`MathSpec`);
- ``AWS/S3`` daily storage metrics (``BucketSizeBytes`` with
  ``StorageType=StandardStorage``, ``NumberOfObjects`` with
  ``StorageType=AllStorageTypes``) by ``BucketName``;
- ``AWS/EKS`` control-plane metrics, free for clusters of Kubernetes 1.28 and
  later (``apiserver_request_total_5XX``, ``apiserver_request_total_429``,
  ``apiserver_request_duration_seconds_GET_P99``, ``scheduler_pending_pods``)
  by ``ClusterName``;
- ``AWS/DynamoDB`` table metrics: ``SuccessfulRequestLatency`` (milliseconds)
  by ``TableName`` and ``Operation`` (Feast reads online features with
  ``BatchGetItem``), ``ReadThrottleEvents`` by ``TableName``;
- ``AWS/ElastiCache`` node metrics by ``CacheClusterId`` (a replication group
  with cluster mode off names its nodes ``<group>-001``, ``-002``, ...):
  ``HashBasedCmdsLatency`` in microseconds (Feast keeps a row in one hash and
  reads it with ``HMGET``), ``CacheHitRate``, ``Evictions``;
- ``ContainerInsights`` from the ``amazon-cloudwatch-observability`` add-on:
  ``cluster_node_count`` and ``cluster_failed_node_count`` by ``ClusterName``,
  and the NVIDIA metrics ``node_gpu_utilization`` /
  ``node_gpu_memory_utilization`` with the dimension set
  ``ClusterName, GpuDevice, InstanceId, InstanceType, NodeName`` (one series
  per GPU), which is what lets a query select a pool's instance types.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "IN_LIST_ITEM",
    "IN_LIST_SEPARATOR",
    "PERCENTILE",
    "MathSpec",
    "MetricSpec",
    "QuerySpec",
    "RedisNodes",
    "Watchable",
    "alarm_description",
    "bucket_objects",
    "bucket_size",
    "cluster_api_latency",
    "cluster_api_requests",
    "cluster_failed_nodes",
    "cluster_nodes",
    "cluster_pending_pods",
    "dashboard_name",
    "dynamodb_read_latency",
    "dynamodb_read_throttles",
    "endpoint_runbook",
    "in_list",
    "pool_gpu_utilization",
    "pool_gpus_running",
    "pool_nodes",
    "redis_cache_hit_rate",
    "redis_evictions",
    "redis_node_ids",
    "redis_read_latency",
    "variant_instances",
    "variant_metric",
]

PERCENTILE = re.compile(r"^(p|tm|wm|tc|ts)\d{1,2}(\.\d{1,2})?$")
"""Extended statistics (``p99``, ``tm90``): CloudWatch takes them as ``extended_statistic``."""
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
DEFAULT_PERIOD = 60
CONTAINER_INSIGHTS = "ContainerInsights"
GPU_DIMENSIONS = ("ClusterName", "GpuDevice", "InstanceId", "InstanceType", "NodeName")
"""The dimension set the add-on publishes each GPU's NVIDIA metrics under."""


def _check_statistic(statistic: str) -> None:
    if statistic not in STATISTICS and not PERCENTILE.match(statistic):
        raise ValueError(
            f"statistic {statistic!r} is not a CloudWatch statistic; use one of "
            f"{', '.join(STATISTICS)} or a percentile such as p99"
        )


def _check_period(period: int) -> None:
    if period not in (1, 5, 10, 30) and (period <= 0 or period % 60):
        raise ValueError(f"period {period} s: use 10, 30 or a multiple of 60 seconds")


@dataclass(frozen=True)
class MetricSpec:
    """One CloudWatch metric with the statistic and period to read it at."""

    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...] = ()
    """``(name, value)`` pairs in the order AWS documents them."""
    statistic: str = "Average"
    """``Average``, ``Sum``, ``Minimum``, ``Maximum``, ``SampleCount`` or a percentile (``p99``)."""
    period: int = DEFAULT_PERIOD
    label: str = ""
    """What a dashboard legend says; default: the metric name."""
    region: str = ""
    """Where the metric is published when not in the dashboard's region (S3 publishes a
    replica's replication latency in the replica's region); empty: the dashboard's. A
    dashboard graphs it from there; an alarm cannot (it watches its own region only)."""

    def __post_init__(self) -> None:
        _check_statistic(self.statistic)
        _check_period(self.period)

    @property
    def dimension_map(self) -> dict[str, str]:
        """Dimensions as a mapping, as ``PutMetricAlarm`` and Terraform take them."""
        return dict(self.dimensions)

    @property
    def is_percentile(self) -> bool:
        """Whether the statistic is an extended one (``ExtendedStatistic`` in an alarm)."""
        return bool(PERCENTILE.match(self.statistic))

    def with_(
        self, *, statistic: str | None = None, period: int | None = None, label: str | None = None
    ) -> MetricSpec:
        """The same metric read another way."""
        return replace(
            self,
            statistic=statistic or self.statistic,
            period=period or self.period,
            label=self.label if label is None else label,
        )

    def widget_metrics(self, index: int = 1) -> list[list[Any]]:
        """The metric as rows of a dashboard widget's ``metrics`` array (one row)."""
        row: list[Any] = [self.namespace, self.metric_name]
        for name, value in self.dimensions:
            row += [name, value]
        options: dict[str, Any] = {"stat": self.statistic, "period": self.period}
        if self.label:
            options["label"] = self.label
        if self.region:
            options["region"] = self.region
        return [[*row, options]]


@dataclass(frozen=True)
class QuerySpec:
    """A CloudWatch Metrics Insights query: one time series from many metrics.

    Alarms take it as a single ``metric_query`` with an ``expression``;
    dashboards as ``[{"expression": ..., "label": ...}]``. Metrics Insights
    reads the most recent three hours of data at most, so an alarm on it can
    look back no further.
    """

    expression: str
    label: str
    period: int = DEFAULT_PERIOD
    divide_by: int = 1
    """Divide the query's result by this (GPUs per node, to count nodes from GPUs)."""

    def __post_init__(self) -> None:
        _check_period(self.period)
        if not self.expression.startswith("SELECT "):
            raise ValueError(f"a Metrics Insights query starts with SELECT: {self.expression!r}")
        if self.divide_by < 1:
            raise ValueError(f"divide_by must be at least 1, not {self.divide_by}")

    @property
    def math(self) -> str | None:
        """The metric-math expression over query ``q1`` when the result is divided, else ``None``."""
        return f"q1 / {self.divide_by}" if self.divide_by > 1 else None

    def widget_metrics(self, index: int = 1) -> list[list[Any]]:
        """The query as rows of a dashboard widget's ``metrics`` array (ids unique per widget)."""
        query_id = f"q{index}"
        if self.math is None:
            return [[{"expression": self.expression, "label": self.label, "id": query_id}]]
        return [
            [{"expression": self.expression, "id": query_id, "visible": False}],
            [
                {
                    "expression": f"{query_id} / {self.divide_by}",
                    "label": self.label,
                    "id": f"e{index}",
                }
            ],
        ]


@dataclass(frozen=True)
class MathSpec:
    """Metric math: one series computed from a few metrics, such as a ratio.

    ``expression`` names its metrics ``{0}``, ``{1}``, ...; alarms and widgets
    give them ids of their own, so two math specs can share a widget.
    """

    expression: str
    metrics: tuple[MetricSpec, ...]
    label: str

    def __post_init__(self) -> None:
        if not self.metrics:
            raise ValueError(f"metric math {self.label!r} needs at least one metric")
        if len({m.period for m in self.metrics}) > 1:
            raise ValueError(f"metric math {self.label!r}: its metrics must share one period")
        try:
            self.expression.format(*("m" for _ in self.metrics))
        except (IndexError, KeyError) as error:
            raise ValueError(
                f"metric math {self.label!r}: {self.expression!r} names a metric it was not "
                f"given ({error}); refer to them as {{0}}..{{{len(self.metrics) - 1}}}"
            ) from None

    @property
    def period(self) -> int:
        """The period of its metrics, and so of the result."""
        return self.metrics[0].period

    def ids(self, prefix: str) -> tuple[str, ...]:
        """The metrics' ids under ``prefix`` (``m1``, so ``m1_0``, ``m1_1``)."""
        return tuple(f"{prefix}_{i}" for i in range(len(self.metrics)))

    def resolved(self, prefix: str) -> str:
        """The expression over the ids :meth:`ids` gives."""
        return self.expression.format(*self.ids(prefix))

    def widget_metrics(self, index: int = 1) -> list[list[Any]]:
        """Hidden rows for the metrics, then one row for the result (ids unique per widget)."""
        prefix = f"m{index}"
        rows: list[list[Any]] = []
        for metric, metric_id in zip(self.metrics, self.ids(prefix), strict=True):
            [row] = metric.widget_metrics()
            *names, options = row
            rows.append([*names, {**options, "id": metric_id, "visible": False}])
        rows.append([{"expression": self.resolved(prefix), "label": self.label, "id": f"e{index}"}])
        return rows


Watchable = MetricSpec | QuerySpec | MathSpec
"""What an alarm or a dashboard widget takes."""


def dashboard_name(prefix: str) -> str:
    """The environment's dashboard: ``<org>-<env>-platform`` (``prefix`` is ``<org>-<env>``)."""
    return f"{prefix}-platform"


def endpoint_runbook(prefix: str, endpoint_name: str) -> str:
    """Where to look first when an endpoint's alarm fires."""
    return (
        f"dashboard {dashboard_name(prefix)}, row {endpoint_name}; then log group "
        f"/aws/sagemaker/Endpoints/{endpoint_name} (README: When an alarm fires)"
    )


def alarm_description(summary: str, runbook: str) -> str:
    """An alarm's description: what broke, then where to look first (the runbook line)."""
    return f"{summary}. Runbook: {runbook}"


# ----------------------------------------------------------------------- SageMaker
def variant_metric(
    endpoint_name: str,
    variant_name: str,
    metric_name: str,
    *,
    statistic: str = "Sum",
    period: int = DEFAULT_PERIOD,
    namespace: str = "AWS/SageMaker",
) -> MetricSpec:
    """An endpoint invocation metric of one production variant."""
    return MetricSpec(
        namespace=namespace,
        metric_name=metric_name,
        dimensions=(("EndpointName", endpoint_name), ("VariantName", variant_name)),
        statistic=statistic,
        period=period,
        label=f"{variant_name} {metric_name} {statistic}",
    )


def variant_instances(endpoint_name: str, variant_name: str, *, period: int = 60) -> MathSpec:
    """Instances serving a variant, while it has traffic: ``Invocations / InvocationsPerInstance``.

    SageMaker publishes no instance count, but ``InvocationsPerInstance`` is
    each invocation counted as ``1/instances`` of the variant, so the two sums'
    ratio over a period is the instance count in it. With no traffic there is
    no data (not zero).
    """
    invocations = variant_metric(endpoint_name, variant_name, "Invocations", period=period)
    per_instance = variant_metric(
        endpoint_name, variant_name, "InvocationsPerInstance", period=period
    )
    return MathSpec(
        expression="{0} / {1}",
        metrics=(invocations, per_instance),
        label=f"{variant_name} instances",
    )


# ----------------------------------------------------------------------- S3
def _s3_daily(bucket_name: str, metric_name: str, storage_type: str, what: str) -> MetricSpec:
    """An S3 storage metric: S3 reports it once a day."""
    return MetricSpec(
        namespace="AWS/S3",
        metric_name=metric_name,
        dimensions=(("BucketName", bucket_name), ("StorageType", storage_type)),
        statistic="Average",
        period=86400,
        label=f"{bucket_name} {what}",
    )


def bucket_size(bucket_name: str) -> MetricSpec:
    """Bytes in the bucket's Standard storage class, reported once a day."""
    return _s3_daily(bucket_name, "BucketSizeBytes", "StandardStorage", "bytes")


def bucket_objects(bucket_name: str) -> MetricSpec:
    """Objects in the bucket, all storage classes, reported once a day."""
    return _s3_daily(bucket_name, "NumberOfObjects", "AllStorageTypes", "objects")


# ----------------------------------------------------------------------- EKS (Container Insights)
def _cluster_count(cluster_name: str, metric_name: str, label: str) -> MetricSpec:
    return MetricSpec(
        namespace=CONTAINER_INSIGHTS,
        metric_name=metric_name,
        dimensions=(("ClusterName", cluster_name),),
        statistic="Maximum",
        label=label,
    )


def cluster_nodes(cluster_name: str) -> MetricSpec:
    """Worker nodes in the cluster, as Container Insights counts them."""
    return _cluster_count(cluster_name, "cluster_node_count", "nodes")


def cluster_failed_nodes(cluster_name: str) -> MetricSpec:
    """Worker nodes with a failing node condition (the cluster's health at a glance)."""
    return _cluster_count(cluster_name, "cluster_failed_node_count", "failed nodes")


# ----------------------------------------------------------------------- EKS (control plane)
API_STATUSES = ("5XX", "4XX", "429")
"""The status classes ``AWS/EKS`` counts API server requests by."""


def _control_plane(cluster_name: str, metric_name: str, statistic: str, label: str) -> MetricSpec:
    return MetricSpec(
        namespace="AWS/EKS",
        metric_name=metric_name,
        dimensions=(("ClusterName", cluster_name),),
        statistic=statistic,
        label=label,
    )


def cluster_api_requests(cluster_name: str, status: str = "5XX") -> MetricSpec:
    """API server requests answered with ``status`` (``5XX``, ``4XX`` or ``429``) a minute.

    5XX is the control plane failing; 429 is it shedding load (API Priority
    and Fairness), usually a controller listing too often.
    """
    if status not in API_STATUSES:
        raise ValueError(f"status {status!r}: use one of {', '.join(API_STATUSES)}")
    return _control_plane(
        cluster_name, f"apiserver_request_total_{status}", "Sum", f"API requests {status}"
    )


def cluster_api_latency(cluster_name: str) -> MetricSpec:
    """The API server's 99th-percentile latency of GET requests, in seconds."""
    return _control_plane(
        cluster_name, "apiserver_request_duration_seconds_GET_P99", "Average", "API GET p99 (s)"
    )


def cluster_pending_pods(cluster_name: str) -> MetricSpec:
    """Pods the scheduler has not placed yet: GPU jobs wait here while Karpenter adds nodes."""
    return _control_plane(cluster_name, "scheduler_pending_pods", "Sum", "pending pods")


# ----------------------------------------------------------------------- DynamoDB
def dynamodb_read_latency(
    table_name: str, *, statistic: str = "p99", operation: str = "BatchGetItem"
) -> MetricSpec:
    """Latency (ms) of successful reads of one table; Feast's online reads are BatchGetItem."""
    return MetricSpec(
        namespace="AWS/DynamoDB",
        metric_name="SuccessfulRequestLatency",
        dimensions=(("TableName", table_name), ("Operation", operation)),
        statistic=statistic,
        label=f"{table_name} {operation} {statistic} (ms)",
    )


def dynamodb_read_throttles(table_name: str) -> MetricSpec:
    """Read requests of one table that DynamoDB throttled (on-demand tables too, at a spike)."""
    return MetricSpec(
        namespace="AWS/DynamoDB",
        metric_name="ReadThrottleEvents",
        dimensions=(("TableName", table_name),),
        statistic="Sum",
        label=f"{table_name} throttled reads",
    )


# ----------------------------------------------------------------------- ElastiCache
IN_LIST_ITEM = "'%s'"
"""How a Metrics Insights query quotes one item of an ``IN (...)`` list (a ``%`` format,
as Python and Terraform's ``formatlist`` both read it)."""
IN_LIST_SEPARATOR = ", "
"""What separates the quoted items of an ``IN (...)`` list."""


def in_list(items: Sequence[str]) -> str:
    """``items`` as the inside of a Metrics Insights ``IN (...)`` list: ``'a', 'b'``.

    An engine whose items are known only at plan time builds the same text from
    :data:`IN_LIST_ITEM` and :data:`IN_LIST_SEPARATOR` (cdktf: ``join`` over ``formatlist``).
    """
    return IN_LIST_SEPARATOR.join(IN_LIST_ITEM % item for item in items)


def redis_node_ids(replication_group_id: str, nodes: int) -> tuple[str, ...]:
    """The cache clusters (nodes) of a replication group with cluster mode off, as AWS names them."""
    if nodes < 1:
        raise ValueError(f"a replication group has at least one node, not {nodes}")
    return tuple(f"{replication_group_id}-{index:03d}" for index in range(1, nodes + 1))


RedisNodes = tuple[str, ...] | str
"""A Redis cache's nodes for its queries: their ids, or the ids already as the inside of an
``IN (...)`` list (:func:`in_list`'s text, or a plan-time value that yields it: a cdktf
token built from the platform contract's ``features/redis/node-ids``)."""


def _redis_query(function: str, metric: str, node_ids: RedisNodes) -> str:
    ids = node_ids if isinstance(node_ids, str) else in_list(node_ids)
    return (
        f'SELECT {function}({metric}) FROM SCHEMA("AWS/ElastiCache", CacheClusterId) '
        f"WHERE CacheClusterId IN ({ids})"
    )


def redis_read_latency(node_ids: RedisNodes, *, period: int = 60) -> QuerySpec:
    """The slowest node's average latency (µs) of hash commands: Feast's online reads and writes.

    A query over every node, because which node is the primary changes with a failover.
    """
    return QuerySpec(
        expression=_redis_query("MAX", "HashBasedCmdsLatency", node_ids),
        label="hash command latency (µs), slowest node",
        period=period,
    )


def redis_cache_hit_rate(node_ids: RedisNodes, *, period: int = 60) -> QuerySpec:
    """Hits of all key lookups (%), averaged over the nodes: misses are entities with no row."""
    return QuerySpec(
        expression=_redis_query("AVG", "CacheHitRate", node_ids),
        label="cache hit rate %",
        period=period,
    )


def redis_evictions(node_ids: RedisNodes, *, period: int = 60) -> QuerySpec:
    """Keys evicted for memory: online features lost before their TTL, so the cache is too small."""
    return QuerySpec(
        expression=_redis_query("SUM", "Evictions", node_ids),
        label="evictions",
        period=period,
    )


def _pool_query(
    function: str, metric: str, cluster_name: str, instance_types: tuple[str, ...]
) -> str:
    types = ", ".join(f"'{t}'" for t in sorted(instance_types))
    return (
        f"SELECT {function}({metric}) FROM SCHEMA({CONTAINER_INSIGHTS}, "
        f"{', '.join(GPU_DIMENSIONS)}) "
        f"WHERE ClusterName = '{cluster_name}' AND InstanceType IN ({types})"
    )


def pool_gpus_running(
    pool: str, cluster_name: str, instance_types: tuple[str, ...], *, period: int = 60
) -> QuerySpec:
    """GPUs reporting in a pool: how many GPU devices of its instance types sent a sample.

    The add-on sends each GPU's ``node_gpu_utilization`` once a minute, so
    ``COUNT`` over one minute is the number of GPUs running. It counts every
    node of those instance types in the cluster, so pools that share an
    instance type share the number; a node shows up once its GPU driver and
    the add-on's agent run on it (a minute or two after launch).
    """
    return QuerySpec(
        expression=_pool_query("COUNT", "node_gpu_utilization", cluster_name, instance_types),
        label=f"{pool} GPUs running",
        period=period,
    )


def pool_nodes(
    pool: str,
    cluster_name: str,
    instance_types: tuple[str, ...],
    gpus_per_node: int,
    *,
    period: int = 60,
) -> QuerySpec:
    """Nodes running in a pool: :func:`pool_gpus_running` divided by the GPUs of one node."""
    gpus = pool_gpus_running(pool, cluster_name, instance_types, period=period)
    return replace(gpus, label=f"{pool} nodes running", divide_by=gpus_per_node)


def pool_gpu_utilization(
    pool: str, cluster_name: str, instance_types: tuple[str, ...], *, period: int = 60
) -> QuerySpec:
    """Average utilisation (%) of the GPUs of a pool's instance types; no data while idle."""
    return QuerySpec(
        expression=_pool_query("AVG", "node_gpu_utilization", cluster_name, instance_types),
        label=f"{pool} GPU utilisation %",
        period=period,
    )
