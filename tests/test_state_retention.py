"""Stateful resources survive ``terraform destroy`` unless the environment opts out by name.

What a user relies on: every bucket, key, table, cluster, repository, model
package group and Glue database of a real environment carries
``prevent_destroy``; guardrail MLP-RET-1 fails synth on one that does not;
``local`` stays destroyable; a real environment opts out only with a reason;
and terraform itself then refuses the destroy (shown against the emulator).
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import App, LocalBackend, TerraformStack, Testing

from mlplatform.bindings.aws.glue_catalog_database import GlueCatalogDatabase
from mlplatform.bindings.aws.provider import (
    AwsProvider,
    AwsProviderDefaultTags,
    AwsProviderEndpoints,
)
from mlplatform.bindings.aws.s3_bucket import S3Bucket
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.retention import STATEFUL_RESOURCE_TYPES
from mlplatform.emulator.local_aws import EMULATOR_ACCESS_KEY, LocalAws
from mlplatform.guardrails.stack_check import GuardedStack
from mlplatform.loader import ConfigError, EnvironmentLoader
from tests.conftest import ENVIRONMENTS, GUARDED_TAGS, stack_dirs, terraform_in

BAD = "environments/bad.yaml"


def _resources(stack_dir: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    resources: dict[str, dict[str, Any]] = document.get("resource", {})
    return resources


def _stateful(stacks: Path, environment: str) -> dict[str, dict[str, Any]]:
    """``{address: config}`` of every stateful resource of one environment's stacks."""
    return {
        f"{stack.name}:{kind}.{name}": config
        for stack in stack_dirs(stacks, environment)
        for kind, named in _resources(stack).items()
        if kind in STATEFUL_RESOURCE_TYPES
        for name, config in named.items()
    }


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_stateful_resource_of_a_real_environment_refuses_destroy(
    synthesized: Path, environment: str
) -> None:
    stateful = _stateful(synthesized, environment)

    unprotected = [
        address
        for address, config in stateful.items()
        if config.get("lifecycle", {}).get("prevent_destroy") is not True
    ]
    assert unprotected == []
    # Every kind the platform calls stateful is there to protect (prod runs every layer).
    if environment == "prod":
        kinds = {address.split(":")[1].split(".")[0] for address in stateful}
        assert kinds == set(STATEFUL_RESOURCE_TYPES)


def test_local_stays_destroyable(synthesized: Path) -> None:
    stateful = _stateful(synthesized, "local")

    assert stateful, "local has stateful resources to destroy"
    assert [a for a, c in stateful.items() if "lifecycle" in c] == []


def test_protection_keeps_the_constructs_own_lifecycle_settings(stack: TerraformStack) -> None:
    bucket = S3Bucket(stack, "b", bucket="b", lifecycle={"ignore_changes": ["tags"]})
    StateRetention.protect(bucket)

    (config,) = json.loads(Testing.synth(stack))["resource"]["aws_s3_bucket"].values()

    assert config["lifecycle"] == {"ignore_changes": ["tags"], "prevent_destroy": True}


def test_a_stack_that_opts_out_by_name_may_be_destroyed(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = GuardedStack(app, "sandbox")
    AwsProvider(
        stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=GUARDED_TAGS)]
    )
    StateRetention.opt_out(stack, "sandbox account, rebuilt from scratch every night")
    catalog = GlueCatalogDatabase(stack, "scratch", name="scratch")
    StateRetention.protect(catalog)

    app.synth()  # the guardrails pass: MLP-RET-1 is suppressed with the reason

    document = json.loads((tmp_path / "stacks" / "sandbox" / "cdk.tf.json").read_text())
    assert "lifecycle" not in document["resource"]["aws_glue_catalog_database"]["scratch"]
    with pytest.raises(ValueError, match="needs a reason"):
        StateRetention.opt_out(stack, " ")


def test_an_unprotected_stateful_resource_fails_synth_with_the_rule_id(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = GuardedStack(app, "team")
    AwsProvider(stack, "aws", region="us-east-1")
    S3Bucket(stack, "naked", bucket="naked")

    with pytest.raises(RuntimeError) as caught:
        app.synth()

    assert (
        "MLP-RET-1: Stateful resources cannot be destroyed by terraform (prevent_destroy). "
        "aws_s3_bucket.naked (team/naked) can be destroyed"
    ) in str(caught.value)


# ----------------------------------------------------------------------------- config


def _dev_with_retention(**retention: Any) -> str:
    data = copy.deepcopy(yaml.safe_load((ENVIRONMENTS / "dev.yaml").read_text(encoding="utf-8")))
    data["retention"] = retention
    return yaml.safe_dump(data, sort_keys=False)


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(text, BAD)
    (line,) = str(caught.value).splitlines()
    return line


def test_a_real_environment_cannot_drop_protection_without_a_reason() -> None:
    assert _error(_dev_with_retention(prevent_destroy=False)) == (
        f"{BAD}: retention.prevent_destroy: false would let terraform destroy this "
        "environment's buckets, keys, tables and cluster; remove the line (default true), or "
        "add retention.opt_out_reason saying why this environment may be destroyed"
    )


def test_a_real_environment_opts_out_with_a_reason() -> None:
    config = EnvironmentLoader.parse(
        _dev_with_retention(prevent_destroy=False, opt_out_reason="sandbox, rebuilt nightly")
    )

    assert config.retention.opt_out_reason == "sandbox, rebuilt nightly"


def test_a_reason_without_an_opt_out_is_refused() -> None:
    line = _error(_dev_with_retention(opt_out_reason="sandbox, rebuilt nightly"))

    assert line.startswith(f"{BAD}: retention.opt_out_reason: given, but prevent_destroy is on")


def test_protection_is_on_unless_the_file_says_otherwise(loader: EnvironmentLoader) -> None:
    assert EnvironmentConfig.model_fields["retention"].default.prevent_destroy is True
    for name in ("dev", "staging", "prod"):
        assert loader.load(name).retention.prevent_destroy is True
    assert loader.load("local").retention.prevent_destroy is False


# ------------------------------------------------------------------ terraform refuses


def test_terraform_refuses_to_destroy_a_protected_bucket(
    tmp_path: Path, terraform_env: dict[str, str], emulated_aws: LocalAws
) -> None:
    """Deploy one protected bucket into the emulator; ``terraform destroy`` must refuse."""
    emulator = emulated_aws
    app = App(outdir=str(tmp_path / "out"))
    stack = TerraformStack(app, "kept")
    # The state stays in the test's directory (cdktf's default is terraform.kept.tfstate in
    # the working directory: the repository root).
    LocalBackend(stack, path=str(tmp_path / "kept.tfstate"))
    AwsProvider(
        stack,
        "aws",
        region="us-east-1",
        access_key=EMULATOR_ACCESS_KEY,
        secret_key=EMULATOR_ACCESS_KEY,
        skip_credentials_validation=True,
        skip_requesting_account_id=True,
        skip_metadata_api_check="true",
        s3_use_path_style=True,
        endpoints=[AwsProviderEndpoints(s3=emulator.endpoint, sts=emulator.endpoint)],
    )
    StateRetention.protect(S3Bucket(stack, "kept", bucket="kept-by-prevent-destroy"))
    app.synth()
    workdir = tmp_path / "out" / "stacks" / "kept"

    terraform = terraform_in(workdir, terraform_env)

    assert terraform("init").returncode == 0
    applied = terraform("apply", "-auto-approve")
    assert applied.returncode == 0, applied.stderr
    destroyed = terraform("destroy", "-auto-approve")

    assert destroyed.returncode != 0
    assert "Instance cannot be destroyed" in destroyed.stderr
    assert "aws_s3_bucket.kept" in destroyed.stderr
    listed = subprocess.run(
        ["terraform", "state", "list"],
        cwd=workdir,
        env=terraform_env,
        capture_output=True,
        text=True,
    )
    assert listed.stdout.split() == ["aws_s3_bucket.kept"]
