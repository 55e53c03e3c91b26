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
from typing import Any, Protocol

from cdktf import ITerraformDependable
from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from mlplatform.decisions.alarm_settings import (
    DEFAULT_DATAPOINTS,
    DEFAULT_EVALUATION_PERIODS,
    alarm_settings,
    metric_queries,
    single_metric_settings,
)
from mlplatform.decisions.metrics import MathSpec, QuerySpec, Watchable

__all__ = ["Alarm"]


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
        common = alarm_settings(
            summary=summary,
            runbook=runbook,
            threshold=threshold,
            comparison=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
            topic_arn=topic_arn or None,
        )
        common["depends_on"] = list(depends_on) if depends_on else None
        if isinstance(metric, QuerySpec | MathSpec):
            queries = [metric_query(query) for query in metric_queries(metric)]
            super().__init__(scope, id, alarm_name=name, metric_query=queries, **common)
        else:
            super().__init__(scope, id, alarm_name=name, **single_metric_settings(metric), **common)
        self._metric = metric

    @property
    def metric(self) -> Watchable:
        """What the alarm watches."""
        return self._metric


def metric_query(fields: dict[str, Any]) -> CloudwatchMetricAlarmMetricQuery:
    """One metric query in the binding's structs (a math metric's ``metric`` block too), from
    its fields (:func:`~mlplatform.decisions.alarm_settings.metric_queries`, a rollback
    alarm's ``metric_queries``)."""
    metric = fields.get("metric")
    if metric is None:
        return CloudwatchMetricAlarmMetricQuery(**fields)
    block = CloudwatchMetricAlarmMetricQueryMetric(**metric)
    return CloudwatchMetricAlarmMetricQuery(**{**fields, "metric": block})
