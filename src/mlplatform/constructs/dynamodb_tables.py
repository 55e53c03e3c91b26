"""A stateful DynamoDB table as a plan decides it: recoverable, encrypted, kept.

The feature store's online tables and the model registry's metadata table are
both decided as plain fields (``online_store_plan``, ``registry_plan``): the
settings, and nested blocks the engine wraps in its own types. Every such
table has point-in-time recovery and KMS encryption and is kept from being
destroyed (:class:`~mlplatform.constructs.state_retention.StateRetention`), so
those three are made here once; each caller adds only its own blocks (keys,
TTL, indexes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from constructs import Construct

from mlplatform.bindings.aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from mlplatform.constructs.state_retention import StateRetention

__all__ = ["planned_table"]


def planned_table(
    scope: Construct,
    id: str,
    *,
    settings: Mapping[str, Any],
    blocks: Mapping[str, Any],
    **own_blocks: Any,
) -> DynamodbTable:
    """The table ``settings`` describe, with the ``point_in_time_recovery`` and
    ``server_side_encryption`` of the plan's ``blocks`` and the caller's ``own_blocks``
    (already in the binding's structs), protected from ``destroy``."""
    table = DynamodbTable(
        scope,
        id,
        **settings,
        **own_blocks,
        point_in_time_recovery=DynamodbTablePointInTimeRecovery(**blocks["point_in_time_recovery"]),
        server_side_encryption=DynamodbTableServerSideEncryption(
            **blocks["server_side_encryption"]
        ),
    )
    StateRetention.protect(table)
    return table
