"""``SecureBucket`` on Pulumi: a private, encrypted, versioned bucket that only accepts TLS.

The same companions as the cdktf construct (public access block, ownership
controls, versioning, encryption, TLS-only policy, lifecycle, access logs,
Object Lock), with the policies from ``decisions.policies.s3`` and the
lifecycle rules from ``decisions.lifecycle``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import ObjectLockProps
from mlplatform.decisions.bucket_plan import BucketPlan, sse_s3_exemption
from mlplatform.decisions.lifecycle import LifecycleRule
from mlplatform.decisions.policies.s3 import s3_access_log_delivery_policy, tls_only_bucket_policy
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["SecureBucket", "SecureBucketProps"]


@dataclass(frozen=True)
class SecureBucketProps:
    """As the cdktf ``SecureBucketProps``."""

    bucket_name: str
    kms_key_arn: pulumi.Input[str] | None
    lifecycle_rules: Sequence[LifecycleRule] = ()
    access_log_target: SecureBucket | None = None
    access_log_prefix: str = ""
    object_lock: ObjectLockProps | None = None
    force_destroy: bool = False
    access_log_source_account: pulumi.Input[str] | None = None
    tags: dict[str, str] = field(default_factory=dict)


def _translate_rule(rule: LifecycleRule) -> dict[str, Any]:
    """S3 API-shaped rule dict -> pulumi-aws rule (the cdktf construct's translation)."""
    args: dict[str, Any] = {"id": rule["ID"], "status": rule["Status"], "filter": {"prefix": ""}}
    if "Transitions" in rule:
        args["transitions"] = [
            {"days": t["Days"], "storage_class": t["StorageClass"]} for t in rule["Transitions"]
        ]
    if "Expiration" in rule:
        args["expiration"] = {"days": rule["Expiration"]["Days"]}
    if "NoncurrentVersionExpiration" in rule:
        args["noncurrent_version_expiration"] = {
            "noncurrent_days": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        }
    if "AbortIncompleteMultipartUpload" in rule:
        args["abort_incomplete_multipart_upload"] = {
            "days_after_initiation": rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        }
    return args


def _check_encryption(props: SecureBucketProps) -> dict[str, str] | None:
    """SSE-S3 only for an access-log bucket: S3 server access logging cannot write SSE-KMS.

    Returns the suppression such a bucket then needs (``None`` for a KMS-encrypted one).
    """
    exemption = sse_s3_exemption(
        props.bucket_name,
        kms_key_arn=props.kms_key_arn,
        access_log_source_account=props.access_log_source_account,
    )
    return dict([exemption]) if exemption is not None else None


class SecureBucket(PlatformComponent):
    """``mlplatform:<layer>:SecureBucket``."""

    @classmethod
    def planned(
        cls,
        layer: Layer,
        parent: PlatformComponent,
        plan: BucketPlan,
        *,
        key_arn: pulumi.Input[str],
        log_bucket: SecureBucket | None,
    ) -> SecureBucket:
        """The bucket ``plan`` describes (:mod:`mlplatform.decisions.bucket_plan`), encrypted with
        ``key_arn`` and logging into ``log_bucket`` (the layer's account logs into a log
        bucket)."""
        fields = plan.props(key_arn=key_arn, log_bucket=log_bucket, account_id=layer.account_id)
        return cls(layer, parent, plan.id, props=SecureBucketProps(**fields))

    def __init__(
        self, layer: Layer, parent: PlatformComponent, id: str, *, props: SecureBucketProps
    ) -> None:
        suppressions = _check_encryption(props)
        super().__init__(
            layer.layer, "SecureBucket", parent.child(id), parent=parent, suppressions=suppressions
        )
        self._layer = layer
        self._props = props
        self.bucket = self._protected_bucket()
        public_access = self._public_access_block_and_ownership()
        versioning = self.versioning = self._versioning()
        """The bucket's versioning: S3 accepts a replication rule only once both buckets have it."""
        self._default_encryption()
        self.policy = self._bucket_policy(public_access)
        self._lifecycle(versioning)
        self._access_logging()
        self._object_lock(versioning)
        self.register_outputs({"bucket": self.bucket.bucket})

    # ----------------------------------------------------------------- steps
    def _protected_bucket(self) -> aws.s3.BucketV2:
        """The bucket itself, kept from destruction: data outlives stacks."""
        props = self._props
        return aws.s3.BucketV2(
            self.child("bucket"),
            bucket=props.bucket_name,
            force_destroy=props.force_destroy,
            tags={"Name": props.bucket_name, **props.tags},
            opts=self.options(protect=self._layer.retain),
        )

    def _public_access_block_and_ownership(self) -> aws.s3.BucketPublicAccessBlock:
        """No public access of any kind, and no ACLs: the bucket owner owns every object."""
        public_access = aws.s3.BucketPublicAccessBlock(
            self.child("public-access-block"),
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self.options(),
        )
        aws.s3.BucketOwnershipControls(
            self.child("ownership"),
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=self.options(),
        )
        return public_access

    def _versioning(self) -> aws.s3.BucketVersioningV2:
        """Versioning, always on: lifecycle and Object Lock depend on it."""
        return aws.s3.BucketVersioningV2(
            self.child("versioning"),
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=self.options(),
        )

    def _default_encryption(self) -> None:
        """Default encryption: SSE-KMS with the given key (bucket keys on), or SSE-S3 for logs."""
        key_arn = self._props.kms_key_arn
        default: dict[str, Any] = (
            {"sse_algorithm": "AES256"}
            if key_arn is None
            else {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn}
        )
        aws.s3.BucketServerSideEncryptionConfigurationV2(
            self.child("encryption"),
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": default,
                    "bucket_key_enabled": key_arn is not None,
                }
            ],
            opts=self.options(),
        )

    def _bucket_policy(self, public_access: aws.s3.BucketPublicAccessBlock) -> aws.s3.BucketPolicy:
        """TLS-only (or a log bucket's delivery) policy, put after the public access block."""
        if self._props.access_log_source_account is not None:
            policy = self._layer.resolved(
                lambda arn, account: s3_access_log_delivery_policy(arn, account),
                self.bucket.arn,
                self._props.access_log_source_account,
            )
        else:
            policy = self._layer.resolved(tls_only_bucket_policy, self.bucket.arn)
        return aws.s3.BucketPolicy(
            self.child("policy"),
            bucket=self.bucket.id,
            policy=policy.apply(json.dumps),
            # A policy put before the public access block could be judged public.
            opts=self.options(depends_on=[public_access]),
        )

    def _lifecycle(self, versioning: aws.s3.BucketVersioningV2) -> None:
        """The lifecycle rules, if any, once versioning is on (noncurrent-version rules need it)."""
        if not self._props.lifecycle_rules:
            return
        aws.s3.BucketLifecycleConfigurationV2(
            self.child("lifecycle"),
            bucket=self.bucket.id,
            rules=[_translate_rule(rule) for rule in self._props.lifecycle_rules],
            opts=self.options(depends_on=[versioning]),
        )

    def _access_logging(self) -> None:
        """Server access logs into the log bucket, once its policy admits the log service."""
        target = self._props.access_log_target
        if target is None:
            return
        aws.s3.BucketLoggingV2(
            self.child("access-logs"),
            bucket=self.bucket.id,
            target_bucket=target.bucket.bucket,
            target_prefix=self._props.access_log_prefix,
            opts=self.options(depends_on=[target.policy]),
        )

    def _object_lock(self, versioning: aws.s3.BucketVersioningV2) -> None:
        """Default Object Lock retention, if configured, once versioning is on."""
        lock = self._props.object_lock
        if lock is None:
            return
        aws.s3.BucketObjectLockConfigurationV2(
            self.child("object-lock"),
            bucket=self.bucket.id,
            object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": lock.mode, "days": lock.retention_days}},
            opts=self.options(depends_on=[versioning]),
        )

    @property
    def bucket_name(self) -> pulumi.Output[str]:
        return self.bucket.bucket

    @property
    def bucket_arn(self) -> pulumi.Output[str]:
        return self.bucket.arn
