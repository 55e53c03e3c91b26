"""Where Terraform keeps each stack's state: the S3 bucket and DynamoDB lock table.

Names are checked against AWS's rules here, because a bad name would
otherwise fail only when ``terraform init`` first reaches the backend.
"""

from __future__ import annotations

import re

from pydantic import field_validator

from mlplatform.config._base import _Frozen

__all__ = ["StateBackendConfig"]

_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DYNAMODB_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


class StateBackendConfig(_Frozen):
    """Where Terraform keeps the state of each stack: S3 with DynamoDB locking."""

    bucket: str
    """State bucket; ``scripts/bootstrap_state_backend.py`` creates it."""
    lock_table: str
    """DynamoDB lock table (partition key ``LockID``); the bootstrap script creates it."""

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        if not _S3_BUCKET.match(value) or ".." in value:
            raise ValueError(
                f"{value!r} is not a valid S3 bucket name; use 3-63 lowercase letters, digits, '-' or '.'"
            )
        return value

    @field_validator("lock_table")
    @classmethod
    def _table_name(cls, value: str) -> str:
        if not _DYNAMODB_TABLE.match(value):
            raise ValueError(
                f"{value!r} is not a valid DynamoDB table name; use 3-255 of A-Z a-z 0-9 _ . -"
            )
        return value
