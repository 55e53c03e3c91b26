"""S3: bucket policies, and least-privilege grants on buckets and key prefixes.

A grant on objects carries the KMS statement their SSE-KMS encryption needs,
so a caller never joins S3 and KMS by hand (as AWS CDK's ``grantRead`` does).
"""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import (
    PolicyDocument,
    Statement,
    allow,
    policy_document,
)
from mlplatform.decisions.policies.kms import kms_read_statement, kms_write_statement

__all__ = [
    "ARTIFACT_READ_ACTIONS",
    "S3_LIST_ACTIONS",
    "S3_READ_ACTIONS",
    "S3_WRITE_ACTIONS",
    "data_capture_statements",
    "s3_access_log_delivery_policy",
    "s3_batch_replication_statements",
    "s3_prefix_list_statement",
    "s3_prefix_objects_statement",
    "s3_read_statements",
    "s3_replication_statements",
    "s3_write_statements",
    "tls_only_bucket_policy",
]

S3_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging")
S3_LIST_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
S3_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
"""Put objects (multipart included); never delete them or change a bucket's policy."""
ARTIFACT_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
"""Reading model artifacts: the objects and their versions, not their tags."""
S3_REPLICATION_SOURCE_ACTIONS = (
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
)
"""What S3 reads of a source object version to replicate it (retention and legal hold for
buckets under Object Lock)."""
S3_REPLICATION_DESTINATION_ACTIONS = (
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
)


def tls_only_bucket_policy(bucket_arn: str, extra: Sequence[Statement] = ()) -> PolicyDocument:
    """Deny every request to the bucket that does not use TLS 1.2 or newer.

    ``{"AWS": "*"}`` is IAM's equivalent of ``"*"`` (everyone); it is spelled
    this way because the emulator's log-delivery check cannot read the short form.
    """
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return policy_document(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutdatedTls",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
            *extra,
        ]
    )


def s3_access_log_delivery_policy(log_bucket_arn: str, account_id: str) -> PolicyDocument:
    """TLS-only policy for a log bucket that also lets S3 deliver server access logs.

    With ownership enforced, ACL-based log delivery is gone; the logging
    service principal needs this statement instead, scoped to our account.
    """
    return tls_only_bucket_policy(
        log_bucket_arn,
        extra=[
            {
                "Sid": "AllowS3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{log_bucket_arn}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    )


def s3_read_statements(bucket_arns: Sequence[str], key_arn: str) -> list[Statement]:
    """Least-privilege read of whole buckets, with the KMS decrypt that goes with SSE-KMS."""
    return [
        allow("ListLakeBuckets", S3_LIST_ACTIONS, bucket_arns),
        allow("ReadLakeObjects", S3_READ_ACTIONS, [f"{arn}/*" for arn in bucket_arns]),
        kms_read_statement("DecryptLakeObjects", [key_arn]),
    ]


def s3_write_statements(bucket_arns: Sequence[str], key_arn: str) -> list[Statement]:
    """Least-privilege write (no delete, no policy changes), with the KMS data keys it needs."""
    return [
        allow("ListLakeBucketsForWrite", S3_LIST_ACTIONS, bucket_arns),
        allow("WriteLakeObjects", S3_WRITE_ACTIONS, [f"{arn}/*" for arn in bucket_arns]),
        kms_write_statement("EncryptLakeObjects", [key_arn]),
    ]


def s3_prefix_list_statement(sid: str, bucket_arn: str, prefixes: Sequence[str]) -> Statement:
    """List one bucket, only under ``<prefix>/`` of each of ``prefixes``."""
    return allow(
        sid,
        "s3:ListBucket",
        bucket_arn,
        {"StringLike": {"s3:prefix": [f"{p}/*" for p in prefixes]}},
    )


def s3_prefix_objects_statement(
    sid: str, bucket_arn: str, prefixes: Sequence[str], actions: Sequence[str]
) -> Statement:
    """``actions`` on the objects under ``<prefix>/`` of each of ``prefixes``, nowhere else."""
    return allow(sid, actions, [f"{bucket_arn}/{p}/*" for p in prefixes])


def data_capture_statements(bucket_arn: str, prefix: str, key_arn: str) -> list[Statement]:
    """Write captured requests under one prefix of a lake bucket, encrypted with the lake key."""
    return [
        allow("WriteCapturedRequests", "s3:PutObject", f"{bucket_arn}/{prefix}*"),
        allow("EncryptCapturedRequests", ["kms:GenerateDataKey", "kms:Encrypt"], key_arn),
    ]


def s3_replication_statements(
    sources: Sequence[str],
    replicas: Sequence[str],
    *,
    source_key_arn: str,
    replica_key_arn: str,
    source_region: str,
    replica_region: str,
    dns_suffix: str = "amazonaws.com",
) -> list[Statement]:
    """The policy of the role S3 replicates with: read the ``sources`` buckets' versions and
    write them into the ``replicas`` buckets (ARNs), decrypting with the source key and
    encrypting with the replica key only as S3 in each region (``kms:ViaService``, with the
    partition's ``dns_suffix``), as AWS's guide to replicating SSE-KMS objects writes it."""

    def via_s3(region: str) -> dict[str, dict[str, str]]:
        return {"StringEquals": {"kms:ViaService": f"s3.{region}.{dns_suffix}"}}

    return [
        allow(
            "ReadReplicationConfiguration",
            ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            sources,
        ),
        allow("ReadSourceVersions", S3_REPLICATION_SOURCE_ACTIONS, [f"{a}/*" for a in sources]),
        allow("WriteReplicas", S3_REPLICATION_DESTINATION_ACTIONS, [f"{a}/*" for a in replicas]),
        allow("DecryptSources", "kms:Decrypt", source_key_arn, via_s3(source_region)),
        allow(
            "EncryptReplicas",
            ["kms:Encrypt", "kms:GenerateDataKey"],
            replica_key_arn,
            via_s3(replica_region),
        ),
    ]


def s3_batch_replication_statements(
    sources: Sequence[str], report_prefix_arn: str
) -> list[Statement]:
    """The policy of the role S3 Batch Operations replicates existing objects with: start
    replication of the ``sources`` buckets' objects, build the job's object list from their
    replication configuration (S3 reads it and an inventory configuration for that), and write
    the completion report under ``report_prefix_arn`` (``arn:...:s3:::bucket/prefix``). The
    objects themselves are read and written by the replication role, as in live replication
    (AWS's "Configuring an IAM role for S3 Batch Replication", generated manifest, no manifest
    output)."""
    return [
        allow("InitiateReplication", "s3:InitiateReplication", [f"{a}/*" for a in sources]),
        allow(
            "GenerateObjectList",
            ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
            sources,
        ),
        allow("WriteCompletionReport", "s3:PutObject", f"{report_prefix_arn}/*"),
    ]
