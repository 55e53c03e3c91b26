"""Saving the emulator's state under a name and putting it back (mlplatform.emulator.snapshots).

Against the emulator's server process, through boto3, as a test or a user would use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

from mlplatform.cli import app
from mlplatform.emulator.local_aws import LocalAws


def _clients(emulator: LocalAws) -> dict[str, Any]:
    return {
        name: boto3.client(name, endpoint_url=emulator.endpoint, region_name="us-east-1")
        for name in ("s3", "ec2", "ssm", "kms", "application-autoscaling")
    }


def test_a_restore_brings_back_every_service_as_it_was(emulated_aws: LocalAws) -> None:
    c: dict[str, Any] = _clients(emulated_aws)
    s3, ec2, ssm, kms = c["s3"], c["ec2"], c["ssm"], c["kms"]
    s3.create_bucket(Bucket="kept-bucket")
    s3.put_object(Bucket="kept-bucket", Key="model.tar.gz", Body=b"weights")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    ssm.put_parameter(Name="/mlp/kept", Value="v1", Type="String")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    emulated_aws.snapshot("deployed")

    s3.delete_object(Bucket="kept-bucket", Key="model.tar.gz")
    s3.create_bucket(Bucket="later-bucket")
    ec2.delete_vpc(VpcId=vpc)
    ssm.put_parameter(Name="/mlp/kept", Value="v2", Type="String", Overwrite=True)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    c["sqs"] = boto3.client("sqs", endpoint_url=emulated_aws.endpoint, region_name="us-east-1")
    c["sqs"].create_queue(QueueName="first-used-after-the-save")

    for _ in range(2):  # a snapshot can be restored again: the restore gives out a copy
        emulated_aws.restore("deployed")
        buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
        assert buckets == {"kept-bucket"}
        body = s3.get_object(Bucket="kept-bucket", Key="model.tar.gz")["Body"].read()
        assert body == b"weights"
        assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"] == "10.4.0.0/16"
        parameter = ssm.get_parameter(Name="/mlp/kept")["Parameter"]
        assert (parameter["Value"], parameter["Version"]) == ("v1", 1)
        assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
        assert c["sqs"].list_queues().get("QueueUrls", []) == []
        s3.put_object(Bucket="kept-bucket", Key="model.tar.gz", Body=b"overwritten")


def test_the_emulators_own_tables_come_back_with_moto_state(emulated_aws: LocalAws) -> None:
    """The emulator's side tables (here a scalable target's tags, which moto does not keep)
    hang on moto's objects, so a restore brings them back too."""
    scaling = _clients(emulated_aws)["application-autoscaling"]
    target = scaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ranker/variant/blue",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=2,
        Tags={"team": "ranking"},
    )["ScalableTargetARN"]
    emulated_aws.snapshot("tagged")
    scaling.tag_resource(ResourceARN=target, Tags={"team": "search"})

    emulated_aws.restore("tagged")

    assert scaling.list_tags_for_resource(ResourceARN=target)["Tags"] == {"team": "ranking"}


def test_an_unknown_snapshot_is_refused_naming_the_saved_ones(emulated_aws: LocalAws) -> None:
    emulated_aws.snapshot("known")
    with pytest.raises(LookupError, match=r"no emulator snapshot named 'unknown' \(saved: .*known"):
        emulated_aws.restore("unknown")
    with pytest.raises(ValueError, match="a name is 1 to 64 letters"):
        emulated_aws.snapshot("no/slashes")


def test_the_cli_saves_and_restores_the_running_emulator(
    emulated_aws: LocalAws, tmp_path: Path
) -> None:
    """``mlplatform emulator snapshot|restore NAME`` on the emulator ``make up`` recorded."""
    state_file = tmp_path / "emulator.json"
    emulated_aws.save(state_file)  # what `mlplatform emulator start` records
    s3 = _clients(emulated_aws)["s3"]
    s3.create_bucket(Bucket="deployed-bucket")

    def cli(*args: str) -> Result:
        return CliRunner().invoke(app, ["emulator", *args, "--state-file", str(state_file)])

    saved = cli("snapshot", "deployed")
    assert saved.exit_code == 0, saved.output
    assert f"saved the emulator at {emulated_aws.endpoint} as 'deployed'" in saved.output
    s3.delete_bucket(Bucket="deployed-bucket")

    restored = cli("restore", "deployed")
    assert restored.exit_code == 0, restored.output
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["deployed-bucket"]

    unknown = cli("restore", "nothing-by-this-name")
    assert unknown.exit_code == 2
    assert "no emulator snapshot named 'nothing-by-this-name'" in unknown.output
    assert "Traceback" not in unknown.output

    state_file.unlink()
    stopped = cli("restore", "deployed")
    assert stopped.exit_code == 2 and "no emulator is running" in stopped.output
