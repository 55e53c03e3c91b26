"""A team app that passes bad input prints one line naming where and the fix, not a traceback.

Real subprocesses of a tiny team app (a cdktf stack importing the platform's
lake), as ``python main.py`` or ``cdktf synth`` would run it: mlplatform's own
errors are one line, anything else keeps Python's traceback, and importing
mlplatform before cdktf silences jsii's end-of-life Node banner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jsii
import pytest
from cdktf import App, TerraformStack
from constructs import IValidation

from mlplatform import ConfigError, ConstructError, MlplatformError
from mlplatform.decisions.naming import InvalidNameError
from mlplatform.errors import format_error
from mlplatform.guardrails.stack_check import GuardrailError

APP = """
import sys

import mlplatform  # first: its defaults apply before cdktf starts jsii
from cdktf import App, TerraformStack
from constructs import IValidation

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider

app = App(outdir=sys.argv[2])
stack = TerraformStack(app, "ranking")
AwsProvider(stack, "aws", region="us-east-1")
lake = mlplatform.DataLake.from_names(stack, "lake", naming=mlplatform.Naming("mlp", "dev"))
role = IamRole(stack, "trainer", name="ranking-trainer", assume_role_policy="{}")
if sys.argv[1] == "bad-zone":
    lake.grant_read(role, "gold")
elif sys.argv[1] == "bad-target":
    lake.grant_write("arn:aws:iam::111111111111:role/ranking-trainer", "features")
elif sys.argv[1] == "bad-props":
    mlplatform.GpuPoolProps(instance_types=("g5.2xlarge",), max_nodes=0)
elif sys.argv[1] == "bug":
    {}["not ours"]
app.synth()
"""


def line_of(code: str) -> int:
    """The line of ``main.py`` that holds ``code``, as the error names it."""
    return next(n for n, line in enumerate(APP.splitlines(), 1) if code in line)


def run_app(tmp_path: Path, mode: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "main.py").write_text(APP)
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "MLPLATFORM_TRACEBACK")
    }
    return subprocess.run(
        [sys.executable, "main.py", mode, str(tmp_path / "out")],
        cwd=tmp_path,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_bad_zone_is_one_line_naming_the_line_the_lake_and_the_fix(tmp_path: Path) -> None:
    done = run_app(tmp_path, "bad-zone")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: main.py:{line_of('lake.grant_read')}: data lake 'ranking/lake': no zone 'gold'; its zones are raw, "
        "curated, features; name one of them, or add the zone to the platform's "
        "data_lake.zones"
    ]
    # No Node banner either: mlplatform was imported before cdktf started jsii.
    assert "end-of-life" not in done.stdout + done.stderr


def test_a_grant_to_an_arn_names_the_grant_and_asks_for_the_role(tmp_path: Path) -> None:
    done = run_app(tmp_path, "bad-target")
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        f"error: main.py:{line_of('lake.grant_write')}: ranking/lake: grant_write: "
    )
    assert "is not a role; pass the role construct" in line


def test_a_props_class_refusing_a_value_is_one_line_naming_the_field(tmp_path: Path) -> None:
    done = run_app(tmp_path, "bad-props")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: main.py:{line_of('max_nodes=0')}: GpuPoolProps: max_nodes: Input should be "
        "greater than or equal to 1 (got 0)"
    ]


def test_other_exceptions_and_opted_out_runs_keep_the_traceback(tmp_path: Path) -> None:
    bug = run_app(tmp_path, "bug")
    assert bug.returncode == 1
    assert bug.stderr.startswith("Traceback (most recent call last):")
    assert bug.stderr.rstrip().endswith("KeyError: 'not ours'")

    debugging = run_app(tmp_path, "bad-zone", MLPLATFORM_TRACEBACK="1")
    assert "Traceback (most recent call last):" in debugging.stderr
    assert "mlplatform.errors.ConstructError: data lake 'ranking/lake'" in debugging.stderr


def test_the_existing_types_are_mlplatform_errors_and_keep_their_bases() -> None:
    assert issubclass(ConstructError, ValueError)
    assert issubclass(InvalidNameError, ValueError)
    assert issubclass(GuardrailError, RuntimeError)
    for kind in (ConfigError, ConstructError, InvalidNameError, GuardrailError):
        assert issubclass(kind, MlplatformError)


@jsii.implements(IValidation)
class _FailingCheck:
    """A validation cdktf calls back into Python for at synth, raising one of our errors."""

    def validate(self) -> list[str]:
        raise ConstructError("pool 'ranking': max_nodes 0; give it at least 1")


def test_an_error_raised_inside_a_jsii_callback_is_still_found(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "ranking")
    stack.node.add_validation(_FailingCheck())
    with pytest.raises(RuntimeError) as raised:  # jsii's wrapper, not our type
        app.synth()
    assert not isinstance(raised.value, MlplatformError)
    (line,) = format_error(raised.value) or []
    assert line.endswith(": pool 'ranking': max_nodes 0; give it at least 1")


def test_a_config_error_keeps_its_file_and_foreign_errors_are_left_alone() -> None:
    problem = ConfigError("environments/qa.yaml", ["network.cidr: bad; use 10.20.0.0/16"])
    assert format_error(problem) == [
        "error: environments/qa.yaml: network.cidr: bad; use 10.20.0.0/16"
    ]
    assert format_error(KeyError("x")) is None


@pytest.mark.parametrize("name", ["ConstructError", "MlplatformError"])
def test_the_error_types_are_public(name: str) -> None:
    import mlplatform

    assert name in mlplatform.__all__


def test_an_id_terraform_would_refuse_is_caught_when_the_importer_is_made(
    tmp_path: Path,
) -> None:
    from cdktf import Testing

    from mlplatform import DataLake, Naming

    stack = TerraformStack(Testing.app(outdir=str(tmp_path)), "ranking")
    with pytest.raises(ConstructError) as raised:
        DataLake.from_names(stack, "platform lake", naming=Naming("mlp", "dev"))
    assert str(raised.value) == (
        "DataLake.from_names id 'platform lake': Terraform names take letters, digits, '-' and "
        "'_' (a letter first); use 'platform-lake'"
    )
