"""An S3 bucket with every security default on, the building block of all platform buckets.

Like ``aws_s3.Bucket`` with ``enforceSSL``, ``blockPublicAccess`` and
``BucketOwnerEnforced``: encryption, versioning, public access block,
ownership controls, a TLS-only policy and lifecycle rules are not options a
caller can forget. The only encryption choice is the key: SSE-KMS with the
given key, or SSE-S3 for a log bucket (S3 server access logging cannot write
into a bucket whose default encryption is SSE-KMS).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformProvider
from constructs import Construct

from mlplatform.bindings.aws.s3_bucket import S3Bucket
from mlplatform.bindings.aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from mlplatform.bindings.aws.s3_bucket_logging import S3BucketLoggingA
from mlplatform.bindings.aws.s3_bucket_object_lock_configuration import (
    S3BucketObjectLockConfigurationA,
    S3BucketObjectLockConfigurationRuleA,
    S3BucketObjectLockConfigurationRuleDefaultRetentionA,
)
from mlplatform.bindings.aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from mlplatform.bindings.aws.s3_bucket_policy import S3BucketPolicy
from mlplatform.bindings.aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from mlplatform.bindings.aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from mlplatform.bindings.aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from mlplatform.config import ObjectLockProps
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.bucket_plan import BucketPlan, sse_s3_exemption
from mlplatform.decisions.lifecycle import LifecycleRule
from mlplatform.decisions.policies.documents import PolicyDocument
from mlplatform.decisions.policies.s3 import s3_access_log_delivery_policy, tls_only_bucket_policy
from mlplatform.guardrails.suppressions import suppress

__all__ = ["SecureBucket", "SecureBucketProps"]


@dataclass(frozen=True)
class SecureBucketProps:
    """What may differ between platform buckets; everything else is fixed and secure."""

    bucket_name: str
    """Physical name, from :class:`mlplatform.decisions.naming.Naming`."""
    kms_key_arn: str | None
    """SSE-KMS key. ``None`` means SSE-S3, allowed only for access-log target buckets."""
    lifecycle_rules: Sequence[LifecycleRule] = ()
    """Rules from :mod:`mlplatform.decisions.lifecycle`."""
    access_log_target: SecureBucket | None = None
    """Log bucket that receives this bucket's server access logs; ``None`` only for a log bucket."""
    access_log_prefix: str = ""
    object_lock: ObjectLockProps | None = None
    """Default Object Lock retention; requires versioning, which is always on."""
    force_destroy: bool = False
    """Let ``terraform destroy`` empty the bucket first. Off: data outlives stacks."""
    access_log_source_account: str | None = None
    """Makes this an access-log target: S3's logging service may write here for this account."""
    tags: dict[str, str] = field(default_factory=dict)
    provider: TerraformProvider | None = None
    """The provider of another region (a replica bucket's); ``None``: the stack's own."""


def _translate_rule(rule: LifecycleRule) -> S3BucketLifecycleConfigurationRule:
    """S3 API-shaped rule dict -> provider block."""
    args: dict[str, Any] = {
        "id": rule["ID"],
        "status": rule["Status"],
        "filter": [S3BucketLifecycleConfigurationRuleFilter(prefix="")],
    }
    if "Transitions" in rule:
        args["transition"] = [
            S3BucketLifecycleConfigurationRuleTransition(
                days=t["Days"], storage_class=t["StorageClass"]
            )
            for t in rule["Transitions"]
        ]
    if "Expiration" in rule:
        args["expiration"] = [
            S3BucketLifecycleConfigurationRuleExpiration(days=rule["Expiration"]["Days"])
        ]
    if "NoncurrentVersionExpiration" in rule:
        days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        args["noncurrent_version_expiration"] = [
            S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=days)
        ]
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        args["abort_incomplete_multipart_upload"] = [
            S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=days
            )
        ]
    return S3BucketLifecycleConfigurationRule(**args)


class SecureBucket(Construct):
    """A private, encrypted, versioned S3 bucket that only accepts TLS."""

    @classmethod
    def planned(
        cls,
        scope: Construct,
        plan: BucketPlan,
        *,
        key_arn: str,
        log_bucket: SecureBucket | None,
        account_id: str,
        provider: TerraformProvider | None = None,
    ) -> SecureBucket:
        """The bucket ``plan`` describes (:mod:`mlplatform.decisions.bucket_plan`), encrypted with
        ``key_arn`` and logging into ``log_bucket`` (``account_id``'s buckets log into a log
        bucket), made by ``provider`` when it is another region's."""
        fields = plan.props(key_arn=key_arn, log_bucket=log_bucket, account_id=account_id)
        return cls(scope, plan.id, props=SecureBucketProps(**fields, provider=provider))

    def __init__(self, scope: Construct, id: str, *, props: SecureBucketProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self._check_encryption()
        self._bucket = self._protected_bucket()
        public_access = self._public_access_block_and_ownership()
        versioning = self._versioning_resource = self._versioning()
        self._default_encryption()
        self._policy_resource = self._bucket_policy(public_access)
        self._lifecycle(versioning)
        self._access_logging()
        self._object_lock(versioning)

    # ----------------------------------------------------------------- steps
    def _check_encryption(self) -> None:
        """SSE-S3 only for an access-log bucket: S3 server access logging cannot write SSE-KMS."""
        props = self._props
        exemption = sse_s3_exemption(
            props.bucket_name,
            kms_key_arn=props.kms_key_arn,
            access_log_source_account=props.access_log_source_account,
        )
        if exemption is not None:
            suppress(self, *exemption)

    def _protected_bucket(self) -> S3Bucket:
        """The bucket itself, kept from destruction: data outlives stacks."""
        props = self._props
        bucket = S3Bucket(
            self,
            "bucket",
            provider=self._props.provider,
            bucket=props.bucket_name,
            force_destroy=props.force_destroy,
            # Object Lock is enabled by its configuration below, not here: on the bucket it
            # could only be set at creation, and turning it on later would replace the bucket.
            tags={"Name": props.bucket_name, **props.tags},
        )
        StateRetention.protect(bucket)
        return bucket

    def _public_access_block_and_ownership(self) -> S3BucketPublicAccessBlock:
        """No public access of any kind, and no ACLs: the bucket owner owns every object."""
        public_access = S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            provider=self._props.provider,
            bucket=self._bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self,
            "ownership",
            provider=self._props.provider,
            bucket=self._bucket.id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        return public_access

    def _versioning(self) -> S3BucketVersioningA:
        """Versioning, always on: lifecycle and Object Lock depend on it."""
        return S3BucketVersioningA(
            self,
            "versioning",
            provider=self._props.provider,
            bucket=self._bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )

    def _default_encryption(self) -> None:
        """Default encryption: SSE-KMS with the given key (bucket keys on), or SSE-S3 for logs."""
        kms_key_arn = self._props.kms_key_arn
        if kms_key_arn is None:
            default = (
                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                    sse_algorithm="AES256"
                )
            )
        else:
            default = (
                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                    sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
                )
            )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            provider=self._props.provider,
            bucket=self._bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=default,
                    bucket_key_enabled=kms_key_arn is not None,
                )
            ],
        )

    def _bucket_policy(self, public_access: S3BucketPublicAccessBlock) -> S3BucketPolicy:
        """TLS-only (or a log bucket's delivery) policy, put after the public access block."""
        return S3BucketPolicy(
            self,
            "policy",
            provider=self._props.provider,
            bucket=self._bucket.id,
            policy=json.dumps(self._policy(self._props)),
            # A policy put before the public access block could be judged public.
            depends_on=[public_access],
        )

    def _lifecycle(self, versioning: S3BucketVersioningA) -> None:
        """The lifecycle rules, if any, once versioning is on (noncurrent-version rules need it)."""
        if self._props.lifecycle_rules:
            S3BucketLifecycleConfiguration(
                self,
                "lifecycle",
                provider=self._props.provider,
                bucket=self._bucket.id,
                rule=[_translate_rule(rule) for rule in self._props.lifecycle_rules],
                # Noncurrent-version rules only make sense once versioning is on.
                depends_on=[versioning],
            )

    def _access_logging(self) -> None:
        """Server access logs into the log bucket, once its policy admits the log service."""
        target = self._props.access_log_target
        if target is not None:
            S3BucketLoggingA(
                self,
                "access-logs",
                provider=self._props.provider,
                bucket=self._bucket.id,
                target_bucket=target.bucket_name,
                target_prefix=self._props.access_log_prefix,
                # S3 refuses to log into a bucket whose policy does not yet admit the log service.
                depends_on=[target._policy_resource],
            )

    def _object_lock(self, versioning: S3BucketVersioningA) -> None:
        """Default Object Lock retention, if configured, once versioning is on."""
        object_lock = self._props.object_lock
        if object_lock is not None:
            # S3 enables Object Lock on an existing bucket once versioning is on, so a
            # bucket that turns it on keeps its objects (set at creation it would be replaced).
            S3BucketObjectLockConfigurationA(
                self,
                "object-lock",
                provider=self._props.provider,
                bucket=self._bucket.id,
                object_lock_enabled="Enabled",
                rule=S3BucketObjectLockConfigurationRuleA(
                    default_retention=S3BucketObjectLockConfigurationRuleDefaultRetentionA(
                        mode=object_lock.mode, days=object_lock.retention_days
                    )
                ),
                depends_on=[versioning],
            )

    def _policy(self, props: SecureBucketProps) -> PolicyDocument:
        if props.access_log_source_account is not None:
            return s3_access_log_delivery_policy(self._bucket.arn, props.access_log_source_account)
        return tls_only_bucket_policy(self._bucket.arn)

    @property
    def bucket_name(self) -> str:
        """The bucket's name (a token until deploy)."""
        return self._bucket.bucket

    @property
    def bucket_arn(self) -> str:
        """The bucket's ARN, for IAM policies."""
        return self._bucket.arn

    @property
    def versioning(self) -> S3BucketVersioningA:
        """The bucket's versioning: S3 accepts a replication rule only once both buckets have it."""
        return self._versioning_resource
