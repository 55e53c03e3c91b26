"""A team repo's ``environment.yaml``: which platform environment it builds on, and who the team is.

``mlplatform team init`` writes it, and the team's ``main.py`` reads it. It
holds what only the team knows (its name, cost centre and owners) and which
platform environment it builds on. Until the platform publishes its values
(org, region, account) for teams to read, the file repeats the three that
today's importers need to name the platform's resources.

A bad file is a :class:`~mlplatform.loader.ConfigError`: one line per problem,
naming the file, the key and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mlplatform.decisions.naming import Naming
from mlplatform.loader import ConfigError, _describe

__all__ = ["PLATFORM_LAYERS", "TeamEnvironment", "describe_problem", "team_name_problem"]

PLATFORM_LAYERS = ("network", "data", "compute", "cluster", "ml", "platform")
"""Names a team may not take: the platform's own layers (``<env>-<layer>`` stacks)."""

_TEAM = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")


def team_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a team (it starts every resource and stack name), or ``None``."""
    if not _TEAM.match(name) or "--" in name:
        return (
            f"team name {name!r} must be 3-20 lowercase letters, digits and single inner '-', "
            "starting with a letter (it starts every resource name: <org>-<env>-<team>-...); "
            "for example ranking or search-ads"
        )
    if name in PLATFORM_LAYERS:
        return (
            f"team name {name!r} is a platform layer's ({', '.join(PLATFORM_LAYERS)}); "
            "its stack and names would collide with the platform's; pick the team's own name"
        )
    return None


class TeamEnvironment(BaseModel):
    """What ``environment.yaml`` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform_environment: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,9}$")]
    """The platform environment this repo builds on (``dev``, ``prod``, ...)."""
    team: str
    """The team's name: ``<org>-<env>-<team>-...`` starts its resources' names."""
    cost_center: Annotated[str, Field(min_length=1, max_length=64)]
    """Goes on every resource as the ``cost-center`` tag."""
    owners: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")], ...] = ()
    """Who answers for this repo's resources (e-mail addresses)."""
    org: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")] = "mlp"
    """The platform's ``org`` (first part of every name)."""
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] = "us-east-1"
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    """The platform account; bucket names end with it. ``null`` for the emulator (``local``)."""

    @field_validator("team")
    @classmethod
    def _team(cls, value: str) -> str:
        problem = team_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @property
    def naming(self) -> Naming:
        """The platform environment's names (``mlp-dev-...``, buckets ending with the account)."""
        return Naming(self.org, self.platform_environment, self.account_id)

    @property
    def tags(self) -> dict[str, str]:
        """The team's tags, on every resource through the provider's ``default_tags``."""
        return {
            "env": self.platform_environment,
            "team": self.team,
            "cost-center": self.cost_center,
            "component": self.team,
            "managed-by": "mlplatform",
        }

    @classmethod
    def load(cls, path: Path | str = "environment.yaml") -> TeamEnvironment:
        """Read and validate the file; raise :class:`ConfigError` naming each bad key."""
        path = Path(path)
        if path.is_absolute() and path.is_relative_to(Path.cwd()):
            path = path.relative_to(Path.cwd())  # messages name it as the user would
        if not path.is_file():
            raise ConfigError(path, ["file not found; run `mlplatform team init` to write one"])
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ConfigError(path, [f"invalid YAML: {error}"]) from None
        if not isinstance(data, dict):
            raise ConfigError(path, ["expected a mapping of keys (see mlplatform team init)"])
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise ConfigError(path, [describe_problem(e) for e in error.errors()]) from None


_EXPECTED = {
    "platform_environment": "an environment name: 2-10 lowercase letters and digits from a "
    "letter, such as dev or prod",
    "org": "the platform's org: 2-12 lowercase letters and digits from a letter, such as mlp",
    "region": "an AWS region such as us-east-1",
    "account_id": 'an account id: 12 digits, quoted in YAML ("111111111111")',
    "owners": "an e-mail address such as ranking-oncall@example.com",
}


def describe_problem(error: Any) -> str:
    """One validation error as ``<key>: <problem>; <fix>``."""
    field = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "string_pattern_mismatch" and field in _EXPECTED:
        where = ".".join(str(part) for part in error["loc"])
        return f"{where}: {error.get('input')!r} is not {_EXPECTED[field]}"
    if error["type"] == "extra_forbidden":
        return (
            f"{error['loc'][0]}: unknown key; allowed keys: "
            f"{', '.join(TeamEnvironment.model_fields)}"
        )
    return str(_describe(error))
