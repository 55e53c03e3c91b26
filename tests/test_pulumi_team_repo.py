"""A team's own Pulumi program composed from mlplatform.pulumi, as the README's cdktf team stack.

The team owns its pipeline role; the platform's lake is imported by its names
(``DataLake.from_environment``) and granted as in cdktf. The program matches
``examples/team_feature_pipeline.py``'s synth field by field and passes the guardrails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.policies import service_trust_policy
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.normalise import from_cdktf, from_pulumi
from mlplatform.pulumi.parity import first_difference
from tests.conftest import ENVIRONMENTS, ROOT
from tests.test_examples import synth_example


def team_program(config: EnvironmentConfig) -> dict[str, dict[str, Any]]:
    """The team's ``__main__.py``: a Glue job role reading raw and writing features; returns
    what it exports (``pulumi.export(layer.path, ...)`` in a real program)."""
    layer = Layer(config, "ranking-features")
    lake = DataLake.from_environment(layer, "platform-lake")
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
    cdktf = from_cdktf({"dev-ranking-features": synth_example(tmp_path, loader)})
    pulumi = from_pulumi(recording)
    assert first_difference(cdktf, pulumi) is None
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
