"""The environment's monthly AWS Budgets, notifying the alarm topic.

What each budget counts and when it notifies is decided by
:func:`mlplatform.decisions.budgets.plan_budgets`; this construct renders the
plans into ``aws_budgets_budget`` resources whose notifications go to the
alarm topic (whose key and policy admit AWS Budgets, see ``AlarmTopic``).
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from mlplatform.bindings.aws.budgets_budget import (
    BudgetsBudget,
    BudgetsBudgetCostFilter,
    BudgetsBudgetNotification,
)
from mlplatform.decisions.budgets import BudgetPlan

__all__ = ["Budgets"]


class Budgets(Construct):
    """One monthly USD cost budget per plan, each notifying ``topic_arn``."""

    def __init__(
        self, scope: Construct, id: str, *, plans: Sequence[BudgetPlan], topic_arn: str
    ) -> None:
        super().__init__(scope, id)
        self._plans = tuple(plans)
        self._budgets = {
            plan.key: BudgetsBudget(
                self,
                plan.key,
                name=plan.name,
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=f"{plan.limit_usd:.2f}",
                limit_unit="USD",
                cost_filter=[
                    BudgetsBudgetCostFilter(name=name, values=list(values))
                    for name, values in plan.cost_filters
                ],
                notification=[
                    BudgetsBudgetNotification(
                        comparison_operator="GREATER_THAN",
                        notification_type=kind,
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                        subscriber_sns_topic_arns=[topic_arn],
                    )
                    for kind, percent in plan.notifications
                ],
            )
            for plan in self._plans
        }

    @property
    def budget_names(self) -> tuple[str, ...]:
        """The budgets' names, environment first."""
        return tuple(plan.name for plan in self._plans)
