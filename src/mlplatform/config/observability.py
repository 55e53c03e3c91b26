"""Who hears about the environment, and what it may cost: ``observability`` and ``budgets``.

``observability.subscriptions`` lists who the ml layer's alarm topic reaches
(email addresses, HTTPS endpoints, SQS queues for a chat bridge); every
platform alarm notifies that topic on alarm and on recovery, and so do the
budgets. ``budgets`` sets the environment's monthly limit in USD, the optional
per-team limits (filtered on the ``team`` cost-allocation tag) and the
optional limit for the GPU pools' instance families.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictFloat, StrictInt

from mlplatform.config._base import _check_unique, _Frozen

__all__ = ["BudgetsProps", "ObservabilityProps", "SubscriptionsProps", "TeamBudgetProps"]

# Deliberately plain: one @, no spaces, a dot in the domain. SNS confirms the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SQS_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$")
_TEAM = re.compile(r"^[a-z][a-z0-9-]{0,29}$")


def _emails(value: tuple[str, ...]) -> tuple[str, ...]:
    for address in value:
        if not _EMAIL.match(address):
            raise ValueError(f"{address!r} is not an email address; write it as name@example.com")
    return _check_unique(value, "address")


def _https(value: tuple[str, ...]) -> tuple[str, ...]:
    for url in value:
        if not url.startswith("https://") or len(url) <= len("https://"):
            raise ValueError(
                f"{url!r} is not an HTTPS endpoint; SNS delivers alarms over https:// only here"
            )
    return _check_unique(value, "endpoint")


def _queues(value: tuple[str, ...]) -> tuple[str, ...]:
    for arn in value:
        if not _SQS_ARN.match(arn):
            raise ValueError(
                f"{arn!r} is not an SQS queue ARN; write arn:aws:sqs:<region>:<account>:<queue>"
            )
    return _check_unique(value, "queue")


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"{value} is not a positive amount; write the limit in USD, such as 500")
    return value


def _percent(value: float) -> float:
    if not 1 <= value <= 1000:
        raise ValueError(
            f"{value}% is outside 1-1000%, the thresholds AWS Budgets takes; use 80 for 80%"
        )
    return value


Money = Annotated[StrictInt | StrictFloat, AfterValidator(_positive)]
"""A positive amount of USD."""
ThresholdPercent = Annotated[StrictInt | StrictFloat, AfterValidator(_percent)]
"""A budget notification threshold, in percent of the limit (AWS Budgets takes 1-1000%)."""


class SubscriptionsProps(_Frozen):
    """Who the alarm topic notifies. Email and HTTPS subscriptions need confirming once."""

    email: Annotated[tuple[str, ...], AfterValidator(_emails)] = ()
    https: Annotated[tuple[str, ...], AfterValidator(_https)] = ()
    """HTTPS endpoints (a pager's or a chat tool's webhook); plain HTTP is refused."""
    sqs: Annotated[tuple[str, ...], AfterValidator(_queues)] = ()
    """Queue ARNs, for a chat bridge; each queue's policy must let the topic send."""


class ObservabilityProps(_Frozen):
    """The environment's dashboard and alarm subscriptions."""

    dashboard: StrictBool = True
    """One CloudWatch dashboard ``<org>-<env>-platform`` from this file (default on)."""
    subscriptions: SubscriptionsProps = SubscriptionsProps()


class TeamBudgetProps(_Frozen):
    """One team's monthly budget, over the costs tagged ``team: <name>``."""

    monthly_limit_usd: Money


def _teams(value: dict[str, TeamBudgetProps]) -> dict[str, TeamBudgetProps]:
    for team in value:
        if not _TEAM.match(team):
            raise ValueError(
                f"team {team!r}: name a team by its `team` tag value in lowercase letters, "
                "digits and '-' (up to 30), such as ranking; it also names the budget"
            )
    return value


class BudgetsProps(_Frozen):
    """AWS Budgets for the environment, notifying the alarm topic.

    The cost-allocation tags (``team``, ``env``) must be activated once in the
    billing console before tag-filtered budgets see any cost.
    """

    monthly_limit_usd: Money
    """The environment's monthly cost budget (costs tagged ``env: <env>``)."""
    forecast_threshold_percent: ThresholdPercent = 80
    """Notify when the month's forecast passes this share of the limit (default 80%)."""
    actual_threshold_percent: ThresholdPercent = 100
    """Notify when actual cost passes this share of the limit (default 100%)."""
    teams: Annotated[dict[str, TeamBudgetProps], AfterValidator(_teams)] = Field(
        default_factory=dict
    )
    """Per-team budgets, filtered on the ``team`` cost-allocation tag."""
    gpu_monthly_limit_usd: Money | None = None
    """EC2 budget for the GPU pools' instance families; needs ``compute.gpu_pools``."""
