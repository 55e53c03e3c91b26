"""How an endpoint deploys a new configuration: the blue/green policy and the alarms that roll it back.

Plain Python over :class:`~mlplatform.config.ServingEndpointProps`, like
:mod:`mlplatform.decisions.serving_plan`, which calls it.

The rollback alarms watch the whole endpoint (every variant, old and new
fleet), and their names carry the endpoint's name only, never a variant's.
The AWS provider replaces an endpoint (deletes it, then creates it: an
outage) when its list of rollback alarms changes, so the list must stay the
same through every canary, promotion and rename; the construct also tells
terraform to ignore that list after the endpoint exists. Their metrics (one
per variant, summed or maxed) change in place as variants come and go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlplatform.config import RolloutProps, ServingEndpointProps
from mlplatform.config.rollout import ROLLBACK_ALARM_SECONDS
from mlplatform.decisions.alarm_settings import alarm_settings
from mlplatform.decisions.metrics import alarm_description, endpoint_runbook
from mlplatform.decisions.naming import Naming

__all__ = ["MetricPlan", "RollbackAlarmPlan", "RolloutPlan", "plan_rollout"]

ROUTING_TYPES = {"canary": "CANARY", "linear": "LINEAR", "all_at_once": "ALL_AT_ONCE"}
ROLLBACK_PERIOD_SECONDS = 60
ROLLBACK_EVALUATION_PERIODS = ROLLBACK_ALARM_SECONDS // ROLLBACK_PERIOD_SECONDS
ROLLBACK_DATAPOINTS = 2
"""Two bad minutes of three roll back: faster than the paging alarms, still not one blip."""


@dataclass(frozen=True)
class MetricPlan:
    """One ``AWS/SageMaker`` metric of one variant, an input of a metric-math alarm."""

    id: str
    """Lowercase id the alarm's expression refers to (``e0``)."""
    metric_name: str
    dimensions: dict[str, str]
    stat: str
    namespace: str = "AWS/SageMaker"


@dataclass(frozen=True)
class RollbackAlarmPlan:
    """A metric-math alarm over every variant that SageMaker watches while a deployment bakes."""

    name: str
    """``<org>-<env>-serving-<endpoint>-rollback-<what>``: no variant in it, see the module docstring."""
    description: str
    expression: str
    """``SUM([e0, e1])`` or ``MAX([l0, l1])``: one time series for the whole endpoint."""
    metrics: tuple[MetricPlan, ...]
    threshold: float
    comparison_operator: str
    period: int = ROLLBACK_PERIOD_SECONDS
    evaluation_periods: int = ROLLBACK_EVALUATION_PERIODS
    datapoints_to_alarm: int = ROLLBACK_DATAPOINTS
    treat_missing_data: str = "notBreaching"

    def metric_queries(self) -> list[dict[str, Any]]:
        """The alarm's metric queries: each variant's metric, returning nothing, then the
        expression over them, the one series that returns data (labelled with the name)."""
        queries: list[dict[str, Any]] = [
            {
                "id": metric.id,
                "return_data": False,
                "metric": {
                    "namespace": metric.namespace,
                    "metric_name": metric.metric_name,
                    "dimensions": metric.dimensions,
                    "stat": metric.stat,
                    "period": self.period,
                },
            }
            for metric in self.metrics
        ]
        endpoint = {"id": "endpoint", "expression": self.expression, "label": self.name}
        return [*queries, {**endpoint, "return_data": True}]

    def settings(self, topic_arn: object | None) -> dict[str, Any]:
        """The alarm's settings besides its name and queries; ``topic_arn`` (``None``:
        nobody) is told when it fires and when it recovers."""
        return alarm_settings(
            summary=self.description,
            runbook=None,
            threshold=self.threshold,
            comparison=self.comparison_operator,
            evaluation_periods=self.evaluation_periods,
            datapoints_to_alarm=self.datapoints_to_alarm,
            treat_missing_data=self.treat_missing_data,
            topic_arn=topic_arn,
        )


@dataclass(frozen=True)
class RolloutPlan:
    """The endpoint's ``DeploymentConfig``: a blue/green update policy with auto-rollback."""

    traffic_routing: str
    """``CANARY``, ``LINEAR`` or ``ALL_AT_ONCE``."""
    wait_interval_seconds: int
    """Baking time of each traffic shift."""
    canary_percent: int | None
    """Share of the new fleet's capacity in the canary step (``CAPACITY_PERCENT``)."""
    linear_step_percent: int | None
    """Share of the new fleet's capacity per linear step (``CAPACITY_PERCENT``)."""
    termination_wait_seconds: int
    maximum_execution_timeout_seconds: int
    rollback_alarms: tuple[RollbackAlarmPlan, ...]


def plan_rollout(
    naming: Naming,
    key: str,
    endpoint_name: str,
    variant_names: tuple[str, ...],
    props: ServingEndpointProps,
) -> RolloutPlan | None:
    """The deployment policy of endpoint ``key``; ``None`` for a serverless endpoint (no fleet)."""
    if props.serverless is not None:
        return None
    rollout: RolloutProps = props.rollout
    return RolloutPlan(
        traffic_routing=ROUTING_TYPES[rollout.strategy],
        wait_interval_seconds=rollout.bake_seconds,
        canary_percent=rollout.canary_percent if rollout.strategy == "canary" else None,
        linear_step_percent=rollout.linear_step_percent if rollout.strategy == "linear" else None,
        termination_wait_seconds=rollout.termination_wait_seconds,
        maximum_execution_timeout_seconds=rollout.timeout_seconds,
        rollback_alarms=_rollback_alarms(naming, key, endpoint_name, variant_names, props),
    )


def _rollback_alarms(
    naming: Naming,
    key: str,
    endpoint_name: str,
    variant_names: tuple[str, ...],
    props: ServingEndpointProps,
) -> tuple[RollbackAlarmPlan, ...]:
    def metrics(prefix: str, metric_name: str, stat: str) -> tuple[MetricPlan, ...]:
        return tuple(
            MetricPlan(
                id=f"{prefix}{index}",
                metric_name=metric_name,
                dimensions={"EndpointName": endpoint_name, "VariantName": variant},
                stat=stat,
            )
            for index, variant in enumerate(variant_names)
        )

    errors = metrics("e", "Invocation5XXErrors", "Sum")
    latency = metrics("l", "ModelLatency", "p99")
    return (
        RollbackAlarmPlan(
            name=naming.resource("serving", f"{key}-rollback-5xx-errors", max_length=255),
            description=alarm_description(
                f"{endpoint_name}: at least {props.errors_alarm_threshold} 5xx errors a minute, "
                "all variants together, in 2 of 3 minutes; a deployment in progress rolls back",
                endpoint_runbook(naming.prefix, endpoint_name),
            ),
            expression=f"SUM([{', '.join(m.id for m in errors)}])",
            metrics=errors,
            threshold=float(props.errors_alarm_threshold),
            comparison_operator="GreaterThanOrEqualToThreshold",
        ),
        RollbackAlarmPlan(
            name=naming.resource("serving", f"{key}-rollback-p99-latency", max_length=255),
            description=alarm_description(
                f"{endpoint_name}: p99 model latency of a variant above "
                f"{props.latency_alarm_p99_ms} ms in 2 of 3 minutes; a deployment in progress "
                "rolls back",
                endpoint_runbook(naming.prefix, endpoint_name),
            ),
            expression=f"MAX([{', '.join(m.id for m in latency)}])",
            metrics=latency,
            # ModelLatency is reported in microseconds.
            threshold=float(props.latency_alarm_p99_ms * 1000),
            comparison_operator="GreaterThanThreshold",
        ),
    )
