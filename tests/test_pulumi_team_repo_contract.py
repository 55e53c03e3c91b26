"""A team's Pulumi program reads the platform contract, as a cdktf ``TeamStack`` does.

``DataLake.from_environment`` on Pulumi reads the lake's key and zone buckets from the
``/<org>/<env>/platform/data/...`` SSM parameters (``aws.ssm.get_parameter_output``). Under
the mocks each read is answered with the value the cdktf-synthesized ``dev`` platform writes
(:func:`mlplatform.pulumi.parity.contract_values`), and the cdktf team stack's
``aws_ssm_parameter`` data sources are resolved to the same values, so the two grant the
platform's own resources and match field by field. The program is a ``TeamLayer``, so its
provider (region, the team's tags) is compared with the TeamStack's too.
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
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.decisions.policies import service_trust_policy
from mlplatform.decisions.tagging import team_tags
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.normalise import PROVIDER_KIND, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.test_contract import team_config_for

STACK = "dev-ranking-features"
"""``<env>-<team>-<name>`` of the TeamStack, ``<env>-<layer>`` of the Pulumi layer."""
ROLE = "mlp-dev-ranking-features-pipeline"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "features")
    lake = CdktfDataLake.from_environment(stack, "platform-lake")
    role = IamRole(
        stack,
        "pipeline-role",
        name=ROLE,
        assume_role_policy=json.dumps(service_trust_policy("glue.amazonaws.com", None)),
    )
    lake.grant_read(role, "raw")
    lake.grant_write(role, "features")
    app.synth()  # raises if a guardrail fails
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig, read: list[str]) -> None:
    layer = TeamLayer(team_config_for(config), "features")
    lake = DataLake.from_environment(layer, "platform-lake")
    role = aws.iam.Role(
        f"{layer.path}/pipeline-role",
        name=ROLE,
        assume_role_policy=json.dumps(service_trust_policy("glue.amazonaws.com", None)),
        opts=layer.options(),
    )
    lake.grant_read(role, "raw")
    lake.grant_write(role, "features")
    read.extend(ContractReader.of(layer).names)


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    """The contract the cdktf-synthesized dev platform writes, by name."""
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def recorded(loader: EnvironmentLoader, platform: dict[str, str]) -> tuple[Recording, list[str]]:
    config = loader.load("dev")
    read: list[str] = []
    return Recorder.run(lambda: team_program(config, read), parameters=platform), read


def test_the_contract_reading_program_matches_the_cdktf_team_stack(
    tmp_path: Path,
    loader: EnvironmentLoader,
    platform: dict[str, str],
    recorded: tuple[Recording, list[str]],
) -> None:
    recording, read = recorded
    document = cdktf_team_stack(tmp_path, loader.load("dev"))
    # Both read the same parameters: the lake's key and the two zones' bucket ARNs.
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    assert (
        sorted(read)
        == cdktf_read
        == [
            "/mlp/dev/platform/data/key-arn",
            "/mlp/dev/platform/data/zones/features/bucket-arn",
            "/mlp/dev/platform/data/zones/raw/bucket-arn",
        ]
    )
    cdktf = from_cdktf({STACK: document}, parameters=platform)
    pulumi = from_pulumi(recording)
    assert first_difference(cdktf, pulumi) is None
    # The provider included: a TeamLayer's carries the team's tags, as the TeamStack's does.
    provider = pulumi.resources[(PROVIDER_KIND, STACK)].config
    team = team_config_for(loader.load("dev"))
    assert provider["default_tags"] == team_tags(team, "features")
    assert provider["default_tags"]["team"] == "ranking"
    assert {kind for kind, _ in pulumi.resources} == {
        "aws_iam_role",
        "aws_iam_role_policy",
        PROVIDER_KIND,
    }
    # ...and the grants name the platform's own bucket and key, as its data layer made them.
    read_policy = pulumi.resources[
        (
            "aws_iam_role_policy",
            "platform-lake-read-raw on ${aws_iam_role.dev-ranking-features/pipeline-role.name}",
        )
    ].config["policy"]
    objects = next(s for s in read_policy["Statement"] if s["Sid"] == "ReadLakeObjects")
    assert objects["Resource"] == ["${aws_s3_bucket.dev-data/data-lake/zone-raw/bucket.arn}/*"]
    key = next(s for s in read_policy["Statement"] if s["Sid"] == "DecryptLakeObjects")
    assert key["Resource"] == ["${aws_kms_key.dev-data/data-lake/key/Default.arn}"]


def test_the_contract_reading_program_passes_the_guardrails(
    recorded: tuple[Recording, list[str]],
) -> None:
    recording, _ = recorded
    assert guardrail_findings(recording) == []


def test_a_zone_without_a_name_is_refused_before_any_read(loader: EnvironmentLoader) -> None:
    config = loader.load("dev")
    errors: list[str] = []

    def program() -> None:
        lake = DataLake.from_environment(Layer(config, "ranking-features"), "platform-lake")
        role = aws.iam.Role("dev-ranking-features/r", assume_role_policy="{}")
        with pytest.raises(ValueError) as refused:
            lake.grant_read(role)
        errors.append(str(refused.value))
        with pytest.raises(ValueError) as bad:
            lake.grant_read(role, "Raw zone")
        errors.append(str(bad.value))

    Recorder.run(program, parameters={})
    assert "name them (grant_read(role, 'raw')) or pass zones=" in errors[0]
    assert "zone 'Raw zone' must be lowercase letters" in errors[1]
