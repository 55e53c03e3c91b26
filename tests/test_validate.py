"""terraform validate on every synthesized stack, with the real provider from the offline mirror."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import environment_names, stack_dirs


def validate(directory: Path, env: dict[str, str]) -> str:
    """'' when the stack is valid, else what terraform said."""
    for command in (
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        ["terraform", "validate", "-no-color"],
    ):
        done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return f"{directory.name}: {' '.join(command[:2])}\n{done.stdout}\n{done.stderr}"
    return ""


@pytest.mark.parametrize("environment", environment_names())
def test_every_stack_is_valid_terraform(
    synthesized: Path, terraform_env: dict[str, str], environment: str
) -> None:
    stacks = stack_dirs(synthesized, environment)
    assert len(stacks) >= 2
    # One at a time: terraform's plugin cache is not safe for concurrent inits.
    failures = [failure for d in stacks if (failure := validate(d, terraform_env))]
    assert failures == []


def test_validate_catches_an_invalid_stack(tmp_path: Path, terraform_env: dict[str, str]) -> None:
    (tmp_path / "cdk.tf.json").write_text(
        '{"terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},'
        ' "resource": {"aws_s3_bucket": {"b": {"no_such_argument": true}}}}'
    )

    assert "no_such_argument" in validate(tmp_path, terraform_env)
