"""The Makefile refuses what would hurt or cannot work: destroying a real environment without
confirmation, destroying or verifying without naming the environment."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize("confirm", [None, "dev", "yes"])
def test_destroying_a_real_environment_needs_its_name_twice(confirm: str | None) -> None:
    done = make("destroy", "ENV=prod", *([f"CONFIRM={confirm}"] if confirm else []))

    assert done.returncode == 2
    assert "error: make destroy ENV=prod deletes that environment's resources and data" in done.stdout
    assert "make destroy ENV=prod CONFIRM=prod" in done.stdout
    assert "cdktf" not in done.stdout + done.stderr  # refused before set-up or any deploy tool ran


def test_destroy_names_the_environment() -> None:
    done = make("destroy")

    assert done.returncode == 2
    assert "error: name the environment: make destroy ENV=dev" in done.stdout


def test_verify_names_the_environment() -> None:
    done = make("verify")

    assert done.returncode == 2
    assert "error: name the environment: make verify ENV=dev" in done.stdout
    assert "verify_environment.py" not in done.stdout + done.stderr  # refused before it ran


def test_verify_runs_the_script_on_the_named_environment() -> None:
    # No AWS needed: an environment without a file is refused by the script, exit code 2.
    done = make("verify", "ENV=nosuch")

    assert done.returncode == 2
    assert "error: environments/nosuch.yaml: file not found" in done.stderr
