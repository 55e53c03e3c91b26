"""Where Terraform keeps each stack's state: one S3 bucket, locked by S3 itself.

Terraform 1.11 locks state with a lock object beside the state in S3
(``use_lockfile``, S3 conditional writes) and deprecates the DynamoDB lock
table. The bucket name is checked against S3's rules here, because a bad name
would otherwise fail only when ``terraform init`` first reaches the backend.
"""

from __future__ import annotations

from pydantic import field_validator

from mlplatform.catalogs.s3 import bucket_name_problem
from mlplatform.config._base import _Frozen

__all__ = ["StateBackendConfig"]


class StateBackendConfig(_Frozen):
    """Where Terraform keeps the state of each stack: S3, with S3-native locking."""

    bucket: str
    """State bucket; ``scripts/bootstrap_state_backend.py`` creates it. S3 names are global, so
    outside the emulator it carries the account id or ``bucket_suffix``
    (``mlp-dev-tfstate-111111111111``)."""
    lock_table: str | None = None
    """Removed in 0.2.0: state is locked in S3 (``use_lockfile``). Setting it is an error
    that explains the migration, rather than a silently ignored key."""

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        problem = bucket_name_problem(value)
        if problem is not None:
            raise ValueError(f"{problem}; choose a name such as <org>-<env>-tfstate-<account id>")
        return value

    @field_validator("lock_table")
    @classmethod
    def _no_lock_table(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(
                "state is locked in S3 itself since 0.2.0 (Terraform's use_lockfile); remove "
                "lock_table, and see 'State locking' in the README to retire the DynamoDB table"
            )
