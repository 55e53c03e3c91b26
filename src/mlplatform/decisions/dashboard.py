"""A CloudWatch dashboard body from metric specs, and the platform's one per environment.

:class:`Widget` is a metric graph (specs and queries, optional horizontal
lines such as a pool's ``max_nodes``) or a markdown header. :func:`dashboard_body`
lays widgets out left to right, top to bottom, on CloudWatch's 24-column grid
and returns the ``DashboardBody`` JSON structure ``PutDashboard`` takes.

:func:`platform_widgets` is the environment's dashboard, read from the config
alone (names are deterministic): per serving endpoint and variant the
invocations, model latency p50/p99, 4xx/5xx errors, invocations per
instance against the scaling target, and instances (invocations over
invocations per instance, while traffic flows) against min and max; the cluster's node and failed-node
counts and its control plane's health (API 5XX and 429 answers, GET p99
latency, pending pods); per GPU pool its nodes running against ``max_nodes``
and its GPU utilisation; the feature store's online read latency and
throttled reads (DynamoDB) or hit rate and evictions (Redis); the lake's
bucket sizes and object counts, and, when it replicates, each zone's failed
replications, replication latency and bytes pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlplatform.catalogs.gpu import accelerator_type
from mlplatform.config import EnvironmentConfig
from mlplatform.decisions import password_rotation
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.feature_store import feature_store_names
from mlplatform.decisions.metrics import (
    Watchable,
    bucket_objects,
    bucket_size,
    cluster_api_latency,
    cluster_api_requests,
    cluster_failed_nodes,
    cluster_nodes,
    cluster_pending_pods,
    pool_gpu_utilization,
    pool_nodes,
    variant_instances,
    variant_metric,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.replication_plan import replication_metrics
from mlplatform.decisions.serving_plan import plan_endpoint

__all__ = ["GRID_COLUMNS", "Widget", "dashboard_body", "platform_widgets"]

GRID_COLUMNS = 24
"""CloudWatch dashboards are 24 columns wide; a widget is 1-24 wide and 1-1000 high."""


@dataclass(frozen=True)
class Widget:
    """One dashboard widget: a graph of ``metrics``, or a markdown header when it has none."""

    title: str
    metrics: tuple[Watchable, ...] = ()
    width: int = 6
    height: int = 6
    horizontal: tuple[tuple[str, float], ...] = ()
    """``(label, value)`` lines across the graph (a limit, a target)."""
    markdown: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.width <= GRID_COLUMNS or not 1 <= self.height <= 1000:
            raise ValueError(
                f"widget {self.title!r}: {self.width}x{self.height} does not fit the grid; "
                f"width 1-{GRID_COLUMNS}, height 1-1000"
            )
        if not self.metrics and not self.markdown:
            raise ValueError(f"widget {self.title!r} has neither metrics nor markdown")

    def properties(self, region: str) -> dict[str, Any]:
        """The widget's ``properties`` object."""
        if not self.metrics:
            return {"markdown": self.markdown}
        rows: list[list[Any]] = []
        for index, metric in enumerate(self.metrics, start=1):
            rows += metric.widget_metrics(index)
        properties: dict[str, Any] = {
            "title": self.title,
            "view": "timeSeries",
            "region": region,
            "metrics": rows,
        }
        if self.horizontal:
            properties["annotations"] = {
                "horizontal": [{"label": label, "value": value} for label, value in self.horizontal]
            }
        return properties


def dashboard_body(widgets: list[Widget], region: str) -> dict[str, Any]:
    """The ``DashboardBody`` of ``widgets``, placed row by row on the 24-column grid."""
    placed: list[dict[str, Any]] = []
    x = y = row_height = 0
    for widget in widgets:
        if x + widget.width > GRID_COLUMNS:
            x, y, row_height = 0, y + row_height, 0
        placed.append(
            {
                "type": "metric" if widget.metrics else "text",
                "x": x,
                "y": y,
                "width": widget.width,
                "height": widget.height,
                "properties": widget.properties(region),
            }
        )
        x += widget.width
        row_height = max(row_height, widget.height)
    return {"widgets": placed}


def _header(text: str) -> Widget:
    return Widget(title=text, markdown=f"## {text}", width=GRID_COLUMNS, height=1)


def _serving(config: EnvironmentConfig, naming: Naming) -> list[Widget]:
    widgets: list[Widget] = []
    for key, props in config.ml.serving.items() if config.ml else ():
        plan = plan_endpoint(naming, key, props)
        name = plan.endpoint_name
        widgets.append(_header(f"Serving {name}"))
        for variant in plan.variants:

            def m(
                metric: str, stat: str, endpoint: str = name, variant: str = variant.name
            ) -> Watchable:
                return variant_metric(endpoint, variant, metric, statistic=stat)

            serverless = variant.serverless is not None
            narrow = 6 if serverless else 4
            widgets += [
                Widget(f"{variant.name}: invocations", (m("Invocations", "Sum"),)),
                Widget(
                    f"{variant.name}: model latency (µs)",
                    (m("ModelLatency", "p50"), m("ModelLatency", "p99")),
                ),
                Widget(
                    f"{variant.name}: errors",
                    (m("Invocation4XXErrors", "Sum"), m("Invocation5XXErrors", "Sum")),
                    width=narrow,
                ),
            ]
            if serverless:
                continue  # no instances to count
            if variant.scaling:
                low, high = variant.scaling.min_capacity, variant.scaling.max_capacity
            else:
                low = high = variant.initial_instance_count or 1
            target = (("target", variant.scaling.target_value),) if variant.scaling else ()
            widgets += [
                Widget(
                    f"{variant.name}: invocations per instance",
                    (m("InvocationsPerInstance", "Sum"),),
                    horizontal=target,
                    width=narrow,
                ),
                Widget(
                    f"{variant.name}: instances ({low if low == high else f'{low}-{high}'})",
                    (variant_instances(name, variant.name),),
                    horizontal=(("min", float(low)), ("max", float(high))),
                    width=narrow,
                ),
            ]
    return widgets


def _compute(config: EnvironmentConfig, naming: Naming) -> list[Widget]:
    if config.compute is None:
        return []
    cluster = naming.resource("eks")
    widgets = [
        _header(f"Cluster {cluster}"),
        Widget(
            "cluster nodes and failed nodes",
            (cluster_nodes(cluster), cluster_failed_nodes(cluster)),
        ),
        Widget(
            "control plane: API errors and throttling",
            (cluster_api_requests(cluster, "5XX"), cluster_api_requests(cluster, "429")),
        ),
        Widget("control plane: API GET p99 (s)", (cluster_api_latency(cluster),)),
        Widget("pending pods", (cluster_pending_pods(cluster),)),
    ]
    for pool, props in config.compute.gpu_pools.items():
        types = props.instance_types
        accelerator = accelerator_type(types[0])
        if accelerator.vendor != "nvidia":
            # The add-on's per-device metrics with an InstanceType dimension are NVIDIA's.
            widgets.append(
                Widget(
                    f"GPU pool {pool}",
                    markdown=f"GPU pool {pool}: no per-pool metrics for {accelerator.vendor}",
                )
            )
            continue
        gpus = accelerator.count
        widgets += [
            Widget(
                f"GPU pool {pool}: nodes running",
                (pool_nodes(pool, cluster, types, gpus),),
                horizontal=(("max_nodes", float(props.max_nodes)),),
            ),
            Widget(
                f"GPU pool {pool}: GPU utilisation %",
                (pool_gpu_utilization(pool, cluster, types),),
            ),
        ]
    return widgets


def _features(config: EnvironmentConfig, naming: Naming) -> list[Widget]:
    store = config.feature_store
    if store is None:
        return []
    metrics = FeatureStoreMetrics.for_store(naming, store)
    header = _header(f"Feature store ({metrics.online_store})")
    if metrics.online_store == "redis":
        return [
            header,
            Widget("online reads: hash command latency (µs)", (metrics.read_latency(),)),
            Widget("cache hit rate %", (metrics.cache_hit_rate(),)),
            Widget("evictions", (metrics.evictions(),)),
            Widget(
                "AUTH password rotation steps",
                password_rotation.rotation_metrics(feature_store_names(naming, store)),
            ),
        ]
    groups = metrics.groups
    return [
        header,
        Widget(
            "online reads: BatchGetItem p99 (ms)",
            tuple(metrics.read_latency(g) for g in groups),
            width=12,
        ),
        Widget(
            "online reads throttled",
            tuple(metrics.read_throttles(g) for g in groups),
            width=12,
        ),
    ]


def _lake(config: EnvironmentConfig, naming: Naming) -> list[Widget]:
    buckets = [naming.bucket("datalake", zone) for zone in config.data_lake.zones]
    widgets = [
        _header("Data lake"),
        Widget("lake bytes (daily)", tuple(bucket_size(b) for b in buckets), width=12),
        Widget("lake objects (daily)", tuple(bucket_objects(b) for b in buckets), width=12),
    ]
    replication = replication_metrics(naming, config.data_lake)
    if replication:
        # Latency and bytes pending are published in the replica region; the widget's rows
        # say so, and CloudWatch graphs them from there.
        for title, kind in (
            ("replication: failed operations", "failed"),
            ("replication: latency (s)", "latency"),
            ("replication: bytes pending", "pending"),
        ):
            metrics = tuple(zone[kind] for zone in replication.values())
            widgets.append(Widget(title, metrics, width=8))
    return widgets


def platform_widgets(config: EnvironmentConfig, naming: Naming | None = None) -> list[Widget]:
    """The environment dashboard's widgets, in order: serving, compute, features, lake."""
    naming = naming or Naming.for_environment(config)
    return [
        *_serving(config, naming),
        *_compute(config, naming),
        *_features(config, naming),
        *_lake(config, naming),
    ]
