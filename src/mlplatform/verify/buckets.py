"""Every platform bucket is a ``SecureBucket``; this checks one against what it must be.

A bucket drifts quietly: versioning suspended to save money, a public access
flag turned off to share a file, a lifecycle rule edited to keep logs
longer. None of that stops anything from working, so only a check that reads
each setting finds it. Each setting that differs is its own problem line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlplatform.config import ObjectLockProps
from mlplatform.decisions.bucket_plan import BucketPlan
from mlplatform.decisions.lifecycle import LifecycleRule
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.reads import NOT_FOUND, error_code, read_or_none

__all__ = ["BucketChecker", "ExpectedBucket"]

_PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


@dataclass(frozen=True)
class ExpectedBucket:
    """What the environment file implies for one bucket (mirrors ``SecureBucketProps``)."""

    name: str
    layer: str
    """The stack that owns it (``data``, ``ml``): its tags name it."""
    key_alias: str | None
    """SSE-KMS with this key; ``None`` means SSE-S3 (AES256), for access-log buckets only."""
    lifecycle_rules: Sequence[LifecycleRule]
    access_log_target: tuple[str, str] | None = None
    """``(log bucket, prefix)`` receiving this bucket's server access logs."""
    object_lock: ObjectLockProps | None = None

    @classmethod
    def planned(
        cls, plan: BucketPlan, *, layer: str, key_alias: str, log_bucket: str
    ) -> ExpectedBucket:
        """The bucket ``plan`` describes, as the constructs make it: a data bucket with the
        component's key (``key_alias``) logging into ``log_bucket``, or the log bucket."""
        if plan.log_prefix is None:
            return cls(plan.bucket_name, layer, None, plan.lifecycle_rules)
        return cls(
            plan.bucket_name,
            layer,
            key_alias,
            plan.lifecycle_rules,
            access_log_target=(log_bucket, plan.log_prefix),
            object_lock=plan.object_lock,
        )

    @property
    def receives_access_logs(self) -> bool:
        return self.key_alias is None


class BucketChecker:
    """Existence, versioning, encryption, public access, ownership, policy, logging, lifecycle."""

    def __init__(self, context: VerifyContext, key_arn: Callable[[str], str | None]) -> None:
        """``key_arn(alias)`` is a checked key's ARN or ``None`` (``KeyChecker.arn``)."""
        self.context = context
        self.key_arn = key_arn
        self.s3 = context.client("s3")

    def check(self, bucket: ExpectedBucket) -> None:
        """Every setting of ``bucket``; a missing bucket is one problem, not one per setting."""
        resource = f"bucket {bucket.name}"
        if not self._exists(resource, bucket.name):
            return
        findings = self.context.findings
        name = bucket.name
        status = self._read(self.s3.get_bucket_versioning, name, lambda r: r.get("Status"))
        findings.compare(resource, "versioning", status or "never enabled", "Enabled")
        self._encryption(resource, bucket)
        block = self._read(
            self.s3.get_public_access_block,
            name,
            lambda r: r["PublicAccessBlockConfiguration"],
            "NoSuchPublicAccessBlockConfiguration",
        )
        off = [flag for flag in _PUBLIC_ACCESS_FLAGS if (block or {}).get(flag) is not True]
        findings.expect(
            not off,
            f"{resource}: public access fully blocked",
            f"{resource}: public access block flags not on: {', '.join(off)}",
        )
        ownership = self._read(
            self.s3.get_bucket_ownership_controls,
            name,
            lambda r: r["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
            "OwnershipControlsNotFoundError",
        )
        findings.compare(resource, "object ownership", ownership, "BucketOwnerEnforced")
        self._policy(resource, bucket)
        self._logging(resource, bucket)
        self._lifecycle(resource, bucket)
        if bucket.object_lock is not None:
            self._object_lock(resource, bucket.name, bucket.object_lock)
        tags = self._read(
            self.s3.get_bucket_tagging,
            name,
            lambda r: {t["Key"]: t["Value"] for t in r["TagSet"]},
            "NoSuchTagSet",
        )
        self.context.expect_tags(resource, bucket.layer, tags)

    # ----------------------------------------------------------------- settings
    def _exists(self, resource: str, name: str) -> bool:
        try:
            self.s3.head_bucket(Bucket=name)
        except ClientError as error:
            code = error_code(error)
            if code in NOT_FOUND:
                self.context.findings.missing(resource)
            else:
                self.context.findings.problem(f"{resource}: cannot be read ({code})")
            return False
        self.context.findings.ok(f"{resource}: exists")
        return True

    def _encryption(self, resource: str, bucket: ExpectedBucket) -> None:
        findings = self.context.findings
        default = (
            self._read(
                self.s3.get_bucket_encryption,
                bucket.name,
                lambda r: r["ServerSideEncryptionConfiguration"]["Rules"][0][
                    "ApplyServerSideEncryptionByDefault"
                ],
                "ServerSideEncryptionConfigurationNotFoundError",
            )
            or {}
        )
        algorithm = "AES256" if bucket.key_alias is None else "aws:kms"
        if not findings.compare(
            resource, "default encryption", default.get("SSEAlgorithm"), algorithm
        ):
            return
        if bucket.key_alias is None:
            return
        key = self.key_arn(bucket.key_alias)
        if key is not None:
            findings.compare(
                resource,
                f"encryption key (the {bucket.key_alias} key)",
                default.get("KMSMasterKeyID"),
                key,
            )

    def _policy(self, resource: str, bucket: ExpectedBucket) -> None:
        findings = self.context.findings
        policy = self._read(
            self.s3.get_bucket_policy,
            bucket.name,
            lambda r: json.loads(r["Policy"]),
            "NoSuchBucketPolicy",
        )
        statements = _statements(policy)
        findings.expect(
            any(_denies_plain_http(s) for s in statements),
            f"{resource}: policy denies requests without TLS",
            f"{resource}: no bucket policy statement denies aws:SecureTransport false",
        )
        if bucket.receives_access_logs:
            findings.expect(
                any(_admits_log_delivery(s) for s in statements),
                f"{resource}: policy lets S3 deliver server access logs",
                f"{resource}: no bucket policy statement allows logging.s3.amazonaws.com to "
                "put objects, so access logs cannot arrive",
            )

    def _logging(self, resource: str, bucket: ExpectedBucket) -> None:
        if bucket.access_log_target is None:
            return
        logging = self.s3.get_bucket_logging(Bucket=bucket.name).get("LoggingEnabled")
        found = (logging["TargetBucket"], logging.get("TargetPrefix", "")) if logging else None
        target, prefix = bucket.access_log_target
        self.context.findings.compare(
            resource,
            "access logs",
            f"{found[0]}/{found[1]}" if found else None,
            f"{target}/{prefix}",
        )

    def _lifecycle(self, resource: str, bucket: ExpectedBucket) -> None:
        findings = self.context.findings
        rules = (
            self._read(
                self.s3.get_bucket_lifecycle_configuration,
                bucket.name,
                lambda r: r["Rules"],
                "NoSuchLifecycleConfiguration",
            )
            or []
        )
        by_id = {rule.get("ID"): rule for rule in rules}
        for expected in bucket.lifecycle_rules:
            rule_id = expected["ID"]
            found = by_id.pop(rule_id, None)
            if found is None:
                findings.problem(f"{resource}: lifecycle rule {rule_id} is missing")
                continue
            for setting, value in expected.items():
                if setting != "ID":
                    findings.compare(
                        resource,
                        f"lifecycle rule {rule_id} {setting}",
                        _project(found.get(setting), value),
                        value,
                    )
        for rule_id in by_id:
            findings.problem(f"{resource}: lifecycle rule {rule_id} is not in the environment file")

    def _object_lock(self, resource: str, name: str, lock: ObjectLockProps) -> None:
        retention = (
            self._read(
                self.s3.get_object_lock_configuration,
                name,
                lambda r: r["ObjectLockConfiguration"].get("Rule", {}).get("DefaultRetention", {}),
                "ObjectLockConfigurationNotFoundError",
            )
            or {}
        )
        findings = self.context.findings
        findings.compare(resource, "Object Lock mode", retention.get("Mode"), lock.mode)
        findings.compare(
            resource, "Object Lock retention days", retention.get("Days"), lock.retention_days
        )

    def _read(
        self, call: Callable[..., Any], bucket: str, pick: Callable[[Any], Any], absent: str = ""
    ) -> Any:
        """A bucket setting, or ``None`` when S3 says it was never set."""
        answer = read_or_none(call, {absent} if absent else set(), Bucket=bucket)
        return None if answer is None else pick(answer)


def _project(found: Any, expected: Any) -> Any:
    """``found`` cut to the shape of ``expected``: S3 adds fields the rule never set."""
    if isinstance(expected, dict) and isinstance(found, dict):
        return {key: _project(found.get(key), value) for key, value in expected.items()}
    if isinstance(expected, list) and isinstance(found, list) and expected:
        return [_project(item, expected[0]) for item in found]
    return found


def _statements(policy: Any) -> list[dict[str, Any]]:
    if not isinstance(policy, dict):
        return []
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    """A Deny statement conditioned on ``aws:SecureTransport`` false."""
    condition = statement.get("Condition", {}).get("Bool", {})
    return (
        statement.get("Effect") == "Deny"
        and str(condition.get("aws:SecureTransport", "")).lower() == "false"
    )


def _admits_log_delivery(statement: dict[str, Any]) -> bool:
    """An Allow statement for S3's logging service principal."""
    principal = statement.get("Principal", {})
    services = principal.get("Service", []) if isinstance(principal, dict) else []
    services = [services] if isinstance(services, str) else services
    return statement.get("Effect") == "Allow" and "logging.s3.amazonaws.com" in services
