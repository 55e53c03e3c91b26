"""The environment's dashboard and AWS Budgets on Pulumi.

The dashboard body is :func:`mlplatform.decisions.dashboard.dashboard_body` of
:func:`~mlplatform.decisions.dashboard.platform_widgets`; the budgets are
:func:`mlplatform.decisions.budgets.plan_budgets`, each notifying the alarm topic.

A team's components read from the platform contract hand out their ``metric_*`` specs as
``Output``s (the names they query are known at apply); :func:`widget` makes a graph of
such specs, and :class:`Dashboard` takes it beside plain widgets, as cdktf's takes specs
that hold tokens.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.budget_settings import budget_blocks, budget_settings
from mlplatform.decisions.budgets import BudgetPlan
from mlplatform.decisions.dashboard import Widget, dashboard_body
from mlplatform.decisions.metrics import Watchable
from mlplatform.pulumi.alarm import OutputWatchable
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["Budgets", "Dashboard", "widget"]


def widget(
    title: str,
    metrics: Sequence[Watchable | OutputWatchable],
    *,
    width: int = 6,
    height: int = 6,
    horizontal: tuple[tuple[str, float], ...] = (),
) -> Widget | pulumi.Output[Widget]:
    """A graph of ``metrics`` for :class:`Dashboard`: a :class:`Widget` when every spec is
    known now, an ``Output`` of one when some are ``Output``s (a contract importer's
    ``metric_*``). The size is checked now, not at apply."""
    Widget(title, markdown="size check", width=width, height=height)
    known = [metric for metric in metrics if not isinstance(metric, pulumi.Output)]
    if len(known) == len(metrics):
        return Widget(title, tuple(known), width=width, height=height, horizontal=horizontal)
    return pulumi.Output.all(*metrics).apply(
        lambda specs: Widget(title, tuple(specs), width=width, height=height, horizontal=horizontal)
    )


class Dashboard(PlatformComponent):
    """``mlplatform:<layer>:Dashboard``: a CloudWatch dashboard of metric specs.

    ``body`` is the dashboard's JSON object, or an ``Output`` of it when a widget is one
    (:func:`widget` over specs known at apply).
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        name: str,
        region: str,
        widgets: Sequence[Widget | pulumi.Output[Widget]],
    ) -> None:
        super().__init__(layer.layer, "Dashboard", f"{layer.path}/{id}", parent=layer)
        known = [w for w in widgets if isinstance(w, Widget)]
        body: dict[str, Any] | pulumi.Output[dict[str, Any]]
        if len(known) == len(widgets):
            body = dashboard_body(known, region)
            text: pulumi.Input[str] = json.dumps(body)
        else:
            body = pulumi.Output.all(*widgets).apply(
                lambda resolved: dashboard_body(list(resolved), region)
            )
            text = body.apply(json.dumps)
        self.body = body
        self.dashboard = aws.cloudwatch.Dashboard(
            self.child("dashboard"),
            dashboard_name=name,
            dashboard_body=text,
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
