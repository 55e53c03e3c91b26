"""Suppressions: an explicit, reviewed exemption from one guardrail rule, with its reason.

A suppression is construct metadata (``mlplatform:suppress``), so it shows in
code review beside the construct it exempts and covers every resource below
that construct. The check reads it only for resources that break a rule.
"""

from __future__ import annotations

from constructs import IConstruct

from mlplatform.errors import ConstructError

__all__ = ["SUPPRESSION_METADATA", "suppress", "suppressed_rules"]

SUPPRESSION_METADATA = "mlplatform:suppress"


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Exempt ``construct`` and everything below it from one guardrail rule, with a reason."""
    if not reason.strip():
        raise ConstructError(f"suppressing {rule_id} needs a reason a reviewer can judge")
    construct.node.add_metadata(SUPPRESSION_METADATA, {"rule": rule_id, "reason": reason})


def _rules_of(scopes: list[IConstruct]) -> set[str]:
    return {
        str(entry.data["rule"])
        for scope in scopes
        for entry in scope.node.metadata
        if entry.type == SUPPRESSION_METADATA
    }


def suppressed_rules(root: IConstruct, path: str) -> set[str]:
    """The rules suppressed on the construct at ``path`` (below ``root``) or any scope above it."""
    scopes = list(root.node.scopes)
    relative = path.split("/")[len(root.node.path.split("/")) if root.node.path else 0 :]
    node: IConstruct | None = root
    for part in relative:
        node = node.node.try_find_child(part) if node is not None else None
        if node is None:
            break
        scopes.append(node)
    return _rules_of(scopes)
