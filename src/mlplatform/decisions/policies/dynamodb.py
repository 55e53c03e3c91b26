"""DynamoDB: writes held to the rows of named partition keys."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = [
    "FEATURE_READ_ACTIONS",
    "FEATURE_WRITE_ACTIONS",
    "METADATA_WRITE_ACTIONS",
    "dynamodb_leading_keys_statement",
    "dynamodb_tables_statement",
]

# GetItem and Query let a publisher check which versions exist before it writes.
METADATA_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
)

FEATURE_READ_ACTIONS = (
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
)
"""Feast's online reads (``BatchGetItem``), and ``DescribeTable`` it checks a table with."""
FEATURE_WRITE_ACTIONS = (
    *FEATURE_READ_ACTIONS,
    "dynamodb:PutItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)
"""Materializing rows (``BatchWriteItem``, ``PutItem``) and removing an entity's row; never a
table."""


def dynamodb_tables_statement(
    sid: str, table_arns: Sequence[str], actions: Sequence[str]
) -> Statement:
    """``actions`` on the items of ``table_arns``."""
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(table_arns)}


def dynamodb_leading_keys_statement(
    sid: str, table_arn: str, keys: Sequence[str], actions: Sequence[str]
) -> Statement:
    """``actions`` on one table, only on items whose partition key is one of ``keys``."""
    return allow(
        sid, actions, table_arn, {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": list(keys)}}
    )
