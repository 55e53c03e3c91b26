"""Secrets Manager: reading named secrets."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.arns import Arns
from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["SECRET_READ_ACTIONS", "secret_arn_pattern", "secrets_read_statement"]

SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")


def secret_arn_pattern(partition: str, region: str, account_id: str, name: str) -> str:
    """The ARN of secret ``name`` whatever its random suffix (Secrets Manager adds six
    characters after a ``-``)."""
    return Arns(partition, region, account_id).secretsmanager_secret_any_suffix(name)


def secrets_read_statement(sid: str, secret_arns: Sequence[str]) -> Statement:
    """Read the values of ``secret_arns``; not list, change or rotate them."""
    return allow(sid, SECRET_READ_ACTIONS, secret_arns)
