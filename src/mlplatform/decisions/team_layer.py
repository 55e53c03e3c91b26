"""What makes a team's layer, whichever engine builds it: its checked name, names and endpoint.

cdktf's :class:`~mlplatform.stacks.team_stack.TeamStack` and Pulumi's
:class:`~mlplatform.pulumi.team_layer.TeamLayer` refuse the same things with the
same messages (a config that is not a ``TeamConfig``, a name that is not a valid
id or is a platform layer's, a team name the platform's names reserve), so a
team moving between engines meets no new rule. Engine-free: no cdktf, no Pulumi.
"""

from __future__ import annotations

import os

from mlplatform.config import TeamConfig
from mlplatform.decisions.naming import (
    PLATFORM_LAYERS,
    InvalidNameError,
    Naming,
    check_construct_id,
)

__all__ = [
    "EMULATOR_ENDPOINT_VARIABLE",
    "EMULATOR_OPT_OUT",
    "emulator_endpoint",
    "team_layer_naming",
    "team_state_key",
]

EMULATOR_ENDPOINT_VARIABLE = "MLPLATFORM_AWS_ENDPOINT"
"""Where a team layer on an emulated platform finds the emulator when not told (the variable
the platform's own synth reads; ``mlplatform emulator endpoint`` prints its value)."""

EMULATOR_OPT_OUT = "a team stack on the emulator (emulator: true) is torn down with it"
"""Why a team layer on the emulator keeps no state-holding resource from destroy."""


def team_layer_naming(config: object, name: str, *, what: str, kind: str) -> Naming:
    """The names of team layer ``name`` (``<org>-<env>-<team>-...``), once ``config`` and
    ``name`` are checked; ``what`` is the class for messages (``TeamStack``), ``kind`` the
    noun (``stack``)."""
    if not isinstance(config, TeamConfig):
        raise TypeError(
            f"{what} {name!r}: config is a {type(config).__name__}; a team {kind} is built "
            "from a TeamConfig (mlplatform.loader.load_team_config('team.yaml'))"
        )
    check_construct_id(name, what)
    env = config.environment
    if name in PLATFORM_LAYERS:
        raise ValueError(
            f"{what} {name!r} reuses the platform's layer name {name!r} (stack "
            f"{env}-{name}, state {env}/{name}.tfstate); name it after what the team builds, "
            f"such as {config.team.name + '-' + name!r}"
        )
    try:
        return Naming.for_team(
            config.org, env, config.team.name, config.platform.bucket_name_suffix
        )
    except InvalidNameError as exc:
        raise ValueError(f"{what} {name!r}: {exc}") from None


def team_state_key(config: TeamConfig, name: str) -> str:
    """``teams/<team>/<env>/<name>.tfstate``: apart from every platform layer's state."""
    return f"teams/{config.team.name}/{config.environment}/{name}.tfstate"


def emulator_endpoint(config: TeamConfig, given: str | None) -> str | None:
    """Where the team layer reaches AWS: ``given``, else on an emulated platform the
    emulator ``make up`` started (:data:`EMULATOR_ENDPOINT_VARIABLE`), else AWS itself."""
    if given is None and config.platform.emulator:
        return os.environ.get(EMULATOR_ENDPOINT_VARIABLE) or None
    return given
