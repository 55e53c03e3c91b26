"""One key construct for every component, and one account lookup per stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack, Testing

from mlplatform.bindings.addresses import logical_id
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider, AwsProviderDefaultTags
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.guardrails.stack_check import GuardedStack
from tests.conftest import GUARDED_TAGS, stack_dirs

PROPS = PlatformKeyProps(alias="alias/acme-test-lake", description="Lake of acme-test")


def synth(stack: TerraformStack) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Testing.synth(stack))
    return document


def test_the_key_rotates_admits_the_account_and_has_its_alias(stack: TerraformStack) -> None:
    PlatformKey(stack, "key", props=PROPS)

    document = synth(stack)

    (key,) = document["resource"]["aws_kms_key"].values()
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    (statement,) = json.loads(key["policy"])["Statement"]
    assert statement["Principal"]["AWS"].endswith(":root")
    assert "account-context" in statement["Principal"]["AWS"]
    (alias,) = document["resource"]["aws_kms_alias"].values()
    assert alias["name"] == "alias/acme-test-lake"


def test_the_key_keeps_the_address_a_components_own_key_had(stack: TerraformStack) -> None:
    PlatformKey(TerraformStack.of(stack), "key", props=PROPS)

    document = synth(stack)

    assert set(document["resource"]["aws_kms_key"]) == {logical_id(["key"])}


def test_grants_are_least_privilege_and_name_the_key(stack: TerraformStack) -> None:
    key = PlatformKey(stack, "key", props=PROPS)
    role = IamRole(stack, "role", name="reader", assume_role_policy="{}")

    key.grant_decrypt(role)
    key.grant_encrypt_decrypt(role)

    policies = synth(stack)["resource"]["aws_iam_role_policy"].values()
    actions = {p["name"]: json.loads(p["policy"])["Statement"][0]["Action"] for p in policies}
    assert actions == {
        "key-decrypt": ["kms:Decrypt", "kms:DescribeKey"],
        "key-encrypt-decrypt": [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:GenerateDataKey*",
            "kms:Encrypt",
        ],
    }


def test_the_alias_keeps_its_state_through_a_moved_block() -> None:
    stack = GuardedStack(App(), "stack")
    AwsProvider(
        stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=GUARDED_TAGS)]
    )
    PlatformKey(
        stack, "key", props=PlatformKeyProps(**{**vars(PROPS), "alias_moved_from": "key-alias"})
    )

    document = synth(stack)

    (alias_address,) = document["resource"]["aws_kms_alias"]
    assert document["moved"] == [
        {"from": "aws_kms_alias.key-alias", "to": f"aws_kms_alias.{alias_address}"}
    ]


def test_one_account_context_per_stack_however_many_ask(stack: TerraformStack) -> None:
    first = AccountContext.of(stack)
    PlatformKey(stack, "one", props=PROPS)
    PlatformKey(stack, "two", props=PlatformKeyProps(alias="alias/two", description="two"))

    assert AccountContext.of(stack) is first
    data = synth(stack)["data"]
    assert len(data["aws_caller_identity"]) == 1
    assert len(data["aws_partition"]) == 1


def test_the_context_id_is_reserved(stack: TerraformStack) -> None:
    from constructs import Construct

    Construct(stack, AccountContext.ID)

    with pytest.raises(TypeError, match="reserved"):
        AccountContext.of(stack)


def test_every_platform_stack_looks_the_account_up_once(synthesized: Path) -> None:
    for environment in ("local", "dev", "staging", "prod"):
        for directory in stack_dirs(synthesized, environment):
            data = json.loads((directory / "cdk.tf.json").read_text()).get("data", {})
            for kind in ("aws_caller_identity", "aws_partition", "aws_region"):
                assert len(data.get(kind, {})) <= 1, f"{directory.name}: {kind}"
