"""The completion report of an S3 Batch Operations job, as the emulator writes it.

AWS (S3 user guide, "Examples: S3 Batch Operations completion reports"): a job with
``Report.Enabled`` writes ``<Prefix>/job-<JobId>/manifest.json`` (format
``Report_CSV_20180820``), which lists one CSV results file per task outcome
(``TaskExecutionStatus`` ``succeeded`` or ``failed``) with its bucket, key and MD5; each
file sits under ``<Prefix>/job-<JobId>/results/`` and holds one row per task. The
manifest's ``ReportSchema`` names the columns ``Bucket, Key, VersionId, TaskStatus,
ErrorCode, HTTPStatusCode, ResultMessage``, while AWS's example rows carry the HTTP status
code in the fifth column and the error code in the sixth
(``...,failed,200,PermanentFailure,...``; ``...,succeeded,200,,Successful``): the emulator
writes rows as the examples show them. For Batch Replication the error code is the
replication failure reason (``DstBucketNotFound``, ...). Reports are SSE-S3 encrypted.

With ``ReportScope: FailedTasksOnly`` only failed tasks are reported; when none failed the
manifest's ``Results`` is empty and no results file is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime
from typing import Any

from mlplatform.emulator.batch_replication import Task, bucket_name

__all__ = ["write_report"]

_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
_FAILED_HTTP_STATUS = 400
"""AWS documents no HTTP status for a replication failure; the emulator reports 400."""


def write_report(
    backend: Any, report: dict[str, Any], job_id: str, tasks: list[Task], now: datetime
) -> None:
    """Write the completion report of job ``job_id`` where ``report`` (its JobReport) says."""
    bucket = bucket_name(report["Bucket"])
    folder = "/".join(
        part for part in ((report.get("Prefix") or "").strip("/"), f"job-{job_id}") if part
    )
    scopes = (
        ("failed",) if report.get("ReportScope") == "FailedTasksOnly" else ("succeeded", "failed")
    )
    results = []
    for outcome in scopes:
        rows = [task for task in tasks if task.succeeded == (outcome == "succeeded")]
        if not rows:
            continue
        body = _csv(rows)
        name = hashlib.sha1(f"{job_id}/{outcome}".encode()).hexdigest()
        key = f"{folder}/results/{name}.csv"
        backend.put_object(bucket, key, body, encryption="AES256")
        md5 = hashlib.md5(body).hexdigest()
        results.append(
            {"TaskExecutionStatus": outcome, "Bucket": bucket, "MD5Checksum": md5, "Key": key}
        )
    manifest = {
        "Format": "Report_CSV_20180820",
        "ReportCreationDate": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "Results": results,
        "ReportSchema": _SCHEMA,
    }
    backend.put_object(
        bucket, f"{folder}/manifest.json", json.dumps(manifest).encode(), encryption="AES256"
    )


def _csv(tasks: list[Task]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for task in tasks:
        status = "succeeded" if task.succeeded else "failed"
        http = 200 if task.succeeded else _FAILED_HTTP_STATUS
        writer.writerow(
            [task.bucket, task.key, task.version_id, status, http, task.error_code, task.message]
        )
    return out.getvalue().encode()
