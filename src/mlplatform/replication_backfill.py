"""Replicating what a lake's live replication did not: S3 Batch Replication, one job per zone.

Live replication copies each object version written after a zone's rule exists,
and tries each once. Objects that were in a zone before ``data_lake.replication``
was turned on, and objects whose replication FAILED (what the failed-replication
alarm fires on), stay out of the replica until an S3 Batch Replication job
replicates them (S3 user guide, "Replicating existing objects with Batch
Replication"). :class:`ReplicationBackfill` starts one such job per zone, as the
role the data layer made for it, selecting the zone's objects whose replication
status is ``NONE`` or ``FAILED`` under the zone's own rule
(:func:`~mlplatform.decisions.replication_plan.batch_replication_job`), and
waits for each to finish. A job that leaves objects unreplicated names where
its report of them is: ``s3://<lake access-log bucket>/batch-replication/<zone>/job-<id>/``.

Run it with ``mlplatform lake replicate-existing <env>`` for a platform environment's
lake (:meth:`ReplicationBackfill.for_environment`). A team's own replicated ``DataLake``
gets the same rules and batch role from the same decisions, but its props live in the
team's code, so the team builds the backfill from them (the lake's naming and props, the
platform's region)::

    clients = environment_clients(team.platform, None)  # or the emulator's endpoint
    backfill = ReplicationBackfill(props, stack.naming, "us-east-1", clients)
    finished = backfill.wait(backfill.start())
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from mlplatform.catalogs.regions import partition_of
from mlplatform.config import DataLakeProps, EnvironmentConfig
from mlplatform.decisions.lake_plan import lake_access_log_bucket
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.replication_plan import BATCH_REPORT_PREFIX, batch_replication_job
from mlplatform.emulator.clients import ClientFactory
from mlplatform.errors import MlplatformError

__all__ = ["BackfillError", "ReplicationBackfill", "ZoneJob"]

FINISHED = frozenset({"Complete", "Failed", "Cancelled"})
"""S3 Batch Operations job statuses after which nothing more happens."""


class BackfillError(MlplatformError, RuntimeError):
    """A job could not be started or followed; the message says what to do."""


@dataclass(frozen=True)
class ZoneJob:
    """One zone's Batch Replication job, as S3 Control last described it."""

    zone: str
    job_id: str
    status: str = "New"
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    failure_reasons: tuple[str, ...] = field(default=())

    @property
    def finished(self) -> bool:
        """Whether the job is Complete, Failed or Cancelled."""
        return self.status in FINISHED

    @property
    def clean(self) -> bool:
        """Whether the job completed and every object it selected was replicated."""
        return self.status == "Complete" and self.failed == 0


class ReplicationBackfill:
    """Batch Replication jobs for the lake ``lake`` (its props) named by ``naming``, in
    ``region``, through ``clients`` (that region's). ``name`` starts every message (default
    the naming's prefix); ``deploy`` says how the lake gets deployed, for a refusal."""

    def __init__(
        self,
        lake: DataLakeProps,
        naming: Naming,
        region: str,
        clients: ClientFactory,
        *,
        name: str | None = None,
        deploy: str = "deploy the stack that holds the lake first",
        poll_seconds: float = 10.0,
        timeout_seconds: float = 6 * 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._name = name or naming.prefix
        if lake.replication is None:
            raise BackfillError(
                f"{self._name}: the lake does not replicate, so there is nothing to backfill; "
                "set its replication and deploy first"
            )
        self._lake = lake
        self._naming = naming
        self._region = region
        self._deploy = deploy
        self._clients = clients
        self._poll_seconds = poll_seconds
        self._timeout_seconds = timeout_seconds
        self._sleep = sleep
        self._account: str | None = None

    @classmethod
    def for_environment(
        cls,
        config: EnvironmentConfig,
        clients: ClientFactory,
        *,
        poll_seconds: float = 10.0,
        timeout_seconds: float = 6 * 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ReplicationBackfill:
        """The jobs for a platform environment's lake (``mlplatform lake replicate-existing``)."""
        if config.data_lake.replication is None:
            raise BackfillError(
                f"{config.environment}: the lake does not replicate, so there is nothing to "
                "backfill; set data_lake.replication and deploy first"
            )
        return cls(
            config.data_lake,
            Naming.for_environment(config),
            config.region,
            clients,
            name=config.environment,
            deploy=f"deploy the data layer first (make deploy ENV={config.environment})",
            poll_seconds=poll_seconds,
            timeout_seconds=timeout_seconds,
            sleep=sleep,
        )

    @property
    def account(self) -> str:
        """The account the credentials act in (the jobs run there)."""
        if self._account is None:
            self._account = str(self._clients("sts").get_caller_identity()["Account"])
        return self._account

    def report_location(self, job: ZoneJob) -> str:
        """Where ``job``'s report of the objects it could not replicate is written."""
        bucket = lake_access_log_bucket(self._naming, self._lake).bucket_name
        return f"s3://{bucket}/{BATCH_REPORT_PREFIX}/{job.zone}/job-{job.job_id}/"

    def start(self, zones: Sequence[str] = ()) -> list[ZoneJob]:
        """Start a job for each of ``zones`` (default: every zone), in the lake's order."""
        lake = self._lake
        chosen = list(zones) or list(lake.zones)
        partition = partition_of(self._region) or "aws"
        requests = {}
        for zone in chosen:
            try:
                requests[zone] = batch_replication_job(
                    self._naming,
                    lake,
                    zone,
                    partition=partition,
                    account=self.account,
                    token=str(uuid.uuid4()),
                )
            except ValueError as refused:
                raise BackfillError(f"{self._name}: {refused}") from None
        s3control = self._clients("s3control")
        jobs = []
        for zone, request in requests.items():
            try:
                job_id = s3control.create_job(**request)["JobId"]
            except ClientError as error:
                raise BackfillError(self._refusal(zone, request, error)) from None
            jobs.append(ZoneJob(zone=zone, job_id=str(job_id)))
        return jobs

    def describe(self, job: ZoneJob) -> ZoneJob:
        """``job`` as S3 Control describes it now."""
        found: dict[str, Any] = self._clients("s3control").describe_job(
            AccountId=self.account, JobId=job.job_id
        )["Job"]
        progress = found.get("ProgressSummary", {})
        reasons = tuple(
            f"{r.get('FailureCode', '')}: {r.get('FailureReason', '')}".strip(": ")
            for r in found.get("FailureReasons", [])
        )
        return ZoneJob(
            zone=job.zone,
            job_id=job.job_id,
            status=str(found.get("Status", job.status)),
            total=int(progress.get("TotalNumberOfTasks", 0)),
            succeeded=int(progress.get("NumberOfTasksSucceeded", 0)),
            failed=int(progress.get("NumberOfTasksFailed", 0)),
            failure_reasons=reasons,
        )

    def wait(
        self, jobs: Sequence[ZoneJob], on_change: Callable[[ZoneJob], None] | None = None
    ) -> list[ZoneJob]:
        """Follow ``jobs`` until each has finished; ``on_change`` hears every new status."""
        current = {job.job_id: job for job in jobs}
        deadline = time.monotonic() + self._timeout_seconds
        while True:
            for job_id, job in current.items():
                if job.finished:
                    continue
                latest = self.describe(job)
                if latest.status != job.status and on_change is not None:
                    on_change(latest)
                current[job_id] = latest
            if all(job.finished for job in current.values()):
                return list(current.values())
            if time.monotonic() >= deadline:
                running = ", ".join(
                    f"{j.zone} ({j.job_id}, {j.status})" for j in current.values() if not j.finished
                )
                raise BackfillError(
                    f"still running after {self._timeout_seconds:.0f} s: {running}; they go on "
                    "without this command (aws s3control describe-job --account-id "
                    f"{self.account} --job-id <id>)"
                )
            self._sleep(self._poll_seconds)

    def _refusal(self, zone: str, request: dict[str, Any], error: ClientError) -> str:
        """Why S3 Control refused ``zone``'s job, with the likely fix."""
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        hint = (
            f"{self._deploy}: it makes the replication rules and the role "
            f"{request['RoleArn'].rsplit('/', 1)[-1]}"
        )
        if code in {"AccessDenied", "AccessDeniedException"}:
            hint = (
                "the credentials need s3:CreateJob and iam:PassRole on "
                f"{request['RoleArn']}, or the lake is not deployed ({self._deploy})"
            )
        return f"{self._name}: zone {zone}: S3 Control refused the job ({code}: {message}); {hint}"
