"""The environment's dashboard and AWS Budgets on Pulumi.

The dashboard body is :func:`mlplatform.decisions.dashboard.dashboard_body` of
:func:`~mlplatform.decisions.dashboard.platform_widgets`; the budgets are
:func:`mlplatform.decisions.budgets.plan_budgets`, each notifying the alarm topic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.budget_settings import budget_blocks, budget_settings
from mlplatform.decisions.budgets import BudgetPlan
from mlplatform.decisions.dashboard import Widget, dashboard_body
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["Budgets", "Dashboard"]


class Dashboard(PlatformComponent):
    """``mlplatform:<layer>:Dashboard``: a CloudWatch dashboard of metric specs."""

    def __init__(
        self, layer: Layer, id: str, *, name: str, region: str, widgets: Sequence[Widget]
    ) -> None:
        super().__init__(layer.layer, "Dashboard", f"{layer.path}/{id}", parent=layer)
        self.body = dashboard_body(list(widgets), region)
        self.dashboard = aws.cloudwatch.Dashboard(
            self.child("dashboard"),
            dashboard_name=name,
            dashboard_body=json.dumps(self.body),
            opts=self.options(),
        )
        self.register_outputs({})


class Budgets(PlatformComponent):
    """``mlplatform:<layer>:Budgets``: one monthly USD cost budget per plan."""

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        plans: Sequence[BudgetPlan],
        topic_arn: pulumi.Input[str],
    ) -> None:
        super().__init__(layer.layer, "Budgets", f"{layer.path}/{id}", parent=layer)
        self.budgets = {
            plan.key: aws.budgets.Budget(
                self.child(plan.key),
                **budget_settings(plan),
                **budget_blocks(plan, topic_arn),
                opts=self.options(),
            )
            for plan in plans
        }
        self.register_outputs({})
