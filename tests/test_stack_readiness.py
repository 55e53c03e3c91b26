"""``make diff`` on an environment not (fully) deployed plans what it can and says what waits.

Each layer reads the state of those before it; its plan fails while one is missing.
``mlplatform stacks <env> --plannable`` lists the stacks whose dependencies have
state, and names each other one with what it waits for: checked against the
emulator's S3 with local's real synthesized stacks, their state appearing one layer
at a time as a deploy writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.emulator.local_aws import EMULATOR_ACCESS_KEY, LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from mlplatform.stack_readiness import StackReadiness, StateReadError
from tests.conftest import ENVIRONMENTS


@pytest.fixture
def local_stacks(emulated_aws: LocalAws, tmp_path: Path) -> Path:
    """local synthesized against the running emulator, whose state bucket exists and holds
    no state yet (as after ``bootstrap``, before the first deploy); returns the outdir."""
    config = EnvironmentLoader(ENVIRONMENTS).load("local")
    PlatformApp([config], outdir=str(tmp_path), emulator_endpoint=emulated_aws.endpoint).synth()
    state_bucket().create_bucket(Bucket=config.state_backend.bucket)
    return tmp_path


def state_bucket() -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id=EMULATOR_ACCESS_KEY,
        aws_secret_access_key=EMULATOR_ACCESS_KEY,
    )


def deployed(*layers: str) -> None:
    for layer in layers:
        state_bucket().put_object(
            Bucket="mlp-local-tfstate", Key=f"local/{layer}.tfstate", Body=b"{}"
        )


def plannable(outdir: Path) -> tuple[list[str], list[str]]:
    arguments = ["stacks", "local", "--environments", str(ENVIRONMENTS), "--outdir", str(outdir)]
    done = CliRunner().invoke(app, [*arguments, "--plannable"])
    assert done.exit_code == 0, done.output
    return done.stdout.split(), [
        " ".join(line.split()) for line in done.stderr.split("not planned: ")[1:]
    ]


def test_a_new_environment_plans_its_network_and_names_what_waits(local_stacks: Path) -> None:
    stacks, waiting = plannable(local_stacks)

    assert stacks == ["local-network"]
    assert waiting == [
        "local-compute reads the state of local-network, not deployed yet; it can be planned "
        "once they are (make deploy applies the stacks in order)",
        "local-data reads the state of local-network, not deployed yet; it can be planned once "
        "they are (make deploy applies the stacks in order)",
        "local-ml reads the state of local-network, local-compute, local-data, not deployed "
        "yet; it can be planned once they are (make deploy applies the stacks in order)",
    ]


def test_each_layer_becomes_plannable_once_those_it_reads_are_deployed(local_stacks: Path) -> None:
    deployed("network")
    stacks, waiting = plannable(local_stacks)
    assert stacks == ["local-network", "local-compute", "local-data"]
    assert [w.split(" reads")[0] for w in waiting] == ["local-ml"]
    assert "local-compute, local-data, not deployed" in waiting[0]

    deployed("compute", "data")
    assert plannable(local_stacks) == (
        ["local-network", "local-compute", "local-data", "local-ml"],
        [],
    )


def test_a_state_bucket_the_credentials_cannot_read_is_an_error_not_a_wait(
    local_stacks: Path,
) -> None:
    class Refusing:
        def head_object(self, **_: Any) -> None:
            raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    readiness = StackReadiness(local_stacks, clients=lambda _settings: Refusing())
    with pytest.raises(StateReadError) as refused:
        readiness.waits_for("local-data", ["local-network", "local-data"])
    assert str(refused.value) == (
        "s3://mlp-local-tfstate/local/network.tfstate: S3 answered 403 when asked whether this "
        "state exists; the credentials must read the state bucket (mlplatform preflight checks "
        "them)"
    )
