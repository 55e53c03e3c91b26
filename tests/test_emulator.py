"""The embedded emulator: starts on 127.0.0.1, stops by pid, and answers like AWS where we fixed it."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from mlplatform.emulator.local_aws import LocalAws
from mlplatform.emulator.server import apply_fidelity_fixes


def test_emulator_starts_on_loopback_and_stops_by_pid(tmp_path: Path) -> None:
    emulator = LocalAws(log_file=tmp_path / "moto.log").start()
    pid = emulator.pid
    try:
        assert emulator.endpoint.startswith("http://127.0.0.1:")
        assert emulator.is_answering()
        s3 = boto3.client(
            "s3",
            endpoint_url=emulator.endpoint,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        s3.create_bucket(Bucket="probe-bucket")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["probe-bucket"]
    finally:
        emulator.stop()
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not emulator.is_answering()


def test_state_file_finds_a_running_emulator_and_forgets_a_dead_one(tmp_path: Path) -> None:
    state = tmp_path / "emulator.json"
    with LocalAws() as emulator:
        emulator.save(state)
        found = LocalAws.load(state)
        assert found is not None and found.endpoint == emulator.endpoint
    assert LocalAws.load(state) is None


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


def test_node_groups_without_ssh_report_no_remote_access(fake_credentials: None) -> None:
    apply_fidelity_fixes()
    with mock_aws():
        eks = boto3.client("eks")
        role = "arn:aws:iam::123456789012:role/r"
        eks.create_cluster(name="c", roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1"]})
        eks.create_nodegroup(
            clusterName="c", nodegroupName="n", nodeRole=role, subnets=["subnet-1"]
        )
        group = eks.describe_nodegroup(clusterName="c", nodegroupName="n")["nodegroup"]
    assert "remoteAccess" not in group or not group["remoteAccess"]
