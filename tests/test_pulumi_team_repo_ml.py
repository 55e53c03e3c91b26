"""A ranking team's Pulumi program against the platform's registry, as ``tests/test_team_repo_ml.py``.

``ModelRegistry.from_names`` imports the prod registry by its names, the
team's trainer gets a publish grant, and a ``ServingEndpoint`` serves from the
registry. The program matches the same cdktf team stack field by field (resources,
grants, the endpoint's names and image URL built from names), and creates none of
the registry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from cdktf import App, TerraformStack

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import EnvironmentConfig, ServingEndpointProps
from mlplatform.constructs.model_registry import ModelRegistry as CdktfModelRegistry
from mlplatform.constructs.serving_endpoint import ServingEndpoint as CdktfServingEndpoint
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import DataCaptureDestination
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.model_registry import ModelRegistry
from mlplatform.pulumi.normalise import PROVIDER_KIND, Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import first_difference
from mlplatform.pulumi.serving_endpoint import DataCapture, ServingEndpoint

ACCOUNT = "333333333333"
STACK = "prod-ranking"
PROPS = {
    "model_package_group": "ranker",
    "instance_type": "ml.g5.xlarge",
    "min_instances": 2,
    "max_instances": 20,
    "target_invocations_per_instance": 800,
    "data_capture_percent": 10,
    "variants": [{"name": "v3", "model_version": 3, "image_tag": "2.0.1"}],
}
CAPTURE = ("ranking-team-captures", "arn:aws:s3:::ranking-team-captures")
CAPTURE_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/team"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    """The team stack of tests/test_team_repo_ml.py, synthesized with its construct paths."""
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, STACK)
    AwsProvider(stack, "aws", region="us-east-1")
    registry = CdktfModelRegistry.from_names(
        stack,
        "registry",
        naming=Naming.for_environment(config),
        model_families=["ranker"],
        region="us-east-1",
        account_id=ACCOUNT,
    )
    trainer = IamRole(
        stack, "trainer", name="ranking-trainer", assume_role_policy=json.dumps({"Statement": []})
    )
    registry.grant_publish(trainer)
    CdktfServingEndpoint(
        stack,
        "ranker-v2",
        registry=registry,
        props=ServingEndpointProps.model_validate(PROPS),
        data_capture=DataCaptureDestination(
            bucket_name=CAPTURE[0], bucket_arn=CAPTURE[1], key_arn=CAPTURE_KEY
        ),
    )
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig) -> None:
    """The same, as the team's Pulumi program."""
    layer = Layer(config, "ranking")
    registry = ModelRegistry.from_names(
        layer, "registry", model_families=["ranker"], region="us-east-1", account_id=ACCOUNT
    )
    trainer = aws.iam.Role(
        f"{layer.path}/trainer",
        name="ranking-trainer",
        assume_role_policy=json.dumps({"Statement": []}),
        opts=layer.options(),
    )
    registry.grant_publish(trainer)
    ServingEndpoint(
        layer,
        layer,
        "ranker-v2",
        registry=registry,
        props=ServingEndpointProps.model_validate(PROPS),
        data_capture=DataCapture(CAPTURE[0], CAPTURE[1], CAPTURE_KEY),
    )


def _resources(normalised: Normalised) -> Normalised:
    """Less the provider: the cdktf team stack's is a bare one, the program's a layer's."""
    return Normalised({k: r for k, r in normalised.resources.items() if k[0] != PROVIDER_KIND})


@pytest.fixture(scope="module")
def recording(loader: EnvironmentLoader) -> Recording:
    config = loader.load("prod")
    return Recorder.run(lambda: team_program(config))


def test_the_team_program_matches_the_cdktf_team_stack(
    tmp_path: Path, loader: EnvironmentLoader, recording: Recording
) -> None:
    cdktf = _resources(from_cdktf({STACK: cdktf_team_stack(tmp_path, loader.load("prod"))}))
    pulumi = _resources(from_pulumi(recording))
    assert first_difference(cdktf, pulumi) is None
    [model] = [
        r.config for (kind, _), r in pulumi.resources.items() if kind == "aws_sagemaker_model"
    ]
    assert model["primary_container"]["image"] == (
        f"{ACCOUNT}.dkr.ecr.us-east-1.${{data.aws_partition.dns_suffix}}/mlp-prod-registry-ranker:2.0.1"
    )


def test_importing_the_registry_creates_none_of_it(recording: Recording) -> None:
    tokens = {r.token for r in recording.custom()}
    assert not {
        t for t in tokens if t.startswith(("aws:s3/", "aws:dynamodb/", "aws:ecr/", "aws:kms/"))
    }
    assert "mlplatform:ranking:ImportedModelRegistry" in {r.token for r in recording.components()}
