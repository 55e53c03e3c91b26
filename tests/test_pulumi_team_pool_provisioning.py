"""A team's Pulumi program provisions its GPU pools as cdktf's ``GpuPoolProvisioning`` does.

The same team (``ranking``), the same two pools (one spread over every zone, one pinned to a
zone with a placement group) and the same platform contract (the values the
cdktf-synthesized ``dev`` platform writes): the Pulumi ``GpuPoolProvisioning`` installs the
release cdktf's installs, name, chart, namespace, install settings and values (every
manifest) compared field by field after both are normalised, through a kubernetes provider
built from the contract as the cdktf Helm provider is. It refuses what cdktf's refuses, with
the same line (the team's scope named ``TeamLayer`` instead of ``TeamStack``), fails the
preview on a platform without Karpenter and installs nothing on the emulator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack

from mlplatform.config import EnvironmentConfig, GpuPoolProps, TeamConfig
from mlplatform.constructs.compute_cluster import ComputeCluster as CdktfComputeCluster
from mlplatform.constructs.gpu_pool import GpuTrainingPool as CdktfGpuTrainingPool
from mlplatform.constructs.gpu_pool_provisioning import (
    GpuPoolProvisioning as CdktfGpuPoolProvisioning,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.team_pools import unprovisioned_pool_warning
from mlplatform.errors import ConstructError
from mlplatform.interfaces import VpcPlacement
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import GpuPoolProvisioning, Layer, Recorder, Recording, TeamLayer
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.normalise import Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values
from mlplatform.stacks.team_stack import TeamStack
from tests.test_contract import team_config_for

STACK = "dev-ranking-training"
RELEASE = "ranking-training-gpu-pools"
CONTRACT = "/mlp/dev/platform/"
# The pools are pinned to zones: cdktf then picks each zone's subnet with element(...) over
# the contract's lists, which the comparison evaluates (an unpinned pool's subnets are a
# Terraform for expression over the whole list: the last test).
SPOT = GpuPoolProps(
    instance_types=("g6e.2xlarge", "g6e.4xlarge"),
    capacity="spot",
    max_nodes=4,
    # Not in lexical order: the node class lists the zones' subnets in this order.
    availability_zones=("us-east-1b", "us-east-1a"),
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
POOLS = {"train": SPOT, "pinned": PINNED}


def cdktf_document(
    outdir: Path, config: TeamConfig, pools: dict[str, GpuPoolProps] = POOLS
) -> tuple[CdktfGpuPoolProvisioning, dict[str, Any]]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, config, "training")
    cluster = CdktfComputeCluster.from_environment(stack, "cluster")
    built = [CdktfGpuTrainingPool(stack, n, cluster=cluster, props=p) for n, p in pools.items()]
    provisioning = CdktfGpuPoolProvisioning(stack, "pools", cluster=cluster, pools=built)
    app.synth()
    document: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return provisioning, document


def team_program(
    config: TeamConfig,
    built: list[GpuPoolProvisioning],
    pools: dict[str, GpuPoolProps] = POOLS,
) -> None:
    layer = TeamLayer(config, "training")
    cluster = ComputeCluster.from_environment(layer, "cluster")
    made = [GpuTrainingPool(layer, layer, n, cluster=cluster, props=p) for n, p in pools.items()]
    built.append(GpuPoolProvisioning(layer, "pools", cluster=cluster, pools=made))


@pytest.fixture(scope="module")
def dev(loader: EnvironmentLoader) -> EnvironmentConfig:
    return loader.load("dev")


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, dev: EnvironmentConfig, platform: dict[str, str]
) -> tuple[Normalised, Normalised, Recording, list[GpuPoolProvisioning]]:
    config = team_config_for(dev)
    _, document = cdktf_document(tmp_path_factory.mktemp("team-pools"), config)
    built: list[GpuPoolProvisioning] = []
    recording = Recorder.run(partial(team_program, config, built), parameters=platform)
    return (
        from_cdktf({STACK: document}, parameters=platform),
        from_pulumi(recording),
        recording,
        built,
    )


def test_the_release_is_cdktfs_setting_by_setting_and_manifest_by_manifest(
    both: tuple[Normalised, Normalised, Recording, list[GpuPoolProvisioning]],
    platform: dict[str, str],
) -> None:
    cdktf, pulumi, _, (provisioning,) = both
    assert provisioning.release_name == RELEASE and provisioning.skipped is None
    theirs = cdktf.resources[("helm_release", RELEASE)].config
    ours = pulumi.resources[("helm_release", RELEASE)].config
    for setting in ("name", "chart", "namespace", "atomic", "cleanup_on_fail", "wait"):
        assert ours[setting] == theirs[setting], setting
    assert (ours["namespace"], ours["atomic"], ours["wait"]) == ("ranking", True, True)
    assert ours["timeout"] == theirs["timeout"] and ours["max_history"] == theirs["max_history"]
    manifests = ours["values"]["manifests"]
    assert len(manifests) == len(theirs["values"]["manifests"])
    for index, (mine, cdktfs) in enumerate(
        zip(manifests, theirs["values"]["manifests"], strict=True)
    ):
        assert mine == cdktfs, f"manifest {index} ({mine['kind']} {mine['metadata']['name']})"
    assert ours == theirs
    kinds = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert ("NodePool", "ranking-train") in kinds and ("EC2NodeClass", "ranking-pinned") in kinds
    assert ("Namespace", "ranking-batch") in kinds
    # The contract's values reached the node classes: Karpenter's instance profile, the
    # pinned zone's subnet, the team's tags.
    [pinned] = [m for m in manifests if m["kind"] == "EC2NodeClass" and "pinned" in str(m)]
    assert (
        pinned["spec"]["instanceProfile"]
        == platform[CONTRACT + "compute/karpenter/instance-profile-name"]
    )
    subnets = platform[CONTRACT + "network/private-subnet-ids"].split(",")
    zones = platform[CONTRACT + "network/availability-zones"].split(",")
    # (normalised: a one-item list is its item, on both sides)
    assert pinned["spec"]["subnetSelectorTerms"] == {"id": subnets[zones.index("us-east-1b")]}
    assert pinned["spec"]["tags"]["team"] == "ranking"
    assert pinned["spec"]["tags"]["mlplatform/pool"] == "ranking-pinned"
    assert pinned["spec"]["tags"]["Name"] == "mlp-dev-ranking-gpu-pinned"


def test_the_whole_team_program_matches_the_cdktf_team_stack(
    both: tuple[Normalised, Normalised, Recording, list[GpuPoolProvisioning]],
) -> None:
    from mlplatform.pulumi.parity import first_difference

    cdktf, pulumi, _, _ = both
    assert first_difference(cdktf, pulumi) is None


def test_helm_reaches_the_cluster_with_a_kubeconfig_from_the_contract(
    both: tuple[Normalised, Normalised, Recording, list[GpuPoolProvisioning]],
    platform: dict[str, str],
) -> None:
    _, _, recording, _ = both
    [provider] = [r for r in recording.resources if r.token == "pulumi:providers:kubernetes"]
    assert provider.name == f"{STACK}/pools/kubernetes"
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    [cluster] = kubeconfig["clusters"]
    assert cluster["cluster"]["server"] == platform[CONTRACT + "compute/cluster-endpoint"]
    assert (
        cluster["cluster"]["certificate-authority-data"]
        == platform[CONTRACT + "compute/cluster-certificate-authority"]
    )
    [user] = kubeconfig["users"]
    name = platform[CONTRACT + "compute/cluster-name"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        name,
        "--region",
        "us-east-1",
    ]
    [release] = [r for r in recording.resources if r.token == "kubernetes:helm.sh/v3:Release"]
    assert release.inputs["name"] == RELEASE
    # The release goes through that provider, not the ambient kubeconfig.
    assert "provider" not in release.inputs


def test_the_team_program_passes_the_guardrails(
    both: tuple[Normalised, Normalised, Recording, list[GpuPoolProvisioning]],
) -> None:
    assert guardrail_findings(both[2]) == []


def test_a_platform_without_karpenter_fails_the_preview_naming_the_reason(
    dev: EnvironmentConfig, platform: dict[str, str]
) -> None:
    disabled = {**platform, CONTRACT + "compute/cluster-layer": "disabled"}
    with pytest.raises(ValueError) as refused:
        Recorder.run(partial(team_program, team_config_for(dev), []), parameters=disabled)
    assert (
        "GpuPoolProvisioning 'pools' in layer dev-ranking-training: the platform environment "
        "dev does not run Karpenter (compute/cluster-layer is not enabled)"
    ) in str(refused.value)


@pytest.mark.parametrize("teams", ["-", "search", "ranking-x"])
def test_a_team_the_platform_does_not_register_fails_the_preview_naming_the_setting(
    dev: EnvironmentConfig, platform: dict[str, str], teams: str
) -> None:
    assert platform[CONTRACT + "compute/team-deployers"] == "ranking"  # dev.yaml registers it
    unregistered = {**platform, CONTRACT + "compute/team-deployers": teams}
    with pytest.raises(ValueError) as refused:
        Recorder.run(partial(team_program, team_config_for(dev), []), parameters=unregistered)
    assert (
        "dev does not let team ranking install GPU pools (compute/team-deployers does not list it)"
    ) in str(refused.value)
    assert "compute.cluster.team_deployers.ranking in dev.yaml" in str(refused.value)


def test_on_the_emulator_it_installs_nothing_and_says_why(
    dev: EnvironmentConfig, platform: dict[str, str]
) -> None:
    config = team_config_for(dev)
    emulated = config.model_copy(
        update={"platform": config.platform.model_copy(update={"emulator": True})}
    )
    built: list[GpuPoolProvisioning] = []
    recording = Recorder.run(partial(team_program, emulated, built), parameters=platform)
    [provisioning] = built
    assert provisioning.skipped is not None and "no Kubernetes API" in provisioning.skipped
    assert provisioning.release is None and provisioning.provider is None
    tokens = {r.token for r in recording.resources}
    assert "kubernetes:helm.sh/v3:Release" not in tokens
    assert "pulumi:providers:kubernetes" not in tokens
    assert "aws:iam/role:Role" in tokens  # the pools' AWS side still deploys


def test_a_team_pool_without_provisioning_is_named_as_cdktf_names_it(
    dev: EnvironmentConfig, platform: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    layers: list[TeamLayer] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(dev), "training")
        layers.append(layer)
        cluster = ComputeCluster.from_environment(layer, "cluster")
        made = GpuTrainingPool(layer, layer, "train", cluster=cluster, props=SPOT)
        GpuTrainingPool(layer, layer, "forgotten", cluster=cluster, props=SPOT)
        GpuPoolProvisioning(layer, "pools", cluster=cluster, pools=[made])

    with caplog.at_level(logging.WARNING):
        Recorder.run(program, parameters=platform)

    [layer] = layers
    assert layer.unprovisioned_pools() == ["dev-ranking-training/forgotten"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [unprovisioned_pool_warning("dev-ranking-training/forgotten", "layer")]
    assert "no GpuPoolProvisioning in the layer lists it" in warnings[0]


def test_a_team_program_with_every_pool_provisioned_warns_nothing(
    dev: EnvironmentConfig, platform: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        Recorder.run(partial(team_program, team_config_for(dev), []), parameters=platform)
    assert not [r for r in caplog.records if "GpuPoolProvisioning" in r.getMessage()]


# ------------------------------------------------------------------------------- refusals
def _engines(message: str) -> str:
    """cdktf's message in the words of a Pulumi program (its scope is a layer)."""
    return message.replace("TeamStack", "TeamLayer").replace("per stack", "per layer")


def _refused(build: Callable[[], object]) -> str:
    with pytest.raises(ConstructError) as refused:
        build()
    message = str(refused.value)
    assert "\n" not in message
    return message


BAD_POOLS: dict[str, dict[str, GpuPoolProps]] = {
    "namespace": {"shared": SPOT.model_copy(update={"job_namespace": "training"})},
    "efa": {
        "efa": GpuPoolProps.model_validate(
            {
                "instance_types": ["p5.48xlarge"],
                "max_nodes": 2,
                "efa": True,
                "availability_zones": ["us-east-1a"],
                "job_namespace": "ranking",
            }
        )
    },
    "al2023": {"al2023": SPOT.model_copy(update={"ami_family": "al2023"})},
    "empty": {},
}


@pytest.mark.parametrize("case", sorted(BAD_POOLS))
def test_bad_pools_are_refused_with_cdktfs_line(
    case: str, tmp_path: Path, dev: EnvironmentConfig, platform: dict[str, str]
) -> None:
    config = team_config_for(dev)
    pools = BAD_POOLS[case]
    cdktf = _refused(lambda: cdktf_document(tmp_path, config, pools))
    pulumi = _refused(
        lambda: Recorder.run(partial(team_program, config, [], pools), parameters=platform)
    )
    assert pulumi == _engines(cdktf)
    assert pulumi.startswith("GpuPoolProvisioning 'pools': ")


def test_the_scope_cluster_id_and_one_per_layer_are_refused_with_cdktfs_lines(
    tmp_path: Path, dev: EnvironmentConfig, platform: dict[str, str]
) -> None:
    config = team_config_for(dev)
    # cdktf's lines, from the same mistakes in a TeamStack.
    app = App(outdir=str(tmp_path))
    stack = TeamStack(app, config, "training")
    cluster = CdktfComputeCluster.from_environment(stack, "cluster")
    pool = CdktfGpuTrainingPool(stack, "train", cluster=cluster, props=SPOT)
    plain = TerraformStack(app, "plain")
    cdktf = {
        "scope": _refused(
            lambda: CdktfGpuPoolProvisioning(plain, "pools", cluster=cluster, pools=[pool])
        ),
        "id": _refused(
            lambda: CdktfGpuPoolProvisioning(stack, "my pools", cluster=cluster, pools=[pool])
        ),
    }
    CdktfGpuPoolProvisioning(stack, "pools", cluster=cluster, pools=[pool])
    cdktf["twice"] = _refused(
        lambda: CdktfGpuPoolProvisioning(stack, "more", cluster=cluster, pools=[pool])
    )
    explicit_stack = TeamStack(app, config, "other")
    explicit = CdktfComputeCluster.from_cluster_name(
        explicit_stack,
        "explicit",
        naming=explicit_stack.naming,
        cluster_name="mlp-dev-eks",
        oidc_provider_arn="arn:aws:iam::111111111111:oidc-provider/x",
        oidc_issuer_url="https://x",
        node_role_arn="arn:aws:iam::111111111111:role/x",
        placement=VpcPlacement(
            "vpc-1",
            "10.0.0.0/16",
            ("subnet-1", "subnet-2"),
            ("us-east-1a", "us-east-1b"),
            "pl-1",
        ),
    )
    other = CdktfGpuTrainingPool(explicit_stack, "train", cluster=explicit, props=SPOT)
    cdktf["cluster"] = _refused(
        lambda: CdktfGpuPoolProvisioning(explicit_stack, "pools", cluster=explicit, pools=[other])
    )

    pulumi: dict[str, str] = {}

    def program() -> None:
        layer = TeamLayer(config, "training")
        cluster = ComputeCluster.from_environment(layer, "cluster")
        pool = GpuTrainingPool(layer, layer, "train", cluster=cluster, props=SPOT)
        plain = Layer(dev, "plain")
        pulumi["scope"] = _refused(
            lambda: GpuPoolProvisioning(plain, "pools", cluster=cluster, pools=[pool])
        )
        pulumi["id"] = _refused(
            lambda: GpuPoolProvisioning(layer, "my pools", cluster=cluster, pools=[pool])
        )
        GpuPoolProvisioning(layer, "pools", cluster=cluster, pools=[pool])
        pulumi["twice"] = _refused(
            lambda: GpuPoolProvisioning(layer, "more", cluster=cluster, pools=[pool])
        )
        other_layer = TeamLayer(config, "other")
        explicit = ComputeCluster.from_cluster_name(
            other_layer,
            "explicit",
            naming=other_layer.naming,
            cluster_name="mlp-dev-eks",
            oidc_provider_arn="arn:aws:iam::111111111111:oidc-provider/x",
            oidc_issuer_url="https://x",
            node_role_arn="arn:aws:iam::111111111111:role/x",
            placement=cluster.placement,
        )
        other = GpuTrainingPool(other_layer, other_layer, "train", cluster=explicit, props=SPOT)
        pulumi["cluster"] = _refused(
            lambda: GpuPoolProvisioning(other_layer, "pools", cluster=explicit, pools=[other])
        )

    Recorder.run(program, parameters=platform)
    assert sorted(pulumi) == sorted(cdktf)
    for case, message in cdktf.items():
        assert pulumi[case] == _engines(message).replace(
            "stack dev-ranking-training", "layer dev-ranking-training"
        ), case


def test_a_platform_named_pool_is_refused_naming_the_teams_name(
    dev: EnvironmentConfig, platform: dict[str, str]
) -> None:
    messages: list[str] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(dev), "training")
        cluster = ComputeCluster.from_environment(layer, "cluster")
        bare = GpuTrainingPool(
            layer, layer, "experiments", cluster=cluster, props=SPOT, naming=Naming("mlp", "dev")
        )
        assert bare.node_pool_name == "experiments"
        messages.append(
            _refused(lambda: GpuPoolProvisioning(layer, "pools", cluster=cluster, pools=[bare]))
        )

    Recorder.run(program, parameters=platform)
    assert messages == [
        "GpuPoolProvisioning 'pools': GPU pool 'experiments' is named 'experiments' in the "
        "cluster, not ranking-experiments; build it on ComputeCluster.from_environment in the "
        "TeamLayer (the team's naming)"
    ]


def test_an_unpinned_pool_launches_in_every_subnet_the_contract_lists(
    tmp_path: Path, dev: EnvironmentConfig, platform: dict[str, str]
) -> None:
    """cdktf writes a Terraform for expression over the contract's subnet list as a set (its
    length is known at plan time only), which Terraform iterates in lexical order; Pulumi lists
    the same parameter's items, in the same order, once known."""
    config = team_config_for(dev)
    everywhere = {"train": SPOT.model_copy(update={"availability_zones": ()})}
    _, document = cdktf_document(tmp_path, config, everywhere)
    [release] = document["resource"]["helm_release"].values()
    sources = document["data"]["aws_ssm_parameter"]
    [subnet_source] = [k for k, s in sources.items() if s["name"].endswith("private-subnet-ids")]
    assert (
        f'"subnetSelectorTerms" = [ for key, val in toset(split(",", data.aws_ssm_parameter.'
        f"{subnet_source}.insecure_value)): {{ id = val }}]"
    ) in release["values"][0]
    built: list[GpuPoolProvisioning] = []
    recording = Recorder.run(partial(team_program, config, built, everywhere), parameters=platform)
    [ours] = [r for r in recording.resources if r.token == "kubernetes:helm.sh/v3:Release"]
    [node_class] = [m for m in ours.inputs["values"]["manifests"] if m["kind"] == "EC2NodeClass"]
    subnets = platform[CONTRACT + "network/private-subnet-ids"].split(",")
    assert len(subnets) > 1
    assert node_class["spec"]["subnetSelectorTerms"] == [{"id": s} for s in sorted(set(subnets))]
