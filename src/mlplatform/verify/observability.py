"""The ml layer's dashboard, budgets and alarm subscriptions, as the environment file says.

- the topic has a subscription per ``observability.subscriptions`` entry;
- the dashboard ``<org>-<env>-platform`` holds the widgets generated from the
  file (compared by title, so a widget's place may change without a finding);
- each budget of :func:`~mlplatform.decisions.budgets.plan_budgets` exists with
  its limit, and its notifications (type, threshold) go to the alarm topic;
- when the lake replicates, each zone's failed-replication alarm
  (:func:`~mlplatform.decisions.replication_plan.replication_alarms`) watches its
  rule and notifies the topic;
- with a Redis online store, the alarm on its passwords' rotation function
  (:func:`~mlplatform.decisions.password_rotation.failure_alarm`) does too.
"""

from __future__ import annotations

import json
from typing import Any

from mlplatform.decisions import password_rotation
from mlplatform.decisions.budgets import plan_budgets
from mlplatform.decisions.dashboard import dashboard_body, platform_widgets
from mlplatform.decisions.metrics import dashboard_name
from mlplatform.decisions.replication_plan import replication_alarms
from mlplatform.verify.alarms import AlarmChecker
from mlplatform.verify.context import VerifyContext

__all__ = ["ObservabilityChecker", "widget_titles"]


def widget_titles(body: dict[str, Any]) -> list[str]:
    """Each widget's title, or a text widget's markdown, in order."""
    return [
        w.get("properties", {}).get("title") or w.get("properties", {}).get("markdown", "")
        for w in body.get("widgets", [])
    ]


class ObservabilityChecker:
    """Checks what tells people about the environment: subscriptions, dashboard, budgets, the
    lake's replication alarms and the Redis passwords' rotation alarm."""

    def __init__(self, context: VerifyContext, topic_arn: str | None) -> None:
        self.context = context
        self.topic_arn = topic_arn

    def check(self) -> None:
        if self.topic_arn is not None:
            self._subscriptions(self.topic_arn)
        if self.context.config.observability.dashboard:
            self._dashboard()
        self._budgets()
        config = self.context.config
        plans = list(replication_alarms(self.context.naming, config.data_lake).values())
        rotation = (
            password_rotation.failure_alarm(self.context.naming, config.feature_store)
            if config.feature_store is not None
            else None
        )
        AlarmChecker(self.context, self.topic_arn).check(
            plans + ([rotation] if rotation is not None else [])
        )

    def _subscriptions(self, topic_arn: str) -> None:
        wanted = self.context.config.observability.subscriptions
        expected = sorted(
            [("email", a) for a in wanted.email]
            + [("https", u) for u in wanted.https]
            + [("sqs", q) for q in wanted.sqs]
        )
        sns = self.context.client("sns")
        found = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
        subscriptions = sorted(
            (s["Protocol"], s["Endpoint"]) for s in found.build_full_result()["Subscriptions"]
        )
        self.context.findings.compare(
            f"SNS topic {topic_arn}", "subscriptions", subscriptions, expected
        )

    def _dashboard(self) -> None:
        config, naming = self.context.config, self.context.naming
        name = dashboard_name(naming.prefix)
        cloudwatch = self.context.client("cloudwatch")
        try:
            body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
        except cloudwatch.exceptions.ResourceNotFound:
            self.context.findings.missing(f"dashboard {name}")
            return
        expected = dashboard_body(platform_widgets(config, naming), config.region)
        self.context.findings.compare(
            f"dashboard {name}", "widgets", widget_titles(body), widget_titles(expected)
        )

    def _budgets(self) -> None:
        plans = plan_budgets(self.context.config, self.context.naming)
        if not plans:
            return
        account = self.context.client("sts").get_caller_identity()["Account"]
        budgets = self.context.client("budgets")
        for plan in plans:
            resource = f"budget {plan.name}"
            try:
                budget = budgets.describe_budget(AccountId=account, BudgetName=plan.name)["Budget"]
            except budgets.exceptions.NotFoundException:
                self.context.findings.missing(resource)
                continue
            self.context.findings.compare(
                resource,
                "monthly limit (USD)",
                float(budget["BudgetLimit"]["Amount"]),
                plan.limit_usd,
            )
            notifications = budgets.describe_notifications_for_budget(
                AccountId=account, BudgetName=plan.name
            )["Notifications"]
            self.context.findings.compare(
                resource,
                "notifications",
                sorted((n["NotificationType"], float(n["Threshold"])) for n in notifications),
                sorted(plan.notifications),
            )
            for notification in notifications:
                subscribers = budgets.describe_subscribers_for_notification(
                    AccountId=account, BudgetName=plan.name, Notification=notification
                )["Subscribers"]
                self.context.findings.compare(
                    resource,
                    f"{notification['NotificationType']} subscribers",
                    [s["Address"] for s in subscribers],
                    [self.topic_arn],
                )
