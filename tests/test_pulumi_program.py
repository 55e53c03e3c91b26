"""The Pulumi program's edges: bad input, missing arguments, the optional extra, one-way imports."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from mlplatform.cli import synth
from mlplatform.loader import ConfigError, EnvironmentLoader
from mlplatform.pulumi import PlatformEnvironment, Recorder
from mlplatform.pulumi.program import main
from tests.conftest import ENVIRONMENTS, ROOT

SRC = ROOT / "src" / "mlplatform"


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    """A copy of dev.yaml as ``good``, and ``broken`` with a misspelt field."""
    dev = (ENVIRONMENTS / "dev.yaml").read_text()
    (tmp_path / "good.yaml").write_text(dev.replace("environment: dev", "environment: good"))
    (tmp_path / "broken.yaml").write_text(
        dev.replace("environment: dev", "environment: broken").replace(
            "flow_logs_retention_days:", "flow_log_retention_days:"
        )
    )
    return tmp_path


@pytest.fixture
def stack_config(environments: Path) -> Iterator[None]:
    pulumi.runtime.set_config("mlplatform:environmentsDir", str(environments))
    yield
    pulumi.runtime.set_all_config({})


def test_a_bad_environment_file_is_the_same_one_line_error_as_in_cdktf(
    environments: Path, stack_config: None
) -> None:
    with pytest.raises(ConfigError) as cdktf_error:
        synth("broken", environments, None, None)
    pulumi.runtime.set_config("mlplatform:environment", "broken")
    with pytest.raises(pulumi.RunError) as pulumi_error:
        Recorder.run(main)
    message = str(pulumi_error.value)
    assert message == str(cdktf_error.value)
    assert "\n" not in message
    assert message.startswith(str(environments / "broken.yaml"))
    assert "flow_log_retention_days" in message


def test_the_program_builds_the_environment_its_stack_config_names(stack_config: None) -> None:
    pulumi.runtime.set_config("mlplatform:environment", "good")
    recording = Recorder.run(main)
    buckets = {r.inputs["bucket"] for r in recording.custom() if r.token.endswith(":BucketV2")}
    assert "mlp-good-datalake-raw-111111111111" in buckets


def test_a_required_argument_left_out_fails_under_the_mocks() -> None:
    def program() -> None:
        aws.s3.BucketPolicy("policy-without-a-policy", bucket="some-bucket")

    with pytest.raises(TypeError, match="Missing required property 'policy'"):
        Recorder.run(program)


def test_a_type_with_no_terraform_counterpart_is_named() -> None:
    def program() -> None:
        aws.apigateway.RestApi("api", name="unmapped")

    with pytest.raises(KeyError, match=r"aws:apigateway/restApi:RestApi"):
        Recorder.run(program)


FAILING_PROGRAMS = """
import gc
import pulumi_aws as aws
from mlplatform.pulumi import Recorder


def unmapped():
    aws.apigateway.RestApi("api", name="unmapped")


def failing_apply():
    bucket = aws.s3.BucketV2("logs", bucket="mlp-logs")
    name = bucket.bucket.apply(lambda _: int("not a number"))
    aws.s3.BucketV2("copy", bucket=name.apply(str))
    aws.s3.BucketV2("after", bucket="mlp-after")


def fine():
    aws.s3.BucketV2("fine", bucket="mlp-fine")


for program in (unmapped, fine, failing_apply, fine):
    try:
        Recorder.run(program)
        print("ran", program.__name__)
    except (KeyError, ValueError) as error:
        print("refused", program.__name__, "|", str(error).splitlines()[-1])
gc.collect()
"""


def test_a_failing_program_raises_one_error_and_leaves_no_stray_traceback(
    tmp_path: Path,
) -> None:
    """Pulumi sets a failed registration's error on every output future of the resource;
    unretrieved, asyncio prints each one's traceback when it is collected (at exit). A
    fresh interpreter shows what a user's run prints, to its end."""
    script = tmp_path / "failing.py"
    script.write_text(FAILING_PROGRAMS)
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert ran.stdout.splitlines() == [
        "refused unmapped | \"no Terraform type for Pulumi type 'aws:apigateway/restApi:RestApi': "
        'add it to mlplatform.pulumi.types.TERRAFORM_TYPES"',
        "ran fine",
        "refused failing_apply | ValueError has risen: invalid literal for int() with base 10: "
        "'not a number'",
        "ran fine",
    ]
    assert ran.stderr == ""


def test_a_plain_install_does_not_pull_in_pulumi() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("pulumi")]
    assert project["optional-dependencies"]["pulumi"] == [
        "pulumi==3.272.0",
        "pulumi-aws==6.83.4",
        "pulumi-kubernetes==4.34.2",
    ]
    assert "pulumi" not in " ".join(project["optional-dependencies"]["dev"])
    assert ".[dev,pulumi]" in (ROOT / "Makefile").read_text()


def test_nothing_outside_mlplatform_pulumi_imports_pulumi() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if (SRC / "pulumi") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0].startswith("pulumi")]
    assert offenders == []


def test_every_layer_and_construct_is_a_component_named_by_its_path(
    loader: EnvironmentLoader,
) -> None:
    config = loader.load("dev")
    recording = Recorder.run(lambda: PlatformEnvironment(config))
    components = {r.name: r.token for r in recording.components()}
    assert components["dev"] == "mlplatform:index:PlatformEnvironment"
    assert components["dev-network"] == "mlplatform:network:Layer"
    assert components["dev-network/network"] == "mlplatform:network:Network"
    assert components["dev-network/network/logs-key"] == "mlplatform:network:PlatformKey"
    assert components["dev-data/data-lake"] == "mlplatform:data:DataLake"
    assert components["dev-data/data-lake/zone-raw"] == "mlplatform:data:SecureBucket"
    by_urn = recording.by_urn()
    vpc = next(r for r in recording.custom() if r.name == "dev-network/network/vpc")
    assert by_urn[vpc.parent].name == "dev-network/network"
