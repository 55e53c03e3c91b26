"""A team's Pulumi program reads the platform's model registry from the contract, as cdktf does.

``ModelRegistry.from_environment`` on Pulumi reads the registry's bucket, key, table and the
named family's repository and package group from the ``/<org>/<env>/platform/ml/registry/...``
SSM parameters. As in ``test_pulumi_team_repo_contract``, the reads are answered with the
values the cdktf-synthesized ``dev`` platform writes and the cdktf team stack's data sources
are resolved to the same values; the two then read the same parameters and grant the same
policies field by field, the ``TeamLayer``'s provider and tags included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from cdktf import App

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.model_registry import ModelRegistry as CdktfModelRegistry
from mlplatform.decisions.policies import service_trust_policy
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.model_registry import ModelRegistry
from mlplatform.pulumi.normalise import PROVIDER_KIND, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.conftest import ROOT
from tests.test_contract import team_config_for

STACK = "dev-ranking-training"
ROLE = "mlp-dev-ranking-training-pipeline"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "training")
    registry = CdktfModelRegistry.from_environment(stack, "platform-registry")
    role = IamRole(
        stack,
        "pipeline-role",
        name=ROLE,
        assume_role_policy=json.dumps(service_trust_policy("sagemaker.amazonaws.com", None)),
    )
    registry.grant_publish(role, "ranker")
    registry.grant_read(role, "ranker")
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig, read: list[str]) -> None:
    layer = TeamLayer(team_config_for(config), "training")
    registry = ModelRegistry.from_environment(layer, "platform-registry")
    role = aws.iam.Role(
        f"{layer.path}/pipeline-role",
        name=ROLE,
        assume_role_policy=json.dumps(service_trust_policy("sagemaker.amazonaws.com", None)),
        opts=layer.options(),
    )
    registry.grant_publish(role, "ranker")
    registry.grant_read(role, "ranker")
    read.extend(ContractReader.of(layer).names)


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def recorded(loader: EnvironmentLoader, platform: dict[str, str]) -> tuple[Recording, list[str]]:
    config = loader.load("dev")
    read: list[str] = []
    return Recorder.run(lambda: team_program(config, read), parameters=platform), read


def test_the_registry_reading_program_matches_the_cdktf_team_stack(
    tmp_path: Path,
    loader: EnvironmentLoader,
    platform: dict[str, str],
    recorded: tuple[Recording, list[str]],
) -> None:
    recording, read = recorded
    document = cdktf_team_stack(tmp_path, loader.load("dev"))
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    assert sorted(read) == cdktf_read
    prefix = "/mlp/dev/platform/ml/registry"
    assert set(read) == {
        f"{prefix}/bucket-name",
        f"{prefix}/bucket-arn",
        f"{prefix}/key-arn",
        f"{prefix}/table-arn",
        f"{prefix}/table-name",
        f"{prefix}/families/ranker/repository-arn",
        f"{prefix}/families/ranker/package-group-name",
    }
    cdktf = from_cdktf({STACK: document}, parameters=platform)
    pulumi = from_pulumi(recording)
    assert first_difference(cdktf, pulumi) is None
    kinds = sorted(kind for kind, _ in pulumi.resources)
    assert kinds == ["aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy", PROVIDER_KIND]


def test_the_registry_reading_program_passes_the_guardrails(
    recorded: tuple[Recording, list[str]],
) -> None:
    assert guardrail_findings(recorded[0]) == []


def test_a_family_without_a_name_or_a_bad_name_is_refused(
    loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    config = loader.load("dev")
    errors: list[str] = []

    def program() -> None:
        registry = ModelRegistry.from_environment(Layer(config, "ranking-training"), "registry")
        role = aws.iam.Role("dev-ranking-training/r", assume_role_policy="{}")
        with pytest.raises(ValueError) as refused:
            registry.grant_read(role)
        errors.append(str(refused.value))
        with pytest.raises(ValueError) as bad:
            registry.grant_publish(role, "Ranker model")
        errors.append(str(bad.value))

    Recorder.run(program, parameters=platform)
    assert "name the family (grant_publish(role, 'ranker')) or pass families=" in errors[0]
    assert "'Ranker model'" in errors[1]


def test_the_readme_contract_program_runs_and_grants_the_platforms_registry(
    loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    """The README's ``TeamLayer`` snippet, with the team config given instead of read."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**A team program on the contract.**") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    assert 'load_team_config("team.yaml")' in code
    code = code.replace('load_team_config("team.yaml")', "team")
    team = team_config_for(loader.load("dev"))
    recording = Recorder.run(
        lambda: exec(compile(code, "README.md", "exec"), {"team": team}), parameters=platform
    )
    policies = [r for r in recording.resources if r.token == "aws:iam/rolePolicy:RolePolicy"]
    assert len(policies) == 2
    publish = next(p for p in policies if "publish" in p.name)
    assert platform["/mlp/dev/platform/ml/registry/bucket-arn"] in json.dumps(
        publish.inputs["policy"]
    )
    assert guardrail_findings(recording) == []
