"""What constructs take from each other: any role will do for a grant.

A grant reads a role's ``name`` and ``node``, nothing else, so a role from the
prebuilt bindings or a team's own object works as well as the generated
``IamRole`` (``tests/test_prebuilt_mix_in.py`` grants to a prebuilt one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformStack, Testing
from constructs import Construct, Node

from mlplatform.config import ModelRegistryProps
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.decisions.naming import Naming


@dataclass(frozen=True)
class TeamRole:
    """A role as a team's own code hands it over: neither the generated ``IamRole`` nor a construct."""

    name: str
    arn: str
    node: Node


def _team_role(stack: TerraformStack) -> TeamRole:
    holder = Construct(stack, "team-role")
    return TeamRole("team-role", "arn:aws:iam::123456789012:role/team-role", holder.node)


def _policies(stack: TerraformStack) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = json.loads(Testing.synth(stack))["resource"]
    return resources["aws_iam_role_policy"]


def test_lake_grants_accept_a_role_that_is_not_the_generated_iam_role(
    stack: TerraformStack, naming: Naming
) -> None:
    role = _team_role(stack)
    DataLake(stack, "lake", naming=naming).grant_read(role, "raw")
    DataLake.from_environment(stack, "platform-lake", naming=naming).grant_write(role, "features")

    policies = _policies(stack)
    assert {p["name"]: p["role"] for p in policies.values()} == {
        "lake-read-raw": "team-role",
        "platform-lake-write-features": "team-role",
    }
    # The policies live beside the role, as they do for a generated one.
    assert all(address.startswith("team-role_") for address in policies)


def test_registry_grants_accept_a_role_that_is_not_the_generated_iam_role(
    stack: TerraformStack, naming: Naming
) -> None:
    role = _team_role(stack)
    props = ModelRegistryProps(model_families=("ranker",))
    ModelRegistry(stack, "registry", naming=naming, props=props).grant_publish(role)
    imported = ModelRegistry.from_environment(
        stack, "platform-registry", naming=naming, model_families=["ranker"]
    )
    imported.grant_read(role, "ranker")

    policies = _policies(stack).values()
    assert {p["name"]: p["role"] for p in policies} == {
        "registry-publish-all": "team-role",
        "platform-registry-read-ranker": "team-role",
    }
