"""The tags every resource of an environment carries.

``env``, ``team``, ``cost-center`` and ``component`` let finance split the
bill and on-call find the owner; ``managed-by`` warns people off console edits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from mlplatform.config import EnvironmentConfig, TeamConfig

__all__ = [
    "LAUNCHED_RESOURCE_KINDS",
    "MAX_TAG_VALUE",
    "TagsLaunchedResources",
    "platform_tags",
    "team_tags",
]

MAX_TAG_VALUE = 256
"""Characters of a tag value AWS accepts."""

LAUNCHED_RESOURCE_KINDS = ("instance", "volume", "network-interface")
"""What EC2 Auto Scaling launches from a launch template, where provider
``default_tags`` do not reach: the template's ``tag_specifications`` must carry them."""


@runtime_checkable
class TagsLaunchedResources(Protocol):
    """A stack that knows the tags for what AWS launches later on its resources' behalf."""

    @property
    def launched_resource_tags(self) -> Mapping[str, str]: ...


def platform_tags(config: EnvironmentConfig, component: str) -> dict[str, str]:
    """Tags for every resource of ``component`` in the environment."""
    return {
        "env": config.environment,
        "team": config.tags.team,
        "cost-center": config.tags.cost_center,
        "component": component,
        "managed-by": "mlplatform",
    }


def team_tags(config: TeamConfig, component: str) -> dict[str, str]:
    """Tags for every resource of a team's stack: the team's own, not the platform's."""
    owners = " ".join(config.team.owners)
    return {
        "env": config.environment,
        "team": config.team.name,
        "cost-center": config.team.cost_center,
        "owners": owners[:MAX_TAG_VALUE],
        "component": component,
        "managed-by": "mlplatform",
    }
