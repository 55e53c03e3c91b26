"""The platform's guardrails, same rules and ids, over the resources of a recorded Pulumi program.

Every environment's program passing them is in tests/test_pulumi_parity.py, which records
each environment once for the module.
"""

from __future__ import annotations

import subprocess
import sys

import pulumi_aws as aws
import pytest

from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.guardrails import GuardrailError, check, guardrail_findings
from mlplatform.pulumi.layer import Layer


def _insecure_bucket(loader: EnvironmentLoader, *, suppressed: bool = False) -> list[str]:
    config = loader.load("dev")

    def program() -> None:
        layer = Layer(config, "team")
        owner = PlatformComponent(
            "team",
            "Uploads",
            "dev-team/uploads",
            parent=layer,
            suppressions={"MLP-S3-2": "reviewed: a public dataset mirror"} if suppressed else None,
        )
        aws.s3.BucketV2(
            "dev-team/uploads/bucket", bucket="mlp-dev-uploads", opts=owner.options(protect=True)
        )

    return guardrail_findings(Recorder.run(program))


def test_an_unencrypted_bucket_fails_with_the_rule_id(loader: EnvironmentLoader) -> None:
    findings = _insecure_bucket(loader)
    assert [f.split(":")[0] for f in findings] == ["MLP-S3-1", "MLP-S3-2", "MLP-S3-3", "MLP-S3-4"]
    assert findings[1].startswith(
        "MLP-S3-2: S3 buckets are encrypted with a KMS key. "
        "aws_s3_bucket.dev-team/uploads/bucket (dev-team/uploads/bucket) "
        "is not encrypted with a KMS key by default"
    )


def test_a_suppression_on_a_component_covers_what_is_below_it(loader: EnvironmentLoader) -> None:
    assert "MLP-S3-2" not in {f.split(":")[0] for f in _insecure_bucket(loader, suppressed=True)}


def test_check_raises_with_one_line_per_finding(loader: EnvironmentLoader) -> None:
    config = loader.load("dev")

    def program() -> None:
        layer = Layer(config, "team")
        aws.kms.Key("dev-team/key", description="no rotation", opts=layer.options(protect=True))

    with pytest.raises(GuardrailError) as error:
        check(Recorder.run(program))
    assert str(error.value).splitlines()[1:] == [
        "  MLP-KMS-1: KMS keys rotate yearly. aws_kms_key.dev-team/key (dev-team/key) does not "
        "rotate its key material; fix: set enable_key_rotation = true"
    ]


def test_stateful_resources_without_protect_break_the_retention_rule(
    loader: EnvironmentLoader,
) -> None:
    config = loader.load("dev")

    def program() -> None:
        layer = Layer(config, "team")
        aws.kms.Key("dev-team/key", enable_key_rotation=True, opts=layer.options())

    assert [f.split(":")[0] for f in guardrail_findings(Recorder.run(program))] == ["MLP-RET-1"]


def test_resources_outside_a_layer_must_carry_the_tags_themselves(
    loader: EnvironmentLoader,
) -> None:
    def program() -> None:
        aws.ec2.Vpc("loose-vpc", cidr_block="10.9.0.0/16")

    rules = [f.split(":")[0] for f in guardrail_findings(Recorder.run(program))]
    assert rules == ["MLP-VPC-1", "MLP-TAG-1"]


def test_the_tag_rule_runs_without_loading_cdktf() -> None:
    """A Pulumi program's guardrails must not start cdktf's node process: MLP-TAG-1 reads the
    taggable types from the bindings package's generated table, not from the binding classes."""
    script = (
        "import sys\n"
        "from mlplatform.pulumi.guardrails import RULES\n"
        "from mlplatform.guardrails.rules import TAG_RULE_ID\n"
        "vpc = {'aws_vpc': {'loose': {'cidr_block': '10.9.0.0/16'}}}\n"
        "tag_rule = next(rule for rule in RULES if rule.id == TAG_RULE_ID)\n"
        "print(len(list(tag_rule.check(vpc))), 'cdktf' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["1", "False"]
