"""S3 Batch Replication in the emulator: jobs run, replicate and report as AWS documents.

AWS (S3 user guide, "Replicating existing objects with S3 Batch Replication"; S3 Control
API reference CreateJob, DescribeJob, ListJobs): a job whose manifest is generated from the
source bucket replicates each version the replication configuration makes eligible and the
job's filter selects by replication status; sources then read COMPLETED (or FAILED), replicas
REPLICA, and the completion report lists the tasks. Plain moto has no S3 Batch Operations
jobs and never replicates, so the platform's backfill of a replicated lake could not run
in the emulator (:mod:`mlplatform.emulator.fixes.s3control`).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.clients import environment_clients, s3control_client
from mlplatform.emulator.local_aws import LocalAws
from tests.replicated_buckets import (
    ACCOUNT,
    KMS_OBJECTS,
    REPLICA_KEY,
    SOURCE_KEY,
    replicate_to,
    replicated_buckets,
    status,
)

ROLE = f"arn:aws:iam::{ACCOUNT}:role/acme-test-datalake-batch-replication"


@dataclass(frozen=True)
class Emulated:
    environment: str = "local"
    region: str = "us-east-1"
    emulator: bool = True


@pytest.fixture
def s3(emulated_aws: LocalAws) -> Any:
    """A versioned ``raw`` zone, its versioned ``replica`` and the ``logs`` bucket for reports."""
    return replicated_buckets()


@pytest.fixture
def s3control(emulated_aws: LocalAws) -> Any:
    """S3 Control as the platform's CLI makes it: ``environment_clients(...)("s3control")``."""
    return environment_clients(Emulated(), emulated_aws.endpoint)("s3control")


def backfill(s3control: Any, token: str | None = None, **changes: Any) -> dict[str, Any]:
    """The platform's job for the raw zone (NONE and FAILED objects); returns it described."""
    request: dict[str, Any] = {
        "AccountId": ACCOUNT,
        "ConfirmationRequired": False,
        "Operation": {"S3ReplicateObject": {}},
        "Priority": 10,
        "RoleArn": ROLE,
        "ClientRequestToken": token or str(uuid.uuid4()),
        "Description": "backfill raw",
        "ManifestGenerator": {
            "S3JobManifestGenerator": {
                "ExpectedBucketOwner": ACCOUNT,
                "SourceBucket": "arn:aws:s3:::raw",
                "EnableManifestOutput": False,
                "Filter": {
                    "EligibleForReplication": True,
                    "ObjectReplicationStatuses": ["NONE", "FAILED"],
                },
            }
        },
        "Report": {
            "Enabled": True,
            "Bucket": "arn:aws:s3:::logs",
            "Format": "Report_CSV_20180820",
            "Prefix": "batch-replication/raw",
            "ReportScope": "FailedTasksOnly",
        },
        **changes,
    }
    job_id = s3control.create_job(**request)["JobId"]
    job: dict[str, Any] = s3control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    return job


def progress(job: dict[str, Any]) -> tuple[int, int, int]:
    summary = job["ProgressSummary"]
    return (
        summary["TotalNumberOfTasks"],
        summary["NumberOfTasksSucceeded"],
        summary["NumberOfTasksFailed"],
    )


def test_existing_plain_and_kms_objects_replicate_and_read_completed_and_replica(
    s3: Any, s3control: Any
) -> None:
    plain = s3.put_object(Bucket="raw", Key="landing/a.csv", Body=b"a,b\n", Metadata={"o": "1"})
    s3.put_object(
        Bucket="raw",
        Key="landing/k.csv",
        Body=b"secret",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=SOURCE_KEY,
    )
    replicate_to(s3, **KMS_OBJECTS)
    assert status(s3, "raw", "landing/a.csv") is None  # never replicated: no header

    job = backfill(s3control)

    assert job["Status"] == "Complete"
    assert progress(job) == (2, 2, 0)
    assert job["JobArn"] == f"arn:aws:s3:us-east-1:{ACCOUNT}:job/{job['JobId']}"
    assert "TerminationDate" in job and job["RoleArn"] == ROLE and job["Priority"] == 10
    assert job["ManifestGenerator"]["S3JobManifestGenerator"]["SourceBucket"] == "arn:aws:s3:::raw"
    assert [status(s3, "raw", k) for k in ("landing/a.csv", "landing/k.csv")] == ["COMPLETED"] * 2
    replica = s3.get_object(Bucket="replica", Key="landing/a.csv")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["Body"].read() == b"a,b\n"
    assert replica["Metadata"] == {"o": "1"}
    assert replica["VersionId"] == plain["VersionId"]
    assert replica["StorageClass"] == "STANDARD_IA"
    encrypted = s3.head_object(Bucket="replica", Key="landing/k.csv")
    assert (encrypted["ServerSideEncryption"], encrypted["SSEKMSKeyId"]) == ("aws:kms", REPLICA_KEY)
    assert encrypted["ReplicationStatus"] == "REPLICA"


def test_kms_objects_are_not_eligible_unless_the_rule_selects_them(s3: Any, s3control: Any) -> None:
    s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")
    s3.put_object(
        Bucket="raw", Key="k.csv", Body=b"k", ServerSideEncryption="aws:kms", SSEKMSKeyId=SOURCE_KEY
    )
    replicate_to(s3)  # no SourceSelectionCriteria: AWS replicates no SSE-KMS object

    assert progress(backfill(s3control)) == (1, 1, 0)
    assert status(s3, "raw", "k.csv") is None
    assert "Contents" not in s3.list_objects_v2(Bucket="replica", Prefix="k.csv")


def test_only_what_a_rules_filter_selects_is_replicated(s3: Any, s3control: Any) -> None:
    s3.put_object(Bucket="raw", Key="landing/a.csv", Body=b"a")
    s3.put_object(Bucket="raw", Key="scratch/b.csv", Body=b"b")
    replicate_to(s3, Filter={"Prefix": "landing/"})

    assert progress(backfill(s3control)) == (1, 1, 0)
    assert status(s3, "raw", "scratch/b.csv") is None


def test_the_jobs_own_filter_narrows_the_manifest(s3: Any, s3control: Any) -> None:
    s3.put_object(Bucket="raw", Key="landing/a.csv", Body=b"a")
    s3.put_object(Bucket="raw", Key="landing/b.json", Body=b"b")
    replicate_to(s3)
    generator = {
        "SourceBucket": "arn:aws:s3:::raw",
        "EnableManifestOutput": False,
        "Filter": {
            "EligibleForReplication": True,
            "KeyNameConstraint": {"MatchAnySuffix": [".csv"]},
            "CreatedBefore": datetime.now(UTC) + timedelta(hours=1),
        },
    }

    job = backfill(s3control, ManifestGenerator={"S3JobManifestGenerator": generator})

    assert progress(job) == (1, 1, 0)
    assert status(s3, "raw", "landing/b.json") is None


def test_a_none_and_failed_job_leaves_completed_objects_alone(s3: Any, s3control: Any) -> None:
    s3.put_object(Bucket="raw", Key="old.csv", Body=b"old")
    replicate_to(s3)
    assert progress(backfill(s3control)) == (1, 1, 0)
    s3.put_object(Bucket="raw", Key="new.csv", Body=b"new")  # replicated live: COMPLETED

    second = backfill(s3control)

    assert progress(second) == (0, 0, 0)
    versions = s3.list_object_versions(Bucket="replica", Prefix="old.csv")["Versions"]
    assert len(versions) == 1


@pytest.mark.parametrize(
    ("broken", "reason"),
    [("unversioned", "DstBucketUnversioned"), ("missing", "DstBucketNotFound")],
)
def test_a_broken_destination_fails_the_tasks_and_a_later_job_replicates_them(
    s3: Any, s3control: Any, broken: str, reason: str
) -> None:
    # AWS refuses a replication rule to such a bucket, so the bucket breaks after the rule is put.
    s3.create_bucket(Bucket=broken)
    s3.put_bucket_versioning(Bucket=broken, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")["VersionId"]
    replicate_to(s3, destination=broken)
    if broken == "unversioned":
        s3.put_bucket_versioning(Bucket=broken, VersioningConfiguration={"Status": "Suspended"})
    else:
        s3.delete_bucket(Bucket=broken)

    job = backfill(s3control)

    assert job["Status"] == "Complete"  # AWS completes a job whose tasks failed
    assert progress(job) == (1, 0, 1)
    assert status(s3, "raw", "a.csv") == "FAILED"
    folder = f"batch-replication/raw/job-{job['JobId']}"
    manifest = json.loads(
        s3.get_object(Bucket="logs", Key=f"{folder}/manifest.json")["Body"].read()
    )
    assert manifest["Format"] == "Report_CSV_20180820"
    [result] = manifest["Results"]
    assert result["TaskExecutionStatus"] == "failed"
    assert result["Key"].startswith(f"{folder}/results/") and result["Key"].endswith(".csv")
    rows = s3.get_object(Bucket="logs", Key=result["Key"])["Body"].read().decode()
    [[bucket, key, version_id, task_status, http, code, _]] = csv.reader(io.StringIO(rows))
    assert (bucket, key, version_id, task_status, code) == (
        "raw",
        "a.csv",
        version,
        "failed",
        reason,
    )
    assert http == "400"

    if broken == "missing":
        s3.create_bucket(Bucket=broken)
    s3.put_bucket_versioning(Bucket=broken, VersioningConfiguration={"Status": "Enabled"})
    retried = backfill(s3control)

    assert progress(retried) == (1, 1, 0)
    assert status(s3, "raw", "a.csv") == "COMPLETED"
    assert status(s3, broken, "a.csv") == "REPLICA"
    folder = f"batch-replication/raw/job-{retried['JobId']}"
    manifest = json.loads(
        s3.get_object(Bucket="logs", Key=f"{folder}/manifest.json")["Body"].read()
    )
    assert manifest["Results"] == []  # FailedTasksOnly and nothing failed: no results file


def test_an_all_tasks_report_lists_the_succeeded_tasks(s3: Any, s3control: Any) -> None:
    version = s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")["VersionId"]
    replicate_to(s3)
    report = {
        "Enabled": True,
        "Bucket": "arn:aws:s3:::logs",
        "Format": "Report_CSV_20180820",
        "ReportScope": "AllTasks",
    }

    job = backfill(s3control, Report=report)

    manifest = json.loads(
        s3.get_object(Bucket="logs", Key=f"job-{job['JobId']}/manifest.json")["Body"].read()
    )
    [result] = manifest["Results"]
    rows = s3.get_object(Bucket="logs", Key=result["Key"])["Body"].read().decode()
    assert result["TaskExecutionStatus"] == "succeeded"
    assert rows == f"raw,a.csv,{version},succeeded,200,,Successful\n"


def test_delete_markers_replicate_only_when_the_rule_replicates_them(
    s3: Any, s3control: Any
) -> None:
    s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")
    s3.delete_object(Bucket="raw", Key="a.csv")
    replicate_to(s3)
    assert progress(backfill(s3control)) == (1, 1, 0)  # the object, not its delete marker

    replicate_to(s3, DeleteMarkerReplication={"Status": "Enabled"})
    assert progress(backfill(s3control)) == (1, 1, 0)  # now the delete marker

    markers = s3.list_object_versions(Bucket="replica")["DeleteMarkers"]
    assert [(m["Key"], m["IsLatest"]) for m in markers] == [("a.csv", True)]


def test_the_same_client_request_token_answers_the_same_job(s3: Any, s3control: Any) -> None:
    s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")
    replicate_to(s3)

    first = backfill(s3control, token="backfill-raw-1")
    again = backfill(s3control, token="backfill-raw-1")

    assert again["JobId"] == first["JobId"]
    assert len(s3control.list_jobs(AccountId=ACCOUNT)["Jobs"]) == 1
    with pytest.raises(ClientError) as refused:
        backfill(s3control, token="backfill-raw-1", Priority=20)
    assert refused.value.response["Error"]["Code"] == "IdempotencyException"


def test_a_bucket_without_replication_configuration_is_refused(s3: Any, s3control: Any) -> None:
    with pytest.raises(ClientError) as refused:
        backfill(s3control)

    error = refused.value.response
    assert error["Error"]["Code"] == "InvalidRequest"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert s3control.list_jobs(AccountId=ACCOUNT)["Jobs"] == []


def test_an_unknown_job_is_not_found(s3control: Any) -> None:
    with pytest.raises(ClientError) as refused:
        s3control.describe_job(AccountId=ACCOUNT, JobId=str(uuid.uuid4()))

    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_list_jobs_filters_by_status_and_a_confirmed_job_runs(s3: Any, s3control: Any) -> None:
    s3.put_object(Bucket="raw", Key="a.csv", Body=b"a")
    replicate_to(s3)
    done = backfill(s3control)
    waiting = backfill(s3control, ConfirmationRequired=True)

    def listed(*statuses: str) -> list[str]:
        jobs = s3control.list_jobs(AccountId=ACCOUNT, JobStatuses=list(statuses))["Jobs"]
        return [job["JobId"] for job in jobs]

    assert waiting["Status"] == "Suspended"
    assert listed("Complete") == [done["JobId"]]
    assert listed("Suspended") == [waiting["JobId"]]
    [described] = s3control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Complete"])["Jobs"]
    assert described["Operation"] == "S3ReplicateObject"
    assert (described["ProgressSummary"]["TotalNumberOfTasks"], described["Priority"]) == (1, 10)

    s3control.update_job_status(
        AccountId=ACCOUNT, JobId=waiting["JobId"], RequestedJobStatus="Ready"
    )

    assert sorted(listed("Complete")) == sorted([done["JobId"], waiting["JobId"]])


def test_the_s3control_client_keeps_aws_hosts_and_drops_the_account_from_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # botocore prefixes S3 Control hosts with the account; 123456789012.127.0.0.1 cannot resolve.
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3_CONTROL"):
        monkeypatch.delenv(name, raising=False)
    sent: list[str] = []

    def capture(request: Any, **_: Any) -> Any:
        sent.append(request.url)
        raise ConnectionAbortedError

    for endpoint in (None, "http://127.0.0.1:5999"):
        client = s3control_client(
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        client.meta.events.register("before-send", capture)
        with pytest.raises(ConnectionAbortedError):
            client.list_jobs(AccountId=ACCOUNT)

    assert sent == [
        f"https://{ACCOUNT}.s3-control.us-east-1.amazonaws.com/v20180820/jobs",
        "http://127.0.0.1:5999/v20180820/jobs",
    ]
