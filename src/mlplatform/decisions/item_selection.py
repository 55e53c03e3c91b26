"""Which of a component's items (lake zones, feature groups, model families) a grant covers.

Every grant helper of the lake, the feature store and the model registry, in
both engines, takes ``None`` (every item), one item or several, and refuses one
the component does not have. The choice is made here once; each engine words
the refusal its own way (cdktf names the construct and the fix, as a
``ConstructError``; Pulumi raises a ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["selected"]


def selected(
    item: str | Iterable[str] | None, known: Sequence[str]
) -> tuple[tuple[str, ...], str | None]:
    """The items ``item`` names (every ``known`` one for ``None``), and the first of them that is
    not ``known`` (``None`` when all are)."""
    if item is None:
        return tuple(known), None
    chosen = (item,) if isinstance(item, str) else tuple(item)
    return chosen, next((c for c in chosen if c not in known), None)
