"""The embedded emulator: starts on 127.0.0.1, stops by pid, and patches moto in its own process only.

The fixes replace parts of moto for good in the process that applies them.
Applied inside pytest they would leak into every later test that mocks AWS
in-process, so tests of the fixes talk to a server process (the
``emulated_aws`` fixture) and this module checks pytest's own moto is plain.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from mlplatform.emulator import fixes
from mlplatform.emulator.fixes import MARKER_PREFIX, once
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.emulator.retry_log import RETRY_NOTE


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
        emulator.reset()
        assert s3.list_buckets()["Buckets"] == []
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


def fix_markers() -> list[str]:
    """Every ``_mlplatform_*`` marker a fix left on a loaded moto module or class."""
    found = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("moto") or module is None:
            continue
        for owner in [module, *(v for v in vars(module).values() if isinstance(v, type))]:
            found += [
                f"{getattr(owner, '__qualname__', name)}.{attribute}"
                for attribute in vars(owner)
                if attribute.startswith(MARKER_PREFIX)
            ]
    return found


def test_the_fixes_patch_moto_only_inside_the_emulator_process(emulated_aws: LocalAws) -> None:
    # The server module and its fixes are imported here, and a server runs (the fixture).
    server = importlib.import_module("mlplatform.emulator.server")
    for module in pkgutil.iter_modules(fixes.__path__, f"{fixes.__name__}."):
        importlib.import_module(module.name)
    import moto.eks.models as eks

    assert server.__all__ == ["main"]
    assert eks.DEFAULT_REMOTE_ACCESS == {"ec2SshKey": "eksKeypair"}  # moto's own
    assert fix_markers() == []


def test_a_fix_marks_what_it_patched_and_applies_once() -> None:
    class Patched:
        pass

    assert once(Patched, "_mlplatform_probe") is True
    assert once(Patched, "_mlplatform_probe") is False
    with pytest.raises(ValueError, match="_mlplatform_"):
        once(Patched, "probe")


def test_node_groups_without_ssh_report_no_remote_access(emulated_aws: LocalAws) -> None:
    # AWS returns no remoteAccess for a node group made without SSH access.
    eks = boto3.client("eks")
    role = "arn:aws:iam::123456789012:role/r"
    eks.create_cluster(name="c", roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1"]})
    eks.create_nodegroup(clusterName="c", nodegroupName="n", nodeRole=role, subnets=["subnet-1"])
    group = eks.describe_nodegroup(clusterName="c", nodegroupName="n")["nodegroup"]
    assert "remoteAccess" not in group or not group["remoteAccess"]


def test_a_retried_call_is_named_in_the_emulators_log(emulated_aws: LocalAws) -> None:
    # The werkzeug log shows only "POST /"; a retried write explains a refused deploy.
    assert emulated_aws.log_file is not None
    ssm = boto3.client("ssm")

    def second_attempt(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-request"] = "attempt=2; max=3"

    ssm.meta.events.register("before-send.ssm.PutParameter", second_attempt)
    ssm.put_parameter(Name="/retried", Value="v", Type="String")
    boto3.client("ssm").get_parameter(Name="/retried")  # a first attempt: not noted

    notes = [
        line
        for line in emulated_aws.log_file.read_text().splitlines()
        if line.startswith(RETRY_NOTE)
    ]
    assert notes[-1] == f"{RETRY_NOTE}: AmazonSSM.PutParameter (attempt 2)"
    assert not any("GetParameter" in note for note in notes)
