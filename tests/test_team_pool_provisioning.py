"""A team's GPU pool gets Karpenter nodes: GpuPoolProvisioning's release, objects and refusals.

The helm provider cannot be installed here, so ``terraform validate`` does not
cover the release (as for the platform's ``<env>-cluster`` layer,
tests/test_cluster_stack.py); the objects are checked against the pinned
Karpenter CRDs and Kubernetes schemas instead, and the synthesized JSON for
what Terraform gets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack, Token

from mlplatform import (
    ComputeCluster,
    ConstructError,
    GpuPoolProps,
    GpuPoolProvisioning,
    GpuTrainingPool,
    MlplatformError,
    TeamConfig,
    TeamStack,
)
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import ClusterLayerProps
from mlplatform.decisions.device_plugins import device_plugin_charts
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.karpenter import karpenter_controller_policy
from mlplatform.decisions.scheduling import gpu_pool_labels, gpu_pool_taints
from mlplatform.interfaces import VpcPlacement
from mlplatform.loader import EnvironmentLoader
from tests.cluster_schemas import validate_manifest

TEAM: dict[str, Any] = {
    "platform": {
        "org": "mlp",
        "environment": "dev",
        "region": "us-east-1",
        "account_id": "111111111111",
    },
    "team": {"name": "ranking", "cost_center": "ranking-ml", "owners": ["ranking@example.com"]},
}
SPOT = GpuPoolProps(
    instance_types=("g6e.2xlarge", "g6e.4xlarge"),
    capacity="spot",
    max_nodes=4,
    job_namespace="ranking",
)
PINNED = GpuPoolProps.model_validate(
    {
        "instance_types": ["g6e.2xlarge"],
        "max_nodes": 2,
        "availability_zones": ["us-east-1b"],
        "placement_group": True,
        "job_namespace": "ranking-batch",
    }
)
CONTRACT = "/mlp/dev/platform/"


def team_config(**platform: Any) -> TeamConfig:
    return TeamConfig.model_validate({**TEAM, "platform": {**TEAM["platform"], **platform}})


def _team(
    config: TeamConfig | None = None, outdir: Path | None = None
) -> tuple[App, TeamStack, Any]:
    app = App(outdir=str(outdir)) if outdir else App()
    stack = TeamStack(app, config or team_config(), "training")
    return app, stack, ComputeCluster.from_environment(stack, "cluster")


def _document(outdir: Path, stack: TeamStack) -> dict[str, Any]:
    path = outdir / "stacks" / stack.node.id / "cdk.tf.json"
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _parameter(document: dict[str, Any], expression: str) -> str:
    """The SSM parameter name a ``data.aws_ssm_parameter.<id>.insecure_value`` reads."""
    source = expression.split("data.aws_ssm_parameter.", 1)[1].split(".", 1)[0]
    name: str = document["data"]["aws_ssm_parameter"][source]["name"]
    return name


@pytest.fixture(scope="module")
def provisioned(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GpuPoolProvisioning, dict[str, Any]]:
    outdir = tmp_path_factory.mktemp("team-pools")
    app, stack, cluster = _team(outdir=outdir)
    spot = GpuTrainingPool(stack, "train", cluster=cluster, props=SPOT)
    pinned = GpuTrainingPool(stack, "pinned", cluster=cluster, props=PINNED)
    pools = GpuPoolProvisioning(stack, "pools", cluster=cluster, pools=[spot, pinned])
    app.synth()
    return pools, _document(outdir, stack)


def _objects(pools: GpuPoolProvisioning) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m["kind"], m["metadata"]["name"]): m for m in pools.manifests}


def _concrete(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with stand-ins of the right form for what only the plan knows."""

    placeholders = {
        "subnetSelectorTerms": "subnet-0123456789abcdef0",
        "securityGroupSelectorTerms": "sg-0123456789abcdef0",
    }

    def walk(value: Any, context: str = "") -> Any:
        if context == "subnetSelectorTerms" and not isinstance(value, (list, dict, str)):
            return [{"id": placeholders[context]}]  # a Terraform for expression
        if isinstance(value, dict):
            return {k: walk(v, k if k in placeholders else context) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, context) for v in value]
        if isinstance(value, str) and Token.is_unresolved(value):
            return placeholders.get(context, "token-from-the-contract")
        return value

    result: dict[str, Any] = walk(manifest)
    return result


def test_one_atomic_release_of_the_shipped_chart_holds_only_the_teams_objects(
    provisioned: tuple[GpuPoolProvisioning, dict[str, Any]],
) -> None:
    pools, document = provisioned
    (release,) = document["resource"]["helm_release"].values()
    assert release["name"] == pools.release_name == "ranking-training-gpu-pools"
    # The team's namespace, which the platform makes (decisions.team_access): Helm keeps the
    # release's records there, where the team's deploy may read secrets, and nowhere else.
    assert release["namespace"] == "ranking"
    assert (release["atomic"], release["cleanup_on_fail"], release["wait"]) == (True, True, True)
    assert release["chart"].startswith("assets/pools_manifests-chart_")
    assert "repository" not in release and "version" not in release
    assert sorted(_objects(pools)) == [
        ("EC2NodeClass", "ranking-pinned"),
        ("EC2NodeClass", "ranking-train"),
        ("Namespace", "ranking-batch"),
        ("NodePool", "ranking-pinned"),
        ("NodePool", "ranking-train"),
        ("ServiceAccount", "pinned-jobs"),
        ("ServiceAccount", "train-jobs"),
    ]
    for manifest in pools.manifests:
        validate_manifest(_concrete(manifest), karpenter=ClusterLayerProps().karpenter)


def test_node_pools_match_the_pools_config_under_team_names(
    provisioned: tuple[GpuPoolProvisioning, dict[str, Any]],
) -> None:
    pools, _ = provisioned
    objects = _objects(pools)
    for pool in pools.pools:
        name, props = pool.node_pool_name, pool.props
        assert name == f"ranking-{pool.name}"
        spec = objects["NodePool", name]["spec"]
        template = spec["template"]
        assert template["metadata"]["labels"] == pool.labels
        assert pool.labels == gpu_pool_labels(name, props.accelerators)
        assert pool.labels["mlplatform/pool"] == name
        assert [(t["key"], t["value"], t["effect"]) for t in template["spec"]["taints"]] == [
            (t.key, t.value, t.effect) for t in gpu_pool_taints(props.accelerators)
        ]
        requirements = {r["key"]: r["values"] for r in template["spec"]["requirements"]}
        assert requirements["node.kubernetes.io/instance-type"] == list(props.instance_types)
        assert requirements.get("topology.kubernetes.io/zone", []) == list(props.availability_zones)
        accelerator = props.accelerators[0]
        assert spec["limits"] == {
            "nodes": str(props.max_nodes),
            accelerator.resource_name: str(props.max_nodes * accelerator.count),
        }
        assert template["spec"]["nodeClassRef"]["name"] == name
        account = objects["ServiceAccount", pool.job_service_account]["metadata"]
        assert account["namespace"] == pool.job_namespace
        assert account["labels"]["mlplatform/pool"] == name
        assert account["annotations"] == {"eks.amazonaws.com/role-arn": pool.job_role_arn}
    spot = objects["NodePool", "ranking-train"]["spec"]["template"]["spec"]["requirements"]
    assert {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]} in spot


def test_nodes_carry_the_teams_cost_tags_and_launch_where_the_contract_says(
    provisioned: tuple[GpuPoolProvisioning, dict[str, Any]],
) -> None:
    pools, document = provisioned
    node_class = _objects(pools)["EC2NodeClass", "ranking-train"]["spec"]
    assert node_class["tags"] == {
        "env": "dev",
        "team": "ranking",
        "cost-center": "ranking-ml",
        "owners": "ranking@example.com",
        "component": "training",
        "managed-by": "mlplatform",
        "mlplatform/pool": "ranking-train",
        "Name": "mlp-dev-ranking-gpu-train",
    }
    (release,) = document["resource"]["helm_release"].values()
    [values] = release["values"]
    # In the release's values, the node class reads the contract's profile and security group.
    profile = re.search(r'"instanceProfile" = (data[^,]+),', values)
    assert profile and _parameter(document, profile[1]) == (
        CONTRACT + "compute/karpenter/instance-profile-name"
    )
    group = re.search(r'"securityGroupSelectorTerms" = \[\{"id" = (data[^}]+)\}', values)
    assert group and _parameter(document, group[1]) == (
        CONTRACT + "compute/cluster-security-group-id"
    )
    # Every zone's subnet, as many as the contract lists: a for expression at plan time.
    assert 'for key, val in toset(split(",", data.aws_ssm_parameter.' in values
    assert "{ id = val }" in values
    pinned = _objects(pools)["EC2NodeClass", "ranking-pinned"]["spec"]
    assert pinned["placementGroupSelector"] == {
        "name": pools.pools[1].placement_group_name,
    }
    [subnet] = pinned["subnetSelectorTerms"]  # the pinned zone's one subnet
    assert Token.is_unresolved(subnet["id"])
    placement_groups = document["resource"]["aws_placement_group"].values()
    assert [g["name"] for g in placement_groups] == ["mlp-dev-ranking-gpu-pinned"]


def test_helm_reaches_the_cluster_as_the_platforms_layer_does_from_the_contract(
    provisioned: tuple[GpuPoolProvisioning, dict[str, Any]],
    synthesized: Path,
) -> None:
    _, document = provisioned
    [provider] = document["provider"]["helm"]
    kubernetes = provider["kubernetes"]
    assert _parameter(document, kubernetes["host"]) == CONTRACT + "compute/cluster-endpoint"
    ca = kubernetes["cluster_ca_certificate"]
    assert ca.startswith("${base64decode(data.aws_ssm_parameter.")
    assert _parameter(document, ca) == CONTRACT + "compute/cluster-certificate-authority"
    args = kubernetes["exec"]["args"]
    assert _parameter(document, args[3]) == CONTRACT + "compute/cluster-name"
    # The same provider set-up as the platform's own dev-cluster layer, value for value.
    platform = json.loads((synthesized / "dev-cluster" / "cdk.tf.json").read_text())
    [theirs] = platform["provider"]["helm"]
    assert sorted(theirs["kubernetes"]) == sorted(kubernetes)
    assert theirs["kubernetes"]["exec"]["command"] == kubernetes["exec"]["command"] == "aws"
    assert [a for i, a in enumerate(theirs["kubernetes"]["exec"]["args"]) if i != 3] == [
        a for i, a in enumerate(args) if i != 3
    ]
    assert theirs["kubernetes"]["cluster_ca_certificate"].startswith("${base64decode(")


def test_a_platform_without_karpenter_fails_the_plan_with_a_reason_before_helm(
    provisioned: tuple[GpuPoolProvisioning, dict[str, Any]],
) -> None:
    _, document = provisioned
    sources = document["data"]["aws_ssm_parameter"].values()
    [profile] = [s for s in sources if s["name"].endswith("karpenter/instance-profile-name")]
    [check] = profile["lifecycle"]["precondition"]
    assert _parameter(document, check["condition"]) == CONTRACT + "compute/cluster-layer"
    assert check["condition"].endswith('.insecure_value == "enabled")}')
    assert "does not run Karpenter" in check["error_message"]
    assert "GpuPoolProvisioning 'pools'" in check["error_message"]


def test_a_team_the_platform_does_not_register_fails_the_plan_naming_the_setting(
    provisioned: tuple[GpuPoolProvisioning, dict[str, Any]],
) -> None:
    _, document = provisioned
    sources = document["data"]["aws_ssm_parameter"].values()
    [teams] = [s for s in sources if s["name"].endswith("compute/team-deployers")]
    [check] = teams["lifecycle"]["precondition"]
    assert check["condition"].startswith('${contains(split(",", ')
    assert check["condition"].endswith('.insecure_value), "ranking")}')
    assert _parameter(document, check["condition"]) == CONTRACT + "compute/team-deployers"
    assert "does not let team ranking install GPU pools" in check["error_message"]
    assert "compute.cluster.team_deployers.ranking in dev.yaml" in check["error_message"]


def test_on_the_emulator_provisioning_is_an_explicit_no_op(tmp_path: Path) -> None:
    app, stack, cluster = _team(team_config(emulator=True, account_id=None), tmp_path)
    pool = GpuTrainingPool(stack, "train", cluster=cluster, props=SPOT)
    pools = GpuPoolProvisioning(stack, "pools", cluster=cluster, pools=[pool])
    app.synth()

    assert pools.skipped is not None and "no Kubernetes API" in pools.skipped
    assert pools.manifests == [] and pools.release is None and pools.helm_provider is None
    document = _document(tmp_path, stack)
    assert "helm" not in document.get("provider", {})
    assert "helm_release" not in document["resource"]
    read = {s["name"] for s in document["data"]["aws_ssm_parameter"].values()}
    assert not [n for n in read if "karpenter" in n or "certificate" in n]
    # The pool's AWS side still deploys: its job role.
    assert document["resource"]["aws_iam_role"]
    assert stack.unprovisioned_pools() == []


def test_a_team_pool_without_provisioning_is_named_at_synth(tmp_path: Path) -> None:
    app, stack, cluster = _team(outdir=tmp_path)
    GpuTrainingPool(stack, "forgotten", cluster=cluster, props=SPOT)
    app.synth()

    assert stack.unprovisioned_pools() == ["dev-ranking-training/forgotten"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    warnings = [a["message"] for a in manifest["stacks"][stack.node.id]["annotations"]]
    assert any(
        "GPU pool dev-ranking-training/forgotten: no GpuPoolProvisioning" in w for w in warnings
    )


def _refusal(build: Any) -> str:
    with pytest.raises(ConstructError) as refused:
        build()
    assert isinstance(refused.value, MlplatformError)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_bad_input_is_one_line_naming_the_construct_the_pool_and_the_fix() -> None:
    _, stack, cluster = _team()

    def provision(*pools: GpuTrainingPool, id: str = "pools", on: Any = cluster) -> None:
        GpuPoolProvisioning(stack, id, cluster=on, pools=list(pools))

    shared = GpuTrainingPool(
        stack,
        "shared",
        cluster=cluster,
        props=SPOT.model_copy(update={"job_namespace": "training"}),
    )
    assert _refusal(lambda: provision(shared)) == (
        "GpuPoolProvisioning 'pools': GPU pool 'shared' runs its jobs in namespace 'training', "
        "which is not the team's; set job_namespace: ranking (or ranking-<name>) in its props"
    )
    efa = GpuTrainingPool(
        stack,
        "efa",
        cluster=cluster,
        props=GpuPoolProps.model_validate(
            {
                "instance_types": ["p5.48xlarge"],
                "max_nodes": 2,
                "efa": True,
                "availability_zones": ["us-east-1a"],
                "job_namespace": "ranking",
            }
        ),
    )
    assert "needs the efa device plugin, which the platform runs only on its own pools' nodes" in (
        _refusal(lambda: provision(efa))
    )
    al2023 = GpuTrainingPool(
        stack,
        "al2023",
        cluster=cluster,
        props=SPOT.model_copy(update={"ami_family": "al2023"}),
    )
    assert "leave ami_family unset" in _refusal(lambda: provision(al2023))
    assert "pools is empty" in _refusal(lambda: provision())
    assert "id 'my pools'" in _refusal(lambda: provision(id="my pools"))

    good = GpuTrainingPool(stack, "good", cluster=cluster, props=SPOT)
    elsewhere = TeamStack(stack.node.scope, team_config(), "other")  # type: ignore[arg-type]
    explicit = ComputeCluster.from_cluster_name(
        elsewhere,
        "explicit",
        naming=elsewhere.naming,
        cluster_name="mlp-dev-eks",
        oidc_provider_arn="arn:aws:iam::111111111111:oidc-provider/x",
        oidc_issuer_url="https://x",
        node_role_arn="arn:aws:iam::111111111111:role/x",
        placement=VpcPlacement("vpc-1", "10.0.0.0/16", ("subnet-1",), ("us-east-1a",), "pl-1"),
    )
    assert "from ComputeCluster.from_environment" in _refusal(
        lambda: GpuPoolProvisioning(elsewhere, "pools", cluster=explicit, pools=[good])
    )
    provision(good)
    assert "already has a GpuPoolProvisioning; list every pool in that one" in _refusal(
        lambda: provision(good, id="more")
    )


def test_only_a_team_stack_provisions_and_only_its_own_pools(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    plain = TerraformStack(app, "plain")
    AwsProvider(plain, "aws", region="us-east-1")
    platform_named = GpuTrainingPool(
        plain,
        "experiments",
        cluster=ComputeCluster.from_cluster_name(
            plain,
            "cluster",
            naming=Naming("mlp", "dev"),
            cluster_name="mlp-dev-eks",
            oidc_provider_arn="arn:aws:iam::111111111111:oidc-provider/x",
            oidc_issuer_url="https://x",
            node_role_arn="arn:aws:iam::111111111111:role/x",
            placement=VpcPlacement("vpc-1", "10.0.0.0/16", ("subnet-1",), ("us-east-1a",), "pl-1"),
        ),
        props=SPOT,
    )
    # A platform pool keeps its bare name, which no team's pool can have.
    assert platform_named.node_pool_name == "experiments"
    _, stack, cluster = _team()
    assert "build it in a TeamStack" in _refusal(
        lambda: GpuPoolProvisioning(plain, "pools", cluster=cluster, pools=[platform_named])
    )
    assert "is named 'experiments' in the cluster, not ranking-experiments" in _refusal(
        lambda: GpuPoolProvisioning(stack, "pools", cluster=cluster, pools=[platform_named])
    )


def test_the_platforms_device_plugins_do_not_reach_team_nodes(loader: EnvironmentLoader) -> None:
    """Why a team pool that needs a plugin is refused: the platform's plugins select its own
    pools by label (NVIDIA, EFA) or by its pools' instance types (Neuron)."""
    config = loader.load("dev")
    assert config.compute is not None
    pools = {
        name: props.model_copy(update={"ami_family": "al2023", "efa": props.efa})
        for name, props in config.compute.gpu_pools.items()
    }
    charts = {
        c.release: c.values for c in device_plugin_charts(pools, ClusterLayerProps(), "us-east-1")
    }
    nvidia = charts["nvidia-device-plugin"]["affinity"]["nodeAffinity"]
    [term] = nvidia["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    [expression] = term["matchExpressions"]
    assert expression["key"] == "mlplatform/pool"
    assert sorted(expression["values"]) == sorted(config.compute.gpu_pools)
    assert not [v for v in expression["values"] if v.startswith("ranking-")]


def test_karpenters_policy_allows_what_a_team_node_class_asks_for() -> None:
    """Team subnets, security group and placement group are the account's; the instance
    profile is the one the contract names; tags at creation are free besides the cluster's
    ownership tags, which Karpenter adds itself (so the team's cost tags pass)."""
    policy = karpenter_controller_policy(
        partition="aws",
        region="us-east-1",
        account_id="111111111111",
        cluster_name="mlp-dev-eks",
        cluster_arn="arn:aws:eks:us-east-1:111111111111:cluster/mlp-dev-eks",
        queue_arn="arn:aws:sqs:us-east-1:111111111111:q",
        node_role_arn="arn:aws:iam::111111111111:role/mlp-dev-karpenter-node",
        instance_profile_arn="arn:aws:iam::111111111111:instance-profile/mlp-dev-karpenter-node",
    )
    statements = {s["Sid"]: s for s in policy["Statement"]}
    launch = statements["LaunchFromImagesSubnetsAndSecurityGroups"]
    prefix = "arn:aws:ec2:us-east-1:111111111111:"
    for kind in ("subnet", "security-group", "placement-group"):
        assert f"{prefix}{kind}/*" in launch["Resource"]
    assert "Condition" not in launch
    tagging = statements["TagAtCreation"]["Condition"]
    assert not [k for k in tagging.get("ForAllValues:StringEquals", {}) if k == "aws:TagKeys"]
    assert statements["ReadTheNodeInstanceProfile"]["Resource"].endswith(
        "instance-profile/mlp-dev-karpenter-node"
    )
