"""Typed metric descriptions, independent of the engine: what to watch, not how to draw it.

A :class:`MetricSpec` is one CloudWatch metric (namespace, name, dimensions,
statistic, period); a :class:`QuerySpec` is one CloudWatch Metrics Insights
query, for what no single metric can say (a GPU pool's nodes are spread over
instances, so the pool's numbers are a query over its instance types).
Constructs hand them out through ``metric_*`` helpers
(``endpoint.metric_model_latency(statistic="p99")``), and the ``Alarm`` and
``Dashboard`` constructs, or a second engine, turn them into resources.

Every metric here exists in AWS as documented:

- ``AWS/SageMaker`` endpoint invocation metrics (``Invocations``,
  ``ModelLatency`` in microseconds, ``Invocation4XXErrors``,
  ``Invocation5XXErrors``, ``InvocationsPerInstance``) by ``EndpointName``
  and ``VariantName``. SageMaker publishes no instance count, so none is
  offered (invocations per instance against the scaling target stands in);
- ``AWS/S3`` daily storage metrics (``BucketSizeBytes`` with
  ``StorageType=StandardStorage``, ``NumberOfObjects`` with
  ``StorageType=AllStorageTypes``) by ``BucketName``;
- ``ContainerInsights`` from the ``amazon-cloudwatch-observability`` add-on:
  ``cluster_node_count`` and ``cluster_failed_node_count`` by ``ClusterName``,
  and the NVIDIA metrics ``node_gpu_utilization`` /
  ``node_gpu_memory_utilization`` with the dimension set
  ``ClusterName, GpuDevice, InstanceId, InstanceType, NodeName`` (one series
  per GPU), which is what lets a query select a pool's instance types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "PERCENTILE",
    "MetricSpec",
    "QuerySpec",
    "Watchable",
    "alarm_description",
    "bucket_objects",
    "bucket_size",
    "cluster_failed_nodes",
    "cluster_nodes",
    "dashboard_name",
    "endpoint_runbook",
    "pool_gpu_utilization",
    "pool_gpus_running",
    "pool_nodes",
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


Watchable = MetricSpec | QuerySpec
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
