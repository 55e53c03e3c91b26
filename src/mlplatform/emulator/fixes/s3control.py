"""S3 Control: S3 Batch Operations jobs that replicate objects (S3 Batch Replication).

AWS (S3 Control API reference: CreateJob, DescribeJob, ListJobs, UpdateJobStatus): CreateJob
answers ``{"JobId": ...}``; the same ``ClientRequestToken`` again answers the same job (with
other parameters, an ``IdempotencyException``); a job created with ``ConfirmationRequired``
false runs without waiting, one created with it true waits ``Suspended`` until
UpdateJobStatus makes it ``Ready`` (or ``Cancelled``). DescribeJob answers the job as created
with its ``Status``, ``ProgressSummary`` (tasks in all, succeeded, failed) and, once it ended,
``TerminationDate``; ListJobs lists an account's jobs in the region, filtered by
``JobStatuses``. A job with ``Report.Enabled`` writes its completion report to
``Report.Bucket`` under ``<Prefix>/job-<JobId>/``. Errors are S3 Control's XML errors with a
``Code``.

moto's S3 Control has access points, public access blocks, Storage Lens and Multi-Region
Access Points, and no jobs: every call above answered 404, so the platform's backfill of a
replicated lake could not run in the emulator at all. This fix adds the four operations for
the one job the platform creates: ``S3ReplicateObject`` over a manifest generated from the
source bucket's replication configuration (:mod:`mlplatform.emulator.batch_replication`
says what such a job does). It runs inside the CreateJob call (or the UpdateJobStatus that
confirms it), so DescribeJob answers ``Complete`` at once. Other operations, a manifest
file, a written-out generated manifest and a filter that is not ``EligibleForReplication``
are answered ``NotImplemented`` (HTTP 501): the emulator does not pretend to run them.

CreateJob refuses (``InvalidRequest``) a source bucket that does not exist or has no
replication configuration, and a report bucket that does not exist, rather than creating
a job that can only fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import once, side_table

__all__ = ["apply"]

_JOBS = "/v20180820/jobs"
_ROUTES = (
    "{0}" + _JOBS + "$",
    "{0}" + _JOBS + "/(?P<id>[^/]+)$",
    "{0}" + _JOBS + "/(?P<id>[^/]+)/status$",
)
_ROLE = re.compile(r"^arn:[^:]+:iam::\d{12}:role/.+")
_SUPPORTED_FILTER = {
    "EligibleForReplication",
    "ObjectReplicationStatuses",
    "CreatedAfter",
    "CreatedBefore",
    "KeyNameConstraint",
    "ObjectSizeGreaterThanBytes",
    "ObjectSizeLessThanBytes",
    "MatchAnyStorageClass",
}
_TERMINAL = ("Complete", "Cancelled", "Failed")
_DESCRIBED = ("Description", "Operation", "Priority", "RoleArn", "Report", "ManifestGenerator")
"""What DescribeJob answers of the CreateJob request, as it was sent."""
_LISTED = ("JobId", "Description", "Priority", "Status", "CreationTime", "TerminationDate")
"""What ListJobs answers of each job, besides its operation's name and its progress."""


class RefusedError(Exception):
    """An S3 Control error answer: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _invalid(message: str) -> RefusedError:
    return RefusedError(400, "InvalidRequest", message)


def _not_emulated(what: str) -> RefusedError:
    return RefusedError(501, "NotImplemented", f"The emulator does not run {what}")


def apply() -> None:
    """Route S3 Control's job calls to moto's S3 Control responses, and answer them."""
    import moto.s3control.urls as urls
    from moto.s3control.responses import S3ControlResponse

    if not once(S3ControlResponse, "_mlplatform_batch_jobs"):
        return
    for route in _ROUTES:
        urls.url_paths[route] = S3ControlResponse.dispatch
    S3ControlResponse.create_job = _answering(_create_job)  # type: ignore[attr-defined]
    S3ControlResponse.describe_job = _answering(_describe_job)  # type: ignore[attr-defined]
    S3ControlResponse.list_jobs = _answering(_list_jobs)  # type: ignore[attr-defined]
    S3ControlResponse.update_job_status = _answering(_update_job_status)  # type: ignore[attr-defined]


def _answering(handler: Callable[[Any], dict[str, Any]]) -> Callable[[Any], Any]:
    """A response method: ``handler``'s result, or its :class:`RefusedError` as S3 Control's error."""
    from moto.core.responses import ActionResult
    from moto.s3control.exceptions import S3ControlError

    def answer(self: Any) -> Any:
        try:
            if self._get_param("AccountId") != self.current_account:
                raise RefusedError(403, "AccessDenied", "Access Denied")
            return ActionResult(handler(self))
        except RefusedError as refused:
            error = S3ControlError(refused.code, refused.message)
            _, headers, body = self.serialized(ActionResult(error))
            return refused.status, {**headers, "status": refused.status}, body

    answer.__name__ = handler.__name__.lstrip("_")
    return answer


def _jobs(self: Any) -> dict[str, dict[str, Any]]:
    """This account's jobs in the request's region, by id (kept on moto's S3 Control backend)."""
    table: dict[str, dict[str, Any]] = side_table(self.backend, "batch_jobs").setdefault(
        self.region, {}
    )
    return table


def _create_job(self: Any) -> dict[str, Any]:
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    params = {k: v for k, v in self.params.items() if k not in ("AccountId", "ClientRequestToken")}
    token = self._get_param("ClientRequestToken")
    tokens = side_table(self.backend, "batch_job_tokens")
    fingerprint = json.dumps(params, sort_keys=True, default=str)
    if f"{self.region}/{token}" in tokens:
        job_id, seen = tokens[f"{self.region}/{token}"]
        if seen != fingerprint:
            raise RefusedError(
                400,
                "IdempotencyException",
                "The ClientRequestToken was already used with other parameters",
            )
        return {"JobId": job_id}
    _validate(self, params)
    job_id = str(mock_random.uuid4())
    job: dict[str, Any] = {
        "JobId": job_id,
        "JobArn": f"arn:{self.partition}:s3:{self.region}:{self.current_account}:job/{job_id}",
        "Status": "New",
        "ConfirmationRequired": bool(params.get("ConfirmationRequired")),
        **{k: params[k] for k in _DESCRIBED if k in params},
        "ProgressSummary": _progress(0, 0, 0),
        "CreationTime": utcnow(),
    }
    _jobs(self)[job_id] = job
    tokens[f"{self.region}/{token}"] = (job_id, fingerprint)
    if job["ConfirmationRequired"]:
        job.update(Status="Suspended", SuspendedDate=utcnow())
    else:
        _run(self, job)
    return {"JobId": job_id}


def _validate(self: Any, params: dict[str, Any]) -> None:
    """What CreateJob checks before it accepts a job (see the module docstring)."""
    operation = params.get("Operation") or {}
    if len(operation) != 1:
        raise _invalid("A job names exactly one operation")
    if "S3ReplicateObject" not in operation:
        raise _not_emulated(f"{next(iter(operation))} jobs, only S3ReplicateObject")
    if not _ROLE.match(params.get("RoleArn") or ""):
        raise _invalid("RoleArn must be the ARN of an IAM role")
    if not 0 <= int(params.get("Priority", -1)) <= 2147483647:
        raise _invalid("Priority must be between 0 and 2147483647")
    if ("Manifest" in params) == ("ManifestGenerator" in params):
        raise _invalid("A job has either a Manifest or a ManifestGenerator, not both")
    if "Manifest" in params:
        raise _not_emulated("jobs with a manifest file, only a ManifestGenerator")
    generator = params["ManifestGenerator"].get("S3JobManifestGenerator") or {}
    if generator.get("EnableManifestOutput"):
        raise _not_emulated("jobs that write their generated manifest out")
    wanted = generator.get("Filter") or {}
    if not wanted.get("EligibleForReplication") or set(wanted) - _SUPPORTED_FILTER:
        raise _not_emulated(
            f"a manifest filter other than EligibleForReplication with {sorted(_SUPPORTED_FILTER)}"
        )
    source = _bucket(self, generator.get("SourceBucket") or "", "source")
    if not getattr(source, "replication", None):
        raise _invalid(f"The source bucket {source.name} has no replication configuration")
    report = params.get("Report") or {}
    if report.get("Enabled"):
        if report.get("Format") != "Report_CSV_20180820":
            raise _invalid("Report.Format must be Report_CSV_20180820")
        _bucket(self, report.get("Bucket") or "", "report")


def _bucket(self: Any, arn: str, role: str) -> Any:
    from moto.s3.exceptions import MissingBucket

    from mlplatform.emulator.batch_replication import bucket_name

    try:
        return _s3(self).get_bucket(bucket_name(arn))
    except MissingBucket:
        raise _invalid(f"The {role} bucket {arn} does not exist") from None


def _s3(self: Any) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[self.current_account][self.partition]


def _run(self: Any, job: dict[str, Any]) -> None:
    """Replicate every version the generated manifest lists, then report (see the module)."""
    from moto.core.utils import utcnow

    from mlplatform.emulator.batch_replication import eligible_versions, replicate
    from mlplatform.emulator.batch_report import write_report

    s3 = _s3(self)
    generator = job["ManifestGenerator"]["S3JobManifestGenerator"]
    source = _bucket(self, generator["SourceBucket"], "source")
    rules = (getattr(source, "replication", None) or {}).get("Rule") or []
    manifest = list(eligible_versions(s3, source, rules, generator.get("Filter") or {}))
    job.update(Status="Active")
    tasks = [replicate(s3, source, version, selecting) for version, selecting in manifest]
    succeeded = sum(task.succeeded for task in tasks)
    job.update(
        Status="Complete",
        TerminationDate=utcnow(),
        ProgressSummary=_progress(len(tasks), succeeded, len(tasks) - succeeded),
    )
    report = job.get("Report") or {}
    if report.get("Enabled"):
        write_report(s3, report, job["JobId"], tasks, job["TerminationDate"])


def _progress(total: int, succeeded: int, failed: int) -> dict[str, Any]:
    return {
        "TotalNumberOfTasks": total,
        "NumberOfTasksSucceeded": succeeded,
        "NumberOfTasksFailed": failed,
        "Timers": {"ElapsedTimeInActiveSeconds": 0},
    }


def _job(self: Any) -> dict[str, Any]:
    job = _jobs(self).get(self._get_param("JobId"))
    if job is None:
        raise RefusedError(404, "NoSuchJob", "The specified job does not exist")
    return job


def _describe_job(self: Any) -> dict[str, Any]:
    return {"Job": _job(self)}


def _list_jobs(self: Any) -> dict[str, Any]:
    statuses = set(self._get_param("JobStatuses") or ())
    jobs = [job for job in _jobs(self).values() if not statuses or job["Status"] in statuses]
    start = int(self._get_param("NextToken") or 0)
    end = start + int(self._get_param("MaxResults") or 1000)
    listed = [
        {
            **{k: job[k] for k in _LISTED if k in job},
            "Operation": next(iter(job["Operation"])),
            "ProgressSummary": job["ProgressSummary"],
        }
        for job in jobs[start:end]
    ]
    return {"Jobs": listed, **({"NextToken": str(end)} if end < len(jobs) else {})}


def _update_job_status(self: Any) -> dict[str, Any]:
    from moto.core.utils import utcnow

    job = _job(self)
    requested = self._get_param("RequestedJobStatus")
    if job["Status"] in _TERMINAL or (requested == "Ready" and job["Status"] != "Suspended"):
        raise RefusedError(
            400, "JobStatusException", f"A job that is {job['Status']} cannot become {requested}"
        )
    reason = self._get_param("StatusUpdateReason")
    if reason:
        job["StatusUpdateReason"] = reason
    if requested == "Cancelled":
        job.update(Status="Cancelled", TerminationDate=utcnow())
    else:
        _run(self, job)
    return {k: job[k] for k in ("JobId", "Status", "StatusUpdateReason") if k in job}
