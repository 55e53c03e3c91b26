"""``mlplatform lake replicate-existing``: S3 Batch Replication of what live replication missed.

The first tests drive :class:`ReplicationBackfill` with stand-in clients (what it asks
S3 Control, how it follows jobs and words refusals); the last run the command against
the emulator, over a lake deployed as the data layer makes it, and read the replicas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cdktf import App, Testing
from typer.testing import CliRunner, Result

from mlplatform.cli import app
from mlplatform.config import DataLakeProps, EnvironmentConfig, ReplicationProps
from mlplatform.constructs.data_lake import DataLake
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.replication_backfill import BackfillError, ReplicationBackfill, ZoneJob
from mlplatform.stacks.team_stack import TeamStack
from tests.deployed_environment import (
    VERIFY_ENVIRONMENT,
    build_environment,
    client,
    local_with,
    use_fake_account,
)
from tests.replicated_buckets import status
from tests.test_contract import team_config_for

REPLICATED = (
    "\n  access_log_expiry_days: 30\n",
    "\n  access_log_expiry_days: 30\n  replication: {region: us-west-2}\n",
)
ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_account(monkeypatch)


class FakeS3Control:
    """Answers CreateJob with numbered ids and DescribeJob from a script of statuses."""

    def __init__(self, statuses: list[dict[str, Any]], refusal: str | None = None) -> None:
        self.created: list[dict[str, Any]] = []
        self._statuses: Iterator[dict[str, Any]] = iter(statuses)
        self._refusal = refusal

    def create_job(self, **request: Any) -> dict[str, Any]:
        if self._refusal is not None:
            raise ClientError({"Error": {"Code": self._refusal, "Message": "refused"}}, "CreateJob")
        self.created.append(request)
        return {"JobId": f"job-{len(self.created)}"}

    def describe_job(self, AccountId: str, JobId: str) -> dict[str, Any]:  # noqa: N803
        assert AccountId == ACCOUNT
        return {"Job": {"JobId": JobId, **next(self._statuses)}}


class FakeSts:
    def get_caller_identity(self) -> dict[str, str]:
        return {"Account": ACCOUNT}


def backfill(config: EnvironmentConfig, s3control: FakeS3Control) -> ReplicationBackfill:
    services = {"s3control": s3control, "sts": FakeSts()}
    return ReplicationBackfill.for_environment(
        config, lambda service, **_: services[service], poll_seconds=0, sleep=lambda _: None
    )


def test_a_lake_that_does_not_replicate_has_nothing_to_backfill() -> None:
    with pytest.raises(BackfillError, match="local: the lake does not replicate"):
        backfill(local_with(), FakeS3Control([]))


def test_one_job_per_zone_for_the_zones_unreplicated_and_failed_objects() -> None:
    s3control = FakeS3Control([])
    jobs = backfill(local_with(REPLICATED), s3control).start()

    assert [(j.zone, j.job_id) for j in jobs] == [
        ("raw", "job-1"),
        ("curated", "job-2"),
        ("features", "job-3"),
    ]
    sources = [
        r["ManifestGenerator"]["S3JobManifestGenerator"]["SourceBucket"] for r in s3control.created
    ]
    assert sources == [
        f"arn:aws:s3:::mlp-local-datalake-{z}" for z in ("raw", "curated", "features")
    ]
    assert {r["RoleArn"] for r in s3control.created} == {
        f"arn:aws:iam::{ACCOUNT}:role/mlp-local-datalake-batch-replication"
    }
    # A retried request is the same job; another run is another job.
    assert len({r["ClientRequestToken"] for r in s3control.created}) == 3


def test_a_teams_own_lake_gets_the_jobs_of_what_its_stack_makes(tmp_path: Path) -> None:
    """A team's replicated DataLake (props in the team's code): the jobs name the buckets,
    batch role and log bucket its TeamStack synthesizes, and messages name the team's lake."""
    stack = TeamStack(App(outdir=str(tmp_path)), team_config_for(local_with()), "archive")
    props = DataLakeProps(zones=("raw",), replication=ReplicationProps(region="us-west-2"))
    DataLake(
        stack,
        "lake",
        naming=stack.naming,
        props=props,
        replica_provider=stack.regional_provider("us-west-2"),
    )
    synthesized = json.loads(Testing.synth(stack))
    buckets = [b["bucket"] for b in synthesized["resource"]["aws_s3_bucket"].values()]
    roles = [r["name"] for r in synthesized["resource"]["aws_iam_role"].values()]
    s3control = FakeS3Control([])
    services = {"s3control": s3control, "sts": FakeSts()}
    runner = ReplicationBackfill(
        props, stack.naming, "us-east-1", lambda service, **_: services[service]
    )

    [job] = runner.start()

    [request] = s3control.created
    source = request["ManifestGenerator"]["S3JobManifestGenerator"]["SourceBucket"]
    assert source == "arn:aws:s3:::mlp-local-ranking-datalake-raw" and source[13:] in buckets
    role = request["RoleArn"].rsplit("/", 1)[1]
    assert role == "mlp-local-ranking-datalake-batch-replication" and role in roles
    report = runner.report_location(job).removeprefix("s3://").split("/", 1)[0]
    assert report == "mlp-local-ranking-datalake-access-logs" and report in buckets
    with pytest.raises(BackfillError) as refused:
        runner.start(["curated"])
    assert str(refused.value) == "mlp-local-ranking: the lake has no zone 'curated'; its zones: raw"
    alone = props.model_copy(update={"replication": None})
    with pytest.raises(BackfillError, match="mlp-local-ranking: the lake does not replicate"):
        ReplicationBackfill(
            alone, stack.naming, "us-east-1", lambda service, **_: services[service]
        )


def test_an_unknown_zone_is_refused_before_any_job_starts() -> None:
    s3control = FakeS3Control([])
    with pytest.raises(BackfillError, match="no zone 'gold'; its zones: raw, curated, features"):
        backfill(local_with(REPLICATED), s3control).start(["raw", "gold"])
    assert s3control.created == []


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("AccessDenied", "the credentials need s3:CreateJob and iam:PassRole on arn:aws:iam::"),
        ("InvalidRequest", "deploy the data layer first (make deploy ENV=local)"),
    ],
)
def test_a_refused_job_says_why_and_what_to_do(code: str, fix: str) -> None:
    with pytest.raises(BackfillError) as refused:
        backfill(local_with(REPLICATED), FakeS3Control([], refusal=code)).start(["raw"])
    assert str(refused.value).startswith(
        f"local: zone raw: S3 Control refused the job ({code}: refused); "
    )
    assert fix in str(refused.value)


def test_jobs_are_followed_until_they_finish_and_each_change_is_heard() -> None:
    done = {"TotalNumberOfTasks": 5, "NumberOfTasksSucceeded": 4, "NumberOfTasksFailed": 1}
    s3control = FakeS3Control(
        [
            {"Status": "Preparing"},
            {"Status": "Active", "ProgressSummary": {"TotalNumberOfTasks": 5}},
            {"Status": "Complete", "ProgressSummary": done},
        ]
    )
    runner = backfill(local_with(REPLICATED), s3control)
    heard: list[str] = []
    (job,) = runner.wait(runner.start(["curated"]), on_change=lambda j: heard.append(j.status))

    assert heard == ["Preparing", "Active", "Complete"]
    assert (job.total, job.succeeded, job.failed, job.clean) == (5, 4, 1, False)
    assert runner.report_location(job) == (
        "s3://mlp-local-datalake-access-logs/batch-replication/curated/job-job-1/"
    )


def test_a_job_still_running_at_the_deadline_is_named_and_left_running() -> None:
    s3control = FakeS3Control([{"Status": "Active"}] * 3)
    services = {"s3control": s3control, "sts": FakeSts()}
    runner = ReplicationBackfill.for_environment(
        local_with(REPLICATED),
        lambda service, **_: services[service],
        poll_seconds=0,
        timeout_seconds=0,
        sleep=lambda _: None,
    )
    with pytest.raises(BackfillError, match=r"still running after 0 s: raw \(job-1, Active\)"):
        runner.wait([ZoneJob("raw", "job-1")])


# ----------------------------------------------------------------- against the emulator
@pytest.fixture
def replicated_lake(emulated_aws: LocalAws, tmp_path: Path) -> tuple[Path, str]:
    """local's lake replicated into us-west-2, deployed as the data layer makes it; returns
    the environment file and the emulator's endpoint."""
    text = VERIFY_ENVIRONMENT.read_text(encoding="utf-8").replace(*REPLICATED)
    environment = tmp_path / "local.yaml"
    environment.write_text(text, encoding="utf-8")
    build_environment(local_with(REPLICATED))
    return environment, emulated_aws.endpoint


def replicate_existing(environment: Path, endpoint: str, *zones: str) -> Result:
    options = [f"--zone={zone}" for zone in zones]
    arguments = ["lake", "replicate-existing", str(environment), "--endpoint-url", endpoint]
    return CliRunner().invoke(app, [*arguments, *options])


@contextmanager
def before_replication(s3: Any, bucket: str) -> Iterator[None]:
    """What is put inside was in ``bucket`` before its replication rule existed (the rule is
    taken away and put back), so live replication never tried it."""
    configuration = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    s3.delete_bucket_replication(Bucket=bucket)
    yield
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=configuration)


def test_existing_objects_are_replicated_once_and_failures_are_reported_then_retried(
    replicated_lake: tuple[Path, str],
) -> None:
    environment, endpoint = replicated_lake
    s3, replicas = client("s3"), client("s3", "us-west-2")
    with before_replication(s3, "mlp-local-datalake-raw"):
        for key in ("events/1.parquet", "events/2.parquet"):
            s3.put_object(Bucket="mlp-local-datalake-raw", Key=key, Body=b"rows")
    assert status(s3, "mlp-local-datalake-raw", "events/1.parquet") is None

    done = replicate_existing(environment, endpoint)

    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert any(
        re.fullmatch(r"raw: job \S+ Complete: 2 of 2 objects replicated", li) for li in lines
    )
    assert any(
        re.fullmatch(r"curated: job \S+ Complete: 0 of 0 objects replicated", li) for li in lines
    )
    assert status(s3, "mlp-local-datalake-raw", "events/1.parquet") == "COMPLETED"
    assert status(replicas, "mlp-local-datalake-dr-raw", "events/1.parquet") == "REPLICA"
    assert (
        replicas.get_object(Bucket="mlp-local-datalake-dr-raw", Key="events/2.parquet")[
            "Body"
        ].read()
        == b"rows"
    )
    # Once replicated, an object is not selected again.
    again = replicate_existing(environment, endpoint, "raw")
    assert again.exit_code == 0 and "Complete: 0 of 0 objects replicated" in again.output

    # A replica bucket that stopped versioning fails live replication, and the job's copy
    # too: exit 1, the report named.
    replicas.put_bucket_versioning(
        Bucket="mlp-local-datalake-dr-curated", VersioningConfiguration={"Status": "Suspended"}
    )
    s3.put_object(Bucket="mlp-local-datalake-curated", Key="labels.csv", Body=b"a,b")
    assert status(s3, "mlp-local-datalake-curated", "labels.csv") == "FAILED"
    failed = replicate_existing(environment, endpoint, "curated")

    assert failed.exit_code == 1, failed.output
    report = re.search(r"report: s3://([^/]+)/(\S+)", failed.output)
    assert report and "0 of 1 objects replicated, 1 failed" in failed.output
    bucket, prefix = report.groups()
    assert bucket == "mlp-local-datalake-access-logs"
    assert prefix.startswith("batch-replication/curated/job-")
    written = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    (results,) = [k for k in written if k.endswith(".csv")]
    rows = s3.get_object(Bucket=bucket, Key=results)["Body"].read().decode()
    assert "labels.csv" in rows and "failed" in rows
    assert status(s3, "mlp-local-datalake-curated", "labels.csv") == "FAILED"

    # Fixed, the next run picks the FAILED object up.
    replicas.put_bucket_versioning(
        Bucket="mlp-local-datalake-dr-curated", VersioningConfiguration={"Status": "Enabled"}
    )
    retried = replicate_existing(environment, endpoint, "curated")
    assert retried.exit_code == 0 and "Complete: 1 of 1 objects replicated" in retried.output
    assert status(s3, "mlp-local-datalake-curated", "labels.csv") == "COMPLETED"


def test_without_the_data_layer_the_refusal_names_the_deploy(
    emulated_aws: LocalAws, tmp_path: Path
) -> None:
    environment = tmp_path / "local.yaml"
    text = VERIFY_ENVIRONMENT.read_text(encoding="utf-8").replace(*REPLICATED)
    environment.write_text(text, encoding="utf-8")

    done = replicate_existing(environment, emulated_aws.endpoint, "raw")

    assert done.exit_code == 2
    assert "local: zone raw: S3 Control refused the job (InvalidRequest" in done.output
    assert "deploy the data layer first (make deploy ENV=local)" in done.output


def test_no_wait_only_starts_the_jobs(replicated_lake: tuple[Path, str]) -> None:
    environment, endpoint = replicated_lake
    arguments = ["lake", "replicate-existing", str(environment), "--endpoint-url", endpoint]

    started = CliRunner().invoke(app, [*arguments, "--zone", "raw", "--no-wait"])

    assert started.exit_code == 0, started.output
    assert re.fullmatch(r"raw: started job \S+\n", started.output)


def test_an_emulator_environment_without_a_running_emulator_is_refused(tmp_path: Path) -> None:
    environment = tmp_path / "local.yaml"
    environment.write_text(
        VERIFY_ENVIRONMENT.read_text(encoding="utf-8").replace(*REPLICATED), encoding="utf-8"
    )
    arguments = ["lake", "replicate-existing", str(environment)]

    refused = CliRunner().invoke(app, [*arguments, "--state-file", str(tmp_path / "none.json")])

    assert refused.exit_code == 2
    assert "no emulator is running; start one with `make up`" in refused.output
