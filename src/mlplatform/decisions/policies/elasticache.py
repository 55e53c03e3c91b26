"""ElastiCache: changing the passwords of named users."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["USER_PASSWORD_ACTIONS", "user_passwords_statement"]

USER_PASSWORD_ACTIONS = ("elasticache:ModifyUser", "elasticache:DescribeUsers")
"""Set a user's passwords, then see it active again."""


def user_passwords_statement(user_arns: Sequence[str]) -> Statement:
    """Change the passwords of ``user_arns`` (and their access strings: ``ModifyUser`` has no
    narrower action), and describe them."""
    return allow("RotateUserPasswords", USER_PASSWORD_ACTIONS, user_arns)
