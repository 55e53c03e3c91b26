"""scripts/bootstrap_state_backend.py against moto: what it creates, and what it refuses to do."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.server import ThreadedMotoServer

from mlplatform.config import EnvironmentConfig
from mlplatform.loader import EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ROOT / "environments"
MOTO_ACCOUNT = "123456789012"


def _load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py``: scripts are not a package, but their classes are the API."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bootstrap = _load_script("bootstrap_state_backend")


def dev_config(*, region: str = "us-east-1", account: str = MOTO_ACCOUNT) -> EnvironmentConfig:
    """dev.yaml, moved to ``region`` and to ``account`` (moto's account unless told otherwise)."""
    text = (ENVIRONMENTS / "dev.yaml").read_text(encoding="utf-8")
    text = text.replace("us-east-1", region).replace("111111111111", account)
    return EnvironmentLoader.parse(text)


def local_config() -> EnvironmentConfig:
    return EnvironmentLoader(ENVIRONMENTS).load("local")


def factory(region: str) -> Any:
    """Plain clients: mock_aws intercepts them in-process, no endpoint needed."""
    return lambda service: boto3.client(service, region_name=region)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 must never find, let alone use, real credentials."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def run(config: EnvironmentConfig) -> list[str]:
    result: list[str] = bootstrap.StateBackendBootstrap(config, factory(config.region)).run()
    return result


def test_bucket_has_every_security_setting(aws: None) -> None:
    config = dev_config()
    bucket = config.state_backend.bucket

    lines = run(config)

    assert f"state bucket {bucket}: created" in lines
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" not in rule["ApplyServerSideEncryptionByDefault"]
    assert rule["BucketKeyEnabled"] is True
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    deny = next(s for s in policy["Statement"] if "aws:SecureTransport" in json.dumps(s))
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(deny["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}


def test_no_lock_table_is_made_terraform_locks_in_the_bucket(aws: None) -> None:
    config = dev_config()

    lines = run(config)

    assert lines == [f"state bucket {config.state_backend.bucket}: created"]
    assert boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"] == []


def test_second_run_finds_everything_and_changes_nothing(aws: None) -> None:
    config = dev_config()
    run(config)

    lines = run(config)

    assert lines == [f"state bucket {config.state_backend.bucket}: already exists"]
    assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == [
        config.state_backend.bucket
    ]


def test_rerun_puts_back_a_setting_changed_by_hand(aws: None) -> None:
    config = dev_config()
    bucket = config.state_backend.bucket
    run(config)
    s3 = boto3.client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_policy(Bucket=bucket)

    run(config)

    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=bucket)["Policy"]


def test_other_region_gets_a_location_constraint(aws: None) -> None:
    config = dev_config(region="eu-west-1")

    lines = run(config)

    assert lines[0].endswith("created")
    s3 = boto3.client("s3", region_name="eu-west-1")
    location = s3.get_bucket_location(Bucket=config.state_backend.bucket)["LocationConstraint"]
    assert location == "eu-west-1"
    assert run(config)[0].endswith("already exists")


def test_bucket_in_another_region_is_refused(aws: None) -> None:
    config = dev_config(region="eu-west-1")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=config.state_backend.bucket)

    with pytest.raises(bootstrap.BootstrapError, match="exists in region us-east-1"):
        run(config)


def test_emulator_state_bucket_has_no_policy_moto_would_misread(aws: None) -> None:
    # moto ignores policy conditions: a TLS-only Deny would deny the state reads themselves.
    run(local_config())

    s3 = boto3.client("s3")
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket="mlp-local-tfstate")
    encryption = s3.get_bucket_encryption(Bucket="mlp-local-tfstate")
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_wrong_account_is_refused_before_anything_is_created(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # dev.yaml expects 111111111111; moto's credentials belong to 123456789012.
    code = bootstrap.main(["dev", "--environments", str(ENVIRONMENTS)])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "111111111111" in err
    assert MOTO_ACCOUNT in err
    assert boto3.client("s3").list_buckets()["Buckets"] == []
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []


def test_emulator_environment_needs_an_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    code = bootstrap.main(["local", "--environments", str(ENVIRONMENTS)])

    assert code == 2
    err = capsys.readouterr().err
    assert "deploys into the emulator; pass --endpoint-url or run make up" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("org: mlp\nenvironmnt: dev\n", "environmnt: unknown key"),
        ("org: [unclosed\n", "invalid YAML"),
    ],
)
def test_bad_environment_file_is_one_error_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")

    code = bootstrap.main([str(path)])

    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert lines and all(line.startswith(f"error: {path}: ") for line in lines)
    assert any(expected in line for line in lines)


def test_missing_environment_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code = bootstrap.main(["nope", "--environments", str(ENVIRONMENTS)])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "file not found" in err and "local" in err


def test_cli_bootstraps_the_emulator_over_http(capsys: pytest.CaptureFixture[str]) -> None:
    """The `make up` path: a moto server, --endpoint-url, the emulator's dummy credentials."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        argv = ["local", "--environments", str(ENVIRONMENTS), "--endpoint-url", endpoint]

        assert bootstrap.main(argv) == 0
        assert capsys.readouterr().out.splitlines() == ["state bucket mlp-local-tfstate: created"]
        assert bootstrap.main(argv) == 0
        assert capsys.readouterr().out.splitlines() == [
            "state bucket mlp-local-tfstate: already exists"
        ]
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        assert s3.get_bucket_versioning(Bucket="mlp-local-tfstate")["Status"] == "Enabled"
    finally:
        server.stop()
