"""Moved blocks keep state across reshaping; logical ids computed in Python match cdktf's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cdktf import App, TerraformStack, Testing
from constructs import Construct

from mlplatform.bindings.addresses import logical_id
from mlplatform.bindings.aws.kms_alias import KmsAlias
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.constructs.moves import moved_from, path_below_stack
from mlplatform.guardrails.stack_check import GuardedStack
from tests.conftest import ROOT

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


def test_the_lake_grants_the_saved_release_made_in_compute_are_handed_over_to_ml(
    synthesized: Path,
) -> None:
    # Release 0.1.0 put the pools' lake grants beside their job roles, in compute. This
    # release forgets them there (they stay in AWS) and the ml layer puts the same inline
    # policies on the same roles, so an upgrade never leaves a job without its grant.
    saved = json.loads((ROOT / "tests/upgrades/from-0.1.0/local-compute.tf.json").read_text())
    old = {
        f"aws_iam_role_policy.{address}": policy["name"]
        for address, policy in saved["resource"]["aws_iam_role_policy"].items()
        if policy["name"].startswith("data-lake-")
    }
    assert old  # the saved local had one pool: its read and write grants
    compute = json.loads((synthesized / "local-compute" / "cdk.tf.json").read_text())
    handed_over = {block["from"] for block in compute["removed"]}
    assert set(old) <= handed_over  # and the grants of pools added since: a no-op for them
    assert all(block["lifecycle"] == {"destroy": False} for block in compute["removed"])
    assert not set(compute["resource"]["aws_iam_role_policy"]) & {a.split(".")[1] for a in old}

    ml = json.loads((synthesized / "local-ml" / "cdk.tf.json").read_text())
    role = re.compile(r"irsa-training-(\w+)-jobs")
    made = {
        (policy["name"], role.search(policy["role"]).group(1))  # type: ignore[union-attr]
        for policy in ml["resource"]["aws_iam_role_policy"].values()
        if policy["name"].startswith("data-lake-")
    }
    before = {
        (policy["name"], role.search(policy["role"]).group(1))  # type: ignore[union-attr]
        for policy in saved["resource"]["aws_iam_role_policy"].values()
        if policy["name"].startswith("data-lake-")
    }
    assert before <= made


def test_a_handover_is_written_once_as_a_removed_block(tmp_path: Path) -> None:
    app = Testing.app(outdir=str(tmp_path))
    stack = GuardedStack(app, "handing-over")
    AwsProvider(stack, "aws", region="us-east-1")
    stack.record_handover("aws_iam_role_policy.old")
    stack.record_handover("aws_iam_role_policy.old")
    document = json.loads(Testing.synth(stack))
    assert document["removed"] == [
        {"from": "aws_iam_role_policy.old", "lifecycle": {"destroy": False}}
    ]
