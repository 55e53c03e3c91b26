"""Run the guardrail rules once per stack at synth, in Python, over the stack's Terraform JSON.

Why not an Aspect: cdktf calls an Aspect back from node for every construct
of the stack, and a thousand callbacks cost about a second of every synth.
Here the rules of :mod:`mlplatform.guardrails.rules` run once per stack over
its resolved Terraform JSON, and each unsuppressed finding becomes one line
with the rule id, the resource, its construct path and the fix.

Two ways in, one check:

- ``GuardedStack``, the base of every platform stack, checks the JSON that
  cdktf is about to write: its ``to_terraform`` runs the rules on its own
  result and raises before anything is written. This costs no extra pass.
- ``Guardrails.apply(stack)`` adds the check to any other stack as a cdktf
  validation, which renders the stack once more to check it.

Either way ``app.synth()`` fails with the findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from cdktf import TerraformResource, TerraformStack
from constructs import Construct, IConstruct, IValidation

from mlplatform.bindings.stack_preparation import prepare_in_one_pass
from mlplatform.errors import MlplatformError
from mlplatform.guardrails.rules import PROVIDERS, RULES, Resources
from mlplatform.guardrails.suppressions import suppressed_rules

__all__ = ["GuardedStack", "GuardrailError", "Guardrails", "guardrail_findings"]


class GuardrailError(MlplatformError, RuntimeError):
    """A stack breaks guardrails; the message has one line per finding."""


def guardrail_findings(document: Mapping[str, Any], root: IConstruct) -> list[str]:
    """One message per unsuppressed finding in a stack's Terraform JSON, in rule order.

    ``root`` is the stack: suppressions are read from the constructs on the
    path of each resource that breaks a rule, and only of those.
    """
    resources: Resources = {
        kind: dict(named) for kind, named in document.get("resource", {}).items()
    }
    resources[PROVIDERS] = dict(document.get("provider", {}))
    messages: list[str] = []
    for rule in RULES:
        for finding in rule.check(resources):
            kind, name = finding.resource.split(".", 1)
            path = resources[kind][name].get("//", {}).get("metadata", {}).get("path", "")
            if rule.id in suppressed_rules(root, path):
                continue
            messages.append(
                f"{rule.id}: {rule.info}. {finding.resource} ({path}) {finding.message}; "
                f"fix: {rule.fix}"
            )
    return messages


class GuardedStack(TerraformStack):
    """A stack that refuses to synthesize while it breaks a guardrail.

    It also writes the ``moved`` blocks its constructs record
    (:func:`mlplatform.constructs.moves.moved_from`) and the ``removed`` blocks of resources
    handed over to another stack (:meth:`record_handover`), into the same JSON, and
    prepares its generated elements in one pass instead of one callback each
    (:func:`mlplatform.bindings.stack_preparation.prepare_in_one_pass`).
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._moves: list[tuple[TerraformResource, str]] = []
        self._handovers: list[str] = []

    def record_move(self, resource: TerraformResource, from_address: str) -> None:
        """Write ``moved { from = from_address, to = <resource> }`` into this stack."""
        self._moves.append((resource, from_address))

    def record_handover(self, address: str) -> None:
        """Write ``removed { from = address, lifecycle { destroy = false } }``: the resource
        another stack now manages leaves this stack's state and stays in AWS (a no-op where
        this stack never had it)."""
        if address not in self._handovers:
            self._handovers.append(address)

    @jsii.member(jsii_name="prepareStack")
    def prepare_stack(self) -> None:
        if not prepare_in_one_pass(self):
            super().prepare_stack()

    @jsii.member(jsii_name="toTerraform")
    def to_terraform(self) -> Any:
        document = super().to_terraform()
        findings = guardrail_findings(document, self)
        if findings:
            raise GuardrailError(
                f"stack {self.node.id} breaks guardrails:\n  " + "\n  ".join(findings)
            )
        if self._moves:
            document.setdefault("moved", []).extend(
                {
                    "from": from_address,
                    "to": f"{resource.terraform_resource_type}.{resource.friendly_unique_id}",
                }
                for resource, from_address in self._moves
            )
        if self._handovers:
            document.setdefault("removed", []).extend(
                {"from": address, "lifecycle": {"destroy": False}} for address in self._handovers
            )
        return document


@jsii.implements(IValidation)
class Guardrails:
    """The platform's guardrails on any cdktf stack: ``Guardrails.apply(stack)``."""

    def __init__(self, stack: TerraformStack) -> None:
        self._stack = stack

    @classmethod
    def apply(cls, stack: TerraformStack) -> Guardrails:
        """Check ``stack`` at every synth (``GuardedStack`` needs no call: it checks itself)."""
        check = cls(stack)
        stack.node.add_validation(check)
        return check

    def validate(self) -> list[str]:
        return guardrail_findings(self._stack.to_terraform(), self._stack)
