"""Upgrading a deployed environment replaces nothing, proven in the emulator.

``tests/upgrades/from-<version>/`` holds the ``local`` stacks as that version
synthesized them. The test applies them, as that version deployed them, then
plans this version's stacks against the same state (moving from the old
DynamoDB state lock to S3's own on the way): no resource may be
destroyed or replaced, and every ``moved`` block this version writes must be
one Terraform follows. It then applies the upgrade and expects a plan with
nothing left to do. When a release changes addresses on purpose, it adds the
moved blocks; this test fails until it does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from mlplatform.emulator.local_aws import EMULATOR_ACCESS_KEY, LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from tests.conftest import ROOT

UPGRADES = ROOT / "tests" / "upgrades"
LAYERS = ("network", "data", "compute", "ml")
SYNTH_ENDPOINT = "http://127.0.0.1:5000"  # what the saved stacks were synthesized with


def terraform(directory: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["terraform", *args], cwd=directory, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"{directory.name}: terraform {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def old_lock_tables(saved: Path) -> set[str]:
    """DynamoDB lock tables the saved stacks' backends name (versions before S3 locking)."""
    return {
        backend["dynamodb_table"]
        for path in saved.glob("*.tf.json")
        if "dynamodb_table" in (backend := json.loads(path.read_text())["terraform"]["backend"]["s3"])
    }


def planned_changes(directory: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    terraform(directory, env, "plan", "-input=false", "-no-color", "-out=upgrade.plan")
    plan = json.loads(terraform(directory, env, "show", "-json", "upgrade.plan"))
    changes: list[dict[str, Any]] = plan.get("resource_changes", [])
    return changes


@pytest.mark.e2e
@pytest.mark.parametrize("version", sorted(p.name for p in UPGRADES.glob("from-*")))
def test_upgrading_the_local_environment_destroys_nothing(
    tmp_path: Path, terraform_env: dict[str, str], loader: EnvironmentLoader, version: str
) -> None:
    env = {**terraform_env, "CI": "1"}
    with LocalAws(log_file=tmp_path / "moto.log") as emulator:
        bootstrap = [sys.executable, str(ROOT / "scripts" / "bootstrap_state_backend.py")]
        subprocess.run([*bootstrap, "local", "--endpoint-url", emulator.endpoint], check=True, env=env)
        for table in old_lock_tables(UPGRADES / version):  # what the old bootstrap also made
            boto3.client(
                "dynamodb",
                endpoint_url=emulator.endpoint,
                region_name="us-east-1",
                aws_access_key_id=EMULATOR_ACCESS_KEY,
                aws_secret_access_key=EMULATOR_ACCESS_KEY,
            ).create_table(
                TableName=table,
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )

        for layer in LAYERS:  # the old version, deployed as it deployed itself
            old = tmp_path / "old" / f"local-{layer}"
            old.mkdir(parents=True)
            saved = (UPGRADES / version / f"local-{layer}.tf.json").read_text()
            (old / "cdk.tf.json").write_text(saved.replace(SYNTH_ENDPOINT, emulator.endpoint))
            terraform(old, env, "init", "-input=false", "-no-color")
            terraform(old, env, "apply", "-auto-approve", "-input=false", "-no-color")

        new = tmp_path / "new"
        PlatformApp(
            [loader.load("local")], outdir=str(new), emulator_endpoint=emulator.endpoint
        ).synth()
        for layer in LAYERS:
            stack = new / "stacks" / f"local-{layer}"
            document = json.loads((stack / "cdk.tf.json").read_text())
            terraform(stack, env, "init", "-input=false", "-no-color")
            changes = planned_changes(stack, env)

            gone = [c["address"] for c in changes if "delete" in c["change"]["actions"]]
            assert gone == [], f"local-{layer}: the upgrade would destroy {gone}"
            followed = {c["previous_address"]: c["address"] for c in changes if "previous_address" in c}
            for block in document.get("moved", []):
                assert followed.get(block["from"]) == block["to"], f"local-{layer}: {block}"

            terraform(stack, env, "apply", "-input=false", "-no-color", "upgrade.plan")
            settled = subprocess.run(
                ["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color"],
                cwd=stack,
                env=env,
                capture_output=True,
                text=True,
            )
            assert settled.returncode == 0, f"local-{layer} after the upgrade:\n{settled.stdout[-3000:]}"
