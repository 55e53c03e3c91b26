"""The synthesized ``<env>-cluster`` stacks: each pool's provisioner, pinned releases, valid objects.

The helm provider cannot be installed here, so ``terraform validate`` does not
cover this layer (``tests/test_validate.py`` says so); these tests do, with the
objects of the very construct that synthesized each stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdktf import (
    DefaultTokenResolver,
    Fn,
    StringConcat,
    TerraformStack,
    TerraformVariable,
    Testing,
    Token,
    Tokenization,
)
from constructs import Construct

from mlplatform.config import ClusterLayerProps, EnvironmentConfig
from mlplatform.constructs.gpu_provisioning import GpuProvisioning
from mlplatform.decisions.scheduling import gpu_pool_labels, gpu_pool_taints
from mlplatform.decisions.team_access import TeamNodes
from mlplatform.errors import ConstructError
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from mlplatform.stacks.platform_stacks import PlatformStacks
from tests.cluster_schemas import admission_denials, unknown_value_keys, validate_manifest

REAL = ["dev", "staging", "prod"]
# Stand-ins for values only AWS knows (subnet ids, ARNs), with the form the schemas expect.
PLACEHOLDERS = {
    "subnetSelectorTerms": "subnet-0123456789abcdef0",
    "securityGroupSelectorTerms": "sg-0123456789abcdef0",
}


def _environment(platform_app: PlatformApp, name: str) -> PlatformStacks:
    (found,) = [e for e in platform_app.environments if e.config.environment == name]
    return found


def _concrete(value: Any, context: str = "") -> Any:
    """``value`` with each unresolved token replaced by a placeholder of the right form."""
    if isinstance(value, dict):
        return {k: _concrete(v, k if k in PLACEHOLDERS else context) for k, v in value.items()}
    if isinstance(value, list):
        return [_concrete(v, context) for v in value]
    if isinstance(value, str) and Token.is_unresolved(value):
        return PLACEHOLDERS.get(context, "token-from-the-compute-layer")
    return value


def _document(synthesized: Path, environment: str) -> dict[str, Any]:
    path = synthesized / f"{environment}-cluster" / "cdk.tf.json"
    return dict(json.loads(path.read_text()))


def test_only_environments_with_the_cluster_layer_on_get_a_cluster_stack(
    synthesized: Path, platform_app: PlatformApp
) -> None:
    for environment in platform_app.environments:
        name = environment.config.environment
        expected = environment.config.compute is not None and (
            environment.config.compute.cluster_layer.enabled
        )
        assert (synthesized / f"{name}-cluster").is_dir() is expected, name
    local = _environment(platform_app, "local")
    # The emulator has no Kubernetes API; the AWS side of Karpenter still deploys there.
    assert local.cluster is None
    assert local.compute is not None and local.compute.karpenter is not None


@pytest.mark.parametrize("environment", REAL)
def test_every_object_the_cluster_layer_installs_is_valid_for_its_pinned_schema(
    platform_app: PlatformApp, environment: str
) -> None:
    stacks = _environment(platform_app, environment)
    assert stacks.cluster is not None and stacks.config.compute is not None
    karpenter = stacks.config.compute.cluster_layer.karpenter

    manifests = stacks.cluster.gpu_provisioning.manifests
    for manifest in manifests:
        validate_manifest(_concrete(manifest), karpenter=karpenter)
    kinds = [m["kind"] for m in manifests]
    pools = len(stacks.config.compute.gpu_pools)
    assert (kinds.count("NodePool"), kinds.count("EC2NodeClass")) == (pools, pools)


@pytest.mark.parametrize("environment", REAL)
def test_each_pool_in_the_file_and_its_provisioner_agree(
    platform_app: PlatformApp, environment: str
) -> None:
    stacks = _environment(platform_app, environment)
    config: EnvironmentConfig = stacks.config
    assert stacks.cluster is not None and stacks.compute is not None and config.compute
    assert stacks.compute.karpenter is not None
    objects = {
        (m["kind"], m["metadata"]["name"]): m for m in stacks.cluster.gpu_provisioning.manifests
    }
    for name, props in config.compute.gpu_pools.items():
        pool = stacks.compute.gpu_pools[name]
        node_pool = objects["NodePool", name]["spec"]
        node_class = objects["EC2NodeClass", name]["spec"]
        template = node_pool["template"]
        requirements = {r["key"]: r["values"] for r in template["spec"]["requirements"]}
        accelerator = props.accelerators[0]

        assert template["metadata"]["labels"] == gpu_pool_labels(name, props.accelerators)
        assert [(t["key"], t["value"], t["effect"]) for t in template["spec"]["taints"]] == [
            (t.key, t.value, t.effect) for t in gpu_pool_taints(props.accelerators)
        ]
        assert requirements["node.kubernetes.io/instance-type"] == list(props.instance_types)
        assert requirements["karpenter.sh/capacity-type"] == [
            {"spot": "spot", "on_demand": "on-demand"}[props.capacity]
        ]
        assert requirements.get("topology.kubernetes.io/zone", []) == list(props.availability_zones)
        assert node_pool["limits"] == {
            "nodes": str(props.max_nodes),
            accelerator.resource_name: str(props.max_nodes * accelerator.count),
        }
        assert node_pool["disruption"]["consolidationPolicy"] == "WhenEmpty"
        # The node class launches into what the compute layer made for this pool.
        assert template["spec"]["nodeClassRef"]["name"] == name
        assert [t["id"] for t in node_class["subnetSelectorTerms"]] == list(pool.subnet_ids)
        assert node_class.get("placementGroupSelector") == (
            {"name": pool.placement_group_name} if pool.placement_group_name else None
        )
        assert node_class["instanceProfile"] == stacks.compute.karpenter.instance_profile_name
        assert node_class["tags"]["mlplatform/pool"] == name
        assert node_class["tags"]["env"] == environment
        assert node_class["tags"]["Name"] == f"mlp-{environment}-gpu-{name}"


@pytest.mark.parametrize("environment", REAL)
def test_releases_are_pinned_atomic_and_installed_in_order(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    config = loader.load(environment)
    assert config.compute is not None
    pins = config.compute.cluster_layer
    releases = {
        r["name"]: r
        for r in _document(synthesized, environment)["resource"]["helm_release"].values()
    }

    assert releases["karpenter-crd"]["version"] == pins.karpenter
    assert releases["karpenter"]["version"] == pins.karpenter
    assert releases["karpenter"]["skip_crds"] is True
    assert "helm_release.gpu-provisioning_karpenter-crd" in " ".join(
        releases["karpenter"]["depends_on"]
    )
    assert any("karpenter_" in d for d in releases["gpu-pools"]["depends_on"])
    for release in releases.values():
        assert release["atomic"] is True and release["cleanup_on_fail"] is True
        assert release["wait"] is True
    # The pools' objects come from the chart shipped in the package, copied beside the stack.
    chart = Path(synthesized / f"{environment}-cluster" / releases["gpu-pools"]["chart"])
    assert (chart / "Chart.yaml").is_file() and (chart / "templates" / "manifests.yaml").is_file()


@pytest.mark.parametrize("environment", REAL)
def test_every_chart_value_exists_in_the_pinned_chart(
    platform_app: PlatformApp, environment: str
) -> None:
    stacks = _environment(platform_app, environment)
    assert stacks.cluster is not None
    for chart in stacks.cluster.gpu_provisioning.charts:
        if chart.values:
            assert unknown_value_keys(chart.chart, chart.version, _concrete(chart.values)) == []


def test_prod_installs_the_efa_plugin_for_its_efa_pool_and_no_nvidia_plugin(
    synthesized: Path,
) -> None:
    # prod's pools run Bottlerocket (NVIDIA plugin included); training has EFA.
    releases = {
        r["name"] for r in _document(synthesized, "prod")["resource"]["helm_release"].values()
    }

    assert releases == {"karpenter-crd", "karpenter", "gpu-pools", "aws-efa-k8s-device-plugin"}


def test_helm_reaches_the_cluster_with_a_short_lived_eks_token(synthesized: Path) -> None:
    (provider,) = _document(synthesized, "prod")["provider"]["helm"]
    kubernetes = provider["kubernetes"]

    assert kubernetes["exec"]["command"] == "aws"
    assert kubernetes["exec"]["args"][:2] == ["eks", "get-token"]
    assert "token" not in kubernetes and "config_path" not in kubernetes


def test_an_environment_without_gpu_pools_gets_no_karpenter_and_no_cluster_layer(
    loader: EnvironmentLoader, tmp_path: Path
) -> None:
    dev = loader.load("dev")
    assert dev.compute is not None
    without_pools = dev.model_copy(
        update={"compute": dev.compute.model_copy(update={"gpu_pools": {}})}
    )

    app = PlatformApp([without_pools], outdir=str(tmp_path))
    (stacks,) = app.environments

    assert stacks.compute is not None and stacks.compute.karpenter is None
    assert stacks.cluster is None
    assert [s.layer for s in stacks.stacks] == ["network", "data", "compute", "ml"]


def test_a_teams_node_class_may_use_the_clusters_subnets_and_security_group_only(
    platform_app: PlatformApp,
) -> None:
    """dev registers ranking: its policy, as the cluster stack builds it, lists every private
    subnet of the network layer and the cluster security group (tokens here, one value each
    once applied) and admits a node class in them, not one beside them."""
    stacks = _environment(platform_app, "dev")
    assert stacks.cluster is not None and stacks.compute is not None
    assert stacks.compute.karpenter is not None
    cluster = stacks.compute.cluster
    subnets = list(cluster.placement.private_subnet_ids)
    group = cluster.cluster_security_group_id
    assert subnets and group is not None
    # Values once applied, by the attribute each token reads (a reference read twice is two
    # tokens).
    scope = stacks.cluster

    def resolved(token: str) -> str:
        """The attribute ``token`` reads, as one key whether the cluster stack reads it through
        a cross-stack output or (before synth) from the resource itself."""
        expression = Tokenization.resolve(
            token, scope=scope, preparing=False, resolver=DefaultTokenResolver(StringConcat())
        )
        return re.sub("[^A-Za-z0-9]", "", str(expression)).split("crossstackoutput")[-1]

    applied = {resolved(t): f"subnet-{i}" for i, t in enumerate(subnets)}
    applied[resolved(group)] = "sg-cluster"
    applied[resolved(stacks.compute.karpenter.instance_profile_name)] = "mlp-dev-karpenter-node"
    [policy] = [
        m
        for m in stacks.cluster.gpu_provisioning.manifests
        if m["kind"] == "ValidatingAdmissionPolicy" and m["metadata"]["name"].endswith("ranking")
    ]
    policy_text = json.dumps(policy)
    tokens = set(re.findall(r"\$\{TfToken\[TOKEN\.\d+\]\}", policy_text))
    assert sorted(applied[resolved(t)] for t in tokens) == sorted(applied.values())
    for token in tokens:
        policy_text = policy_text.replace(token, applied[resolved(token)])
    assert not Token.is_unresolved(policy_text)
    [node_class] = [
        m for m in stacks.cluster.gpu_provisioning.manifests if m["kind"] == "EC2NodeClass"
    ][:1]
    team_class = _concrete(node_class)
    team_class["metadata"]["name"] = "ranking-training"
    team_class["spec"].pop("placementGroupSelector", None)
    team_class["spec"]["instanceProfile"] = "mlp-dev-karpenter-node"
    team_class["spec"]["securityGroupSelectorTerms"] = [{"id": "sg-cluster"}]
    request = {
        "operation": "CREATE",
        "name": "ranking-training",
        "resource": {"group": "karpenter.k8s.aws", "version": "v1", "resource": "ec2nodeclasses"},
        "userInfo": {"username": "ranking-deploy", "groups": ["mlplatform:team:ranking"]},
    }

    def denials(subnet_ids: list[str]) -> list[str] | None:
        team_class["spec"]["subnetSelectorTerms"] = [{"id": s} for s in subnet_ids]
        return admission_denials(json.loads(policy_text), request, team_class)

    assert denials([f"subnet-{i}" for i in range(len(subnets))]) == []
    assert denials(["subnet-0", "subnet-elsewhere"]) == [
        "a team's EC2NodeClass selects by id only the cluster's private subnets and the "
        "cluster security group, and no capacity reservation"
    ]


def _provisioning(scope: Construct, **teams: Any) -> GpuProvisioning:
    return GpuProvisioning(
        scope,
        "gpu-provisioning",
        versions=ClusterLayerProps(),
        region="us-east-1",
        cluster_name="mlp-dev",
        interruption_queue="mlp-dev-karpenter",
        controller_role_arn="arn:aws:iam::111111111111:role/karpenter",
        system_nodes=2,
        pools={},
        job_accounts={},
        **teams,
    )


def test_a_subnet_list_known_only_at_apply_stands_in_the_policy_as_terraform_joins_it(
    tmp_path: Path,
) -> None:
    stack = TerraformStack(Testing.app(outdir=str(tmp_path)), "cluster")
    subnets = Token.as_list(Fn.split(",", TerraformVariable(stack, "subnets").string_value))
    _provisioning(
        stack,
        teams=["ranking"],
        team_nodes=TeamNodes("mlp-dev-karpenter-node", subnets, ["sg-1"]),
    )

    synthesized = Testing.synth(stack)

    assert """t.id in ['${join(\\"', '\\", split(\\",\\", var.subnets))}']""" in synthesized
    assert "t.id in ['sg-1']" in synthesized


def test_teams_without_the_nodes_they_are_held_to_are_refused(tmp_path: Path) -> None:
    stack = TerraformStack(Testing.app(outdir=str(tmp_path)), "cluster")

    with pytest.raises(ConstructError, match="teams ranking need team_nodes"):
        _provisioning(stack, teams=["ranking"])
