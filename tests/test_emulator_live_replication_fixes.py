"""Live replication in the emulator: what is written after a bucket's rules exist is
replicated as S3 documents it.

AWS (S3 user guide, "What does Amazon S3 replicate?"): each object version written after
the replication configuration (PUT, copy, completed multipart upload) that an enabled rule
selects is replicated with its metadata and tags, an SSE-KMS one only under a rule that
selects SSE-KMS objects (encrypted in the destination with the rule's replica key); a
DELETE without a version id replicates its delete marker under a rule that replicates
delete markers, and a DELETE of one version is not replicated. The source then reads
``COMPLETED`` (or ``FAILED``), the replica ``REPLICA``. moto never replicates
(:mod:`mlplatform.emulator.live_replication`).
"""

from __future__ import annotations

from typing import Any

import pytest

from mlplatform.emulator.local_aws import LocalAws
from tests.replicated_buckets import (
    KMS_OBJECTS,
    REPLICA_KEY,
    SOURCE_KEY,
    replicate_to,
    replicated_buckets,
    status,
)


@pytest.fixture
def s3(emulated_aws: LocalAws) -> Any:
    """``raw`` and its versioned ``replica``, no rule yet."""
    return replicated_buckets()


def replica_keys(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket="replica").get("Contents", [])]


def test_a_put_after_the_rule_is_replicated_whole_at_once(s3: Any) -> None:
    replicate_to(s3)

    put = s3.put_object(
        Bucket="raw",
        Key="landing/a.csv",
        Body=b"a,b\n",
        Metadata={"origin": "ingest"},
        Tagging="team=ranking",
        ContentType="text/csv",
    )

    assert status(s3, "raw", "landing/a.csv") == "COMPLETED"
    replica = s3.get_object(Bucket="replica", Key="landing/a.csv")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["Body"].read() == b"a,b\n"
    assert replica["VersionId"] == put["VersionId"]
    assert replica["Metadata"] == {"origin": "ingest"}
    assert replica["StorageClass"] == "STANDARD_IA"
    tags = s3.get_object_tagging(Bucket="replica", Key="landing/a.csv")["TagSet"]
    assert tags == [{"Key": "team", "Value": "ranking"}]


def test_kms_objects_replicate_with_the_replica_key_only_when_the_rule_selects_them(
    s3: Any,
) -> None:
    kms = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": SOURCE_KEY}
    replicate_to(s3)  # no SourceSelectionCriteria: AWS replicates no SSE-KMS object
    s3.put_object(Bucket="raw", Key="skipped.csv", Body=b"k", **kms)

    replicate_to(s3, **KMS_OBJECTS)
    s3.put_object(Bucket="raw", Key="kept.csv", Body=b"k", **kms)

    assert status(s3, "raw", "skipped.csv") is None
    assert replica_keys(s3) == ["kept.csv"]
    replica = s3.head_object(Bucket="replica", Key="kept.csv")
    assert (replica["ServerSideEncryption"], replica["SSEKMSKeyId"]) == ("aws:kms", REPLICA_KEY)


def test_only_what_an_enabled_rules_filter_selects_is_replicated(s3: Any) -> None:
    replicate_to(s3, Filter={"And": {"Prefix": "landing/", "Tags": [{"Key": "dr", "Value": "y"}]}})
    s3.put_object(Bucket="raw", Key="landing/tagged.csv", Body=b"a", Tagging="dr=y")
    s3.put_object(Bucket="raw", Key="landing/untagged.csv", Body=b"a")
    s3.put_object(Bucket="raw", Key="scratch/tagged.csv", Body=b"a", Tagging="dr=y")
    replicate_to(s3, Status="Disabled")
    s3.put_object(Bucket="raw", Key="landing/later.csv", Body=b"a", Tagging="dr=y")

    assert replica_keys(s3) == ["landing/tagged.csv"]
    assert status(s3, "raw", "landing/untagged.csv") is None


def test_copies_and_multipart_uploads_are_replicated(s3: Any) -> None:
    s3.put_object(Bucket="raw", Key="before.csv", Body=b"b")  # before the rule: stays
    replicate_to(s3)
    s3.copy_object(
        Bucket="raw", Key="copied.csv", CopySource={"Bucket": "raw", "Key": "before.csv"}
    )
    upload = s3.create_multipart_upload(Bucket="raw", Key="big.bin")["UploadId"]
    part = s3.upload_part(
        Bucket="raw", Key="big.bin", UploadId=upload, PartNumber=1, Body=b"x" * 1024
    )
    assert replica_keys(s3) == ["copied.csv"]  # nothing of the upload before it completes
    s3.complete_multipart_upload(
        Bucket="raw",
        Key="big.bin",
        UploadId=upload,
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )

    assert replica_keys(s3) == ["big.bin", "copied.csv"]
    assert s3.get_object(Bucket="replica", Key="big.bin")["Body"].read() == b"x" * 1024
    assert status(s3, "raw", "before.csv") is None


@pytest.mark.parametrize(("deletes", "replicated"), [("Enabled", True), ("Disabled", False)])
def test_a_delete_marker_replicates_only_under_a_rule_that_replicates_them(
    s3: Any, deletes: str, replicated: bool
) -> None:
    replicate_to(s3, DeleteMarkerReplication={"Status": deletes})
    s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")

    s3.delete_object(Bucket="raw", Key="a.csv")

    markers = s3.list_object_versions(Bucket="replica").get("DeleteMarkers", [])
    assert [(m["Key"], m["IsLatest"]) for m in markers] == ([("a.csv", True)] if replicated else [])


def test_deleting_one_version_is_not_replicated(s3: Any) -> None:
    replicate_to(s3, DeleteMarkerReplication={"Status": "Enabled"})
    version = s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")["VersionId"]

    s3.delete_object(Bucket="raw", Key="a.csv", VersionId=version)

    kept = s3.list_object_versions(Bucket="replica")
    assert [(v["Key"], v["VersionId"]) for v in kept["Versions"]] == [("a.csv", version)]
    assert "DeleteMarkers" not in kept


@pytest.mark.parametrize("broken", ["unversioned", "missing"])
def test_a_put_to_a_broken_destination_reads_failed(s3: Any, broken: str) -> None:
    # AWS refuses a rule to such a bucket, so the bucket breaks after the rule is put.
    s3.create_bucket(Bucket=broken)
    s3.put_bucket_versioning(Bucket=broken, VersioningConfiguration={"Status": "Enabled"})
    replicate_to(s3, destination=broken)
    if broken == "unversioned":
        s3.put_bucket_versioning(Bucket=broken, VersioningConfiguration={"Status": "Suspended"})
    else:
        s3.delete_bucket(Bucket=broken)

    s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")

    assert status(s3, "raw", "a.csv") == "FAILED"
