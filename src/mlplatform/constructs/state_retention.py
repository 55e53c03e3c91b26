"""Protect stateful resources from ``terraform destroy``, unless the environment opts out by name.

The AWS CDK makes stateful resources ``RemovalPolicy.RETAIN`` by default;
this is the Terraform equivalent. Every platform construct passes each bucket,
key, table, cluster, repository, model package group and Glue database it
creates through :meth:`StateRetention.protect`, which adds
``lifecycle.prevent_destroy``: a destroy, or a change that would replace one
of them, then fails at plan instead of losing data.

The opt-out is the suppression of guardrail MLP-RET-1 with a reason, on the
stack or any scope above the resources, so it shows in code review and is
the same record the guardrail reads. ``PlatformStack`` records it from the
environment file's ``retention`` section; a team stack calls
:meth:`StateRetention.opt_out` before adding constructs.
"""

from __future__ import annotations

from cdktf import TerraformResource
from constructs import IConstruct

from mlplatform.decisions.retention import RETENTION_RULE_ID
from mlplatform.guardrails.suppressions import suppress, suppressed_on

__all__ = ["StateRetention"]


class StateRetention:
    """``prevent_destroy`` for stateful resources, and the named opt-out from it."""

    @staticmethod
    def protect(resource: TerraformResource) -> None:
        """Add ``lifecycle.prevent_destroy`` to ``resource``, unless its scope opted out."""
        if StateRetention.opted_out(resource):
            return
        # An override merges with any other lifecycle setting the construct made.
        resource.add_override("lifecycle.prevent_destroy", True)

    @staticmethod
    def opt_out(scope: IConstruct, reason: str) -> None:
        """Let terraform destroy the stateful resources created below ``scope`` from now on."""
        suppress(scope, RETENTION_RULE_ID, reason)

    @staticmethod
    def opted_out(scope: IConstruct) -> bool:
        """Whether ``scope`` or a scope above it opted out of retention."""
        return RETENTION_RULE_ID in suppressed_on(scope)
