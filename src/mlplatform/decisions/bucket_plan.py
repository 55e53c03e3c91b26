"""Buckets that keep data next to the bucket their access logs go to, for either engine.

The data lake and the model registry each make an access log bucket first,
then data buckets that log into it (a lake zone, the query results, the
registry's artifacts). What each bucket is (its name, lifecycle, encryption
with the component's key or not, where its logs go, Object Lock) is a
:class:`BucketPlan`; both engines' ``SecureBucket`` take its
:meth:`BucketPlan.props` as their ``SecureBucketProps``. Any component with a
``SecureBucket`` could plan its buckets the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mlplatform.config import ObjectLockProps
from mlplatform.decisions.lifecycle import LifecycleRule, data_zone_rules, expiring_rules
from mlplatform.errors import ConstructError

__all__ = [
    "BucketPlan",
    "DataBucketProps",
    "access_log_bucket",
    "data_bucket",
    "sse_s3_exemption",
]


class DataBucketProps(Protocol):
    """What a component's configuration says about its data buckets (``DataLakeProps`` and
    ``ModelRegistryProps`` both say it)."""

    @property
    def intelligent_tiering_after_days(self) -> int: ...

    @property
    def noncurrent_version_expiry_days(self) -> int: ...

    @property
    def object_lock(self) -> ObjectLockProps | None: ...

    @property
    def force_destroy(self) -> bool: ...


@dataclass(frozen=True)
class BucketPlan:
    """One bucket: what ``SecureBucketProps`` says about it, in either engine."""

    id: str
    """Its construct id (``access-logs``, ``zone-raw``, ``artifacts``...)."""
    bucket_name: str
    lifecycle_rules: Sequence[LifecycleRule]
    force_destroy: bool
    log_prefix: str | None
    """Where its server access logs go in the log bucket; ``None`` for the log bucket itself,
    which receives them (and, as S3 requires of a log target, is not KMS-encrypted)."""
    object_lock: ObjectLockProps | None = None

    def props(self, *, key_arn: object, log_bucket: object, account_id: object) -> dict[str, Any]:
        """The bucket's ``SecureBucketProps`` fields: ``key_arn`` the component's key,
        ``log_bucket`` the log bucket the engine made, ``account_id`` the account whose
        buckets log into it."""
        fields: dict[str, Any] = {
            "bucket_name": self.bucket_name,
            "lifecycle_rules": self.lifecycle_rules,
            "force_destroy": self.force_destroy,
        }
        if self.log_prefix is None:
            return fields | {"kms_key_arn": None, "access_log_source_account": account_id}
        return fields | {
            "kms_key_arn": key_arn,
            "access_log_target": log_bucket,
            "access_log_prefix": self.log_prefix,
            "object_lock": self.object_lock,
        }


def access_log_bucket(bucket_name: str, expiry_days: int, force_destroy: bool) -> BucketPlan:
    """The bucket a component's other buckets log into; logs expire after ``expiry_days``."""
    return BucketPlan(
        id="access-logs",
        bucket_name=bucket_name,
        lifecycle_rules=expiring_rules(expiry_days),
        force_destroy=force_destroy,
        log_prefix=None,
    )


def data_bucket(id: str, bucket_name: str, props: DataBucketProps, log_prefix: str) -> BucketPlan:
    """A bucket of data: tiered to Intelligent-Tiering, replaced versions expired, optionally
    under Object Lock, logging under ``log_prefix``."""
    return BucketPlan(
        id=id,
        bucket_name=bucket_name,
        lifecycle_rules=data_zone_rules(
            props.intelligent_tiering_after_days, props.noncurrent_version_expiry_days
        ),
        force_destroy=props.force_destroy,
        log_prefix=log_prefix,
        object_lock=props.object_lock,
    )


def sse_s3_exemption(
    bucket_name: str, *, kms_key_arn: object | None, access_log_source_account: object | None
) -> tuple[str, str] | None:
    """The guardrail suppression a bucket without a KMS key needs, ``(rule, reason)``, or
    ``None`` for a KMS-encrypted one; a :class:`ConstructError` unless the bucket receives
    access logs, the one kind S3 requires to be SSE-S3 (server access logging cannot write
    SSE-KMS)."""
    if kms_key_arn is not None:
        return None
    if access_log_source_account is None:
        raise ConstructError(
            f"bucket {bucket_name!r}: kms_key_arn is required; SSE-S3 is allowed only for "
            "an access-log bucket (set access_log_source_account)"
        )
    return ("MLP-S3-2", "S3 server access logging can only deliver into SSE-S3 buckets")
