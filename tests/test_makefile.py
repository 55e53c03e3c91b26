"""The Makefile refuses what would hurt or cannot work: destroying a real environment without
confirmation, destroying or verifying without naming the environment."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest

from tests.conftest import GO_RUNTIME, ROOT, SIDE_RUNS, pytest_collection_modifyitems


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize("confirm", [None, "dev", "yes"])
def test_destroying_a_real_environment_needs_its_name_twice(confirm: str | None) -> None:
    done = make("destroy", "ENV=prod", *([f"CONFIRM={confirm}"] if confirm else []))

    assert done.returncode == 2
    assert (
        "error: make destroy ENV=prod deletes that environment's resources and data" in done.stdout
    )
    assert "make destroy ENV=prod CONFIRM=prod" in done.stdout
    assert "cdktf" not in done.stdout + done.stderr  # refused before set-up or any deploy tool ran


def test_destroy_names_the_environment() -> None:
    done = make("destroy")

    assert done.returncode == 2
    assert "error: name the environment: make destroy ENV=dev" in done.stdout


@pytest.mark.parametrize("target", [["deploy", "ENV=dev"], ["destroy", "ENV=dev", "CONFIRM=dev"]])
def test_without_a_terminal_to_approve_on_deploy_and_destroy_ask_for_auto_approve(
    target: list[str],
) -> None:
    """cdktf's approval prompt crashed without a terminal (Ink's raw mode); make stops first."""
    done = subprocess.run(
        ["make", "--no-print-directory", *target],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 2
    assert f"error: make {target[0]} asks to approve each plan on a terminal" in done.stdout
    assert "add AUTO_APPROVE=1 to apply without asking" in done.stdout
    assert "cdktf" not in done.stdout + done.stderr
    assert "no AWS credentials" not in done.stdout + done.stderr  # preflight did not run


def test_make_up_on_a_fresh_machine_sets_up_the_package_and_the_emulator_only(
    tmp_path: Path,
) -> None:
    """The test tools, Pulumi, the prebuilt bindings, checkov and Feast wait for make test."""
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)

    up = subprocess.run(["make", "-n", "up"], cwd=tmp_path, capture_output=True, text=True)
    full = subprocess.run(["make", "-n", "setup"], cwd=tmp_path, capture_output=True, text=True)

    assert up.returncode == 0, up.stderr
    assert "pip install --quiet --no-compile -e '.[emulator]'" in up.stdout
    assert "npm ci" in up.stdout
    for later in ("[dev,pulumi]", "checkov", "feast"):
        assert later not in up.stdout
        assert later in full.stdout


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


def test_the_side_runs_name_the_files_that_hold_their_marked_tests() -> None:
    """make test runs e2e and scaffold tests by file; the conftest hook keeps them there."""
    recipe = (ROOT / "Makefile").read_text()
    for marker, file in SIDE_RUNS.items():
        assert f"pytest tests/{file} -m" in recipe
        assert (ROOT / "tests" / file).read_text().count(f"@pytest.mark.{marker}") >= 1


@pytest.mark.parametrize(
    ("marker", "file", "refused"),
    [
        ("e2e", "test_e2e_local.py", False),
        ("e2e", "test_config.py", True),
        ("scaffold", "test_stacks.py", True),
    ],
)
def test_a_marked_test_outside_its_side_runs_file_is_refused(
    marker: str, file: str, refused: bool
) -> None:
    class Item:
        nodeid = f"tests/{file}::test_x"
        path = ROOT / "tests" / file

        def get_closest_marker(self, name: str) -> object | None:
            return object() if name == marker else None

    items: list[Any] = [Item()]
    if refused:
        with pytest.raises(pytest.UsageError, match=f"live in tests/{SIDE_RUNS[marker]}"):
            pytest_collection_modifyitems(cast(pytest.Config, None), items)
    else:
        pytest_collection_modifyitems(cast(pytest.Config, None), items)


def test_a_sigterm_unwinds_a_test_run_like_ctrl_c() -> None:
    """make test stops its side runs with SIGTERM; with-blocks (the emulators) must unwind."""
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler)
    with pytest.raises(KeyboardInterrupt, match="stopped by signal 15"):
        handler(signal.SIGTERM, None)


def test_terraform_runs_with_the_same_go_runtime_settings_under_make_and_pytest() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for name, value in GO_RUNTIME.items():
        assert f"export {name} ?= {value}\n" in makefile


def test_make_test_and_lint_check_the_formatting_of_what_they_lint() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("test", "lint"):
        recipe = makefile.split(f"\n{target}: ", 1)[1].split("\n\n", 1)[0]
        assert "ruff check $(LINTED)" in recipe and "ruff format --check $(LINTED)" in recipe


VERBS = ("deploy", "destroy", "diff")


def test_cdktf_prints_plainly_where_its_output_is_not_a_terminal() -> None:
    """cdktf redraws its progress in place: thousands of erased lines in a log file."""
    makefile = (ROOT / "Makefile").read_text()
    switch = makefile.split("PLAIN_OUTPUT := ", 1)[1].split("\n", 1)[0]
    probe = ["bash", "-c", f'{switch} echo "[$plain][$nocolor]"']

    piped = subprocess.run(probe, capture_output=True, text=True, check=True)
    leader, follower = pty.openpty()
    try:
        subprocess.run(probe, stdout=follower, check=True)
        on_a_terminal = os.read(leader, 1024).decode()
    finally:
        os.close(leader)
        os.close(follower)

    assert piped.stdout.strip() == "[CI=1][--no-color]"
    assert on_a_terminal.strip() == "[][]"
    # Every cdktf command of a recipe goes through the switch.
    recipes = makefile.replace("\\\n", " ").splitlines()
    commands = [line for line in recipes if "$(CDKTF) " in line]
    assert len(commands) == 4  # up, diff, deploy, destroy
    assert all("$(PLAIN_OUTPUT) env $$plain " in line for line in commands), commands
    # Those that run terraform (not synth) drop its colour codes too.
    runs_terraform = [c for c in commands if any(f"$(CDKTF) {v} " in c for v in VERBS)]
    assert len(runs_terraform) == 4
    assert all("$$nocolor" in line for line in runs_terraform), runs_terraform


def test_make_test_waits_for_its_side_runs_before_starting_another_process() -> None:
    """bash forgets a background process's status once a new child of the shell reuses its
    pid; a `cat` between the end of a side run and its `wait` once failed make test (127)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest: ", 1)[1].split("\n\n", 1)[0]
    after_the_suite = recipe.split("-m 'not e2e and not scaffold and not redis'", 1)[1]
    waits, _, rest = after_the_suite.partition("echo ")
    assert [line.strip().split()[1] for line in waits.splitlines() if "wait $$" in line] == [
        "$$redis",
        "$$scaffold",
        "$$upgrade",
        "$$e2e",
    ]
    assert "wait " not in rest


def test_synthesis_runs_python_optimized_under_make_and_cdktf() -> None:
    """Under -O, cdktf's generated Python skips its per-call typeguard checks (the node kernel
    still validates every value): about a sixth of synth's Python CPU. Team repos get the same."""
    dry = make("-n", "synth")
    assert "$(PY) -O" not in dry.stdout and ".venv/bin/python -O -m mlplatform.cli synth" in (
        dry.stdout
    )
    template = ROOT / "src" / "mlplatform" / "team_template" / "cdktf.json.tmpl"
    for path in (ROOT / "cdktf.json", template):
        command = json.loads(path.read_text())["app"].split()
        assert command[:2] == [".venv/bin/python", "-O"], path


def test_make_diff_plans_side_by_side_prints_every_plan_and_names_the_failed_one(
    tmp_path: Path,
) -> None:
    """The recipe's shell, with stand-ins for the CLI and cdktf: each plannable stack is
    planned (the slow one does not hold up the others), every plan is printed in the order
    the stacks come, and a failed plan fails make naming its stack."""
    python = tmp_path / "python"
    python.write_text(
        '#!/bin/bash\ncase "$*" in *" stacks "*) echo "local-network local-data local-ml";; esac\n'
    )
    cdktf = tmp_path / "cdktf"
    cdktf.write_text(
        "#!/bin/bash\n"
        '[ "$1" = synth ] && exit 0\n'
        'case "$2" in\n'
        f"  local-network) sleep 2; touch {tmp_path}/network-planned; "
        'echo "local-network No changes.";;\n'
        '  local-data) echo "local-data Error: the plan broke"; exit 1;;\n'
        f'  local-ml) [ -e {tmp_path}/network-planned ] && echo "local-ml planned after network" '
        '|| echo "local-ml No changes.";;\n'
        "esac\n"
    )
    for stand_in in (python, cdktf):
        stand_in.chmod(0o755)

    done = make("-o", "setup", "diff", "ENV=local", f"PY={python}", f"CDKTF={cdktf}")

    assert done.returncode != 0
    assert "error: the plan failed for: local-data" in done.stderr
    printed = [line for line in done.stdout.splitlines() if line.startswith("local-")]
    assert printed == [
        "local-network No changes.",
        "local-data Error: the plan broke",
        "local-ml No changes.",
    ]
    assert "planning local-network local-data local-ml side by side" in done.stdout
