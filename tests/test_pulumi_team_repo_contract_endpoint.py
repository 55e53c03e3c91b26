"""A team's Pulumi endpoint in the platform's VPC, read from the contract, is cdktf's.

``Network.from_environment(...).placement()`` on Pulumi reads the VPC, its CIDR, the
private subnets and zones (lists known at preview, ``Output``s) and the gateway prefix
lists; ``ModelRegistry.from_environment`` the family's repository and package group. A
team ``ServingEndpoint`` placed there, with an alarm on two of its ``metric_*`` helpers,
matches the cdktf ``ServingEndpoint`` in a ``TeamStack`` on the same importers field by
field once both read the values the cdktf-synthesized ``dev`` platform writes: the same
SSM parameters read, the models' VPC config (the contract's subnets),
the security group and its rules, the execution role and its policies, the alarms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App

from mlplatform.config import EnvironmentConfig, ServingEndpointProps
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.model_registry import ModelRegistry as CdktfModelRegistry
from mlplatform.constructs.network import Network as CdktfNetwork
from mlplatform.constructs.serving_endpoint import ServingEndpoint as CdktfServingEndpoint
from mlplatform.errors import ConstructError
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.alarm import alarm
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.model_registry import ModelRegistry
from mlplatform.pulumi.network import Network
from mlplatform.pulumi.normalise import Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.serving_endpoint import ServingEndpoint
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.test_contract import team_config_for

STACK = "dev-ranking-serving"
PROPS = ServingEndpointProps.model_validate(
    {
        "model_package_group": "ranker",
        "instance_type": "ml.m5.large",
        "min_instances": 2,
        "max_instances": 4,
        "variants": [
            {"name": "v3", "model_version": 3, "image_tag": "2.0.1", "weight": 90},
            {"name": "v4", "model_version": 4, "image_tag": "2.1.0", "weight": 10},
        ],
    }
)
LATENCY = "mlp-dev-ranking-ranker-latency"
INSTANCES = "mlp-dev-ranking-ranker-v4-instances"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "serving")
    network = CdktfNetwork.from_environment(stack, "platform-network")
    registry = CdktfModelRegistry.from_environment(stack, "platform-registry", families=["ranker"])
    endpoint = CdktfServingEndpoint(
        stack, "ranker", registry=registry, props=PROPS, placement=network.placement()
    )
    Alarm(
        stack,
        "latency",
        metric=endpoint.metric_model_latency(),
        threshold=250_000,
        name=LATENCY,
        summary="ranker is slow",
    )
    Alarm(
        stack,
        "instances",
        metric=endpoint.metric_instances(variant="v4"),
        threshold=4,
        name=INSTANCES,
        summary="v4 at its ceiling",
    )
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig, read: list[str]) -> None:
    layer = TeamLayer(team_config_for(config), "serving")
    network = Network.from_environment(layer, "platform-network")
    registry = ModelRegistry.from_environment(layer, "platform-registry", families=["ranker"])
    endpoint = ServingEndpoint(
        layer, layer, "ranker", registry=registry, props=PROPS, placement=network.placement()
    )
    alarm(
        layer.child("latency"),
        metric=endpoint.metric_model_latency(),
        threshold=250_000,
        name=LATENCY,
        summary="ranker is slow",
        opts=layer.options(),
    )
    alarm(
        layer.child("instances"),
        metric=endpoint.metric_instances(variant="v4"),
        threshold=4,
        name=INSTANCES,
        summary="v4 at its ceiling",
        opts=layer.options(),
    )
    read.extend(ContractReader.of(layer).names)


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory,
    loader: EnvironmentLoader,
    platform: dict[str, str],
) -> tuple[Normalised, Normalised, Recording, list[str], list[str]]:
    config = loader.load("dev")
    read: list[str] = []
    recording = Recorder.run(lambda: team_program(config, read), parameters=platform)
    document = cdktf_team_stack(tmp_path_factory.mktemp("endpoint"), config)
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    return (
        from_cdktf({STACK: document}, parameters=platform),
        from_pulumi(recording),
        recording,
        sorted(read),
        cdktf_read,
    )


def test_the_placed_endpoint_matches_the_cdktf_team_stack(
    both: tuple[Normalised, Normalised, Recording, list[str], list[str]],
    platform: dict[str, str],
) -> None:
    cdktf, pulumi, _, read, cdktf_read = both
    assert read == cdktf_read
    assert {name.rsplit("/platform/", 1)[1] for name in read} >= {
        "network/vpc-id",
        "network/vpc-cidr",
        "network/private-subnet-ids",
        "ml/registry/families/ranker/repository-arn",
    }
    assert first_difference(cdktf, pulumi) is None
    kinds = {kind for kind, _ in pulumi.resources}
    assert {
        "aws_sagemaker_endpoint_configuration",
        "aws_security_group",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_cloudwatch_metric_alarm",
    } <= kinds
    # SageMaker takes the VPC config on each model: the contract's subnets, item by item, and
    # the endpoint's own security group in the contract's VPC.
    subnets = platform["/mlp/dev/platform/network/private-subnet-ids"].split(",")
    models = [
        r.config for (kind, _), r in pulumi.resources.items() if kind == "aws_sagemaker_model"
    ]
    assert len(models) == 2
    [group] = [
        r.config for (kind, _), r in pulumi.resources.items() if kind == "aws_security_group"
    ]
    assert group["vpc_id"] == platform["/mlp/dev/platform/network/vpc-id"]
    for model in models:
        assert model["vpc_config"]["subnets"] == subnets
        assert len(model["vpc_config"]["security_group_ids"]) == 1


def test_the_endpoints_alarms_are_cdktfs(
    both: tuple[Normalised, Normalised, Recording, list[str], list[str]],
) -> None:
    cdktf, pulumi, *_ = both
    for name in (LATENCY, INSTANCES):
        key = ("aws_cloudwatch_metric_alarm", name)
        assert pulumi.resources[key].config == cdktf.resources[key].config
    latency = pulumi.resources[("aws_cloudwatch_metric_alarm", LATENCY)].config
    assert latency["dimensions"] == {
        "EndpointName": "mlp-dev-ranking-serving-ranker",
        "VariantName": "v3",
    }
    queries = pulumi.resources[("aws_cloudwatch_metric_alarm", INSTANCES)].config["metric_query"]
    assert [q["id"] for q in queries] == ["m1_0", "m1_1", "e1"]


def test_the_placed_endpoint_passes_the_guardrails(
    both: tuple[Normalised, Normalised, Recording, list[str], list[str]],
) -> None:
    assert guardrail_findings(both[2]) == []


def test_a_variant_the_endpoint_lacks_is_refused_by_both_in_the_same_words(
    tmp_path: Path, loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    config = loader.load("dev")
    stack = TeamStack(App(outdir=str(tmp_path)), team_config_for(config), "serving")
    registry = CdktfModelRegistry.from_environment(stack, "platform-registry", families=["ranker"])
    theirs = CdktfServingEndpoint(stack, "ranker", registry=registry, props=PROPS)
    with pytest.raises(ConstructError) as cdktf_refused:
        theirs.metric_instances(variant="v9")
    errors: list[str] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        ours = ServingEndpoint(
            layer,
            layer,
            "ranker",
            registry=ModelRegistry.from_environment(
                layer, "platform-registry", families=["ranker"]
            ),
            props=PROPS,
        )
        for helper in (ours.metric_instances, ours.metric_5xx_errors):
            with pytest.raises(ValueError) as refused:
                helper(variant="v9")
            errors.append(str(refused.value))

    Recorder.run(program, parameters=platform)
    assert errors == [str(cdktf_refused.value)] * 2
    assert "serving endpoint 'ranker' has no variant 'v9'; its variants: v3, v4" in errors[0]


def test_a_serverless_endpoint_in_a_vpc_is_refused_by_both_in_the_same_words(
    tmp_path: Path, loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    config = loader.load("dev")
    serverless = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "serverless": {},
            "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
        }
    )
    stack = TeamStack(App(outdir=str(tmp_path)), team_config_for(config), "serving")
    registry = CdktfModelRegistry.from_environment(stack, "platform-registry", families=["ranker"])
    network = CdktfNetwork.from_environment(stack, "platform-network")
    with pytest.raises(ConstructError) as cdktf_refused:
        CdktfServingEndpoint(
            stack, "ranker", registry=registry, props=serverless, placement=network.placement()
        )
    errors: list[str] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        placement = Network.from_environment(layer, "platform-network").placement()
        families = ModelRegistry.from_environment(layer, "platform-registry", families=["ranker"])
        with pytest.raises(ConstructError) as refused:
            ServingEndpoint(
                layer, layer, "ranker", registry=families, props=serverless, placement=placement
            )
        errors.append(str(refused.value))

    Recorder.run(program, parameters=platform)
    assert errors == [str(cdktf_refused.value)]
    assert "serving endpoint 'ranker': a serverless endpoint cannot run in a VPC" in errors[0]
