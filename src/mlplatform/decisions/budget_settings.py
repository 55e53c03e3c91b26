"""What each planned cost budget is set to, for either engine.

:func:`~mlplatform.decisions.budgets.plan_budgets` decides which budgets an
environment has; this says how one becomes an ``aws_budgets_budget`` (monthly,
in USD, its cost filters, a notification to the topic at each threshold), so
cdktf's :class:`~mlplatform.constructs.budgets.Budgets` and Pulumi's
:class:`~mlplatform.pulumi.observability.Budgets` make the same budgets; cdktf
wraps the nested blocks in its binding's structs.
"""

from __future__ import annotations

from typing import Any

from mlplatform.decisions.budgets import BudgetPlan

__all__ = ["budget_blocks", "budget_settings"]


def budget_settings(plan: BudgetPlan) -> dict[str, Any]:
    """The budget's own settings: a monthly cost limit in USD (two decimals, as AWS keeps it)."""
    return {
        "name": plan.name,
        "budget_type": "COST",
        "time_unit": "MONTHLY",
        "limit_amount": f"{plan.limit_usd:.2f}",
        "limit_unit": "USD",
    }


def budget_blocks(plan: BudgetPlan, topic_arn: object) -> dict[str, Any]:
    """The budget's cost filters and notifications (``topic_arn`` is told when spend, actual
    or forecast, passes each percentage of the limit), each block as its fields."""
    return {
        "cost_filters": [
            {"name": name, "values": list(values)} for name, values in plan.cost_filters
        ],
        "notifications": [
            {
                "comparison_operator": "GREATER_THAN",
                "notification_type": kind,
                "threshold": percent,
                "threshold_type": "PERCENTAGE",
                "subscriber_sns_topic_arns": [topic_arn],
            }
            for kind, percent in plan.notifications
        ],
    }
