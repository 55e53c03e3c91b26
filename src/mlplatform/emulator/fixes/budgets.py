"""Budgets: the calls the provider makes that moto does not implement.

``DescribeSubscribersForNotification``:
AWS answers it with the subscribers (``SubscriptionType``, ``Address``) of the
one notification of a budget that matches the request's notification type,
comparison operator, threshold and threshold type, and with
``NotFoundException`` when the budget or the notification does not exist.
The provider's ``aws_budgets_budget`` reads every notification's subscribers
this way after creating a budget; moto answers 500 and the provider retries
until the apply times out.

Tags (``ResourceTags`` on ``CreateBudget``, ``TagResource``,
``UntagResource``, ``ListTagsForResource`` on the budget's ARN
``arn:aws:budgets::<account>:budget/<name>``): the provider reads a budget's
tags after every create and refresh, because provider ``default_tags`` apply
to budgets; moto has none of these calls.
"""

from __future__ import annotations

import json
from typing import Any

from mlplatform.emulator.fixes import once, side_table

__all__ = ["apply"]

_MATCHED = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")


def apply() -> None:
    """Add ``DescribeSubscribersForNotification`` to moto's Budgets."""
    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse

    if not once(BudgetsResponse, "_mlplatform_describe_subscribers"):
        return

    def describe_subscribers_for_notification(self: Any) -> str:
        account_id = self._get_param("AccountId")
        budget_name = self._get_param("BudgetName")
        wanted = self._get_param("Notification") or {}
        budget = self.backend.budgets[account_id].get(budget_name)
        if budget is None:
            raise NotFoundException(
                f"Unable to get budget: {budget_name} - the budget doesn't exist."
            )
        for notification in budget.notifications:
            details = notification.details
            if all(details.get(k) == wanted.get(k) for k in _MATCHED if k != "Threshold") and float(
                details.get("Threshold", 0)
            ) == float(wanted.get("Threshold", 0)):
                return json.dumps({"Subscribers": list(notification.subscribers)})
        raise NotFoundException(
            f"Unable to get notification for budget {budget_name}: it has no such notification"
        )

    BudgetsResponse.describe_subscribers_for_notification = (  # type: ignore[attr-defined]
        describe_subscribers_for_notification
    )
    _add_tags(BudgetsResponse)


def _add_tags(response: Any) -> None:
    """Tags per budget ARN, kept beside moto's budgets and dropped with them."""
    create_budget = response.create_budget
    delete_budget = response.delete_budget

    def tags_of(self: Any) -> dict[str, dict[str, str]]:
        return side_table(self.backend, "budget_tags")

    def arn(self: Any, account_id: str, name: str) -> str:
        return f"arn:{self.partition}:budgets::{account_id}:budget/{name}"

    def create_budget_with_tags(self: Any) -> str:
        result: str = create_budget(self)
        name = (self._get_param("Budget") or {}).get("BudgetName", "")
        tags = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        tags_of(self)[arn(self, self._get_param("AccountId"), name)] = tags
        return result

    def delete_budget_and_tags(self: Any) -> str:
        result: str = delete_budget(self)
        tags_of(self).pop(
            arn(self, self._get_param("AccountId"), self._get_param("BudgetName")), None
        )
        return result

    def list_tags_for_resource(self: Any) -> str:
        tags = tags_of(self).get(self._get_param("ResourceARN"), {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def tag_resource(self: Any) -> str:
        tags = tags_of(self).setdefault(self._get_param("ResourceARN"), {})
        tags.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        tags = tags_of(self).setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("ResourceTagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    response.create_budget = create_budget_with_tags
    response.delete_budget = delete_budget_and_tags
    response.list_tags_for_resource = list_tags_for_resource
    response.tag_resource = tag_resource
    response.untag_resource = untag_resource
