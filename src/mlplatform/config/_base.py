"""What every config section shares: the frozen base model and the checks used by every layer.

Each layer's module builds on these, so the rules that hold everywhere (a YAML
typo is an error naming the key, a quoted number is refused, a log retention
is one CloudWatch accepts, a list names each item once) are written once.
Private: the public names are re-exported by :mod:`mlplatform.config`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from mlplatform.catalogs.regions import region_problem

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
CLOUDWATCH_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
PositiveInt = Annotated[StrictInt, Field(ge=1)]


class _Frozen(BaseModel):
    """Base for every config section: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_retention(days: int) -> int:
    if days not in CLOUDWATCH_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in CLOUDWATCH_RETENTION_DAYS)
        raise ValueError(f"CloudWatch Logs accepts only these retention days: {allowed}")
    return days


RetentionDays = Annotated[PositiveInt, AfterValidator(_check_retention)]
"""Days a CloudWatch log group keeps events: one of ``CLOUDWATCH_RETENTION_DAYS``."""


def _check_unique(value: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``value`` unchanged, or ``each <what> may be listed once`` if it names an item twice."""
    if len(set(value)) != len(value):
        raise ValueError(f"each {what} may be listed once")
    return value


def _check_region(value: str) -> str:
    """An AWS region, such as us-east-1 (the environment's, or the lake's replica's), as
    botocore lists them (:mod:`mlplatform.catalogs.regions`)."""
    problem = region_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value
