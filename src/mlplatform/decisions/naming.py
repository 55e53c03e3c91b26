"""Deterministic physical names, checked against AWS limits when they are made.

Every name is ``<org>-<env>-<component>[-<name>]``, so a person reading a
bill, a log line or the console knows which environment and component a
resource belongs to. S3 bucket names are global across all accounts, so a
bucket name also ends with the environment's unique suffix, the account id by
default (``mlp-dev-datalake-raw-111111111111``; see
:attr:`~mlplatform.config.EnvironmentConfig.bucket_name_suffix`). Build an
environment's names with :meth:`Naming.for_environment`, so that creators,
importers and verifiers agree on them.

Names are always set explicitly (never left to the provider's random
suffixes) so that both engines, and a human, agree on them. A name that
breaks a service's length or charset rule raises here, at synth time,
instead of failing half-way through an apply.

A team repo's names (:meth:`Naming.for_team`) put the team after the
environment, ``<org>-<env>-<team>-<component>[-<name>]``. So that a team's
names can never be the platform's, a team may not be named like a platform
component or layer (:data:`PLATFORM_COMPONENTS`, :data:`PLATFORM_LAYERS`); a
test synthesizes every environment and fails if the platform makes a name
whose component is not in that set, so the set cannot drift from the code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlplatform.catalogs.s3 import bucket_name_problem
from mlplatform.config import EnvironmentConfig
from mlplatform.errors import ConstructError, MlplatformError

__all__ = [
    "PLATFORM_COMPONENTS",
    "PLATFORM_LAYERS",
    "InvalidNameError",
    "Naming",
    "check_construct_id",
    "reserved_team_name",
]

PLATFORM_LAYERS = ("network", "data", "compute", "cluster", "ml")
"""The platform's layers: stacks ``<env>-<layer>``, state ``<env>/<layer>.tfstate``."""

PLATFORM_COMPONENTS = frozenset(
    {
        "analytics",
        "budget",
        "cpu",
        "datalake",
        "dynamodb",
        "eks",
        "endpoint",
        "endpoints",
        "features",
        "flow",
        "gpu",
        "igw",
        "irsa",
        "karpenter",
        "ml",
        "nat",
        "network",
        "platform",
        "private",
        "public",
        "registry",
        "s3",
        "serving",
        "tfstate",
        "vpc",
    }
)
"""The ``<component>`` of every name the platform makes (``<org>-<env>-<component>-...``),
its state bucket's included; ``tests/test_naming.py`` keeps it complete."""


def reserved_team_name(team: str) -> str | None:
    """The platform component or layer a team named ``team`` would collide with, or ``None``.

    A team ``serving`` would name its endpoint ``ranker`` ``mlp-dev-serving-ranker``, which the
    platform owns; so would a team ``serving-x`` with a component ``x``-anything.
    """
    first = team.split("-", 1)[0]
    for reserved in sorted(PLATFORM_COMPONENTS | set(PLATFORM_LAYERS)):
        if team == reserved or first == reserved:
            return reserved
    return None


class InvalidNameError(MlplatformError, ValueError):
    """A generated name breaks an AWS naming rule; the message says which and how to fix it."""


_PART = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True)
class Naming:
    """Makes names for one environment of one organisation."""

    org: str
    environment: str
    bucket_suffix: str | None = None
    """Ends every bucket name, to make it globally unique; ``None`` leaves names bare."""
    team: str | None = None
    """A team repo's team: names become ``<org>-<env>-<team>-...``; ``None`` for the platform."""

    def __post_init__(self) -> None:
        for label, value in (
            ("org", self.org),
            ("environment", self.environment),
            ("bucket_suffix", self.bucket_suffix),
            ("team", self.team),
        ):
            if value is not None and not _PART.match(value):
                raise InvalidNameError(
                    f"{label} {value!r} must be lowercase letters, digits and inner '-'"
                )
        if self.team is not None:
            reserved = reserved_team_name(self.team)
            if reserved is not None:
                raise InvalidNameError(
                    f"team {self.team!r} would name its resources {self.prefix}-..., like the "
                    f"platform's {reserved!r} component ({self.org}-{self.environment}-"
                    f"{reserved}-...); choose another team name"
                )

    @classmethod
    def for_environment(cls, config: EnvironmentConfig) -> Naming:
        """The names of ``config``'s environment, bucket suffix included."""
        return cls(config.org, config.environment, config.bucket_name_suffix)

    @classmethod
    def for_team(cls, org: str, environment: str, team: str, bucket_suffix: str | None) -> Naming:
        """A team's names in platform environment ``<org>-<env>``: ``<org>-<env>-<team>-...``."""
        return cls(org, environment, bucket_suffix, team)

    @property
    def prefix(self) -> str:
        """``<org>-<env>`` (``<org>-<env>-<team>`` for a team): the start of every name."""
        return f"{self.org}-{self.environment}" + (f"-{self.team}" if self.team else "")

    def node_pool(self, pool: str) -> str:
        """GPU pool ``pool``'s name in the cluster: its NodePool, node class and
        ``mlplatform/pool`` label. ``pool`` for the platform's pools, ``<team>-<pool>`` for a
        team's, so a team's pool is neither the platform's nor another team's (both engines'
        ``GpuTrainingPool.node_pool_name``)."""
        return f"{self.team}-{pool}" if self.team else pool

    def resource(self, component: str, name: str | None = None, *, max_length: int = 64) -> str:
        """Generic ``<org>-<env>-<component>[-<name>]`` within ``max_length`` characters."""
        parts = [self.prefix, component, *([name] if name else [])]
        _check_parts(parts[1:])
        result = "-".join(parts)
        if len(result) > max_length:
            raise InvalidNameError(
                f"{result!r} is {len(result)} characters, over the limit of {max_length}; "
                "shorten org, environment or the component name"
            )
        return result

    def bucket(self, component: str, name: str | None = None) -> str:
        """An S3 bucket name, ``<org>-<env>-<component>[-<name>][-<bucket_suffix>]``, checked
        against S3's rules (:mod:`mlplatform.catalogs.s3`)."""
        _check_parts([component, *([name] if name else [])])
        parts = [self.prefix, component, *(p for p in (name, self.bucket_suffix) if p)]
        result = "-".join(parts)
        problem = bucket_name_problem(result)
        if problem is not None:
            raise InvalidNameError(
                f"{problem}; shorten or rename org, environment, bucket_suffix or the component"
            )
        return result

    def iam(self, component: str, name: str | None = None) -> str:
        """An IAM role or policy name (at most 64 characters)."""
        return self.resource(component, name, max_length=64)

    def glue_database(self, component: str, name: str | None = None) -> str:
        """A Glue/Athena database name: lowercase, digits and underscores only."""
        return self.resource(component, name, max_length=255).replace("-", "_")

    def kms_alias(self, component: str, name: str | None = None) -> str:
        """A KMS alias, ``alias/<org>-<env>-<component>``."""
        return "alias/" + self.resource(component, name, max_length=250)

    def log_group(self, component: str, name: str | None = None) -> str:
        """A CloudWatch log group, ``/mlplatform/<org>-<env>/<component>[/<name>]``."""
        _check_parts([component, *([name] if name else [])])
        path = f"/mlplatform/{self.prefix}/{component}" + (f"/{name}" if name else "")
        if len(path) > 512:
            raise InvalidNameError(f"log group {path!r} is over 512 characters")
        return path


def _check_parts(parts: list[str]) -> None:
    for part in parts:
        if not _PART.match(part):
            raise InvalidNameError(
                f"name part {part!r} must be lowercase letters, digits and inner '-'"
            )


# Terraform block labels: a letter or '_' first, then letters, digits, '_' and '-'.
_TERRAFORM_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def check_construct_id(id: str, what: str) -> str:
    """``id``, or a one-line :class:`~mlplatform.errors.ConstructError` (a ``ValueError``) if
    Terraform would reject the name cdktf makes of it. Pulumi components check the same, so
    one id works on both engines."""
    if not _TERRAFORM_ID.match(id):
        fixed = re.sub(r"[^A-Za-z0-9_-]+", "-", id).strip("-") or "imported"
        if not fixed[0].isalpha():
            fixed = f"x-{fixed}"
        raise ConstructError(
            f"{what} id {id!r}: Terraform names take letters, digits, '-' and '_' (a letter "
            f"first); use {fixed!r}"
        )
    return id
