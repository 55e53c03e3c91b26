"""``Alarm`` on Pulumi: a CloudWatch alarm on a typed metric spec, notifying a topic.

The same translation of :class:`~mlplatform.decisions.metrics.MetricSpec`,
``QuerySpec`` and ``MathSpec`` as :class:`mlplatform.constructs.alarm.Alarm`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.alarm_settings import (
    DEFAULT_DATAPOINTS,
    DEFAULT_EVALUATION_PERIODS,
    METRIC_ARGUMENTS,
    alarm_settings,
    metric_queries,
    single_metric_settings,
)
from mlplatform.decisions.metrics import MathSpec, MetricSpec, QuerySpec, Watchable

__all__ = ["OutputWatchable", "alarm"]

OutputWatchable = (
    pulumi.Output[MetricSpec]
    | pulumi.Output[QuerySpec]
    | pulumi.Output[MathSpec]
    | pulumi.Output[Watchable]
)
"""A spec known at apply, as the ``metric_*`` helpers of a component with such names give it
(``Output`` is invariant, so each kind is named)."""


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
    common = alarm_settings(
        summary=summary,
        runbook=runbook,
        threshold=threshold,
        comparison=comparison,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=treat_missing_data,
        topic_arn=topic,
    )
    if isinstance(metric, pulumi.Output):
        # A spec known at apply (a name read from the contract): every argument any kind of
        # spec sets, each None where this spec's kind sets nothing (Pulumi leaves those out).
        metric_args: dict[str, Any] = {
            key: metric.apply(partial(_metric_arg, key)) for key in METRIC_ARGUMENTS
        }
    else:
        metric_args = _metric_args(metric)
    return aws.cloudwatch.MetricAlarm(resource_name, opts=opts, name=name, **metric_args, **common)


def _metric_arg(key: str, metric: Watchable) -> Any:
    return _metric_args(metric).get(key)


def _metric_args(metric: Watchable) -> dict[str, Any]:
    """The alarm's arguments for one spec, as cdktf's ``Alarm`` sets them."""
    if isinstance(metric, QuerySpec | MathSpec):
        return {"metric_queries": metric_queries(metric)}
    return single_metric_settings(metric)
