"""A CloudWatch alarm on a typed metric, notifying a topic when it fires and when it recovers.

Takes a :class:`~mlplatform.decisions.metrics.MetricSpec` (one metric: a
plain statistic or a percentile), a
:class:`~mlplatform.decisions.metrics.QuerySpec` (a Metrics Insights query)
or a :class:`~mlplatform.decisions.metrics.MathSpec` (metric math), as the
platform's ``metric_*`` helpers hand them out::

    Alarm(stack, "ranker-p99", metric=endpoint.metric_model_latency(statistic="p99"),
          threshold=250_000, name="ranking-ranker-p99", summary="ranker p99 above 250 ms",
          runbook="https://wiki.example.com/ranking/ranker", topic=platform_topic)

The alarm is the ``aws_cloudwatch_metric_alarm`` resource itself (this class
extends it), so rebuilding an existing alarm on it keeps its Terraform address.
Every alarm carries alarm and OK actions when given a topic, and its
description ends with the runbook line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cdktf import ITerraformDependable
from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from mlplatform.decisions.metrics import (
    MathSpec,
    QuerySpec,
    Watchable,
    alarm_description,
)

__all__ = ["Alarm"]

DEFAULT_EVALUATION_PERIODS = 5
DEFAULT_DATAPOINTS = 3


class _HasTopicArn(Protocol):
    @property
    def topic_arn(self) -> str: ...


class Alarm(CloudwatchMetricAlarm):
    """An alarm named ``name`` on ``metric``: ``datapoints_to_alarm`` bad periods of
    ``evaluation_periods`` (default 3 of 5, so a blip is not a page) against
    ``threshold`` with ``comparison``. ``topic`` (an ARN or anything with
    ``topic_arn``, such as the platform's ``AlarmTopic``) gets alarm and OK
    notifications; without it the alarm notifies nobody. ``summary`` says what
    broke and ``runbook`` where to look first; missing data is not breaching
    by default (no traffic is not an outage).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        metric: Watchable,
        threshold: float,
        name: str,
        summary: str,
        runbook: str | None = None,
        topic: str | _HasTopicArn | None = None,
        comparison: str = "GreaterThanOrEqualToThreshold",
        evaluation_periods: int = DEFAULT_EVALUATION_PERIODS,
        datapoints_to_alarm: int = DEFAULT_DATAPOINTS,
        treat_missing_data: str = "notBreaching",
        depends_on: Sequence[ITerraformDependable] | None = None,
    ) -> None:
        topic_arn = topic if isinstance(topic, str) or topic is None else topic.topic_arn
        actions = [topic_arn] if topic_arn else None
        description = alarm_description(summary, runbook) if runbook else summary
        common = {
            "alarm_name": name,
            "alarm_description": description,
            "evaluation_periods": evaluation_periods,
            "datapoints_to_alarm": datapoints_to_alarm,
            "threshold": threshold,
            "comparison_operator": comparison,
            "treat_missing_data": treat_missing_data,
            "alarm_actions": actions,
            "ok_actions": actions,
            "depends_on": list(depends_on) if depends_on else None,
        }
        if isinstance(metric, QuerySpec | MathSpec):
            super().__init__(
                scope,
                id,
                metric_query=_queries(metric) if isinstance(metric, QuerySpec) else _math(metric),
                **common,  # type: ignore[arg-type]
            )
        else:
            super().__init__(
                scope,
                id,
                namespace=metric.namespace,
                metric_name=metric.metric_name,
                dimensions=metric.dimension_map or None,
                statistic=None if metric.is_percentile else metric.statistic,
                extended_statistic=metric.statistic if metric.is_percentile else None,
                period=metric.period,
                **common,  # type: ignore[arg-type]
            )
        self._metric = metric

    @property
    def metric(self) -> Watchable:
        """What the alarm watches."""
        return self._metric


def _queries(query: QuerySpec) -> list[CloudwatchMetricAlarmMetricQuery]:
    """The query, and the division over it when it has one; exactly one returns data."""
    queries = [
        CloudwatchMetricAlarmMetricQuery(
            id="q1",
            expression=query.expression,
            label=query.label,
            period=query.period,
            return_data=query.math is None,
        )
    ]
    if query.math is not None:
        queries.append(
            CloudwatchMetricAlarmMetricQuery(
                id="e1", expression=query.math, label=query.label, return_data=True
            )
        )
    return queries


def _math(math: MathSpec) -> list[CloudwatchMetricAlarmMetricQuery]:
    """Each metric as a ``metric`` query that returns nothing (``stat`` takes percentiles
    too), then the expression, the one series that returns data."""
    ids = math.ids("m1")
    queries = []
    for metric, metric_id in zip(math.metrics, ids, strict=True):
        queries.append(
            CloudwatchMetricAlarmMetricQuery(
                id=metric_id,
                metric=CloudwatchMetricAlarmMetricQueryMetric(
                    namespace=metric.namespace,
                    metric_name=metric.metric_name,
                    dimensions=metric.dimension_map or None,
                    period=metric.period,
                    stat=metric.statistic,
                ),
                return_data=False,
            )
        )
    queries.append(
        CloudwatchMetricAlarmMetricQuery(
            id="e1", expression=math.resolved("m1"), label=math.label, return_data=True
        )
    )
    return queries
