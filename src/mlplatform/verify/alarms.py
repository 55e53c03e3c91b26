"""The platform's CloudWatch alarms: each one planned exists, fires as planned, tells the topic.

Shared by the serving endpoints' alarms (their own and their rollback alarms) and
the lake's replication alarms: what is expected is the engine's plan
(:class:`~mlplatform.decisions.alarm_plan.AlarmPlan`, or a rollback alarm's), so a
threshold raised in the console, a dimension pointing at another bucket or an
action removed each show as a problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

from mlplatform.decisions.alarm_plan import AlarmPlan
from mlplatform.verify.context import VerifyContext

__all__ = ["AlarmChecker"]


class _Alarm(Protocol):
    """What every planned alarm has: a metric's alarm plan, or a rollback alarm's."""

    @property
    def name(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def comparison_operator(self) -> str: ...


_A = TypeVar("_A", bound=_Alarm)


class AlarmChecker:
    """Compares deployed alarms with their plans; ``topic_arn`` (``None``: not checked) is
    where each must send its alarm and OK notifications."""

    def __init__(self, context: VerifyContext, topic_arn: str | None) -> None:
        self.context = context
        self.topic_arn = topic_arn

    def check(self, plans: Sequence[AlarmPlan]) -> None:
        """Each alarm on one metric: the metric and its dimensions, the trigger, the actions."""
        findings = self.context.findings
        for resource, current, alarm in self.deployed(plans):
            findings.compare(resource, "metric", current.get("MetricName"), alarm.metric_name)
            self.compare_trigger(resource, current, alarm)
            dimensions = {d["Name"]: d["Value"] for d in current.get("Dimensions", [])}
            findings.compare(resource, "dimensions", dimensions, alarm.dimensions)
            if self.topic_arn:
                actions = [self.topic_arn]
                findings.compare(resource, "alarm actions", current.get("AlarmActions"), actions)
                findings.compare(resource, "OK actions", current.get("OKActions"), actions)

    def deployed(self, expected: Sequence[_A]) -> Iterator[tuple[str, dict[str, Any], _A]]:
        """``(resource, deployed alarm, planned alarm)`` of each planned alarm that exists;
        each one missing is a finding."""
        if not expected:
            return
        cloudwatch = self.context.client("cloudwatch")
        found = {
            a["AlarmName"]: a
            for a in cloudwatch.describe_alarms(AlarmNames=[a.name for a in expected])[
                "MetricAlarms"
            ]
        }
        for alarm in expected:
            resource = f"alarm {alarm.name}"
            current = found.get(alarm.name)
            if current is None:
                self.context.findings.missing(resource)
            else:
                yield resource, current, alarm

    def compare_trigger(self, resource: str, current: dict[str, Any], alarm: _Alarm) -> None:
        """The threshold and the comparison an alarm fires on."""
        findings = self.context.findings
        findings.compare(resource, "threshold", current.get("Threshold"), alarm.threshold)
        findings.compare(
            resource, "comparison", current.get("ComparisonOperator"), alarm.comparison_operator
        )
