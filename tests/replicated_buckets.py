"""A replicated ``raw`` bucket in the emulator, as the tests of its live and batch replication
make it: ``raw`` and its ``replica`` (both versioned), ``logs`` for job reports, and one
rule from ``raw`` to a destination."""

from __future__ import annotations

from typing import Any

import boto3

ACCOUNT = "123456789012"
SOURCE_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/source"
REPLICA_KEY = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/replica"
KMS_OBJECTS: dict[str, Any] = {
    "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
}
"""Rule settings that replicate SSE-KMS encrypted objects too."""


def replicated_buckets() -> Any:
    """Make ``raw``, ``replica`` and ``logs`` in the emulator the environment names; return
    the S3 client. No rule yet: :func:`replicate_to` puts it."""
    client = boto3.client("s3")
    for bucket in ("raw", "replica", "logs"):
        client.create_bucket(Bucket=bucket)
    for bucket in ("raw", "replica"):
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return client


def replicate_to(s3: Any, destination: str = "replica", **rule: Any) -> None:
    """Replicate ``raw`` into ``destination`` (as STANDARD_IA, SSE-KMS objects with the replica
    key) under one rule: every object, no delete markers, unless ``rule`` says otherwise."""
    s3.put_bucket_replication(
        Bucket="raw",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [
                {
                    "ID": "raw",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {
                        "Bucket": f"arn:aws:s3:::{destination}",
                        "StorageClass": "STANDARD_IA",
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": REPLICA_KEY},
                    },
                    **rule,
                }
            ],
        },
    )


def status(s3: Any, bucket: str, key: str) -> str | None:
    """The object's ``x-amz-replication-status``, or ``None`` when S3 sends none."""
    found: str | None = s3.head_object(Bucket=bucket, Key=key).get("ReplicationStatus")
    return found
