"""End to end: the real ``cdktf deploy`` of the ``local`` environment into the embedded emulator.

One test, in the order a user lives it: bootstrap the state backend, deploy
every layer, check with boto3 that what the config asks for exists, plan again
and expect no changes, destroy, and check nothing is left. The emulator runs
on a free port of 127.0.0.1 and is stopped by its process id even if a step
fails.

What the emulator cannot do is turned off in ``environments/local.yaml``, never
in a construct; those resources stay covered by snapshots, terraform validate
and checkov on dev, staging and prod:
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from mlplatform.aws_clients import environment_clients
from mlplatform.config import EnvironmentConfig
from mlplatform.loader import EnvironmentLoader
from mlplatform.local_aws import LocalAws
from tests.conftest import ROOT, load_script

EMULATOR_GAPS = {
    "data_lake.athena_workgroup": (
        "moto answers Athena's ListTagsForResource for a new workgroup with 'does not exist', "
        "so the provider fails right after creating it"
    ),
    "data_lake.glue_vpc_connection": (
        "moto's Glue connection never reaches the state the provider waits for, so apply hangs"
    ),
}

CDKTF = ["npx", "--no-install", "cdktf"]


def run(command: list[str], env: dict[str, str], log: Path) -> None:
    """Run a step; on failure show the tail of its output (the full log stays in tmp)."""
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text()[-6000:]
        pytest.fail(f"{' '.join(command[:4])} failed with {done.returncode}:\n{tail}")


def clients(endpoint: str) -> Any:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="mlplatform-local",
            aws_secret_access_key="mlplatform-local",
        )

    return client


def kms_key_ids(endpoint: str) -> set[str]:
    return {k["KeyId"] for k in clients(endpoint)("kms").list_keys()["Keys"]}


def leftovers(config: EnvironmentConfig, endpoint: str, keys_before: set[str]) -> list[str]:
    """Resources of the environment that still exist (the state backend is expected to stay)."""
    client = clients(endpoint)
    found = []
    vpcs = client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:env", "Values": [config.environment]}]
    )["Vpcs"]
    found += [f"VPC {v['VpcId']}" for v in vpcs]
    buckets = [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    found += [f"bucket {b}" for b in buckets if b != config.state_backend.bucket]
    databases = client("glue").get_databases()["DatabaseList"]
    found += [f"Glue database {d['Name']}" for d in databases]
    kms = client("kms")
    # Keys that existed before the deploy belong to the state backend (moto makes one for
    # the lock table's encryption); every key the deploy made must be pending deletion.
    keys = [kms.describe_key(KeyId=k)["KeyMetadata"] for k in kms_key_ids(endpoint) - keys_before]
    found += [
        f"KMS key {k['KeyId']} in state {k['KeyState']}"
        for k in keys
        if k["KeyState"] != "PendingDeletion"
    ]
    groups = client("logs").describe_log_groups(logGroupNamePrefix="/mlplatform/")["logGroups"]
    found += [f"log group {g['logGroupName']}" for g in groups]
    roles = client("iam").list_roles()["Roles"]
    found += [f"IAM role {r['RoleName']}" for r in roles if r["RoleName"].startswith("mlp-")]
    return found


@pytest.mark.e2e
def test_local_environment_deploys_verifies_replans_and_destroys(
    tmp_path: Path, terraform_env: dict[str, str], loader: EnvironmentLoader
) -> None:
    config = loader.load("local")
    for switch in EMULATOR_GAPS:
        section, field = switch.split(".")
        assert getattr(getattr(config, section), field) is False, (
            f"{switch}: {EMULATOR_GAPS[switch]}"
        )

    log = tmp_path / "e2e.log"
    outdir = tmp_path / "cdktf.out"
    with LocalAws(log_file=tmp_path / "moto.log") as emulator:
        env = {
            **terraform_env,
            "MLPLATFORM_ENV": "local",
            "MLPLATFORM_AWS_ENDPOINT": emulator.endpoint,
            "CI": "1",
        }
        bootstrap = str(ROOT / "scripts" / "bootstrap_state_backend.py")
        run([sys.executable, bootstrap, "local", "--endpoint-url", emulator.endpoint], env, log)
        keys_before = kms_key_ids(emulator.endpoint)
        outputs_file = tmp_path / "outputs.json"
        run(
            [
                *CDKTF,
                "deploy",
                "local-*",
                "--auto-approve",
                "--skip-provider-lock",
                "--output",
                str(outdir),
                "--outputs-file",
                str(outputs_file),
            ],
            env,
            log,
        )

        # What the config asks for exists, checked with boto3.
        verify = load_script("verify_environment")
        verifier = verify.EnvironmentVerifier(
            config, environment_clients(config, emulator.endpoint)
        )
        assert verifier.verify() == []
        outputs = json.loads(outputs_file.read_text())
        vpc_id = outputs["local-network"]["vpc_id"]
        ec2 = clients(emulator.endpoint)("ec2")
        assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == config.network.cidr
        assert outputs["local-data"]["zone_buckets"]["raw"] == "mlp-local-datalake-raw"

        # A second plan proposes nothing: the deploy converged.
        stacks = sorted((outdir / "stacks").glob("local-*"))
        assert [s.name for s in stacks][:2] == ["local-data", "local-network"]
        for stack in stacks:
            plan = subprocess.run(
                [
                    "terraform",
                    "plan",
                    "-detailed-exitcode",
                    "-input=false",
                    "-no-color",
                    "-lock=false",
                ],
                cwd=stack,
                env=env,
                capture_output=True,
                text=True,
            )
            assert plan.returncode == 0, f"{stack.name} plans changes:\n{plan.stdout[-4000:]}"

        run(
            [
                *CDKTF,
                "destroy",
                "local-*",
                "--auto-approve",
                "--skip-provider-lock",
                "--output",
                str(outdir),
            ],
            env,
            log,
        )
        assert leftovers(config, emulator.endpoint, keys_before) == []
