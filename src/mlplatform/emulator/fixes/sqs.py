"""SQS: setting some attributes of a queue leaves its access policy alone.

On AWS, ``SetQueueAttributes`` changes only the attributes it names; a
queue's ``Policy`` goes only when a request sets it to an empty string. moto
clears the policy on every ``SetQueueAttributes`` that does not name it, so
changing a queue's retention or encryption would silently drop the access
policy that lets EventBridge deliver to it (the Karpenter interruption
queue's), and the provider's ``aws_sqs_queue`` and ``aws_sqs_queue_policy``
would undo each other on every apply.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]


def apply() -> None:
    """Keep a queue's policy unless the request names ``Policy``."""
    from moto.sqs.models import Queue

    if not once(Queue, "_mlplatform_keep_queue_policy"):
        return
    set_attributes = Queue._set_attributes

    def set_attributes_keeping_policy(
        self: Any, attributes: dict[str, Any], now: float | None = None
    ) -> None:
        previous = self.__dict__.get("_policy_json")
        set_attributes(self, attributes, now)
        if "Policy" not in attributes and previous is not None:
            self._policy_json = previous

    Queue._set_attributes = set_attributes_keeping_policy  # type: ignore[method-assign]
