"""checkov (terraform_json) over every synthesized stack: no failure without a written reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import load_script

policy_check = load_script("policy_check")


@pytest.fixture(scope="module")
def report(synthesized: Path) -> object:
    return policy_check.evaluate(synthesized, policy_check.load_suppressions())


def test_checkov_finds_no_unsuppressed_failure(report: object) -> None:
    assert [str(f) for f in report.unsuppressed] == []  # type: ignore[attr-defined]
    assert report.passed > 100  # type: ignore[attr-defined]


def test_every_suppression_is_used(report: object) -> None:
    assert report.stale == []  # type: ignore[attr-defined]


def test_every_suppression_has_a_reason() -> None:
    suppressions = policy_check.load_suppressions()
    assert suppressions
    assert all(len(s.reason) >= 20 for s in suppressions)


def test_checkov_really_reads_cdktf_output(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "bad"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(
        json.dumps({"resource": {"aws_s3_bucket": {"open": {"bucket": "open"}}}})
    )

    report = policy_check.evaluate(tmp_path / "stacks", [])

    checks = {f.check for f in report.unsuppressed}
    assert "CKV2_AWS_6" in checks  # no public access block


def test_suppressions_without_reason_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- check: CKV_AWS_1\n  resources: ['*']\n  reason: because\n")

    with pytest.raises(ValueError, match="reason"):
        policy_check.load_suppressions(path)
