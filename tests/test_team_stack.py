"""TeamStack: a team's names, tags and state, the platform's guardrails, and the collision checks.

The last tests build a team stack that mixes every importer (reading the
platform contract) with a GPU pool, grants and a serving endpoint, and run
``terraform validate`` on it with the offline mirror's provider.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformOutput

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import GpuPoolProps, ServingEndpointProps, TeamConfig
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.feature_store import FeatureStore
from mlplatform.constructs.gpu_pool import GpuTrainingPool
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.network import Network
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions.naming import PLATFORM_COMPONENTS, PLATFORM_LAYERS
from mlplatform.decisions.policies import service_trust_policy
from mlplatform.errors import ConstructError
from mlplatform.loader import ConfigError, EnvironmentLoader, load_team_config
from mlplatform.stacks.platform_stack import PlatformStack
from mlplatform.stacks.team_stack import TeamStack
from tests.conftest import environment_names, stack_dirs
from tests.test_validate import SharedInit

TEAM: dict[str, dict[str, Any]] = {
    "platform": {
        "org": "mlp",
        "environment": "dev",
        "region": "us-east-1",
        "account_id": "111111111111",
    },
    "team": {"name": "ranking", "cost_center": "ranking-ml", "owners": ["ranking@example.com"]},
}


def team_config(**team: Any) -> TeamConfig:
    return TeamConfig.model_validate({**TEAM, "team": {**TEAM["team"], **team}})


def _document(outdir: Path, stack: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text())
    return document


def mixed_team_stack(outdir: Path, config: TeamConfig | None = None) -> TeamStack:
    """Every importer, a team GPU pool with lake, registry and feature grants, a serving
    endpoint reading from the platform's registry, and a Glue role."""
    app = App(outdir=str(outdir))
    stack = TeamStack(app, config or team_config(), "ml-apps")
    lake = DataLake.from_environment(stack, "lake")
    cluster = ComputeCluster.from_environment(stack, "cluster")
    registry = ModelRegistry.from_environment(stack, "registry")
    features = FeatureStore.from_environment(stack, "features", lake=lake)
    network = Network.from_environment(stack, "network")
    pool = GpuTrainingPool(
        stack,
        "trainer",
        cluster=cluster,
        props=GpuPoolProps(
            instance_types=("g6e.2xlarge", "g6e.4xlarge"), capacity="spot", max_nodes=2
        ),
    )
    # Pinned to a zone, with FSx scratch: the contract's zones and subnets are known at plan.
    pinned = GpuTrainingPool(
        stack,
        "pinned",
        cluster=cluster,
        props=GpuPoolProps.model_validate(
            {
                "instance_types": ["g6e.2xlarge"],
                "max_nodes": 1,
                "availability_zones": ["us-east-1b"],
                "fsx_scratch": {},
            }
        ),
        scratch_import_path=f"s3://{lake.bucket_name('features')}/train/",
    )
    TerraformOutput(stack, "pinned_subnets", value=pinned.subnet_ids)
    lake.grant_read(pool.job_role, ["raw", "curated"])
    lake.grant_write(pool.job_role, "features")
    registry.grant_publish(pool.job_role, "ranker")
    features.grant_materialize(pool.job_role, "ranker")
    ServingEndpoint(
        stack,
        "ranker",
        registry=registry,
        props=ServingEndpointProps.model_validate(
            {
                "model_package_group": "ranker",
                "instance_type": "ml.m5.large",
                "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
            }
        ),
        placement=network.placement(),
        alarm_topic_arn=stack.platform_value("ml/alarm-topic-arn"),
    )
    glue = IamRole(
        stack,
        "glue",
        name=stack.naming.iam("glue"),
        assume_role_policy=json.dumps(service_trust_policy("glue.amazonaws.com", "111111111111")),
    )
    features.grant_read_offline(glue, "ranker")
    TerraformOutput(stack, "pool_role", value=pool.job_role.arn)
    app.synth()
    return stack


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("team")
    mixed_team_stack(outdir)
    return outdir / "stacks" / "dev-ranking-ml-apps"


def test_a_team_stack_has_the_teams_tags_state_and_names(mixed: Path) -> None:
    document = json.loads((mixed / "cdk.tf.json").read_text())

    (provider,) = document["provider"]["aws"]
    assert provider["default_tags"] == [
        {
            "tags": {
                "env": "dev",
                "team": "ranking",
                "cost-center": "ranking-ml",
                "owners": "ranking@example.com",
                "component": "ml-apps",
                "managed-by": "mlplatform",
            }
        }
    ]
    assert provider["allowed_account_ids"] == ["111111111111"]
    backend = document["terraform"]["backend"]["s3"]
    assert backend["key"] == "teams/ranking/dev/ml-apps.tfstate"
    assert backend["bucket"] == "mlp-dev-tfstate-111111111111"
    assert backend["use_lockfile"] is True
    names = [
        r.get("name")
        for kind in document["resource"].values()
        for r in kind.values()
        if isinstance(r.get("name"), str) and r["name"].startswith("mlp-")
    ]
    assert names and all(n.startswith("mlp-dev-ranking-") for n in names), names


def test_a_team_endpoint_on_the_platform_registry_is_named_after_the_team(mixed: Path) -> None:
    resources = json.loads((mixed / "cdk.tf.json").read_text())["resource"]

    [endpoint] = resources["aws_sagemaker_endpoint"].values()
    # The platform's dev-ml owns mlp-dev-serving-ranker; the team's cannot collide with it.
    assert endpoint["name"] == "mlp-dev-ranking-serving-ranker"
    for kind in ("aws_s3_bucket", "aws_kms_key", "aws_eks_cluster", "aws_dynamodb_table"):
        assert kind not in resources, f"the team stack must not create {kind}"


def test_a_pool_pinned_to_a_zone_picks_its_subnet_from_the_contract_at_plan(mixed: Path) -> None:
    document = json.loads((mixed / "cdk.tf.json").read_text())

    subnets = document["output"]["pinned_subnets"]["value"]
    assert len(subnets) == 1
    assert subnets[0].startswith('${element(split(",", data.aws_ssm_parameter.')
    assert 'index(split(",", data.aws_ssm_parameter.' in subnets[0]
    assert subnets[0].endswith('"us-east-1b"))}')
    [scratch] = document["resource"]["aws_fsx_lustre_file_system"].values()
    assert scratch["subnet_ids"][0].startswith("${element(")


def test_a_mixed_team_stack_is_valid_terraform(
    mixed: Path, tmp_path: Path, terraform_env: dict[str, str]
) -> None:
    init = SharedInit(tmp_path / "init", [mixed], terraform_env)

    assert init.validate(mixed, terraform_env) == ""


def test_a_team_stack_keeps_the_guardrails(tmp_path: Path) -> None:
    from mlplatform.bindings.aws.s3_bucket import S3Bucket

    app = App(outdir=str(tmp_path))
    stack = TeamStack(app, team_config(), "buckets")
    S3Bucket(stack, "open", bucket=stack.naming.bucket("open"))

    # jsii carries the GuardrailError across as a RuntimeError with its message.
    with pytest.raises(RuntimeError, match="breaks guardrails:\n  MLP-S3-1"):
        app.synth()


@pytest.mark.parametrize("layer", PLATFORM_LAYERS)
def test_a_team_stack_named_like_a_platform_layer_fails_naming_both(layer: str) -> None:
    with pytest.raises(ValueError) as error:
        TeamStack(App(), team_config(), layer)

    message = str(error.value)
    assert "\n" not in message
    assert f"TeamStack {layer!r} reuses the platform's layer name {layer!r}" in message
    assert f"state dev/{layer}.tfstate" in message


@pytest.mark.parametrize(
    "team", ["serving", "datalake", "eks", "registry", "serving-ranker", "karpenter", "ml"]
)
def test_a_team_named_like_a_platform_component_fails_naming_both(team: str) -> None:
    with pytest.raises(ValueError) as error:
        TeamStack(App(), team_config(name=team), "apps")

    message = str(error.value)
    assert "\n" not in message
    assert f"team {team!r} would name its resources mlp-dev-{team}-" in message
    assert "like the platform's" in message and "choose another team name" in message


def test_a_platform_stack_from_a_team_config_fails() -> None:
    with pytest.raises(
        TypeError, match=r"PlatformStack 'ml': built from a team config \(team 'ranking'\)"
    ):
        PlatformStack(App(), team_config(), "ml")  # type: ignore[arg-type]


@pytest.mark.parametrize("layer", ["network", "data", "compute", "cluster", "ml"])
def test_a_bare_platform_stack_named_like_a_platform_layer_fails(
    loader: EnvironmentLoader, layer: str
) -> None:
    with pytest.raises(ConstructError) as error:
        PlatformStack(App(), loader.load("dev"), layer)

    message = str(error.value)
    assert "\n" not in message
    assert f"stack dev-{layer}, state dev/{layer}.tfstate" in message
    assert "TeamStack(app, team_config" in message


def test_a_team_stack_from_an_environment_config_fails(loader: EnvironmentLoader) -> None:
    with pytest.raises(TypeError, match="config is a EnvironmentConfig; a team stack is built"):
        TeamStack(App(), loader.load("dev"), "apps")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "importer",
    [
        lambda s, i: DataLake.from_environment(s, i),
        lambda s, i: ComputeCluster.from_environment(s, i),
        lambda s, i: ModelRegistry.from_environment(s, i),
        lambda s, i: FeatureStore.from_environment(s, i),
        lambda s, i: Network.from_environment(s, i),
    ],
)
def test_an_importer_id_terraform_rejects_fails_at_once_with_the_fix(importer: Any) -> None:
    stack = TeamStack(App(), team_config(), "apps")

    with pytest.raises(ValueError) as error:
        importer(stack, "platform lake")

    message = str(error.value)
    assert "\n" not in message
    assert re.search(r"\.from_environment id 'platform lake': Terraform names take", message)
    assert message.endswith("use 'platform-lake'")


def test_grants_without_a_zone_or_family_say_what_to_name() -> None:
    stack = TeamStack(App(), team_config(), "apps")
    role = IamRole(stack, "role", name=stack.naming.iam("role"), assume_role_policy="{}")

    with pytest.raises(
        ValueError, match=re.escape("name them (grant_read(role, 'raw')) or pass zones=")
    ):
        DataLake.from_environment(stack, "lake").grant_read(role)
    with pytest.raises(
        ValueError, match=re.escape("name the family (grant_publish(role, 'ranker'))")
    ):
        ModelRegistry.from_environment(stack, "registry").grant_publish(role)
    # Declared up front, a grant without a zone covers those zones.
    DataLake.from_environment(stack, "lake-2", zones=["raw", "curated"]).grant_read(role)


def test_a_team_file_error_is_one_line_naming_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "platform: {org: mlp, environment: dev, region: us-east-1}\n"
        "team: {name: Ranking, cost_center: x, owners: [a@example.com], colour: blue}\n"
    )

    with pytest.raises(ConfigError) as error:
        load_team_config(path)

    problems = str(error.value).splitlines()
    assert f"{path}: platform: account_id: required for a real AWS environment" in problems[0]
    assert any(p.startswith(f"{path}: team.name: ") for p in problems)
    assert any(
        p == f"{path}: team.colour: unknown key; allowed keys here: name, cost_center, owners"
        for p in problems
    ), problems


def test_the_example_team_file_loads() -> None:
    config = load_team_config(Path(__file__).resolve().parents[1] / "examples" / "team.yaml")

    assert config.platform.state_bucket_name == "mlp-dev-tfstate-111111111111"
    assert config.team.name == "ranking"


@pytest.mark.parametrize("environment", environment_names())
def test_every_platform_name_is_of_a_reserved_component(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    """What keeps PLATFORM_COMPONENTS from drifting: a new component must be added to it."""
    config = loader.load(environment)
    prefix = re.compile(rf"(?<![A-Za-z0-9])({config.org})[-_]({config.environment})[-_]([a-z0-9]+)")

    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    found: set[str] = set()
    for stack in stack_dirs(synthesized, environment):
        document = json.loads((stack / "cdk.tf.json").read_text())
        for text in strings(document.get("resource", {})):
            found.update(m.group(3) for m in prefix.finditer(text))
    assert found, "no platform names found: the pattern is wrong"
    assert sorted(found - PLATFORM_COMPONENTS) == []


def test_a_team_stack_on_the_emulator_finds_it_where_the_platform_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLPLATFORM_AWS_ENDPOINT", "http://127.0.0.1:45678")
    platform = {**TEAM["platform"], "emulator": True, "account_id": None}
    config = TeamConfig.model_validate({**TEAM, "platform": platform})
    app = App(outdir=str(tmp_path))
    stack = TeamStack(app, config, "jobs")
    app.synth()
    document = _document(tmp_path, stack.node.id)
    (provider,) = document["provider"]["aws"]
    assert set(provider["endpoints"][0].values()) == {"http://127.0.0.1:45678"}
    assert document["terraform"]["backend"]["s3"]["endpoints"]["s3"] == "http://127.0.0.1:45678"
    # Told explicitly, the stack does not look.
    told = App(outdir=str(tmp_path / "told"))
    TeamStack(told, config, "jobs", emulator_endpoint="http://127.0.0.1:1")
    told.synth()
    (provider,) = _document(tmp_path / "told", stack.node.id)["provider"]["aws"]
    assert set(provider["endpoints"][0].values()) == {"http://127.0.0.1:1"}
