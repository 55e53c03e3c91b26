"""The team-repo examples synthesize, own no platform resource, and pass guardrails.

examples/: the README's feature pipeline (lake grants), a training stack (a GPU
pool on the platform's cluster publishing to its registry) and a serving stack
(an endpoint reading the platform's online features).
"""

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


PLATFORM_OWNED = (
    "aws_eks_cluster",
    "aws_iam_openid_connect_provider",
    "aws_s3_bucket",
    "aws_kms_key",
    "aws_dynamodb_table",
    "aws_ecr_repository",
    "aws_sagemaker_model_package_group",
)


def _policies(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each inline role policy's statements, by the policy's name."""
    return {
        p["name"]: json.loads(p["policy"])["Statement"]
        for p in document["resource"]["aws_iam_role_policy"].values()
    }


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        action = statement["Action"]
        actions |= {action} if isinstance(action, str) else set(action)
    return actions


def synth_team_example(tmp_path: Path, name: str, stack_class: str, stack: str) -> dict[str, Any]:
    """Synthesize one team example from examples/team.yaml; raises if a guardrail fails."""
    example = load_example(name)
    app = App(outdir=str(tmp_path))
    getattr(example, stack_class)(app, load_team_config(ROOT / "examples" / "team.yaml"))
    app.synth()
    result: dict[str, Any] = json.loads((tmp_path / "stacks" / stack / "cdk.tf.json").read_text())
    return result


def _reads(document: dict[str, Any]) -> set[str]:
    """The contract parameters the stack reads."""
    return {p["name"] for p in document["data"]["aws_ssm_parameter"].values()}


def _refers_to(text: str, document: dict[str, Any], parameter: str) -> bool:
    """Whether ``text`` holds the value of contract parameter ``parameter``."""
    ids = [k for k, p in document["data"]["aws_ssm_parameter"].items() if p["name"] == parameter]
    return any(f"data.aws_ssm_parameter.{i}.insecure_value" in text for i in ids)


def test_training_example_owns_its_pool_and_publishes_to_the_platform_registry(
    tmp_path: Path,
) -> None:
    document = synth_team_example(
        tmp_path, "team_training", "TrainingStack", "dev-ranking-training"
    )
    resources = document["resource"]

    for kind in PLATFORM_OWNED:
        assert kind not in resources, f"the team stack must not create {kind}"
    assert document["terraform"]["backend"]["s3"]["key"] == "teams/ranking/dev/training.tfstate"
    (job_role,) = resources["aws_iam_role"].values()
    assert job_role["name"].startswith("mlp-dev-ranking-")  # the team's names, not the platform's
    # The trust policy holds Terraform expressions over the contract (the issuer without its
    # scheme), so it is JSON only once Terraform renders it: read it as text.
    trust = job_role["assume_role_policy"]
    assert '"Action": "sts:AssumeRoleWithWebIdentity"' in trust
    assert "system:serviceaccount:ranking:training-jobs" in trust
    contract = "/mlp/dev/platform/compute/"
    assert _refers_to(trust, document, contract + "oidc-provider-arn")
    assert _refers_to(trust, document, contract + "oidc-issuer-url")
    assert "aws_placement_group" not in resources  # spot g6e without EFA needs none
    policies = _policies(document)
    (publish,) = [s for name, s in policies.items() if "publish" in name]
    assert {"s3:PutObject", "sagemaker:CreateModelPackage", "ecr:PutImage"} <= _actions(publish)
    published = json.dumps(publish)
    assert _refers_to(published, document, "/mlp/dev/platform/ml/registry/bucket-arn")
    assert _refers_to(
        published, document, "/mlp/dev/platform/ml/registry/families/ranker/repository-arn"
    )
    (read,) = [s for name, s in policies.items() if name == "platform-lake-read-features"]
    objects = next(s for s in read if s["Sid"] == "ReadLakeObjects")
    [objects_arn] = objects["Resource"]
    assert objects_arn.endswith("/*")
    assert _refers_to(objects_arn, document, "/mlp/dev/platform/data/zones/features/bucket-arn")
    # It reads only the lake zone it uses, never raw or curated.
    assert not any("/zones/raw/" in n or "/zones/curated/" in n for n in _reads(document))
    # The pool gets Karpenter nodes: one release of the team's objects, Helm on the contract.
    (release,) = resources["helm_release"].values()
    assert release["name"] == "ranking-training-gpu-pools"
    [values] = release["values"]
    for kind in ("NodePool", "EC2NodeClass"):
        assert f'"kind" = "{kind}", "metadata" = {{"name" = "ranking-training"' in values
    assert '"cost-center" = "ranking-ml"' in values
    [helm] = document["provider"]["helm"]
    assert _refers_to(helm["kubernetes"]["host"], document, contract + "cluster-endpoint")
    assert contract + "karpenter/instance-profile-name" in _reads(document)


def test_serving_example_owns_its_endpoint_and_reads_the_platform_features_online(
    tmp_path: Path,
) -> None:
    document = synth_team_example(tmp_path, "team_serving", "ServingStack", "dev-ranking-serving")
    resources = document["resource"]

    for kind in PLATFORM_OWNED:
        assert kind not in resources, f"the team stack must not create {kind}"
    (endpoint,) = resources["aws_sagemaker_endpoint"].values()
    # The team's own name: mlp-dev-serving-ranker is the platform's endpoint.
    assert endpoint["name"] == "mlp-dev-ranking-serving-reranker"
    (config,) = resources["aws_sagemaker_endpoint_configuration"].values()
    assert "serverless_config" in config["production_variants"][0]
    policies = _policies(document)
    (online,) = [s for name, s in policies.items() if "online" in name]
    assert {"dynamodb:GetItem", "dynamodb:BatchGetItem"} <= _actions(online)
    assert not {"dynamodb:PutItem", "dynamodb:DeleteItem"} & _actions(online)
    assert _refers_to(
        json.dumps(online), document, "/mlp/dev/platform/features/groups/ranker/online-table-name"
    )
    (read_model,) = [s for name, s in policies.items() if "read" in name and "online" not in name]
    assert _refers_to(json.dumps(read_model), document, "/mlp/dev/platform/ml/registry/bucket-arn")
