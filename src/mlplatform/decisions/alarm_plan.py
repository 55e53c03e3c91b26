"""One CloudWatch alarm the platform decides for itself, as both engines make it.

An endpoint's error and latency alarms (:mod:`~mlplatform.decisions.serving_plan`)
and the lake's replication-failure alarms
(:mod:`~mlplatform.decisions.replication_plan`) are decided as plain data here,
so that cdktf's :class:`~mlplatform.constructs.alarm.Alarm`, Pulumi's
:func:`~mlplatform.pulumi.alarm.alarm` and ``make verify`` read the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlplatform.decisions.alarm_settings import DEFAULT_DATAPOINTS, DEFAULT_EVALUATION_PERIODS
from mlplatform.decisions.metrics import MetricSpec

__all__ = ["AlarmPlan"]


@dataclass(frozen=True)
class AlarmPlan:
    """One CloudWatch alarm on one metric: 3 bad periods of 5 unless it says otherwise."""

    name: str
    description: str
    """What broke, then the runbook line (:func:`~mlplatform.decisions.metrics.alarm_description`)."""
    metric: MetricSpec
    threshold: float
    comparison_operator: str
    evaluation_periods: int = DEFAULT_EVALUATION_PERIODS
    datapoints_to_alarm: int = DEFAULT_DATAPOINTS
    treat_missing_data: str = "notBreaching"
    """No data is not an outage: no traffic to an endpoint, no failed replication."""

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of either engine's alarm (cdktf's ``Alarm``, Pulumi's
        ``alarm``) that make this one, besides the topic: its name, metric and thresholds."""
        return {
            "metric": self.metric,
            "name": self.name,
            "summary": self.description,
            "threshold": self.threshold,
            "comparison": self.comparison_operator,
            "evaluation_periods": self.evaluation_periods,
            "datapoints_to_alarm": self.datapoints_to_alarm,
            "treat_missing_data": self.treat_missing_data,
        }

    @property
    def metric_name(self) -> str:
        return self.metric.metric_name

    @property
    def namespace(self) -> str:
        return self.metric.namespace

    @property
    def dimensions(self) -> dict[str, str]:
        return self.metric.dimension_map

    @property
    def statistic(self) -> str | None:
        return None if self.metric.is_percentile else self.metric.statistic

    @property
    def extended_statistic(self) -> str | None:
        return self.metric.statistic if self.metric.is_percentile else None

    @property
    def period(self) -> int:
        return self.metric.period
