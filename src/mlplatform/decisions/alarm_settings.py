"""What a CloudWatch alarm on a typed metric spec is set to, for either engine.

cdktf's :class:`~mlplatform.constructs.alarm.Alarm` and Pulumi's
:func:`~mlplatform.pulumi.alarm.alarm` make the same ``aws_cloudwatch_metric_alarm``
from a :class:`~mlplatform.decisions.metrics.MetricSpec` (one metric: a plain
statistic or a percentile), a ``QuerySpec`` (a Metrics Insights query) or a
``MathSpec`` (metric math). How a spec becomes the alarm's metric fields or its
metric queries, the alarm's description and actions, and the defaults (3 bad
periods of 5, missing data not breaching) are decided here once; cdktf wraps the
plain fields in its binding's structs, Pulumi passes them as they are.
"""

from __future__ import annotations

from typing import Any

from mlplatform.decisions.metrics import MathSpec, MetricSpec, QuerySpec, alarm_description

__all__ = [
    "DEFAULT_DATAPOINTS",
    "DEFAULT_EVALUATION_PERIODS",
    "METRIC_ARGUMENTS",
    "alarm_settings",
    "metric_queries",
    "single_metric_settings",
]

DEFAULT_EVALUATION_PERIODS = 5
DEFAULT_DATAPOINTS = 3
"""3 bad periods of 5 by default, so a blip is not a page."""

METRIC_ARGUMENTS = (
    "metric_queries",
    "namespace",
    "metric_name",
    "dimensions",
    "statistic",
    "extended_statistic",
    "period",
)
"""What a spec sets on the alarm (Pulumi's names): queries, or one metric's fields."""


def alarm_settings(
    *,
    summary: str,
    runbook: str | None,
    threshold: float,
    comparison: str,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str,
    topic_arn: object | None,
) -> dict[str, Any]:
    """The alarm's settings besides its name and metric: the description ends with the runbook
    line, and ``topic_arn`` (``None``: nobody) is told when it fires and when it recovers."""
    actions = [topic_arn] if topic_arn is not None else None
    return {
        "alarm_description": alarm_description(summary, runbook) if runbook else summary,
        "evaluation_periods": evaluation_periods,
        "datapoints_to_alarm": datapoints_to_alarm,
        "threshold": threshold,
        "comparison_operator": comparison,
        "treat_missing_data": treat_missing_data,
        "alarm_actions": actions,
        "ok_actions": actions,
    }


def single_metric_settings(metric: MetricSpec) -> dict[str, Any]:
    """One metric's fields: a percentile is an extended statistic, anything else a statistic."""
    _check_alarmable(metric)
    return {
        "namespace": metric.namespace,
        "metric_name": metric.metric_name,
        "dimensions": metric.dimension_map or None,
        "statistic": None if metric.is_percentile else metric.statistic,
        "extended_statistic": metric.statistic if metric.is_percentile else None,
        "period": metric.period,
    }


def metric_queries(spec: QuerySpec | MathSpec) -> list[dict[str, Any]]:
    """The alarm's metric queries, exactly one of which returns data: a Metrics Insights query
    (and the division over it when it has one), or each metric of the math (``stat`` takes
    percentiles too) and then the expression."""
    if isinstance(spec, QuerySpec):
        queries: list[dict[str, Any]] = [
            {
                "id": "q1",
                "expression": spec.expression,
                "label": spec.label,
                "period": spec.period,
                "return_data": spec.math is None,
            }
        ]
        if spec.math is not None:
            queries.append(
                {"id": "e1", "expression": spec.math, "label": spec.label, "return_data": True}
            )
        return queries
    queries = []
    for metric, metric_id in zip(spec.metrics, spec.ids("m1"), strict=True):
        _check_alarmable(metric)
        fields = {
            "namespace": metric.namespace,
            "metric_name": metric.metric_name,
            "dimensions": metric.dimension_map or None,
            "period": metric.period,
            "stat": metric.statistic,
        }
        queries.append({"id": metric_id, "metric": fields, "return_data": False})
    queries.append(
        {"id": "e1", "expression": spec.resolved("m1"), "label": spec.label, "return_data": True}
    )
    return queries


def _check_alarmable(metric: MetricSpec) -> None:
    """An alarm watches metrics of its own region: one published elsewhere needs an alarm
    made by a provider of that region, not a region on the spec."""
    if metric.region:
        raise ValueError(
            f"{metric.namespace} {metric.metric_name} is published in {metric.region}: an "
            "alarm watches its own region's metrics only; make it with a provider for "
            f"{metric.region} and a spec without region"
        )
