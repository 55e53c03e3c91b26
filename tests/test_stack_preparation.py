"""A GuardedStack's one-pass prepare finds every cross-stack reference cdktf's own pass finds.

The same two-stack app is synthesized twice, once with plain ``TerraformStack``
(cdktf's prepare: one callback per element) and once with ``GuardedStack``
(generated elements' arguments resolved in one call). Every way a reference
to another stack can enter an element must give the same Terraform JSON: an
argument, a constructor ``count``, a ``count`` set later, and an override.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack, Token

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.provider import AwsProvider, AwsProviderDefaultTags
from mlplatform.guardrails.stack_check import GuardedStack
from tests.conftest import GUARDED_TAGS

ASSUME = json.dumps({"Version": "2012-10-17", "Statement": []})


def _by_argument(stack: TerraformStack, role: IamRole) -> None:
    IamRolePolicy(stack, "policy", role=role.name, policy=ASSUME)


def _by_constructor_count(stack: TerraformStack, role: IamRole) -> None:
    count = Token.as_number(role.max_session_duration)
    IamRole(stack, "copies", assume_role_policy=ASSUME, count=count)


def _by_count_set_later(stack: TerraformStack, role: IamRole) -> None:
    copies = IamRole(stack, "copies", assume_role_policy=ASSUME)
    copies.count = Token.as_number(role.max_session_duration)


def _by_override(stack: TerraformStack, role: IamRole) -> None:
    other = IamRole(stack, "other", assume_role_policy=ASSUME)
    other.add_override("description", role.arn)


def _synth(
    tmp_path: Path, kind: type[TerraformStack], refer: Callable[[TerraformStack, IamRole], None]
) -> dict[str, Any]:
    app = App(outdir=str(tmp_path / kind.__name__))
    producer = kind(app, "producer")
    AwsProvider(
        producer,
        "aws",
        region="us-east-1",
        default_tags=[AwsProviderDefaultTags(tags=GUARDED_TAGS)],
    )
    role = IamRole(producer, "role", assume_role_policy=ASSUME)
    consumer = kind(app, "consumer")
    AwsProvider(
        consumer,
        "aws",
        region="us-east-1",
        default_tags=[AwsProviderDefaultTags(tags=GUARDED_TAGS)],
    )
    refer(consumer, role)
    app.synth()
    stacks = tmp_path / kind.__name__ / "stacks"
    return {
        name: json.loads((stacks / name / "cdk.tf.json").read_text())
        for name in ("producer", "consumer")
    }


def _without_metadata(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "//"}


@pytest.mark.parametrize(
    "refer",
    [_by_argument, _by_constructor_count, _by_count_set_later, _by_override],
    ids=["argument", "constructor-count", "count-set-later", "override"],
)
def test_one_pass_prepare_finds_what_cdktf_finds(
    tmp_path: Path, refer: Callable[[TerraformStack, IamRole], None]
) -> None:
    cdktf_pass = _synth(tmp_path, TerraformStack, refer)
    one_pass = _synth(tmp_path, GuardedStack, refer)

    consumer = cdktf_pass["consumer"]
    assert "terraform_remote_state" in consumer["data"], "the case must cross stacks"
    assert "output" in cdktf_pass["producer"]
    for name in ("producer", "consumer"):
        assert _without_metadata(one_pass[name]) == _without_metadata(cdktf_pass[name])
