"""The README's team-repo example synthesizes, owns no platform resource, and passes guardrails."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from cdktf import App

from mlplatform.loader import EnvironmentLoader
from tests.conftest import ROOT


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def synth_example(tmp_path: Path, loader: EnvironmentLoader) -> dict[str, Any]:
    example = load_example("team_feature_pipeline")
    app = App(outdir=str(tmp_path))
    example.FeaturePipelineStack(app, loader.load("dev"))
    app.synth()  # raises if a guardrail fails
    result: dict[str, Any] = json.loads(
        (tmp_path / "stacks" / "dev-ranking-features" / "cdk.tf.json").read_text()
    )
    return result


def test_team_stack_references_the_platform_lake_without_owning_it(
    tmp_path: Path, loader: EnvironmentLoader
) -> None:
    document = synth_example(tmp_path, loader)

    assert set(document["resource"]) == {"aws_iam_role", "aws_iam_role_policy"}
    (alias,) = document["data"]["aws_kms_alias"].values()
    assert alias["name"] == "alias/mlp-dev-datalake"
    assert document["terraform"]["backend"]["s3"]["key"] == "dev/ranking-features.tfstate"


def test_team_role_reads_raw_and_writes_features_only(
    tmp_path: Path, loader: EnvironmentLoader
) -> None:
    document = synth_example(tmp_path, loader)

    policies = {
        p["name"]: json.loads(p["policy"])
        for p in document["resource"]["aws_iam_role_policy"].values()
    }
    read = policies["platform-lake-read-raw"]["Statement"]
    write = policies["platform-lake-write-features"]["Statement"]
    read_objects = next(s for s in read if s["Sid"] == "ReadLakeObjects")
    assert read_objects["Resource"] == ["arn:aws:s3:::mlp-dev-datalake-raw-111111111111/*"]
    write_objects = next(s for s in write if s["Sid"] == "WriteLakeObjects")
    assert write_objects["Resource"] == ["arn:aws:s3:::mlp-dev-datalake-features-111111111111/*"]
    decrypt = next(s for s in read if s["Sid"] == "DecryptLakeObjects")
    (key,) = decrypt["Resource"]
    assert key.startswith("${data.aws_kms_alias.") and key.endswith(".target_key_arn}")

