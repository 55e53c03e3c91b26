"""Suppressions: an explicit, reviewed exemption from one guardrail rule, with its reason.

A suppression is construct metadata (``mlplatform:suppress``), so it shows in
code review beside the construct it exempts and covers every resource below
that construct. The check reads it only for resources that break a rule.

:func:`suppress` also records it in Python, by the construct tree's root and
the construct's path: reading it back from node, scope by scope, cost about
800 round trips to node per synth of the four environments (each scope's
metadata, each entry's fields), a sixth of all of them.
"""

from __future__ import annotations

import weakref
from typing import Any

from constructs import IConstruct

from mlplatform.errors import ConstructError

__all__ = ["SUPPRESSION_METADATA", "suppress", "suppressed_rules"]

SUPPRESSION_METADATA = "mlplatform:suppress"


_RECORDED: weakref.WeakKeyDictionary[Any, list[tuple[str, str]]] = weakref.WeakKeyDictionary()
"""By construct tree root: (path of the suppressing construct, rule id), as suppressed."""
_ROOTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
"""Each checked stack's tree root, asked of node once."""


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Exempt ``construct`` and everything below it from one guardrail rule, with a reason."""
    if not reason.strip():
        raise ConstructError(f"suppressing {rule_id} needs a reason a reviewer can judge")
    node = construct.node
    node.add_metadata(SUPPRESSION_METADATA, {"rule": rule_id, "reason": reason})
    _RECORDED.setdefault(node.root, []).append((node.path, rule_id))


def suppressed_rules(root: IConstruct, path: str) -> set[str]:
    """The rules suppressed on the construct at ``path`` (in ``root``'s tree) or any scope
    above it."""
    tree = _ROOTS.get(root)
    if tree is None:
        tree = _ROOTS[root] = root.node.root
    return {
        rule
        for scope, rule in _RECORDED.get(tree, ())
        if not scope or path == scope or path.startswith(f"{scope}/")
    }
