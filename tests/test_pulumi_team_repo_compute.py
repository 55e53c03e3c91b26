"""A team's Pulumi program adds its own GPU pool to the platform's cluster, as in cdktf.

The cluster is imported by name (``ComputeCluster.from_cluster_name``, values from the
``<env>-compute`` outputs), a ``GpuTrainingPool`` joins it and its job role reads the
platform lake's features zone. The program matches the same cdktf team stack field by
field and creates nothing of the cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import EnvironmentConfig, GpuPoolProps
from mlplatform.constructs.compute_cluster import ComputeCluster as CdktfComputeCluster
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.constructs.gpu_pool import GpuTrainingPool as CdktfGpuTrainingPool
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import VpcPlacement
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.network import NetworkPlacement
from mlplatform.pulumi.normalise import PROVIDER_KIND, Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import first_difference

STACK = "prod-ranking"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
CLUSTER = {
    "cluster_name": "mlp-prod-eks",
    "oidc_provider_arn": (
        "arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/"
        "EXAMPLED539D4633E53DE1B71EXAMPLE"
    ),
    "oidc_issuer_url": ISSUER,
    "node_role_arn": "arn:aws:iam::333333333333:role/mlp-prod-eks-node",
}
PLACEMENT = {
    "vpc_id": "vpc-0prod",
    "vpc_cidr": "10.40.0.0/16",
    "private_subnet_ids": ("subnet-1a", "subnet-1b", "subnet-1c"),
    "availability_zones": ("us-east-1a", "us-east-1b", "us-east-1c"),
    "s3_prefix_list_id": "pl-63a5400a",
}
POOL = GpuPoolProps(instance_types=("g6e.2xlarge", "g6e.4xlarge"), capacity="spot", max_nodes=4)


def cdktf_team_stack(outdir: Path) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, STACK)
    AwsProvider(stack, "aws", region="us-east-1")
    cluster = CdktfComputeCluster.from_cluster_name(
        stack,
        "platform-cluster",
        naming=Naming("mlp", "prod"),
        placement=VpcPlacement(**PLACEMENT),  # type: ignore[arg-type]
        **CLUSTER,
    )
    pool = CdktfGpuTrainingPool(stack, "ranking", cluster=cluster, props=POOL)
    lake = CdktfDataLake.from_names(stack, "platform-lake", naming=Naming("mlp", "prod"))
    lake.grant_read(pool.job_role, "features")
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig) -> GpuTrainingPool:
    layer = Layer(config, "ranking")
    cluster = ComputeCluster.from_cluster_name(
        layer,
        "platform-cluster",
        naming=Naming("mlp", "prod"),
        placement=NetworkPlacement(**PLACEMENT),  # type: ignore[arg-type]
        **CLUSTER,
    )
    pool = GpuTrainingPool(layer, layer, "ranking", cluster=cluster, props=POOL)
    lake = DataLake.from_names(layer, "platform-lake", naming=Naming("mlp", "prod"))
    lake.grant_read(pool.job_role, "features")
    return pool


def _resources(normalised: Normalised) -> Normalised:
    return Normalised({k: r for k, r in normalised.resources.items() if k[0] != PROVIDER_KIND})


@pytest.fixture(scope="module")
def recorded(loader: EnvironmentLoader) -> tuple[Recording, list[GpuTrainingPool]]:
    config = loader.load("prod")
    pools: list[GpuTrainingPool] = []
    return Recorder.run(lambda: pools.append(team_program(config))), pools


def test_the_team_pool_matches_the_cdktf_team_stack(
    tmp_path: Path, recorded: tuple[Recording, list[GpuTrainingPool]]
) -> None:
    recording, _ = recorded
    cdktf = _resources(from_cdktf({STACK: cdktf_team_stack(tmp_path)}))
    pulumi = _resources(from_pulumi(recording))
    assert first_difference(cdktf, pulumi) is None
    role = pulumi.resources[("aws_iam_role", "mlp-prod-irsa-training-ranking-jobs")].config
    (statement,) = role["assume_role_policy"]["Statement"]
    host = ISSUER.removeprefix("https://")
    assert statement["Condition"]["StringEquals"][f"{host}:sub"] == (
        "system:serviceaccount:training:ranking-jobs"
    )


def test_the_team_program_creates_nothing_of_the_cluster(
    recorded: tuple[Recording, list[GpuTrainingPool]],
) -> None:
    recording, [pool] = recorded
    assert sorted(r.token for r in recording.custom()) == [
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
    ]
    assert pool.labels["mlplatform/pool"] == "ranking"
    # Without the cluster's security group the nodes' groups are unknown: said, not guessed.
    with pytest.raises(ValueError, match="pass cluster_security_group_id"):
        _ = pool.security_group_ids
