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
from mlplatform.decisions.budget_settings import budget_blocks, budget_settings
from mlplatform.decisions.budgets import BudgetPlan

__all__ = ["Budgets"]


class Budgets(Construct):
    """One monthly USD cost budget per plan, each notifying ``topic_arn``."""

    def __init__(
        self, scope: Construct, id: str, *, plans: Sequence[BudgetPlan], topic_arn: str
    ) -> None:
        super().__init__(scope, id)
        self._plans = tuple(plans)
        self._budgets = {plan.key: self._budget(plan, topic_arn) for plan in self._plans}

    def _budget(self, plan: BudgetPlan, topic_arn: str) -> BudgetsBudget:
        blocks = budget_blocks(plan, topic_arn)
        return BudgetsBudget(
            self,
            plan.key,
            **budget_settings(plan),
            cost_filter=[BudgetsBudgetCostFilter(**f) for f in blocks["cost_filters"]],
            notification=[BudgetsBudgetNotification(**n) for n in blocks["notifications"]],
        )

    @property
    def budget_names(self) -> tuple[str, ...]:
        """The budgets' names, environment first."""
        return tuple(plan.name for plan in self._plans)
