"""Athena: running queries in one workgroup."""

from __future__ import annotations

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["ATHENA_QUERY_ACTIONS", "athena_workgroup_statement"]

ATHENA_QUERY_ACTIONS = (
    "athena:GetWorkGroup",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
)
"""Run a query, follow it and read its results; the workgroup's settings stay as they are."""


def athena_workgroup_statement(sid: str, workgroup_arn: str) -> Statement:
    """Query in one workgroup (whose enforced configuration encrypts the results)."""
    return allow(sid, ATHENA_QUERY_ACTIONS, workgroup_arn)
