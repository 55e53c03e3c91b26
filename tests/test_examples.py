"""The README's team-repo example synthesizes, owns no platform resource, and passes guardrails."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from cdktf import App

from mlplatform.loader import load_team_config
from tests.conftest import ROOT


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def synth_example(tmp_path: Path) -> dict[str, Any]:
    example = load_example("team_feature_pipeline")
    app = App(outdir=str(tmp_path))
    example.FeaturePipelineStack(app, load_team_config(ROOT / "examples" / "team.yaml"))
    app.synth()  # raises if a guardrail fails
    result: dict[str, Any] = json.loads(
        (tmp_path / "stacks" / "dev-ranking-features" / "cdk.tf.json").read_text()
    )
    return result


def _parameter(document: dict[str, Any], reference: str) -> str:
    """The SSM parameter name behind ``${data.aws_ssm_parameter.<id>.insecure_value}``."""
    name = reference.removeprefix("${data.aws_ssm_parameter.").removesuffix(".insecure_value}")
    parameter: str = document["data"]["aws_ssm_parameter"][name]["name"]
    return parameter


def test_team_stack_references_the_platform_lake_without_owning_it(tmp_path: Path) -> None:
    document = synth_example(tmp_path)

    assert set(document["resource"]) == {"aws_iam_role", "aws_iam_role_policy"}
    # What it reads of the lake: the key and the two zones it uses, from the contract.
    assert {p["name"] for p in document["data"]["aws_ssm_parameter"].values()} == {
        "/mlp/dev/platform/data/key-arn",
        "/mlp/dev/platform/data/zones/raw/bucket-arn",
        "/mlp/dev/platform/data/zones/features/bucket-arn",
    }
    assert document["terraform"]["backend"]["s3"]["key"] == "teams/ranking/dev/features.tfstate"
    (role,) = document["resource"]["aws_iam_role"].values()
    assert role["name"] == "mlp-dev-ranking-pipeline"
    (tags,) = document["provider"]["aws"][0]["default_tags"]
    assert tags["tags"]["team"] == "ranking"
    assert tags["tags"]["cost-center"] == "ranking-ml"


def test_team_role_reads_raw_and_writes_features_only(tmp_path: Path) -> None:
    document = synth_example(tmp_path)

    policies = {
        p["name"]: json.loads(p["policy"])
        for p in document["resource"]["aws_iam_role_policy"].values()
    }
    read = policies["platform-lake-read-raw"]["Statement"]
    write = policies["platform-lake-write-features"]["Statement"]
    read_objects = next(s for s in read if s["Sid"] == "ReadLakeObjects")
    (raw,) = read_objects["Resource"]
    assert raw.endswith("}/*")
    assert _parameter(document, raw.removesuffix("/*")) == (
        "/mlp/dev/platform/data/zones/raw/bucket-arn"
    )
    write_objects = next(s for s in write if s["Sid"] == "WriteLakeObjects")
    (features,) = write_objects["Resource"]
    assert _parameter(document, features.removesuffix("/*")) == (
        "/mlp/dev/platform/data/zones/features/bucket-arn"
    )
    decrypt = next(s for s in read if s["Sid"] == "DecryptLakeObjects")
    (key,) = decrypt["Resource"]
    assert _parameter(document, key) == "/mlp/dev/platform/data/key-arn"


def test_public_api_is_listed_and_lazy() -> None:
    import subprocess

    import mlplatform

    assert sorted(mlplatform.__all__) == sorted(mlplatform._EXPORTS)
    for name in mlplatform.__all__:
        assert getattr(mlplatform, name) is not None
    # Importing the package for its config and loader must not load the AWS bindings.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mlplatform; mlplatform.EnvironmentLoader; print('cdktf' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"
