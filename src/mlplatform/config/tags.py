"""Ownership tags of an environment: who is paged for it and who pays for it.

Kept apart from the layers because every layer's resources carry them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mlplatform.config._base import _Frozen

__all__ = ["TagsConfig"]


class TagsConfig(_Frozen):
    """Ownership tags put on every resource (besides env and component)."""

    team: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 _.:/=+@-]+$")]
    """Team that owns the environment, for on-call routing."""
    cost_center: Annotated[
        str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 _.:/=+@-]+$")
    ]
    """Cost center billed for the environment; becomes the ``cost-center`` tag."""
