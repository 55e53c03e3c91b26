"""A team repo's view: reference a registry by its names, add a trainer and an endpoint.

This is the issue's example, written the way a ranking team would in its own
repository: ``ModelRegistry.from_names`` (the explicit, names-based importer,
for a registry outside the platform contract; tests/test_team_stack.py has the
contract-based one) in a fresh stack, a publish
grant for the team's training role, and a ``ServingEndpoint`` reading from the
registry. The registry itself belongs to the platform, so nothing of it may be
created here, and every name must match what the platform's ``<env>-ml`` stack made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdktf import App, TerraformStack, Testing

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import ServingEndpointProps
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import DataCaptureDestination
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "333333333333"
ARTIFACTS = f"mlp-prod-registry-artifacts-{ACCOUNT}"
REGISTRY_RESOURCES = (
    "aws_s3_bucket",
    "aws_dynamodb_table",
    "aws_ecr_repository",
    "aws_ecr_lifecycle_policy",
    "aws_sagemaker_model_package_group",
    "aws_kms_key",
    "aws_kms_alias",
)


def _team_stack(
    outdir: Path, *, region: str | None = "us-east-1", account: str | None = ACCOUNT
) -> dict[str, Any]:
    """The ranking team's stack, synthesized."""
    app = Testing.app(outdir=str(outdir))
    stack = TerraformStack(app, "ranking-team")
    AwsProvider(stack, "aws", region="us-east-1")
    registry = ModelRegistry.from_names(
        stack,
        "registry",
        naming=Naming.for_environment(EnvironmentLoader(ROOT / "environments").load("prod")),
        model_families=["ranker"],
        region=region,
        account_id=account,
    )
    trainer = IamRole(
        stack, "trainer", name="ranking-trainer", assume_role_policy=json.dumps({"Statement": []})
    )
    registry.grant_publish(trainer)
    ServingEndpoint(
        stack,
        "ranker-v2",
        registry=registry,
        props=ServingEndpointProps.model_validate(
            {
                "model_package_group": "ranker",
                "instance_type": "ml.g5.xlarge",
                "min_instances": 2,
                "max_instances": 20,
                "target_invocations_per_instance": 800,
                "data_capture_percent": 10,
                "variants": [{"name": "v3", "model_version": 3, "image_tag": "2.0.1"}],
            }
        ),
        data_capture=DataCaptureDestination(
            bucket_name="ranking-team-captures",
            bucket_arn="arn:aws:s3:::ranking-team-captures",
            key_arn=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/team",
        ),
    )
    result: dict[str, Any] = json.loads(Testing.synth(stack))
    return result


def _resources(synth: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list(synth.get("resource", {}).get(kind, {}).values())


def _grants_of(synth: dict[str, Any], role_name_ref: str) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for policy in _resources(synth, "aws_iam_role_policy"):
        if policy["role"] != role_name_ref:
            continue
        for statement in json.loads(policy["policy"])["Statement"]:
            actions = statement["Action"]
            resources = statement["Resource"]
            for action in actions if isinstance(actions, list) else [actions]:
                grants.setdefault(action, set()).update(
                    resources if isinstance(resources, list) else [resources]
                )
    return grants


def test_importing_the_registry_creates_none_of_it(tmp_path: Path) -> None:
    synth = _team_stack(tmp_path)

    for kind in REGISTRY_RESOURCES:
        assert not _resources(synth, kind), f"the team stack created a {kind}"
    # The only lookup: the registry key, by its alias.
    [alias] = synth["data"]["aws_kms_alias"].values()
    assert alias["name"] == "alias/mlp-prod-registry"


def test_the_team_endpoint_serves_from_the_platform_registry_by_name(tmp_path: Path) -> None:
    synth = _team_stack(tmp_path)

    [model] = _resources(synth, "aws_sagemaker_model")
    assert model["primary_container"]["model_data_url"] == (
        f"s3://{ARTIFACTS}/ranker/3/model.tar.gz"
    )
    # <account>.dkr.ecr.<region>.<partition's DNS suffix>/<repository>:<tag>
    image = model["primary_container"]["image"]
    assert image.startswith(f'${{join("", ["{ACCOUNT}", ".dkr.ecr.", "us-east-1", ".", ')
    assert image.endswith('"/", "mlp-prod-registry-ranker"])}:2.0.1')
    [endpoint] = _resources(synth, "aws_sagemaker_endpoint")
    assert endpoint["name"] == "mlp-prod-serving-ranker-v2"


def test_the_team_trainer_may_publish_and_the_endpoint_may_only_read(tmp_path: Path) -> None:
    synth = _team_stack(tmp_path)
    arn = _arn_prefix(synth)

    trainer = _grants_of(synth, "${aws_iam_role.trainer.name}")
    assert trainer["s3:PutObject"] == {f"{arn}:s3:::{ARTIFACTS}/ranker/*"}
    assert trainer["dynamodb:PutItem"] == {
        f"{arn}:dynamodb:us-east-1:{ACCOUNT}:table/mlp-prod-registry-models"
    }
    assert trainer["ecr:PutImage"] == {
        f"{arn}:ecr:us-east-1:{ACCOUNT}:repository/mlp-prod-registry-ranker"
    }

    role = next(n for n in synth["resource"]["aws_iam_role"] if "execution-role" in n)
    reader = _grants_of(synth, f"${{aws_iam_role.{role}.name}}")
    assert reader["s3:GetObject"] == {f"{arn}:s3:::{ARTIFACTS}/ranker/*"}
    assert reader["ecr:BatchGetImage"] == {
        f"{arn}:ecr:us-east-1:{ACCOUNT}:repository/mlp-prod-registry-ranker"
    }
    assert "ecr:PutImage" not in reader
    assert not [a for a in reader if a.startswith("dynamodb:")]
    assert reader["s3:PutObject"] == {"arn:aws:s3:::ranking-team-captures/data-capture/ranker-v2/*"}


def test_without_region_and_account_the_provider_supplies_them(tmp_path: Path) -> None:
    synth = _team_stack(tmp_path, region=None, account=None)

    assert synth["data"]["aws_region"]
    assert synth["data"]["aws_caller_identity"]
    [model] = _resources(synth, "aws_sagemaker_model")
    assert "data.aws_caller_identity" in model["primary_container"]["image"]


def test_imported_names_match_what_the_platform_creates(tmp_path: Path) -> None:
    config = EnvironmentLoader(ROOT / "environments").load("prod")
    PlatformApp([config], outdir=str(tmp_path)).synth()
    platform = json.loads((tmp_path / "stacks" / "prod-ml" / "cdk.tf.json").read_text())
    team = _team_stack(tmp_path / "team")

    def names(synth: dict[str, Any], kind: str, field: str) -> set[str]:
        return {r[field] for r in _resources(synth, kind)}

    assert names(platform, "aws_s3_bucket", "bucket") >= {ARTIFACTS}
    assert names(platform, "aws_dynamodb_table", "name") == {"mlp-prod-registry-models"}
    assert names(platform, "aws_ecr_repository", "name") == {"mlp-prod-registry-ranker"}
    assert {a["name"] for a in _resources(platform, "aws_kms_alias")} >= {"alias/mlp-prod-registry"}
    # ...and the team stack uses exactly those names.
    [model] = _resources(team, "aws_sagemaker_model")
    assert ARTIFACTS in model["primary_container"]["model_data_url"]
    assert "mlp-prod-registry-ranker" in model["primary_container"]["image"]


def test_a_team_stack_synthesizes_into_an_app(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "team")
    AwsProvider(stack, "aws", region="us-east-1")
    registry = ModelRegistry.from_names(
        stack, "registry", naming=Naming("mlp", "dev"), model_families=["ranker"]
    )
    ServingEndpoint(
        stack,
        "ranker",
        registry=registry,
        props=ServingEndpointProps.model_validate(
            {
                "model_package_group": "ranker",
                "serverless": {},
                "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
            }
        ),
    )

    app.synth()

    assert (tmp_path / "stacks" / "team" / "cdk.tf.json").is_file()


def _arn_prefix(synth: dict[str, Any]) -> str:
    """``arn:<partition>`` as the imported registry spells it (the stack looks it up once)."""
    [name] = [n for n in synth["data"]["aws_partition"] if n.startswith("account-context_")]
    return f"arn:${{data.aws_partition.{name}.partition}}"
