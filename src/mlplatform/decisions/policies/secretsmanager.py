"""Secrets Manager: reading named secrets, and rotating them."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.arns import Arns
from mlplatform.decisions.policies.documents import Statement, allow

__all__ = [
    "SECRET_READ_ACTIONS",
    "SECRET_ROTATION_ACTIONS",
    "secret_arn_pattern",
    "secret_rotation_statements",
    "secrets_read_statement",
]

SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
SECRET_ROTATION_ACTIONS = (
    *SECRET_READ_ACTIONS,
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
)
"""What a rotation function does to the secrets it rotates (Secrets Manager's four steps)."""


def secret_arn_pattern(partition: str, region: str, account_id: str, name: str) -> str:
    """The ARN of secret ``name`` whatever its random suffix (Secrets Manager adds six
    characters after a ``-``)."""
    return Arns(partition, region, account_id).secretsmanager_secret_any_suffix(name)


def secrets_read_statement(sid: str, secret_arns: Sequence[str]) -> Statement:
    """Read the values of ``secret_arns``; not list, change or rotate them."""
    return allow(sid, SECRET_READ_ACTIONS, secret_arns)


def secret_rotation_statements(secret_arns: Sequence[str]) -> list[Statement]:
    """A rotation function's: the four steps on ``secret_arns``, and new random passwords
    (``GetRandomPassword`` has no resource to scope it to)."""
    return [
        allow("RotateSecrets", SECRET_ROTATION_ACTIONS, secret_arns),
        allow("GeneratePasswords", "secretsmanager:GetRandomPassword", "*"),
    ]
