"""Moved blocks keep state across reshaping; logical ids computed in Python match cdktf's."""

from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformStack, Testing
from constructs import Construct

from mlplatform.bindings.addresses import logical_id
from mlplatform.bindings.aws.kms_alias import KmsAlias
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.constructs.moves import moved_from, path_below_stack
from mlplatform.guardrails.stack_check import GuardedStack

PATHS = [
    ["key"],
    ["data-lake", "key"],
    ["data-lake", "key", "Default"],
    ["cluster", "cluster"],
    ["gpu-pools", "experiments", "nodes", "node-group"],
    ["network", "Resource", "alias"],
    ["serving", "ranker", "model-primary"],
    ["with space", "dots.and:colons"],
    ["x" * 300],
    ["a" * 200, "b" * 100],
]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(p)[:40])
def test_python_logical_ids_are_cdktfs(path: list[str]) -> None:
    stack = TerraformStack(App(), "stack")
    AwsProvider(stack, "aws", region="us-east-1")
    scope: Construct = stack
    for part in path[:-1]:
        scope = Construct(scope, part)
    alias = KmsAlias(scope, path[-1], name="alias/x", target_key_id="k")

    assert logical_id(path) == alias.friendly_unique_id
    assert path_below_stack(alias) == path


def moved_blocks(stack: TerraformStack) -> list[dict[str, str]]:
    document = json.loads(Testing.synth(stack))
    blocks: list[dict[str, str]] = document.get("moved", [])
    return blocks


def test_a_platform_stack_writes_the_moved_block_itself() -> None:
    stack = GuardedStack(App(), "stack")
    AwsProvider(stack, "aws", region="us-east-1")
    alias = KmsAlias(Construct(stack, "lake"), "alias", name="alias/x", target_key_id="k")

    address = moved_from(alias, ["lake", "key-alias"])

    assert address == f"aws_kms_alias.{logical_id(['lake', 'key-alias'])}"
    assert moved_blocks(stack) == [
        {"from": address, "to": f"aws_kms_alias.{alias.friendly_unique_id}"}
    ]


def test_any_other_stack_gets_cdktfs_own_moved_block() -> None:
    stack = TerraformStack(App(), "stack")
    AwsProvider(stack, "aws", region="us-east-1")
    alias = KmsAlias(stack, "alias", name="alias/x", target_key_id="k")

    moved_from(alias, ["key-alias"])

    assert moved_blocks(stack) == [{"from": "aws_kms_alias.key-alias", "to": "aws_kms_alias.alias"}]
