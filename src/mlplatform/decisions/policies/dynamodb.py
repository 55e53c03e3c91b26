"""DynamoDB: writes held to the rows of named partition keys."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import Statement

__all__ = ["METADATA_WRITE_ACTIONS", "dynamodb_leading_keys_statement"]

# GetItem and Query let a publisher check which versions exist before it writes.
METADATA_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
)


def dynamodb_leading_keys_statement(
    sid: str, table_arn: str, keys: Sequence[str], actions: Sequence[str]
) -> Statement:
    """``actions`` on one table, only on items whose partition key is one of ``keys``."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": table_arn,
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": list(keys)}},
    }
