"""``Alarm`` on Pulumi: a CloudWatch alarm on a typed metric spec, notifying a topic.

The same translation of :class:`~mlplatform.decisions.metrics.MetricSpec`,
``QuerySpec`` and ``MathSpec`` as :class:`mlplatform.constructs.alarm.Alarm`.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.metrics import MathSpec, QuerySpec, Watchable, alarm_description

__all__ = ["alarm"]

DEFAULT_EVALUATION_PERIODS = 5
DEFAULT_DATAPOINTS = 3


def alarm(
    resource_name: str,
    *,
    metric: Watchable,
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
    """An alarm named ``name`` on ``metric`` (3 bad periods of 5 by default)."""
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
    if isinstance(metric, QuerySpec):
        return aws.cloudwatch.MetricAlarm(
            resource_name, metric_queries=_queries(metric), opts=opts, **common
        )
    if isinstance(metric, MathSpec):
        return aws.cloudwatch.MetricAlarm(
            resource_name, metric_queries=_math(metric), opts=opts, **common
        )
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        namespace=metric.namespace,
        metric_name=metric.metric_name,
        dimensions=metric.dimension_map or None,
        statistic=None if metric.is_percentile else metric.statistic,
        extended_statistic=metric.statistic if metric.is_percentile else None,
        period=metric.period,
        opts=opts,
        **common,
    )


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
