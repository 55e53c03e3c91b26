"""``mlplatform preflight``: before a deploy, diff or destroy, the account and the state bucket.

The checks run against moto in-process (boto3 as the command makes it), the
refused-credentials answer against botocore's stubbed STS, and the command and
the Makefile's targets as a user runs them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.config import EnvironmentConfig
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.verify.preflight import DeployPreflight
from tests.conftest import ROOT

ENVIRONMENTS = ROOT / "environments"
MOTO_ACCOUNT = "123456789012"
SOURCE = "environments/dev.yaml"


def dev_config(*, account: str = MOTO_ACCOUNT) -> EnvironmentConfig:
    """dev.yaml in moto's account unless told otherwise."""
    text = (ENVIRONMENTS / "dev.yaml").read_text(encoding="utf-8")
    return EnvironmentLoader.parse(text.replace("111111111111", account), SOURCE)


def clients(region: str = "us-east-1") -> Any:
    """A fresh session per client: boto3's default session keeps the credentials it found
    first, possibly another test's."""
    return lambda service: boto3.session.Session().client(service, region_name=region)


def preflight(config: EnvironmentConfig) -> DeployPreflight:
    return DeployPreflight(config, clients(config.region), SOURCE)


def make_state_bucket(config: EnvironmentConfig, region: str = "us-east-1") -> None:
    s3 = boto3.client("s3", region_name=region)
    where = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=config.state_backend.bucket, **where)


def missing_then_ready(
    missing_arguments: list[str], ready_arguments: list[str], bucket: str
) -> tuple[str, str]:
    """The command's output before the state bucket exists (exit 1) and after (exit 0), one
    line each."""
    missing = CliRunner().invoke(app, missing_arguments)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    ready = CliRunner().invoke(app, ready_arguments)
    assert (missing.exit_code, ready.exit_code) == (1, 0), missing.output + ready.output
    return missing.output.replace("\n", ""), ready.output.strip()


@pytest.fixture
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in the environment, no files and no metadata service may supply credentials."""
    for name in (
        "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(no_ambient_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def test_the_right_account_with_its_state_bucket_is_ready(aws: None) -> None:
    config = dev_config()
    make_state_bucket(config)
    check = preflight(config)

    assert check.problems() == []
    assert check.account == MOTO_ACCOUNT
    assert check.summary() == (
        f"dev: ready (account {MOTO_ACCOUNT}, state bucket {config.state_backend.bucket} "
        "in us-east-1)"
    )


def test_another_accounts_credentials_name_both_accounts_and_stop_there(aws: None) -> None:
    config = dev_config(account="111111111111")  # no state bucket either: not asked about

    assert preflight(config).problems() == [
        f"{SOURCE}: account_id is 111111111111, but the credentials belong to account "
        f"{MOTO_ACCOUNT}; use credentials for account 111111111111 (AWS_PROFILE)"
    ]


def test_a_missing_state_bucket_names_the_field_and_the_bootstrap(aws: None) -> None:
    config = dev_config()

    assert preflight(config).problems() == [
        f"{SOURCE}: state_backend.bucket {config.state_backend.bucket} does not exist yet; "
        "create it once with: .venv/bin/python scripts/bootstrap_state_backend.py dev"
    ]


def test_a_state_bucket_in_another_region_is_refused(aws: None) -> None:
    config = dev_config()
    make_state_bucket(config, region="eu-west-1")

    [problem] = preflight(config).problems()
    assert problem == (
        f"{SOURCE}: state_backend.bucket {config.state_backend.bucket} is in eu-west-1, but "
        "the backend looks for it in region us-east-1; name a bucket in us-east-1"
    )


def test_no_credentials_at_all_is_one_line_naming_the_account(
    no_ambient_credentials: None,
) -> None:
    """boto3's own credential chain finds nothing (no network call is made)."""
    [problem] = preflight(dev_config(account="111111111111")).problems()

    assert problem == (
        f"{SOURCE}: no AWS credentials found to reach account_id 111111111111; set AWS_PROFILE "
        "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to credentials for that account"
    )


def test_credentials_aws_refuses_are_named_with_its_answer() -> None:
    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="old", aws_secret_access_key="old"
    )
    stub = Stubber(sts)
    stub.add_client_error(
        "get_caller_identity",
        service_error_code="ExpiredToken",
        service_message="The security token included in the request is expired",
        http_status_code=403,
    )
    with stub:
        check = DeployPreflight(dev_config(account="111111111111"), lambda _: sts, SOURCE)
        [problem] = check.problems()

    assert problem == (
        f"{SOURCE}: AWS refused the credentials (ExpiredToken: The security token included in "
        "the request is expired); renew them (aws sso login, or a fresh session token) for "
        "account_id 111111111111"
    )


def test_the_command_checks_an_emulator_environment_in_the_running_emulator(
    emulated_aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emulator has no account to check; the state bucket is checked as anywhere. The
    emulator is the one make up recorded, or the one MLPLATFORM_AWS_ENDPOINT names (as for
    main.py)."""
    arguments = ["preflight", "local", "--environments", str(ENVIRONMENTS)]
    state_file = tmp_path / "emulator.json"
    emulated_aws.save(state_file)
    monkeypatch.delenv("MLPLATFORM_AWS_ENDPOINT", raising=False)

    missing = CliRunner().invoke(app, [*arguments, "--state-file", str(state_file)])
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="mlp-local-tfstate")
    monkeypatch.setenv("MLPLATFORM_AWS_ENDPOINT", emulated_aws.endpoint)
    ready = CliRunner().invoke(app, [*arguments, "--state-file", str(tmp_path / "none.json")])

    assert missing.exit_code == 1
    assert missing.output.replace("\n", "") == (
        f"error: {ENVIRONMENTS / 'local.yaml'}: state_backend.bucket mlp-local-tfstate does "
        "not exist in the emulator; make up deploys the environment there"
    )
    assert ready.exit_code == 0, ready.output
    assert ready.output.strip() == (
        "local: ready (the emulator, state bucket mlp-local-tfstate in us-east-1)"
    )


@pytest.mark.parametrize(
    "target",
    [
        ["deploy", "ENV=dev", "AUTO_APPROVE=1"],
        ["diff", "ENV=dev"],
        ["destroy", "ENV=dev", "CONFIRM=dev", "AUTO_APPROVE=1"],
        ["verify", "ENV=dev"],
    ],
)
def test_make_stops_with_one_line_before_anything_runs_without_credentials(
    target: list[str], no_ambient_credentials: None
) -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", *target],
        cwd=ROOT,
        env=os.environ.copy(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )

    assert done.returncode != 0
    [error] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith("error: environments/dev.yaml: no AWS credentials found")
    assert "cdktf" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def team_file(directory: Path, *, account: str = MOTO_ACCOUNT) -> Path:
    path = directory / "team.yaml"
    path.write_text(
        "platform: {org: mlp, environment: dev, region: us-east-1, "
        f'account_id: "{account}"}}\n'
        "team: {name: ranking, cost_center: ranking, owners: [ranking-oncall@example.com]}\n"
    )
    return path


def test_a_team_repo_is_checked_against_its_platforms_account_and_state_bucket(
    aws: None, tmp_path: Path
) -> None:
    """A team's state lives in the platform's state bucket, in the platform's account."""
    path = team_file(tmp_path, account="111111111111")
    elsewhere = CliRunner().invoke(app, ["team", "preflight", "--config", str(path)])
    path = team_file(tmp_path)
    arguments = ["team", "preflight", "--config", str(path)]

    missing, ready = missing_then_ready(arguments, arguments, f"mlp-dev-tfstate-{MOTO_ACCOUNT}")

    assert elsewhere.exit_code == 1
    assert elsewhere.output.replace("\n", "") == (
        f"error: {path}: platform.account_id is 111111111111, but the credentials belong to "
        f"account {MOTO_ACCOUNT}; use credentials for account 111111111111 (AWS_PROFILE)"
    )
    assert missing == (
        f"error: {path}: platform.state_bucket mlp-dev-tfstate-{MOTO_ACCOUNT} does not exist "
        "yet; the team's state lives in the platform's state bucket: set platform.state_bucket "
        "to the one the platform's environment file names (state_backend.bucket)"
    )
    assert ready == (
        f"ranking on dev: ready (account {MOTO_ACCOUNT}, state bucket "
        f"mlp-dev-tfstate-{MOTO_ACCOUNT} in us-east-1)"
    )


def test_the_team_repos_diff_and_deploy_run_the_preflight_first() -> None:
    """The template's recipes, as ``mlplatform team init`` writes them."""
    template = (ROOT / "src" / "mlplatform" / "team_template" / "Makefile.tmpl").read_text()
    for target in ("diff", "deploy"):
        recipe = template.split(f"\n{target}: ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
        assert recipe[0].strip() == "@$(VENV)/bin/mlplatform team preflight", recipe
        assert "$(CDKTF)" in recipe[1]


def test_a_team_on_the_emulator_without_its_endpoint_is_told_where_to_find_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLPLATFORM_AWS_ENDPOINT", raising=False)
    path = tmp_path / "team.yaml"
    path.write_text(
        "platform: {org: mlp, environment: local, region: us-east-1, emulator: true}\n"
        "team: {name: ranking, cost_center: ranking, owners: [ranking-oncall@example.com]}\n"
    )

    refused = CliRunner().invoke(app, ["team", "preflight", "--config", str(path)])

    assert refused.exit_code == 2
    assert refused.output.replace("\n", "") == (
        f"error: {path}: platform.emulator is true, and the emulator's endpoint is not known; "
        "set MLPLATFORM_AWS_ENDPOINT to it (the platform repo's `mlplatform emulator endpoint` "
        "prints it), or pass --endpoint"
    )


def test_a_team_on_the_emulator_is_checked_in_the_platforms_emulator(
    emulated_aws: LocalAws, tmp_path: Path
) -> None:
    """No account to check; the platform's state bucket must be there (make up made it)."""
    path = tmp_path / "team.yaml"
    path.write_text(
        "platform: {org: mlp, environment: local, region: us-east-1, emulator: true}\n"
        "team: {name: ranking, cost_center: ranking, owners: [ranking-oncall@example.com]}\n"
    )
    arguments = ["team", "preflight", "--config", str(path), "--endpoint", emulated_aws.endpoint]

    missing, ready = missing_then_ready(arguments, arguments, "mlp-local-tfstate")

    assert missing == (
        f"error: {path}: platform.state_bucket mlp-local-tfstate does not exist in the emulator; "
        "the team's state lives in the platform's state bucket: deploy the platform there "
        "first (make up in its repo)"
    )
    assert (
        ready
        == "ranking on local: ready (the emulator, state bucket mlp-local-tfstate in us-east-1)"
    )
