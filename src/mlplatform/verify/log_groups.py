"""CloudWatch log groups the platform creates before AWS would: encrypted, with a retention.

The platform makes each log group itself (flow logs, the EKS control plane,
endpoint containers) only so that it is KMS-encrypted and expires. If the
group is deleted, AWS recreates it on the next write without either, and
nothing fails; this check notices.
"""

from __future__ import annotations

from collections.abc import Callable

from mlplatform.verify.context import VerifyContext

__all__ = ["LogGroupChecker"]


class LogGroupChecker:
    """One log group: it exists, keeps logs ``retention_days``, is encrypted with the given key."""

    def __init__(self, context: VerifyContext, key_arn: Callable[[str], str | None]) -> None:
        self.context = context
        self.key_arn = key_arn

    def check(self, name: str, retention_days: int, key_alias: str) -> None:
        findings = self.context.findings
        resource = f"log group {name}"
        groups = (
            self.context.client("logs")
            .get_paginator("describe_log_groups")
            .paginate(logGroupNamePrefix=name)
            .build_full_result()["logGroups"]
        )
        group = next((g for g in groups if g["logGroupName"] == name), None)
        if group is None:
            findings.missing(resource)
            return
        findings.compare(resource, "retention days", group.get("retentionInDays"), retention_days)
        key = self.key_arn(key_alias)
        if key is not None:
            findings.compare(
                resource, f"encryption key (the {key_alias} key)", group.get("kmsKeyId"), key
            )
