"""Keep a resource's state when a reshaping changes its Terraform address.

A construct that moves a resource to a new construct path calls
``moved_from(resource, old_path)``; Terraform then reads the old state for the
new address (a ``moved`` block) instead of destroying and creating the
resource. In a platform stack the block is written by the stack itself; cdktf's
own ``move_from_id`` would do the same but makes every synth of a stack with a
move run ``terraform version`` (0.6 s for the sixteen platform stacks), so it
is only the fallback for other stacks.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cdktf import TerraformResource, TerraformStack
from constructs import IConstruct

from mlplatform.bindings.addresses import logical_id

__all__ = ["RecordsHandovers", "RecordsMoves", "handed_over", "moved_from", "path_below_stack"]


@runtime_checkable
class RecordsMoves(Protocol):
    """A stack that writes ``moved`` blocks for its resources."""

    def record_move(self, resource: TerraformResource, from_address: str) -> None: ...


@runtime_checkable
class RecordsHandovers(Protocol):
    """A stack that writes ``removed`` blocks (``destroy = false``) for resources it no
    longer manages."""

    def record_handover(self, address: str) -> None: ...


def handed_over(scope: IConstruct, kind: str, old_id: str) -> str:
    """Forget the ``kind`` resource an earlier release made at ``<scope>/<old_id>``, leaving
    it in AWS: another resource now sets what it set (a ``removed`` block, a no-op where the
    state never had it). Returns its address. In a stack that writes no such blocks (one not
    built on ``GuardedStack``), nothing is written: such a stack was never deployed by an
    earlier release of the platform.
    """
    address = f"{kind}.{logical_id([*path_below_stack(scope), old_id])}"
    stack = TerraformStack.of(scope)
    if isinstance(stack, RecordsHandovers):
        stack.record_handover(address)
    return address


def path_below_stack(construct: IConstruct) -> list[str]:
    """The construct ids from below the stack down to ``construct``."""
    stack = TerraformStack.of(construct)
    depth = _STACK_DEPTHS.get(stack)
    if depth is None:
        depth = _STACK_DEPTHS[stack] = len(stack.node.path.split("/"))
    return construct.node.path.split("/")[depth:]


_STACK_DEPTHS: weakref.WeakKeyDictionary[TerraformStack, int] = weakref.WeakKeyDictionary()
"""How many ids a stack's path has, asked of node once per stack."""


def moved_from(resource: TerraformResource, old_path: Sequence[str]) -> str:
    """Move the state at ``old_path`` (construct ids below the stack) to ``resource``.

    Returns the old address, ``<type>.<logical id>``.
    """
    kind = getattr(type(resource), "TERRAFORM_TYPE", "") or resource.terraform_resource_type
    address = f"{kind}.{logical_id(old_path)}"
    stack = TerraformStack.of(resource)
    if isinstance(stack, RecordsMoves):
        stack.record_move(resource, address)
    else:
        resource.move_from_id(address)
    return address
