"""The environment's AWS Budgets: what each one counts, its limit and when it notifies.

Plain Python over :class:`~mlplatform.config.BudgetsProps`:

- the environment budget counts costs tagged ``env: <env>`` (every platform
  resource carries it: provider default tags, and Karpenter's EC2NodeClass for
  the GPU nodes it launches);
- a team budget counts costs tagged ``team: <team>`` in the environment's
  account (a budget's filters are a map by name, so a second ``TagKeyValue``
  filter cannot narrow it to ``env`` too; every environment has its own
  account here);
- the GPU budget counts EC2 compute of every size of the pools' instance
  families in the environment.

Each notifies at ``forecast_threshold_percent`` of the limit forecast and at
``actual_threshold_percent`` actually spent. Tag filters see only costs of
activated cost-allocation tags (``env``, ``team``): activate them once in the
billing console of the payer account.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplatform.catalogs.gpu import ACCELERATOR_FAMILIES, accelerator_type
from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.naming import Naming

__all__ = ["EC2_COMPUTE", "BudgetPlan", "plan_budgets"]

EC2_COMPUTE = "Amazon Elastic Compute Cloud - Compute"
"""The Service value AWS Budgets filters EC2 instance usage by."""


@dataclass(frozen=True)
class BudgetPlan:
    """One monthly cost budget."""

    key: str
    """``environment``, ``team-<name>`` or ``gpu``: the construct id."""
    name: str
    limit_usd: float
    cost_filters: tuple[tuple[str, tuple[str, ...]], ...]
    """``(filter name, values)``: ``TagKeyValue`` values are ``user:<key>$<value>``."""
    notifications: tuple[tuple[str, float], ...]
    """``(FORECASTED|ACTUAL, percent of the limit)``."""


def _tag(key: str, value: str) -> str:
    return f"user:{key}${value}"


def gpu_instance_types(config: EnvironmentConfig) -> tuple[str, ...]:
    """Every size of every instance family the environment's GPU pools use, sorted."""
    pools = config.compute.gpu_pools.values() if config.compute else ()
    families = {accelerator_type(t).family for pool in pools for t in pool.instance_types}
    return tuple(
        sorted(
            f"{family}.{size}" for family in families for size in ACCELERATOR_FAMILIES[family][2]
        )
    )


def plan_budgets(config: EnvironmentConfig, naming: Naming | None = None) -> tuple[BudgetPlan, ...]:
    """The environment's budgets, or none without a ``budgets`` section."""
    budgets = config.budgets
    if budgets is None:
        return ()
    naming = naming or Naming.for_environment(config)
    env = ("TagKeyValue", (_tag("env", config.environment),))
    notifications = (
        ("FORECASTED", float(budgets.forecast_threshold_percent)),
        ("ACTUAL", float(budgets.actual_threshold_percent)),
    )
    plans = [
        BudgetPlan(
            key="environment",
            name=naming.resource("budget"),
            limit_usd=float(budgets.monthly_limit_usd),
            cost_filters=(env,),
            notifications=notifications,
        )
    ]
    for team, team_budget in budgets.teams.items():
        plans.append(
            BudgetPlan(
                key=f"team-{team}",
                name=naming.resource("budget", f"team-{team}", max_length=100),
                limit_usd=float(team_budget.monthly_limit_usd),
                # One TagKeyValue filter only: values of one filter are OR'ed, not AND'ed.
                cost_filters=(("TagKeyValue", (_tag("team", team),)),),
                notifications=notifications,
            )
        )
    if budgets.gpu_monthly_limit_usd is not None:
        plans.append(
            BudgetPlan(
                key="gpu",
                name=naming.resource("budget", "gpu"),
                limit_usd=float(budgets.gpu_monthly_limit_usd),
                # Filters of different names are AND'ed: this environment's EC2 of those types.
                cost_filters=(
                    env,
                    ("Service", (EC2_COMPUTE,)),
                    ("InstanceType", gpu_instance_types(config)),
                ),
                notifications=notifications,
            )
        )
    return tuple(plans)
