"""checkov (terraform_json) over every synthesized stack: no failure without a written reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import load_script

policy_check = load_script("policy_check")


CANARY = "checkov-canary"


def in_canary(result: object) -> bool:
    return str(result.file).startswith(f"/{CANARY}/")  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def results(synthesized: Path, tmp_path_factory: pytest.TempPathFactory) -> list[object]:
    """One checkov process over a copy of every synthesized stack plus a canary that must fail.

    The canary is an open bucket written as cdktf writes it; its results are split off
    by file, so it neither counts for the stacks nor uses up a suppression.
    """
    root = tmp_path_factory.mktemp("checkov")
    shutil.copytree(synthesized, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
    (root / CANARY).mkdir()
    (root / CANARY / "cdk.tf.json").write_text(
        json.dumps({"resource": {"aws_s3_bucket": {"open": {"bucket": "open"}}}})
    )
    return policy_check.scan(root)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def report(results: list[object]) -> object:
    stacks = [r for r in results if not in_canary(r)]
    return policy_check.judge(stacks, policy_check.load_suppressions())


def test_checkov_reads_every_stack(synthesized: Path, results: list[object]) -> None:
    files = {str(r.file) for r in results if not in_canary(r)}  # type: ignore[attr-defined]
    assert files == {f"/{p.parent.name}/cdk.tf.json" for p in synthesized.glob("*/cdk.tf.json")}


def test_checkov_finds_no_unsuppressed_failure(report: object) -> None:
    assert [str(f) for f in report.unsuppressed] == []  # type: ignore[attr-defined]
    assert report.passed > 100  # type: ignore[attr-defined]


def test_every_suppression_is_used(report: object) -> None:
    assert report.stale == []  # type: ignore[attr-defined]


def test_every_suppression_has_a_reason() -> None:
    suppressions = policy_check.load_suppressions()
    assert suppressions
    assert all(len(s.reason) >= 20 for s in suppressions)


def test_checkov_really_reads_cdktf_output(results: list[object]) -> None:
    report = policy_check.judge([r for r in results if in_canary(r)], [])

    checks = {f.check for f in report.unsuppressed}
    assert "CKV2_AWS_6" in checks  # no public access block


def test_suppressions_without_reason_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- check: CKV_AWS_1\n  resources: ['*']\n  reason: because\n")

    with pytest.raises(ValueError, match="reason"):
        policy_check.load_suppressions(path)


def test_a_stack_checkov_cannot_parse_is_an_error_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    # A list where checkov's parser wants an object, as cdktf writes moved blocks.
    (tmp_path / "broken" / "cdk.tf.json").write_text(json.dumps({"output": [{"a": 1}]}))

    with pytest.raises(RuntimeError, match="could not parse 1 file"):
        policy_check.scan(tmp_path)


def test_moved_blocks_do_not_hide_a_stack_from_checkov(tmp_path: Path) -> None:
    (tmp_path / "moving").mkdir()
    (tmp_path / "moving" / "cdk.tf.json").write_text(
        json.dumps(
            {
                "resource": {"aws_s3_bucket": {"open": {"bucket": "open"}}},
                "moved": [{"from": "aws_s3_bucket.old", "to": "aws_s3_bucket.open"}],
            }
        )
    )

    checks = {r.check for r in policy_check.scan(tmp_path) if not r.passed}

    assert "CKV2_AWS_6" in checks  # no public access block
