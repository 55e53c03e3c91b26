"""Every stack of every environment: state backend, provider tags, account pinning, references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlplatform.loader import EnvironmentLoader
from tests.conftest import FIXED_EMULATOR_ENDPOINT, environment_names, stack_dirs


def stacks_of(synthesized: Path, environment: str) -> dict[str, dict[str, Any]]:
    return {
        d.name.removeprefix(f"{environment}-"): json.loads((d / "cdk.tf.json").read_text())
        for d in stack_dirs(synthesized, environment)
    }


@pytest.mark.parametrize("environment", environment_names())
def test_each_layer_has_its_own_locked_encrypted_state(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    config = loader.load(environment)
    for layer, document in stacks_of(synthesized, environment).items():
        backend = document["terraform"]["backend"]["s3"]
        assert backend["key"] == f"{environment}/{layer}.tfstate"
        assert backend["bucket"] == config.state_backend.bucket
        assert backend["use_lockfile"] is True  # S3-native locking, no DynamoDB table
        assert "dynamodb_table" not in backend
        assert "dynamodb" not in backend.get("endpoints", {})
        assert backend["encrypt"] is True


@pytest.mark.parametrize("environment", environment_names())
def test_provider_tags_name_env_team_cost_center_and_layer(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    config = loader.load(environment)
    for layer, document in stacks_of(synthesized, environment).items():
        # Every AWS provider of the stack: the replica region's too (prod's and local's data).
        for provider in document["provider"]["aws"]:
            (tags,) = provider["default_tags"]
            assert tags["tags"] == {
                "env": environment,
                "team": config.tags.team,
                "cost-center": config.tags.cost_center,
                "component": layer,
                "managed-by": "mlplatform",
            }
        # The default provider deploys into the environment's region; an aliased one elsewhere.
        regions = {p.get("alias", ""): p["region"] for p in document["provider"]["aws"]}
        assert regions[""] == config.region


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_real_environments_are_pinned_to_their_account(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    account = loader.load(environment).account_id
    for document in stacks_of(synthesized, environment).values():
        for provider in document["provider"]["aws"]:
            assert provider["allowed_account_ids"] == [account]
            assert "endpoints" not in provider and "access_key" not in provider
        assert document["terraform"]["backend"]["s3"]["allowed_account_ids"] == [account]


def test_local_points_provider_and_backend_at_the_emulator(synthesized: Path) -> None:
    for document in stacks_of(synthesized, "local").values():
        for provider in document["provider"]["aws"]:
            (endpoints,) = provider["endpoints"]
            assert set(endpoints.values()) == {FIXED_EMULATOR_ENDPOINT}
        backend = document["terraform"]["backend"]["s3"]
        assert backend["endpoints"]["s3"] == FIXED_EMULATOR_ENDPOINT
        assert backend["use_path_style"] is True


def test_data_layer_reads_the_network_through_remote_state(synthesized: Path) -> None:
    data = stacks_of(synthesized, "dev")["data"]

    remote = data["data"]["terraform_remote_state"]
    (reference,) = remote.values()
    assert reference["backend"] == "s3"
    assert reference["config"]["key"] == "dev/network.tfstate"
    (connection,) = data["resource"]["aws_glue_connection"].values()
    subnet = connection["physical_connection_requirements"]["subnet_id"]
    assert "terraform_remote_state" in subnet
    network = stacks_of(synthesized, "dev")["network"]
    assert any(name.startswith("cross-stack-output-") for name in network["output"])


@pytest.mark.parametrize("environment", environment_names())
def test_outputs_have_static_ids(synthesized: Path, environment: str) -> None:
    stacks = stacks_of(synthesized, environment)
    network_outputs = set(stacks["network"]["output"])
    assert {
        "vpc_id",
        "private_subnet_ids",
        "public_subnet_ids",
        "nat_gateway_ids",
    } <= network_outputs
    assert {"lake_key_arn", "zone_buckets", "glue_databases"} <= set(stacks["data"]["output"])
