"""`mlplatform team init` writes a team repo whose own `make test` and `make synth` pass.

The fast tests check what the command writes and refuses. The scaffold test
(marker ``scaffold``, run by `make test` beside the end-to-end test) does what
a new team does: `mlplatform team init`, then the repo's own `make test` and
`make synth`, for real, with mlplatform installed from this checkout
(``MLPLATFORM_SOURCE``, as it is not on PyPI yet), pip and npm from their
registries, and terraform's providers from the offline mirror.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mlplatform
from mlplatform import ConfigError, load_team_config
from mlplatform.cli import app
from tests.conftest import ROOT

runner = CliRunner()


def init(directory: Path, *args: str) -> tuple[int, str]:
    done = runner.invoke(app, ["team", "init", *args, "--dir", str(directory)])
    return done.exit_code, done.output


def test_init_writes_the_repo_with_the_platforms_pins(tmp_path: Path) -> None:
    repo = tmp_path / "ranking"
    code, output = init(
        repo,
        "ranking",
        "--platform-env",
        "dev",
        "--account-id",
        "111111111111",
        "--owner",
        "ranking-oncall@example.com",
    )
    assert code == 0, output
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()) == [
        ".gitignore", "Makefile", "cdktf.json", "main.py", "package-lock.json",
        "package.json", "pyproject.toml", "team.yaml", "tests/test_stack.py",
    ]  # fmt: skip
    project = tomllib.loads((repo / "pyproject.toml").read_text())
    platform = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert f"mlplatform=={mlplatform.__version__}" in project["project"]["dependencies"]
    for pin in ("cdktf==", "constructs=="):
        (ours,) = [d for d in platform["project"]["dependencies"] if d.startswith(pin)]
        assert ours in project["project"]["dependencies"]
    # The cdktf CLI the platform runs, with the platform's own lock data (npm ci, offline).
    package = json.loads((repo / "package.json").read_text())
    lock = json.loads((repo / "package-lock.json").read_text())
    platform_package = json.loads((ROOT / "package.json").read_text())
    platform_lock = json.loads((ROOT / "package-lock.json").read_text())
    assert package["devDependencies"] == platform_package["devDependencies"]
    assert package["name"] == lock["name"] == "ranking-infra"
    assert {k: v for k, v in lock["packages"].items() if k} == {
        k: v for k, v in platform_lock["packages"].items() if k
    }
    # team.yaml is the file TeamStack reads: the platform environment and the team.
    config = load_team_config(repo / "team.yaml")
    assert (config.org, config.environment, config.platform.account_id) == (
        "mlp",
        "dev",
        "111111111111",
    )
    assert (config.team.name, config.team.owners) == ("ranking", ("ranking-oncall@example.com",))
    assert "MLPLATFORM_SOURCE" in (repo / "Makefile").read_text()


def test_the_repos_deploy_without_a_terminal_asks_for_auto_approve_before_set_up(
    tmp_path: Path,
) -> None:
    """cdktf's approval prompt crashed without a terminal; the repo's make stops first."""
    repo = tmp_path / "ranking"
    code, output = init(
        repo, "ranking", "--platform-env", "dev", "--account-id", "111111111111",
        "--owner", "ranking-oncall@example.com",
    )  # fmt: skip
    assert code == 0, output

    done = subprocess.run(
        ["make", "--no-print-directory", "deploy"],
        cwd=repo,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 2
    assert "error: make deploy asks to approve the plan on a terminal" in done.stdout
    assert "AUTO_APPROVE=1" in done.stdout
    assert not (repo / ".venv").exists()  # refused before set-up


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, output = init(tmp_path, "ranking", "--platform-env", "dev", *VALID)
    assert code == 2
    assert output.splitlines() == [
        f"error: {tmp_path}: not an empty directory; `team init` never overwrites files, so "
        "name a new or empty one with --dir"
    ]
    assert (tmp_path / "notes.txt").read_text() == "mine"


VALID = ("--account-id", "111111111111", "--owner", "ranking-oncall@example.com")


@pytest.mark.parametrize(
    ("team", "says"),
    [
        ("Ranking", "team.name: 'Ranking' is not a team name: up to 20 lowercase letters"),
        ("compute", "team.name: 'compute' starts like the platform's 'compute'"),
        ("serving-x", "team.name: 'serving-x' starts like the platform's 'serving'"),
    ],
)
def test_init_refuses_a_bad_team_name_in_one_line(tmp_path: Path, team: str, says: str) -> None:
    code, output = init(tmp_path / "repo", team, "--platform-env", "dev", *VALID)
    assert code == 2
    (line,) = output.splitlines()
    assert line.startswith(f"error: team init: {says}")
    assert not (tmp_path / "repo").exists()


def test_init_refuses_a_bad_account_naming_the_option(tmp_path: Path) -> None:
    code, output = init(
        tmp_path / "repo", "ranking", "--platform-env", "dev", "--account-id", "12",
        "--owner", "ranking-oncall@example.com",
    )  # fmt: skip
    assert code == 2
    assert output.splitlines() == [
        "error: team init: platform.account_id: '12' is not an account id: 12 digits, quoted "
        'in YAML ("111111111111")'
    ]


def test_init_needs_an_account_or_the_emulator(tmp_path: Path) -> None:
    code, output = init(tmp_path / "repo", "ranking", "--platform-env", "dev", "--owner", "me")
    assert code == 2
    assert output.splitlines() == [
        "error: team init: platform: account_id: required for a real AWS environment; set the "
        "platform's 12-digit account id (or emulator: true for the local environment)"
    ]
    code, output = init(
        tmp_path / "local", "ranking", "--platform-env", "local", "--emulator", "--owner", "me"
    )
    assert code == 0, output
    assert load_team_config(tmp_path / "local" / "team.yaml").platform.emulator


def test_a_bad_team_file_is_one_line_per_key(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "platform: {org: mlp, environment: Dev, region: us-east-1, emulator: true}\n"
        "team: {name: ranking, cost_center: ranking, owners: [a b], colour: blue}\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_team_config(path)
    assert str(raised.value).splitlines() == [
        f"{path}: platform.environment: 'Dev' is not an environment name: 2-10 lowercase "
        "letters and digits from a letter, such as dev or prod",
        f"{path}: team.owners[0]: 'a b' is not an owner: an e-mail address or handle, such as "
        "ranking-oncall@example.com",
        f"{path}: team.colour: unknown key; allowed keys here: name, cost_center, owners",
    ]


def source_copy(target: Path) -> Path:
    """What pip needs to build mlplatform, copied: pip builds in the source tree, and a
    build/ left in the checkout could carry a deleted module into later wheels."""
    shutil.copytree(
        ROOT / "src" / "mlplatform",
        target / "src" / "mlplatform",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    return target


@pytest.mark.scaffold
def test_the_scaffolded_repo_tests_and_synthesizes_itself(tmp_path: Path) -> None:
    repo = tmp_path / "ranking"
    code, output = init(repo, "ranking", "--platform-env", "dev", *VALID)
    assert code == 0, output
    # The repo's own settings, not this suite's (its Makefile exports what it needs).
    inherited = ("TF_CLI_CONFIG_FILE", "JSII_", "CHECKPOINT_DISABLE", "CDKTF_", "VIRTUAL_ENV")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    done = subprocess.run(
        ["make", "test", "synth"],
        cwd=repo,
        env={**environment, "MLPLATFORM_SOURCE": str(source_copy(tmp_path / "mlplatform"))},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    assert "recorded the first snapshot" in log  # then compared against: 1 snapshot passed
    assert "5 passed" in log and "1 snapshot passed" in log
    assert (repo / "tests" / "__snapshots__" / "test_stack.ambr").is_file()
    assert "end-of-life" not in log and "checkpoint" not in log.lower()
    stack = json.loads(
        (repo / "cdktf.out" / "stacks" / "dev-ranking-jobs" / "cdk.tf.json").read_text()
    )
    (role,) = stack["resource"]["aws_iam_role"].values()
    assert role["name"] == "mlp-dev-ranking-jobs"
    assert stack["provider"]["aws"][0]["default_tags"][0]["tags"]["team"] == "ranking"
    assert stack["terraform"]["backend"]["s3"]["key"] == "teams/ranking/dev/jobs.tfstate"
    assert (repo / ".mlplatform" / "terraform.rc").read_text().count("filesystem_mirror") == 1
    cli = json.loads((repo / "node_modules" / "cdktf-cli" / "package.json").read_text())
    platform_package = json.loads((ROOT / "package.json").read_text())
    assert cli["version"] == platform_package["devDependencies"]["cdktf-cli"]
