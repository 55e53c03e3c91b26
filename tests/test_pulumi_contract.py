"""The platform contract on Pulumi: each layer writes what its cdktf stack writes, and no other's.

That every environment's parameters match the cdktf synth, name, type, description and
value, is in tests/test_pulumi_parity.py; here, the writer's refusals (the same decision
as cdktf's, tests/test_contract.py) and that a program writes exactly the parameters the
environment file implies.
"""

from __future__ import annotations

import pytest

from mlplatform.decisions.contract import PlatformContract, expected_parameters
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import PlatformEnvironment, Recorder
from mlplatform.pulumi.layer import Layer
from tests.conftest import environment_names


def test_a_pulumi_layer_cannot_write_another_layers_parameter(loader: EnvironmentLoader) -> None:
    config = loader.load("dev")
    refusals: list[str] = []

    def program() -> None:
        layer = Layer(config, "data")
        put = layer.contract.put
        wrong: list[tuple[str, str | list[str]]] = [
            ("network/vpc-id", "vpc-1"),
            ("data/zones", "raw"),
            ("data/key-arn", ["a", "b"]),
        ]
        for key, value in wrong:
            with pytest.raises((ValueError, TypeError)) as refused:
                put(key, value)
            refusals.append(str(refused.value))
        put("data/key-arn", "arn:aws:kms:us-east-1:111111111111:key/1")
        with pytest.raises(ValueError) as twice:
            put("data/key-arn", "arn:aws:kms:us-east-1:111111111111:key/1")
        refusals.append(str(twice.value))

    recording = Recorder.run(program)

    assert refusals == [
        "contract parameter 'network/vpc-id' belongs to the network layer, not data; "
        "write it from the network stack",
        "contract parameter /mlp/dev/platform/data/zones is a StringList; pass a list",
        "contract parameter /mlp/dev/platform/data/key-arn is a String; pass one value",
        "contract parameter /mlp/dev/platform/data/key-arn is written twice in the data layer",
    ]
    [written] = [r for r in recording.custom() if r.token == "aws:ssm/parameter:Parameter"]
    assert written.name == "dev-data/contract/data-key-arn"
    assert written.inputs["name"] == "/mlp/dev/platform/data/key-arn"


@pytest.mark.parametrize("environment", environment_names())
def test_each_pulumi_layer_writes_exactly_the_parameters_the_file_implies(
    loader: EnvironmentLoader, environment: str
) -> None:
    config = loader.load(environment)
    contract = PlatformContract(config.org, config.environment)
    recording = Recorder.run(lambda: PlatformEnvironment(config), stack=environment)

    written = {
        r.inputs["name"]: r.name.split("/")[0].removeprefix(f"{environment}-")
        for r in recording.custom()
        if r.token == "aws:ssm/parameter:Parameter"
    }
    for name, layer in written.items():
        assert contract.layer_of(name) == layer, f"{name} written by {layer}"
    assert sorted(written) == sorted(expected_parameters(config))
    # The lists and kinds the file determines are written as literals, and equal the file's.
    values = {
        r.inputs["name"]: r.inputs["insecureValue"]
        for r in recording.custom()
        if r.token == "aws:ssm/parameter:Parameter"
    }
    literal = {name: value for name, value in values.items() if "${" not in value}
    prefix = contract.prefix
    assert {f"{prefix}/data/zones", f"{prefix}/network/availability-zones"} <= set(literal)
    for name, value in literal.items():
        assert value == expected_parameters(config)[name], name
