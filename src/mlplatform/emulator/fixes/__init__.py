"""Fixes to moto's models, one module per AWS service, applied only by the emulator server.

Each fix replaces part of moto in the process that imports and applies it,
and that cannot be undone. So only :func:`mlplatform.emulator.server.main`
applies them, in the emulator's own process; tests talk to that process over
HTTP like the provider does, and every in-process ``mock_aws`` test keeps
plain moto.

Every fix marks what it patched with an attribute named ``_mlplatform_*``
(see :func:`once`), so a test can prove a process is unpatched.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MARKER_PREFIX", "once", "side_table"]

MARKER_PREFIX = "_mlplatform_"
"""Prefix of the attribute each fix sets on what it patched."""


def once(target: Any, marker: str) -> bool:
    """Whether a fix is applied for the first time; marks ``target`` with ``marker``."""
    if not marker.startswith(MARKER_PREFIX):
        raise ValueError(f"a fix marker starts with {MARKER_PREFIX!r}; got {marker!r}")
    if getattr(target, marker, False):
        return False
    setattr(target, marker, True)
    return True


def side_table(owner: Any, name: str) -> dict[str, Any]:
    """A table the emulator keeps on a moto object (a backend, a cluster) for what moto does
    not model, such as tags or placement groups; it goes when ``owner`` goes."""
    attribute = f"_emulator_{name}"
    table: dict[str, Any] | None = getattr(owner, attribute, None)
    if table is None:
        table = {}
        setattr(owner, attribute, table)
    return table
