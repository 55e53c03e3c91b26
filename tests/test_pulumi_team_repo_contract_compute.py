"""A team's Pulumi program reads the platform's cluster from the contract, as cdktf does.

``ComputeCluster.from_environment`` on Pulumi reads the cluster's name, OIDC provider and
issuer, node role and security group from ``/<org>/<env>/platform/compute/...`` and its
placement from ``network/...``, where the subnets and zones are lists known at preview.
A team ``GpuTrainingPool`` pinned to one zone (with a scratch file system in that zone's
subnet), a service-account role and a lake grant to the pool's jobs match the cdktf
``TeamStack`` with the same importers field by field, once both read the values the
cdktf-synthesized ``dev`` platform writes (the cdktf side's ``element(split(...),
index(split(...), zone))`` evaluated over them). A pinned zone the contract's placement
lacks fails the preview with the pool and the zone named.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cdktf import App

from mlplatform.config import EnvironmentConfig, FsxScratchProps, GpuPoolProps
from mlplatform.constructs.compute_cluster import ComputeCluster as CdktfComputeCluster
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.constructs.gpu_pool import GpuTrainingPool as CdktfGpuTrainingPool
from mlplatform.decisions.scheduling import POOL_LABEL
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.normalise import PROVIDER_KIND, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.test_contract import team_config_for

STACK = "dev-ranking-training"
POOL = GpuPoolProps(
    instance_types=("g6e.2xlarge", "g6e.4xlarge"),
    capacity="spot",
    max_nodes=2,
    availability_zones=("us-east-1b",),
    fsx_scratch=FsxScratchProps(storage_gib=1200),
)
SERVICE_ACCOUNT = ("serving", "ranker-batch")


def cdktf_team_stack(
    outdir: Path, config: EnvironmentConfig, built: list[CdktfGpuTrainingPool] | None = None
) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "training")
    cluster = CdktfComputeCluster.from_environment(stack, "platform-cluster")
    pool = CdktfGpuTrainingPool(stack, "ranking", cluster=cluster, props=POOL)
    if built is not None:
        built.append(pool)
    cluster.service_account_role(*SERVICE_ACCOUNT)
    lake = CdktfDataLake.from_environment(stack, "platform-lake")
    lake.grant_read(pool.job_role, "features")
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(
    config: EnvironmentConfig,
    props: GpuPoolProps,
    read: list[str] | None = None,
    built: list[GpuTrainingPool] | None = None,
) -> None:
    layer = TeamLayer(team_config_for(config), "training")
    cluster = ComputeCluster.from_environment(layer, "platform-cluster")
    pool = GpuTrainingPool(layer, layer, "ranking", cluster=cluster, props=props)
    if built is not None:
        built.append(pool)
    cluster.service_account_role(*SERVICE_ACCOUNT)
    lake = DataLake.from_environment(layer, "platform-lake")
    lake.grant_read(pool.job_role, "features")
    if read is not None:
        read.extend(ContractReader.of(layer).names)


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def built_pools() -> list[GpuTrainingPool]:
    """The Pulumi program's pool, once ``recorded`` ran it."""
    return []


@pytest.fixture(scope="module")
def recorded(
    loader: EnvironmentLoader, platform: dict[str, str], built_pools: list[GpuTrainingPool]
) -> tuple[Recording, list[str]]:
    read: list[str] = []
    program = partial(team_program, loader.load("dev"), POOL, read, built_pools)
    return Recorder.run(program, parameters=platform), read


def test_the_cluster_reading_program_matches_the_cdktf_team_stack(
    tmp_path: Path,
    loader: EnvironmentLoader,
    platform: dict[str, str],
    recorded: tuple[Recording, list[str]],
) -> None:
    recording, read = recorded
    document = cdktf_team_stack(tmp_path, loader.load("dev"))
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    assert sorted(read) == cdktf_read
    assert {name.rsplit("/platform/", 1)[1] for name in read} >= {
        "compute/cluster-name",
        "compute/oidc-provider-arn",
        "compute/oidc-issuer-url",
        "compute/node-role-arn",
        "compute/cluster-security-group-id",
        "network/private-subnet-ids",
        "network/availability-zones",
        "network/vpc-id",
        "data/key-arn",
        "data/zones/features/bucket-arn",
    }
    cdktf = from_cdktf({STACK: document}, parameters=platform)
    pulumi = from_pulumi(recording)
    assert first_difference(cdktf, pulumi) is None
    # Zone pinning picked us-east-1b's subnet from the contract's lists, on both sides.
    subnets = platform["/mlp/dev/platform/network/private-subnet-ids"].split(",")
    zones = platform["/mlp/dev/platform/network/availability-zones"].split(",")
    scratch = pulumi.resources[
        ("aws_fsx_lustre_file_system", "dev-ranking-training/ranking/scratch")
    ]
    assert scratch.config["subnet_ids"] == [subnets[zones.index("us-east-1b")]]
    roles = sorted(name for kind, name in pulumi.resources if kind == "aws_iam_role")
    assert roles == [
        "mlp-dev-ranking-irsa-serving-ranker-batch",
        "mlp-dev-ranking-irsa-training-ranking-jobs",
    ]
    kinds = {kind for kind, _ in pulumi.resources}
    assert "aws_eks_cluster" not in kinds and PROVIDER_KIND in kinds


def test_the_team_pool_has_the_cdktf_pools_name_labels_and_taints_in_the_cluster(
    tmp_path: Path,
    loader: EnvironmentLoader,
    recorded: tuple[Recording, list[str]],
    built_pools: list[GpuTrainingPool],
) -> None:
    cdktf_pools: list[CdktfGpuTrainingPool] = []
    cdktf_team_stack(tmp_path, loader.load("dev"), cdktf_pools)
    (cdktf,), (pulumi,) = cdktf_pools, built_pools
    # <team>-<pool>: the NodePool's name and the nodes' mlplatform/pool label, on both engines.
    assert pulumi.node_pool_name == cdktf.node_pool_name == "ranking-ranking"
    assert pulumi.labels == cdktf.labels
    assert pulumi.labels[POOL_LABEL] == "ranking-ranking"
    assert tuple(pulumi.taints) == cdktf.taints
    assert pulumi.job_service_account == cdktf.job_service_account


def test_the_cluster_reading_program_passes_the_guardrails(
    recorded: tuple[Recording, list[str]],
) -> None:
    assert guardrail_findings(recorded[0]) == []


def test_a_pinned_zone_the_contract_lacks_fails_the_preview_naming_pool_and_zone(
    loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    zones = platform["/mlp/dev/platform/network/availability-zones"].split(",")
    assert "us-east-1c" not in zones  # dev's network spans two of its three zones
    # Nothing but the pool's own outputs uses its subnets here (no scratch file system).
    props = POOL.model_copy(update={"availability_zones": ("us-east-1c",), "fsx_scratch": None})
    with pytest.raises(ValueError) as refused:
        Recorder.run(partial(team_program, loader.load("dev"), props), parameters=platform)
    assert (
        f"GPU pool 'ranking': zone 'us-east-1c' has no private subnet in the cluster's "
        f"placement ({', '.join(zones)})"
    ) in str(refused.value)
