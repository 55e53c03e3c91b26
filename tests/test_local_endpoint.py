"""``make diff|deploy|destroy``: main.py reaches the running emulator, and diff plans each stack.

``make up`` starts the emulator on a free port and passes its endpoint to
``cdktf deploy``; the other targets run main.py through cdktf without one, so
main.py finds the running emulator itself (``.mlplatform/emulator.json``).
``cdktf diff`` plans one stack, so ``make diff`` asks ``mlplatform stacks`` for
the environment's stacks in dependency order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlplatform.cli import app, synth_from_environment
from mlplatform.emulator.local_aws import DEFAULT_ENDPOINT, LocalAws
from tests.conftest import ROOT


def test_main_points_an_emulator_environment_at_the_running_emulator(
    emulated_aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_file = tmp_path / "emulator.json"
    emulated_aws.save(state_file)
    monkeypatch.setenv("MLPLATFORM_ENV", "local")
    monkeypatch.setenv("MLPLATFORM_ENVIRONMENTS", str(ROOT / "environments"))
    monkeypatch.delenv("MLPLATFORM_AWS_ENDPOINT", raising=False)
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "cdktf.out"))  # as the cdktf CLI sets it

    assert synth_from_environment(state_file) == 0

    stack = (tmp_path / "cdktf.out" / "stacks" / "local-network" / "cdk.tf.json").read_text()
    assert emulated_aws.endpoint != DEFAULT_ENDPOINT
    assert f'"{emulated_aws.endpoint}"' in stack
    assert DEFAULT_ENDPOINT not in stack


def _manifest(outdir: Path, dependencies: dict[str, list[str]]) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    stacks = {name: {"dependencies": needs} for name, needs in dependencies.items()}
    (outdir / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": stacks}))


def test_stacks_lists_one_environments_stacks_each_after_those_it_reads(tmp_path: Path) -> None:
    """``make diff`` plans stack by stack (``cdktf diff`` takes one), in this order."""
    _manifest(
        tmp_path,
        {
            "dev-ml": ["dev-data", "dev-compute", "dev-network"],
            "dev-cluster": ["dev-compute"],
            "dev-compute": ["dev-network"],
            "dev-data": ["dev-network"],
            "dev-network": [],
            "prod-network": [],
        },
    )
    arguments = ["stacks", "dev", "--environments", str(ROOT / "environments")]

    listed = CliRunner().invoke(app, [*arguments, "--outdir", str(tmp_path)])

    assert listed.exit_code == 0, listed.output
    assert listed.output.split() == [
        "dev-network", "dev-compute", "dev-data", "dev-cluster", "dev-ml",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stacks", "message"),
    [
        (None, "manifest.json: not found; synthesize first (MLPLATFORM_ENV=dev npx cdktf synth)"),
        ({"prod-network": []}, "manifest.json: no stack of dev; synthesize it first"),
        (
            {"dev-a": ["dev-b"], "dev-b": ["dev-a"]},
            "manifest.json: the stacks of dev depend on each other",
        ),
    ],
)
def test_stacks_refuses_what_it_cannot_order(
    tmp_path: Path, stacks: dict[str, list[str]] | None, message: str
) -> None:
    if stacks is not None:
        _manifest(tmp_path, stacks)
    arguments = ["stacks", "dev", "--environments", str(ROOT / "environments")]

    refused = CliRunner().invoke(app, [*arguments, "--outdir", str(tmp_path)])

    assert refused.exit_code == 2
    assert message in refused.output.replace("\n", "")
