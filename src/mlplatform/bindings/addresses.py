"""Terraform addresses of cdktf resources, computed in Python, for ``moved`` blocks.

When a construct is reshaped, a resource's construct path changes and so
does its Terraform address; a ``moved`` block keeps its state (and the real
resource) instead of destroying and creating it. Writing that block needs the
address the resource had at its old path. cdktf computes logical ids in node
(``makeUniqueId``); this is the same function in Python, so the old address
can be named from the old path without building the old tree.
``tests/test_moves.py`` checks it against cdktf for many paths.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

__all__ = ["logical_id"]

_HIDDEN = "Default"  # left out of the id altogether
_HIDDEN_FROM_HUMANS = "Resource"  # left out of the readable part, kept in the hash
_MAX_HUMAN = 240
_MAX_ID = 255


def logical_id(components: Sequence[str]) -> str:
    """cdktf's logical id of a resource whose construct path below its stack is ``components``."""
    parts = [c for c in components if c != _HIDDEN]
    if not parts:
        raise ValueError("a logical id needs at least one path component")
    if len(parts) == 1:
        candidate = _allowed(parts[0])
        if len(candidate) <= _MAX_ID:
            return candidate
    digest = hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()
    human = "_".join(_allowed(p) for p in _without_repeats(parts) if p != _HIDDEN_FROM_HUMANS)
    return f"{human[:_MAX_HUMAN]}_{digest[:8].upper()}"


def _allowed(component: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", component)


def _without_repeats(parts: Sequence[str]) -> list[str]:
    """Drop a component that the one before it ends with (``cluster``, ``cluster`` -> one)."""
    kept: list[str] = []
    for part in parts:
        if not kept or not kept[-1].endswith(part):
            kept.append(part)
    return kept
