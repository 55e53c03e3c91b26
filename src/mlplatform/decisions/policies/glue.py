"""Glue Data Catalog: reading table definitions and their partitions."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["GLUE_READ_ACTIONS", "glue_tables_statement"]

GLUE_READ_ACTIONS = (
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
)
"""What Athena and Spark need of the catalog to query a table; nothing that changes it."""


def glue_tables_statement(
    sid: str, catalog_arn: str, database_arn: str, table_arns: Sequence[str]
) -> Statement:
    """Read the definitions of ``table_arns`` in one database (IAM asks for catalog and
    database too)."""
    return allow(sid, GLUE_READ_ACTIONS, [catalog_arn, database_arn, *table_arns])
