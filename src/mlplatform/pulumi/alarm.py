"""``Alarm`` on Pulumi: a CloudWatch alarm on a typed metric spec, notifying a topic.

The same translation of :class:`~mlplatform.decisions.metrics.MetricSpec`,
``QuerySpec`` and ``MathSpec`` as :class:`mlplatform.constructs.alarm.Alarm`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.metrics import (
    MathSpec,
    MetricSpec,
    QuerySpec,
    Watchable,
    alarm_description,
)

__all__ = ["OutputWatchable", "alarm"]

OutputWatchable = (
    pulumi.Output[MetricSpec]
    | pulumi.Output[QuerySpec]
    | pulumi.Output[MathSpec]
    | pulumi.Output[Watchable]
)
"""A spec known at apply, as the ``metric_*`` helpers of a component with such names give it
(``Output`` is invariant, so each kind is named)."""

DEFAULT_EVALUATION_PERIODS = 5
DEFAULT_DATAPOINTS = 3


def alarm(
    resource_name: str,
    *,
    metric: Watchable | OutputWatchable,
    threshold: float,
    name: str,
    summary: str,
    runbook: str | None = None,
    topic: pulumi.Input[str] | None = None,
    comparison: str = "GreaterThanOrEqualToThreshold",
    evaluation_periods: int = DEFAULT_EVALUATION_PERIODS,
    datapoints_to_alarm: int = DEFAULT_DATAPOINTS,
    treat_missing_data: str = "notBreaching",
    opts: pulumi.ResourceOptions | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm named ``name`` on ``metric`` (3 bad periods of 5 by default): a spec, or an
    ``Output`` of one from a helper whose names are known at apply."""
    actions = [topic] if topic is not None else None
    common: dict[str, Any] = {
        "name": name,
        "alarm_description": alarm_description(summary, runbook) if runbook else summary,
        "evaluation_periods": evaluation_periods,
        "datapoints_to_alarm": datapoints_to_alarm,
        "threshold": threshold,
        "comparison_operator": comparison,
        "treat_missing_data": treat_missing_data,
        "alarm_actions": actions,
        "ok_actions": actions,
    }
    if isinstance(metric, pulumi.Output):
        # A spec known at apply (a name read from the contract): every argument any kind of
        # spec sets, each None where this spec's kind sets nothing (Pulumi leaves those out).
        metric_args: dict[str, Any] = {
            key: metric.apply(partial(_metric_arg, key)) for key in METRIC_ARGUMENTS
        }
    else:
        metric_args = _metric_args(metric)
    return aws.cloudwatch.MetricAlarm(resource_name, opts=opts, **metric_args, **common)


METRIC_ARGUMENTS = (
    "metric_queries",
    "namespace",
    "metric_name",
    "dimensions",
    "statistic",
    "extended_statistic",
    "period",
)
"""What a spec sets on ``aws.cloudwatch.MetricAlarm``: queries, or one metric's fields."""


def _metric_arg(key: str, metric: Watchable) -> Any:
    return _metric_args(metric).get(key)


def _metric_args(metric: Watchable) -> dict[str, Any]:
    """The alarm's arguments for one spec, as cdktf's ``Alarm`` sets them."""
    if isinstance(metric, QuerySpec):
        return {"metric_queries": _queries(metric)}
    if isinstance(metric, MathSpec):
        return {"metric_queries": _math(metric)}
    return {
        "namespace": metric.namespace,
        "metric_name": metric.metric_name,
        "dimensions": metric.dimension_map or None,
        "statistic": None if metric.is_percentile else metric.statistic,
        "extended_statistic": metric.statistic if metric.is_percentile else None,
        "period": metric.period,
    }


def _queries(query: QuerySpec) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = [
        {
            "id": "q1",
            "expression": query.expression,
            "label": query.label,
            "period": query.period,
            "return_data": query.math is None,
        }
    ]
    if query.math is not None:
        queries.append(
            {"id": "e1", "expression": query.math, "label": query.label, "return_data": True}
        )
    return queries


def _math(math: MathSpec) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = []
    for metric, metric_id in zip(math.metrics, math.ids("m1"), strict=True):
        queries.append(
            {
                "id": metric_id,
                "metric": {
                    "namespace": metric.namespace,
                    "metric_name": metric.metric_name,
                    "dimensions": metric.dimension_map or None,
                    "period": metric.period,
                    "stat": metric.statistic,
                },
                "return_data": False,
            }
        )
    queries.append(
        {"id": "e1", "expression": math.resolved("m1"), "label": math.label, "return_data": True}
    )
    return queries
