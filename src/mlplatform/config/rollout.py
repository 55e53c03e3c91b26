"""How an instance-backed endpoint moves to a new configuration: SageMaker's deployment guardrails.

Every change that gives an endpoint a new configuration (a new model version
or image, a canary variant added or promoted, a weight, an instance type) is a
SageMaker blue/green deployment: SageMaker starts a new (green) fleet beside
the serving (blue) one, shifts traffic to it in steps, watches the endpoint's
rollback alarms while each step bakes, and either finishes (the blue fleet is
terminated) or rolls all traffic back to the blue fleet. The blue fleet keeps
serving throughout, so callers never see fewer instances than were serving.

The limits are AWS's (canary at most half the new fleet, linear steps of 10 to
50%, waits up to an hour) and the provider's: terraform waits 60 minutes for
an endpoint to be in service again, so a deployment must finish within that,
including the time SageMaker needs to start the new fleet.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from mlplatform.config._base import _Frozen

__all__ = ["FLEET_START_SECONDS", "ROLLBACK_ALARM_SECONDS", "RolloutProps"]

FLEET_START_SECONDS = 600
"""Time set aside for SageMaker to start the new fleet before traffic shifts (GPU types take minutes)."""
PROVIDER_WAIT_SECONDS = 3600
"""How long the AWS provider waits for an updated endpoint to be InService (hashicorp/aws >= 5.65)."""

ROLLBACK_ALARM_SECONDS = 180
"""The rollback alarms judge three one-minute periods: a bake shorter than that never sees them fire."""

Seconds = Annotated[StrictInt, Field(ge=0, le=3600)]


class RolloutProps(_Frozen):
    """Traffic shifting and baking of an endpoint's blue/green deployments, with auto-rollback.

    ``canary`` (the default) sends ``canary_percent`` of the new fleet's
    capacity first and bakes it for ``bake_seconds``; ``linear`` shifts in
    steps of ``linear_step_percent``, baking after each; ``all_at_once``
    shifts everything and bakes once. After the last shift the blue fleet is
    kept ``termination_wait_seconds`` more, still watched, so a late alarm
    still rolls back. A deployment that has not finished after
    ``timeout_seconds`` is rolled back.
    """

    strategy: Literal["canary", "linear", "all_at_once"] = "canary"
    """How traffic moves to the new fleet. Default canary."""
    canary_percent: Annotated[StrictInt, Field(ge=1, le=50)] = 10
    """Share of the new fleet's capacity that takes traffic first (canary only; AWS: at most 50). Default 10."""
    linear_step_percent: Annotated[StrictInt, Field(ge=10, le=50)] = 25
    """Share of the new fleet's capacity each step adds (linear only; AWS: 10 to 50). Default 25."""
    bake_seconds: Seconds = 600
    """Time each step is watched before the next (180-3600). Default ten minutes."""
    termination_wait_seconds: Seconds = 300
    """Time the old fleet is kept, still watched, after all traffic moved (0-3600). Default five minutes."""
    timeout_seconds: Annotated[StrictInt, Field(ge=600)] = 3600
    """Longest a deployment may take before SageMaker rolls it back (600-3600). Default one hour."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for field, strategy in (("canary_percent", "canary"), ("linear_step_percent", "linear")):
            if field in self.model_fields_set and self.strategy != strategy:
                raise ValueError(
                    f"{field} applies to strategy {strategy}, but strategy is {self.strategy}; "
                    f"remove {field} or set strategy: {strategy}"
                )
        if self.timeout_seconds > PROVIDER_WAIT_SECONDS:
            raise ValueError(
                f"timeout_seconds ({self.timeout_seconds}) is above {PROVIDER_WAIT_SECONDS}: "
                "terraform waits an hour for an updated endpoint and would report a failure "
                f"while SageMaker carries on; set it to {PROVIDER_WAIT_SECONDS} or less"
            )
        if self.bake_seconds < ROLLBACK_ALARM_SECONDS:
            raise ValueError(
                f"bake_seconds ({self.bake_seconds}) is shorter than the {ROLLBACK_ALARM_SECONDS} s "
                "the rollback alarms need to judge a step, so a bad model would take all traffic "
                f"before they could fire; set bake_seconds to {ROLLBACK_ALARM_SECONDS} or more"
            )
        budget = self.timeout_seconds - FLEET_START_SECONDS
        if self.waiting_seconds > budget:
            raise ValueError(
                f"the deployment waits {self.waiting_seconds} s ({self._waits()}), and SageMaker "
                f"needs about {FLEET_START_SECONDS} s to start the new fleet, so it cannot finish "
                f"within timeout_seconds ({self.timeout_seconds}); shorten bake_seconds or "
                "termination_wait_seconds, take fewer steps, or raise timeout_seconds "
                f"(at most {PROVIDER_WAIT_SECONDS}: terraform waits an hour for an endpoint)"
            )
        return self

    @property
    def steps(self) -> int:
        """Traffic shifts, each followed by ``bake_seconds`` of watching."""
        if self.strategy == "linear":
            return math.ceil(100 / self.linear_step_percent)
        if self.strategy == "canary":
            return 2
        return 1

    @property
    def waiting_seconds(self) -> int:
        """Baking and termination waits of one deployment, in seconds (an upper bound)."""
        return self.steps * self.bake_seconds + self.termination_wait_seconds

    @property
    def shifts_gradually(self) -> bool:
        """Whether part of the new fleet takes traffic first (canary or linear)."""
        return self.strategy != "all_at_once"

    def _waits(self) -> str:
        bakes = "bake" if self.steps == 1 else "bakes"
        return (
            f"{self.steps} {bakes} of {self.bake_seconds} s for strategy {self.strategy}, "
            f"then termination_wait_seconds {self.termination_wait_seconds}"
        )
