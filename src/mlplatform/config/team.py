"""A team repo's configuration: which platform environment it builds on, and who the team is.

A team does not copy the platform's environment file (it would carry the
platform's tags and drift from it). It says only where the platform is
(``platform``: org, environment, region, the account outside the emulator)
and who it is (``team``: name, cost centre, owners); everything else it needs
it reads from the platform's contract in SSM (:mod:`mlplatform.decisions.contract`).

``TeamConfig.load(path)`` reads such a file, and every problem is a
:class:`~mlplatform.loader.ConfigError` line, as for environment files.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, field_validator, model_validator

from mlplatform.catalogs.s3 import bucket_name_problem
from mlplatform.config._base import _check_region, _Frozen

__all__ = ["PlatformEnvironmentRef", "TeamConfig", "TeamProps"]

_TAG_VALUE = r"^[A-Za-z0-9 _.:/=+@-]+$"


class PlatformEnvironmentRef(_Frozen):
    """The platform environment a team builds on: enough to find its contract and state."""

    org: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    """The platform's ``org`` (the first part of every name, ``mlp``)."""
    environment: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,9}$")]
    """The platform environment's name (``dev``)."""
    region: Annotated[str, AfterValidator(_check_region)]
    """The platform's region (an AWS region, as botocore lists them)."""
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    """The platform's account; required outside the emulator (the provider refuses others)."""
    emulator: StrictBool = False
    """The platform runs in the embedded AWS emulator (the ``local`` environment)."""
    bucket_suffix: str | None = None
    """The platform's ``bucket_suffix``, if it sets one (names the default state bucket)."""
    state_bucket: str | None = None
    """Where the team's state goes; default: the platform's state bucket,
    ``<org>-<env>-tfstate[-<bucket_suffix or account id>]``, under the team's own key prefix."""

    @field_validator("state_bucket")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        if value is not None:
            problem = bucket_name_problem(value)
            if problem is not None:
                raise ValueError(f"{problem}; choose a valid S3 bucket name")
        return value

    @model_validator(mode="after")
    def _account_outside_emulator(self) -> PlatformEnvironmentRef:
        if self.account_id is None and not self.emulator:
            raise ValueError(
                "account_id: required for a real AWS environment; set the platform's 12-digit "
                "account id (or emulator: true for the local environment)"
            )
        return self

    @property
    def bucket_name_suffix(self) -> str | None:
        """What ends the platform's bucket names (as ``EnvironmentConfig.bucket_name_suffix``)."""
        if self.bucket_suffix is not None:
            return self.bucket_suffix
        return None if self.emulator else self.account_id

    @property
    def state_bucket_name(self) -> str:
        """The bucket the team's state lives in."""
        if self.state_bucket is not None:
            return self.state_bucket
        suffix = self.bucket_name_suffix
        return f"{self.org}-{self.environment}-tfstate" + (f"-{suffix}" if suffix else "")


class TeamProps(_Frozen):
    """Who the team is: its name starts its resources' names, the rest becomes tags."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
    """Short, lowercase: resources are named ``<org>-<env>-<team>-...``."""
    cost_center: Annotated[str, Field(min_length=1, max_length=64, pattern=_TAG_VALUE)]
    """Billed for the team's resources; becomes their ``cost-center`` tag."""
    owners: Annotated[
        tuple[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/=+@-]{1,64}$")], ...],
        Field(min_length=1),
    ]
    """Who is paged for the team's resources (e-mail addresses or handles)."""

    @field_validator("name")
    @classmethod
    def _no_trailing_dash(cls, value: str) -> str:
        if value.endswith("-") or "--" in value:
            raise ValueError(f"{value!r} cannot end with '-' or contain '--'; e.g. 'ranking'")
        return value


class TeamConfig(_Frozen):
    """A team repo's ``team.yaml``: the platform environment it builds on, and the team."""

    platform: PlatformEnvironmentRef
    team: TeamProps

    @property
    def org(self) -> str:
        return self.platform.org

    @property
    def environment(self) -> str:
        return self.platform.environment

    @property
    def region(self) -> str:
        return self.platform.region
