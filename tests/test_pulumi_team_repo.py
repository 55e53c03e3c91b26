"""A team's own Pulumi program composed from mlplatform.pulumi, as the README's cdktf team stack.

The team owns its pipeline role; the platform's lake is imported by its names
(``DataLake.from_names``) and granted as in cdktf. The program matches, field by field,
the same cdktf team stack built here with cdktf's ``DataLake.from_names`` (the provider,
its default tags and the stack's output included) and passes the guardrails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from cdktf import App, TerraformOutput

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies import service_trust_policy
from mlplatform.decisions.tagging import platform_tags
from mlplatform.guardrails.stack_check import GuardedStack
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.normalise import from_cdktf, from_pulumi
from mlplatform.pulumi.parity import first_difference
from mlplatform.stacks.platform_stack import configure_provider
from tests.conftest import ENVIRONMENTS, ROOT

STACK = "dev-ranking-features"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    """The same team stack on cdktf: a guarded stack (the guardrails run at synth) with the
    environment's provider and the layer's default tags, the lake imported by its names."""
    app = App(outdir=str(outdir))
    stack = GuardedStack(app, STACK)
    configure_provider(
        stack,
        region=config.region,
        tags=platform_tags(config, "ranking-features"),
        emulator=config.emulator,
        account_id=config.account_id,
        endpoint=None,
    )
    naming = Naming.for_environment(config)
    lake = CdktfDataLake.from_names(stack, "platform-lake", naming=naming)
    role = IamRole(
        stack,
        "pipeline-role",
        name=naming.iam("ranking", "features"),
        assume_role_policy=json.dumps(
            service_trust_policy("glue.amazonaws.com", config.account_id)
        ),
    )
    lake.grant_read(role, "raw")
    lake.grant_write(role, "features")
    TerraformOutput(stack, "pipeline_role_arn", value=role.arn)
    app.synth()  # raises if a guardrail fails
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig) -> dict[str, dict[str, Any]]:
    """The team's ``__main__.py``: a Glue job role reading raw and writing features; returns
    what it exports (``pulumi.export(layer.path, ...)`` in a real program)."""
    layer = Layer(config, "ranking-features")
    lake = DataLake.from_names(layer, "platform-lake")
    role = aws.iam.Role(
        f"{layer.path}/pipeline-role",
        name=layer.naming.iam("ranking", "features"),
        assume_role_policy=json.dumps(
            service_trust_policy("glue.amazonaws.com", config.account_id)
        ),
        opts=layer.options(),
    )
    lake.grant_read(role, "raw")
    lake.grant_write(role, "features")
    return {layer.path: {"pipeline_role_arn": role.arn}}


@pytest.fixture(scope="module")
def recording(loader: EnvironmentLoader) -> Recording:
    config = loader.load("dev")
    return Recorder.run(lambda: team_program(config))


def test_the_team_program_owns_only_its_role_and_grants(recording: Recording) -> None:
    assert sorted(r.token for r in recording.custom()) == [
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicy:RolePolicy",
    ]
    assert [r.token for r in recording.components()] == [
        "mlplatform:ranking-features:Layer",
        "mlplatform:ranking-features:ImportedDataLake",
    ]


def test_the_team_program_matches_the_cdktf_team_stack(
    tmp_path: Path, loader: EnvironmentLoader, recording: Recording
) -> None:
    cdktf = from_cdktf({STACK: cdktf_team_stack(tmp_path, loader.load("dev"))})
    pulumi = from_pulumi(recording)
    assert first_difference(cdktf, pulumi) is None
    # Both sides hold the provider (region, default tags, allowed account) and the output.
    assert {kind for kind, _ in cdktf.resources} == {
        "aws_iam_role",
        "aws_iam_role_policy",
        "output",
        "provider.aws",
    }
    read = pulumi.resources[
        (
            "aws_iam_role_policy",
            "platform-lake-read-raw on ${aws_iam_role.dev-ranking-features/pipeline-role.name}",
        )
    ].config["policy"]
    key = next(s for s in read["Statement"] if s["Sid"] == "DecryptLakeObjects")
    assert key["Resource"] == ["${data.aws_kms_alias.target_key_arn}"]


def test_the_team_program_passes_the_guardrails(recording: Recording) -> None:
    assert guardrail_findings(recording) == []


def test_the_readme_team_program_is_this_program(loader: EnvironmentLoader) -> None:
    """The README's Pulumi team snippet runs and records what ``team_program`` records."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**A team's own program**") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")].replace(
        'EnvironmentLoader("environments")', f"EnvironmentLoader({str(ENVIRONMENTS)!r})"
    )
    from_readme = Recorder.run(lambda: exec(compile(code, "README.md", "exec"), {}))
    config = loader.load("dev")
    expected = Recorder.run(lambda: team_program(config))
    assert sorted((r.name, r.token, str(r.inputs)) for r in from_readme.custom()) == sorted(
        (r.name, r.token, str(r.inputs)) for r in expected.custom()
    )
