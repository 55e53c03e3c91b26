"""DynamoDB tables that hold state: point-in-time recovery, the platform key, deletion protection.

The model registry's metadata table and the feature store's online tables are
protected the same way, so one checker compares those settings for both.
"""

from __future__ import annotations

from typing import Any

from mlplatform.verify.context import VerifyContext
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.reads import read_or_none

__all__ = ["check_protected_table"]


def check_protected_table(
    context: VerifyContext,
    keys: KeyChecker,
    name: str,
    *,
    key_alias: str,
    deletion_protection: bool,
) -> dict[str, Any] | None:
    """Compare table ``name``'s recovery, encryption (with ``key_alias``'s key) and deletion
    protection; return its description, or ``None`` (reported missing) when it does not exist."""
    findings = context.findings
    resource = f"DynamoDB table {name}"
    dynamodb = context.client("dynamodb")
    found = read_or_none(dynamodb.describe_table, TableName=name)
    if found is None:
        findings.missing(resource)
        return None
    table: dict[str, Any] = found["Table"]
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    recovery = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    findings.compare(resource, "point-in-time recovery", recovery, "ENABLED")
    sse = table.get("SSEDescription", {})
    findings.compare(resource, "encryption", sse.get("SSEType"), "KMS")
    key = keys.arn(key_alias)
    if key is not None and sse.get("SSEType") == "KMS":
        findings.compare(
            resource, f"encryption key (the {key_alias} key)", sse.get("KMSMasterKeyArn"), key
        )
    findings.compare(
        resource,
        "deletion protection",
        bool(table.get("DeletionProtectionEnabled", False)),
        deletion_protection,
    )
    return table
