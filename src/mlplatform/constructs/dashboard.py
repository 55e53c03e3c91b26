"""A CloudWatch dashboard of metric specs, laid out on the 24-column grid.

The widgets are :class:`~mlplatform.decisions.dashboard.Widget` values over
the same specs alarms take, so a team graphs what it alarms on::

    Dashboard(stack, "ranking", name="ranking-prod", region="us-east-1", widgets=[
        Widget("ranker p99 (µs)", (endpoint.metric_model_latency(statistic="p99"),)),
        Widget("ranking GPUs", (pool.metric_nodes(),), horizontal=(("max", 4),)),
    ])

The body is decided by :func:`~mlplatform.decisions.dashboard.dashboard_body`;
this construct only renders it into ``aws_cloudwatch_dashboard``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_dashboard import CloudwatchDashboard
from mlplatform.decisions.dashboard import Widget, dashboard_body

__all__ = ["Dashboard"]


class Dashboard(Construct):
    """A dashboard named ``name`` showing ``widgets`` of ``region``'s metrics, in order."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        region: str,
        widgets: Sequence[Widget],
    ) -> None:
        super().__init__(scope, id)
        self._body = dashboard_body(list(widgets), region)
        self._dashboard = CloudwatchDashboard(
            self, "dashboard", dashboard_name=name, dashboard_body=json.dumps(self._body)
        )

    @property
    def dashboard_name(self) -> str:
        """The dashboard's name."""
        return self._dashboard.dashboard_name

    @property
    def body(self) -> dict[str, Any]:
        """The ``DashboardBody`` as a structure (widgets with their grid positions)."""
        return self._body
