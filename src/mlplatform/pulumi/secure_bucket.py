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
from mlplatform.decisions.bucket_plan import BucketPlan
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
        suppressions = None
        if props.kms_key_arn is None:
            if props.access_log_source_account is None:
                raise ValueError(
                    f"bucket {props.bucket_name!r}: kms_key_arn is required; SSE-S3 is allowed only for "
                    "an access-log bucket (set access_log_source_account)"
                )
            suppressions = {
                "MLP-S3-2": "S3 server access logging can only deliver into SSE-S3 buckets"
            }
        super().__init__(
            layer.layer, "SecureBucket", parent.child(id), parent=parent, suppressions=suppressions
        )
        opts = self.options
        self.bucket = aws.s3.BucketV2(
            self.child("bucket"),
            bucket=props.bucket_name,
            force_destroy=props.force_destroy,
            tags={"Name": props.bucket_name, **props.tags},
            opts=opts(protect=layer.retain),
        )
        bucket_id = self.bucket.id
        public_access = aws.s3.BucketPublicAccessBlock(
            self.child("public-access-block"),
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=opts(),
        )
        aws.s3.BucketOwnershipControls(
            self.child("ownership"),
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=opts(),
        )
        versioning = aws.s3.BucketVersioningV2(
            self.child("versioning"),
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=opts(),
        )
        default: dict[str, Any] = (
            {"sse_algorithm": "AES256"}
            if props.kms_key_arn is None
            else {"sse_algorithm": "aws:kms", "kms_master_key_id": props.kms_key_arn}
        )
        aws.s3.BucketServerSideEncryptionConfigurationV2(
            self.child("encryption"),
            bucket=bucket_id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": default,
                    "bucket_key_enabled": props.kms_key_arn is not None,
                }
            ],
            opts=opts(),
        )
        if props.access_log_source_account is not None:
            policy = layer.resolved(
                lambda arn, account: s3_access_log_delivery_policy(arn, account),
                self.bucket.arn,
                props.access_log_source_account,
            )
        else:
            policy = layer.resolved(tls_only_bucket_policy, self.bucket.arn)
        self.policy = aws.s3.BucketPolicy(
            self.child("policy"),
            bucket=bucket_id,
            policy=policy.apply(json.dumps),
            # A policy put before the public access block could be judged public.
            opts=opts(depends_on=[public_access]),
        )
        if props.lifecycle_rules:
            aws.s3.BucketLifecycleConfigurationV2(
                self.child("lifecycle"),
                bucket=bucket_id,
                rules=[_translate_rule(rule) for rule in props.lifecycle_rules],
                opts=opts(depends_on=[versioning]),
            )
        if props.access_log_target is not None:
            aws.s3.BucketLoggingV2(
                self.child("access-logs"),
                bucket=bucket_id,
                target_bucket=props.access_log_target.bucket.bucket,
                target_prefix=props.access_log_prefix,
                opts=opts(depends_on=[props.access_log_target.policy]),
            )
        if props.object_lock is not None:
            aws.s3.BucketObjectLockConfigurationV2(
                self.child("object-lock"),
                bucket=bucket_id,
                object_lock_enabled="Enabled",
                rule={
                    "default_retention": {
                        "mode": props.object_lock.mode,
                        "days": props.object_lock.retention_days,
                    }
                },
                opts=opts(depends_on=[versioning]),
            )
        self.register_outputs({"bucket": self.bucket.bucket})

    @property
    def bucket_name(self) -> pulumi.Output[str]:
        return self.bucket.bucket

    @property
    def bucket_arn(self) -> pulumi.Output[str]:
        return self.bucket.arn
