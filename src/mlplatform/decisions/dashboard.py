"""A CloudWatch dashboard body from metric specs, and the platform's one per environment.

:class:`Widget` is a metric graph (specs and queries, optional horizontal
lines such as a pool's ``max_nodes``) or a markdown header. :func:`dashboard_body`
lays widgets out left to right, top to bottom, on CloudWatch's 24-column grid
and returns the ``DashboardBody`` JSON structure ``PutDashboard`` takes.

:func:`platform_widgets` is the environment's dashboard, read from the config
alone (names are deterministic): per serving endpoint and variant the
invocations, model latency p50/p99, 4xx/5xx errors and invocations per
instance against the scaling target (SageMaker publishes no instance count;
min and max instances are in the title); per GPU pool its nodes running
against ``max_nodes`` and its GPU utilisation; the lake's bucket sizes and
object counts; the cluster's node and failed-node counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlplatform.catalogs.gpu import accelerator_type
from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.metrics import (
    Watchable,
    bucket_objects,
    bucket_size,
    cluster_failed_nodes,
    cluster_nodes,
    pool_gpu_utilization,
    pool_nodes,
    variant_metric,
)
from mlplatform.decisions.naming import Naming
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

            widgets += [
                Widget(f"{variant.name}: invocations", (m("Invocations", "Sum"),)),
                Widget(
                    f"{variant.name}: model latency (µs)",
                    (m("ModelLatency", "p50"), m("ModelLatency", "p99")),
                ),
                Widget(
                    f"{variant.name}: errors",
                    (m("Invocation4XXErrors", "Sum"), m("Invocation5XXErrors", "Sum")),
                ),
            ]
            if variant.serverless is not None:
                continue  # no instances to count
            capacity = (
                f"{variant.scaling.min_capacity}-{variant.scaling.max_capacity} instances"
                if variant.scaling
                else f"{variant.initial_instance_count} instances"
            )
            target = (("target", variant.scaling.target_value),) if variant.scaling else ()
            widgets.append(
                Widget(
                    f"{variant.name}: invocations per instance ({capacity})",
                    (m("InvocationsPerInstance", "Sum"),),
                    horizontal=target,
                )
            )
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
            width=12,
        ),
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


def _lake(config: EnvironmentConfig, naming: Naming) -> list[Widget]:
    buckets = [naming.bucket("datalake", zone) for zone in config.data_lake.zones]
    return [
        _header("Data lake"),
        Widget("lake bytes (daily)", tuple(bucket_size(b) for b in buckets), width=12),
        Widget("lake objects (daily)", tuple(bucket_objects(b) for b in buckets), width=12),
    ]


def platform_widgets(config: EnvironmentConfig, naming: Naming | None = None) -> list[Widget]:
    """The environment dashboard's widgets, in order: serving, compute, lake."""
    naming = naming or Naming.for_environment(config)
    return [*_serving(config, naming), *_compute(config, naming), *_lake(config, naming)]
