"""The tags every resource of an environment carries.

``env``, ``team``, ``cost-center`` and ``component`` let finance split the
bill and on-call find the owner; ``managed-by`` warns people off console edits.
"""

from __future__ import annotations

from mlplatform.config import EnvironmentConfig

__all__ = ["platform_tags"]


def platform_tags(config: EnvironmentConfig, component: str) -> dict[str, str]:
    """Tags for every resource of ``component`` in the environment."""
    return {
        "env": config.environment,
        "team": config.tags.team,
        "cost-center": config.tags.cost_center,
        "component": component,
        "managed-by": "mlplatform",
    }
