"""The ml layer's dashboard and budgets, as both engines' ml layer makes them.

cdktf's ``MlStack`` and Pulumi's ``PlatformEnvironment`` both give an
environment one CloudWatch dashboard (when the file asks for it) and its cost
budgets; what they are made from is decided here once.
"""

from __future__ import annotations

from typing import Any

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.budgets import plan_budgets
from mlplatform.decisions.dashboard import platform_widgets
from mlplatform.decisions.metrics import dashboard_name
from mlplatform.decisions.naming import Naming

__all__ = ["budgets_settings", "dashboard_settings"]


def dashboard_settings(config: EnvironmentConfig, naming: Naming) -> dict[str, Any] | None:
    """The dashboard's name, region and widgets (from the file and the metric specs), or
    ``None`` when the file turns the dashboard off."""
    if not config.observability.dashboard:
        return None
    return {
        "name": dashboard_name(naming.prefix),
        "region": config.region,
        "widgets": platform_widgets(config, naming),
    }


def budgets_settings(
    config: EnvironmentConfig, naming: Naming, topic_arn: object
) -> dict[str, Any]:
    """The environment's budgets (:func:`~mlplatform.decisions.budgets.plan_budgets`), each
    notifying the alarm topic ``topic_arn``."""
    return {"plans": plan_budgets(config, naming), "topic_arn": topic_arn}
