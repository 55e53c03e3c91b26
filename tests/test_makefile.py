"""The Makefile refuses what would hurt: destroying a real environment without confirmation."""

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
