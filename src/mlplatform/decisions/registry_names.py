"""The physical names of the model registry's resources, in one place.

The registry the platform makes, a team's import of it and the verifier that
checks it with boto3 all need the same names; deriving them three times would
let one drift from the others when a name changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.naming import Naming

__all__ = ["REGISTRY_COMPONENT", "registry_names"]

REGISTRY_COMPONENT = "registry"
"""The ``<component>`` part of every registry name (``<org>-<env>-registry-...``)."""


def registry_names(naming: Naming, families: Sequence[str]) -> dict[str, str]:
    """Names by role: ``bucket``, ``access_logs``, ``table``, ``key_alias``, and per family
    ``repository:<family>`` and ``group:<family>``."""
    component = REGISTRY_COMPONENT
    return {
        "bucket": naming.bucket(component, "artifacts"),
        "access_logs": naming.bucket(component, "access-logs"),
        "table": naming.resource(component, "models", max_length=255),
        "key_alias": naming.kms_alias(component),
        **{f"repository:{f}": naming.resource(component, f, max_length=256) for f in families},
        # Model package group names are at most 63 characters.
        **{f"group:{f}": naming.resource(component, f, max_length=63) for f in families},
    }
