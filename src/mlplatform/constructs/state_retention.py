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

import weakref

from cdktf import TerraformResource
from constructs import IConstruct

from mlplatform.decisions.retention import RETENTION_RULE_ID
from mlplatform.guardrails.suppressions import suppress

__all__ = ["StateRetention"]

# The scopes that opted out, beside their suppression metadata: asking Python which of a
# resource's scopes opted out costs two jsii calls, reading every scope's metadata dozens.
_OPTED_OUT: weakref.WeakSet[IConstruct] = weakref.WeakSet()


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
        _OPTED_OUT.add(scope)

    @staticmethod
    def opted_out(scope: IConstruct) -> bool:
        """Whether ``scope`` or a scope above it opted out through :meth:`opt_out`.

        A bare ``suppress(scope, "MLP-RET-1", ...)`` silences the guardrail but still
        protects: the safe way round.
        """
        if not _OPTED_OUT:
            return False  # nothing opted out (as in every real environment): nothing to ask
        return any(s in _OPTED_OUT for s in scope.node.scopes)
