"""A team's layer of a Pulumi program: its own names and tags, on a platform environment it reads.

The counterpart of cdktf's :class:`~mlplatform.stacks.team_stack.TeamStack`:
``TeamLayer(config, "features")`` is a component named ``<env>-<team>-<name>`` with

- **names** ``<org>-<env>-<team>-...`` (``Naming.for_team``), so no team resource can
  take a name the platform owns;
- **tags** the team's own (the shared ``team_tags`` decision) on its provider's default
  tags: ``team``, ``cost-center``, ``owners``, ``env``, ``component``, ``managed-by``;
- **the platform contract**: ``DataLake.from_environment(layer, "lake")`` and the other
  importers read the platform environment's SSM parameters without being told which.

It refuses what ``TeamStack`` refuses, with the same messages: a config that is not a
``TeamConfig``, a name that is a platform layer's, a team name the platform's names
reserve. State lives in the Pulumi backend the team chose (no ``teams/<team>/...`` key).
"""

from __future__ import annotations

import os
import re

import pulumi

from mlplatform.config import TeamConfig
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import PLATFORM_LAYERS, InvalidNameError, Naming
from mlplatform.decisions.retention import RETENTION_RULE_ID
from mlplatform.decisions.tagging import team_tags
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["EMULATOR_ENDPOINT_VARIABLE", "TeamLayer"]

EMULATOR_ENDPOINT_VARIABLE = "MLPLATFORM_AWS_ENDPOINT"
"""Where a team layer on an emulated platform finds the emulator when not told (the variable
``TeamStack`` reads; repeated here so a Pulumi program does not import cdktf)."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
EMULATOR_OPT_OUT = "a team stack on the emulator (emulator: true) is torn down with it"


class TeamLayer(Layer):
    """``mlplatform:<team>-<name>:Layer`` named ``<env>-<team>-<name>`` on ``config``'s platform.

    A :class:`Layer` for everything that takes one (importers, grants, a team's own
    components); it has no ``EnvironmentConfig`` (``config`` is not set), so a platform
    component that needs the platform's configuration cannot be built in it.
    """

    def __init__(
        self,
        config: TeamConfig,
        name: str,
        *,
        parent: pulumi.Resource | None = None,
        emulator_endpoint: str | None = None,
    ) -> None:
        if not isinstance(config, TeamConfig):
            raise TypeError(
                f"TeamLayer {name!r}: config is a {type(config).__name__}; a team layer is built "
                "from a TeamConfig (mlplatform.loader.load_team_config('team.yaml'))"
            )
        if not _NAME.match(name):
            raise ValueError(
                f"TeamLayer id {name!r}: names take letters, digits, '-' and '_' (a letter first)"
            )
        env = config.environment
        if name in PLATFORM_LAYERS:
            raise ValueError(
                f"TeamLayer {name!r} reuses the platform's layer name {name!r} (stack "
                f"{env}-{name}, state {env}/{name}.tfstate); name it after what the team builds, "
                f"such as {config.team.name + '-' + name!r}"
            )
        try:
            naming = Naming.for_team(
                config.org, env, config.team.name, config.platform.bucket_name_suffix
            )
        except InvalidNameError as exc:
            raise ValueError(f"TeamLayer {name!r}: {exc}") from None
        platform = config.platform
        layer = f"{config.team.name}-{name}"
        PlatformComponent.__init__(
            self,
            layer,
            "Layer",
            f"{env}-{layer}",
            parent=parent,
            suppressions={RETENTION_RULE_ID: EMULATOR_OPT_OUT} if platform.emulator else None,
        )
        self.team_config = config
        self.stack_name = name
        """``name``, as ``TeamStack.name``."""
        self.layer = layer
        self.naming = naming
        self.tags = team_tags(config, name)
        self.retain = not platform.emulator
        self.platform_contract = PlatformContract(config.org, env)
        if platform.emulator and emulator_endpoint is None:
            emulator_endpoint = os.environ.get(EMULATOR_ENDPOINT_VARIABLE) or None
        self._connect(
            region=platform.region,
            emulator=platform.emulator,
            account_id=platform.account_id,
            endpoint=emulator_endpoint,
        )
