"""A team stack can mix prebuilt bindings with the platform's constructs in one stack.

The platform's constructs use generated bindings; a team that needs a type the
platform does not generate installs ``mlplatform[prebuilt]`` and imports it from
``cdktf_cdktf_provider_aws`` as usual. Both are cdktf resources in the same tree:
references run both ways, and the guardrails check prebuilt resources too. The
price is the prebuilt package's import (see benchmarks/synth.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import App

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.constructs.data_lake import DataLake
from mlplatform.loader import EnvironmentLoader
from mlplatform.stacks.platform_stack import PlatformStack
from tests.conftest import prebuilt_binding

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "glue.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def test_prebuilt_and_platform_resources_reference_each_other(
    tmp_path: Path, loader: EnvironmentLoader
) -> None:
    app = App(outdir=str(tmp_path))
    stack = PlatformStack(app, loader.load("dev"), "ranking-queue")
    lake = DataLake.from_names(stack, "lake", naming=stack.naming)
    role = IamRole(stack, "role", name="mlp-dev-ranking-queue", assume_role_policy=TRUST)
    lake.grant_read(role, "raw")
    queue = prebuilt_binding("sqs_queue").SqsQueue(
        stack, "queue", name="mlp-dev-ranking-events", kms_master_key_id=lake.key_arn
    )
    prebuilt_binding("iam_role_policy").IamRolePolicy(
        stack,
        "send",
        role=role.name,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue.arn}
                ],
            }
        ),
    )

    app.synth()  # the guardrails pass over both kinds

    document = json.loads((tmp_path / "stacks" / "dev-ranking-queue" / "cdk.tf.json").read_text())
    (queue_config,) = document["resource"]["aws_sqs_queue"].values()
    assert queue_config["kms_master_key_id"].startswith("${data.aws_kms_alias.")
    policies = [
        json.loads(p["policy"]) for p in document["resource"]["aws_iam_role_policy"].values()
    ]
    resources = [s["Resource"] for p in policies for s in p["Statement"]]
    assert "${aws_sqs_queue.queue.arn}" in resources
    assert len(policies) == 2  # the lake grant and the prebuilt policy, on one generated role


def test_platform_grants_accept_a_prebuilt_role(tmp_path: Path, loader: EnvironmentLoader) -> None:
    app = App(outdir=str(tmp_path))
    stack = PlatformStack(app, loader.load("dev"), "ranking-prebuilt-role")
    lake = DataLake.from_names(stack, "lake", naming=stack.naming)
    role = prebuilt_binding("iam_role").IamRole(
        stack, "role", name="mlp-dev-ranking", assume_role_policy=TRUST
    )
    lake.grant_write(role, "features")

    app.synth()

    stack_dir = tmp_path / "stacks" / "dev-ranking-prebuilt-role"
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    (policy,) = document["resource"]["aws_iam_role_policy"].values()
    assert policy["role"] == "${aws_iam_role.role.name}"
    assert policy["name"] == "lake-write-features"


def test_guardrails_check_prebuilt_resources_too(tmp_path: Path, loader: EnvironmentLoader) -> None:
    app = App(outdir=str(tmp_path))
    stack = PlatformStack(app, loader.load("dev"), "ranking-bucket")
    prebuilt_binding("s3_bucket").S3Bucket(stack, "open", bucket="mlp-dev-ranking-open")

    with pytest.raises(
        RuntimeError, match=r"MLP-S3-1: .* aws_s3_bucket\.open \(dev-ranking-bucket/open\)"
    ):
        app.synth()
