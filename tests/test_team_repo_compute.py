"""A team repository adds its own GPU pool to the platform's cluster, without owning the cluster.

This is how the ranking team uses the library: import the platform's cluster
by name (values from the ``<env>-compute`` stack outputs), add a
``GpuTrainingPool``, and grant its job role read access to the platform's
lake. The team's stack must synthesize without creating, or being able to
change, the cluster, its OIDC provider or its node role.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import DataLakeProps, GpuPoolProps
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.gpu_pool import GpuTrainingPool
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import IComputeCluster, VpcPlacement

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
OIDC_PROVIDER = (
    "arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/"
    "EXAMPLED539D4633E53DE1B71EXAMPLE"
)
PLACEMENT = VpcPlacement(
    vpc_id="vpc-0prod",
    vpc_cidr="10.40.0.0/16",
    private_subnet_ids=("subnet-1a", "subnet-1b", "subnet-1c"),
    availability_zones=("us-east-1a", "us-east-1b", "us-east-1c"),
    s3_prefix_list_id="pl-63a5400a",
)
PLATFORM_OWNED = (
    "aws_eks_cluster",
    "aws_iam_openid_connect_provider",
    "aws_eks_addon",
    "aws_eks_access_entry",
    "aws_kms_key",
    "aws_s3_bucket",
)


def _import_cluster(
    stack: TerraformStack, id: str = "platform-cluster", **extra: Any
) -> IComputeCluster:
    return ComputeCluster.from_cluster_name(
        stack,
        id,
        naming=Naming("mlp", "prod"),
        cluster_name="mlp-prod-eks",
        oidc_provider_arn=OIDC_PROVIDER,
        oidc_issuer_url=ISSUER,
        node_role_arn="arn:aws:iam::333333333333:role/mlp-prod-eks-node",
        placement=PLACEMENT,
        **extra,
    )


def _team_app(tmp_path: Path) -> tuple[App, TerraformStack, DataLake]:
    """The platform's lake in its own stack, and the ranking team's stack beside it."""
    app = App(outdir=str(tmp_path))
    platform = TerraformStack(app, "platform-data")
    AwsProvider(platform, "aws", region="us-east-1")
    lake = DataLake(platform, "data-lake", naming=Naming("mlp", "prod"), props=DataLakeProps())
    team = TerraformStack(app, "ranking")
    AwsProvider(team, "aws", region="us-east-1")
    return app, team, lake


def _synthesized(tmp_path: Path, stack: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((tmp_path / "stacks" / stack / "cdk.tf.json").read_text())
    return document


def test_team_pool_on_an_imported_cluster_synthesizes_without_owning_the_cluster(
    tmp_path: Path,
) -> None:
    app, team, lake = _team_app(tmp_path)
    cluster = _import_cluster(team)
    pool = GpuTrainingPool(
        team,
        "ranking",
        cluster=cluster,
        props=GpuPoolProps(
            instance_types=("g6e.2xlarge", "g6e.4xlarge"), capacity="spot", max_nodes=4
        ),
    )
    lake.grant_read(pool.job_role, "features")
    app.synth()

    document = _synthesized(tmp_path, "ranking")
    resources = document["resource"]
    for kind in PLATFORM_OWNED:
        assert kind not in resources, f"the team stack must not create {kind}"
    # Karpenter launches the pool's nodes: the team stack has no node group of its own.
    assert "aws_eks_node_group" not in resources
    assert pool.labels["mlplatform/pool"] == "ranking"
    assert pool.subnet_ids == list(PLACEMENT.private_subnet_ids)
    # Without the cluster's security group the nodes' groups are unknown: said, not guessed.
    with pytest.raises(ValueError, match="pass cluster_security_group_id"):
        _ = pool.security_group_ids
    with_group = GpuTrainingPool(
        team,
        "ranking-2",
        cluster=_import_cluster(team, "with-group", cluster_security_group_id="sg-0cluster"),
        props=pool.props,
    )
    assert with_group.security_group_ids == ["sg-0cluster"]


def test_team_job_role_trusts_the_imported_clusters_issuer_for_one_service_account(
    tmp_path: Path,
) -> None:
    app, team, lake = _team_app(tmp_path)
    pool = GpuTrainingPool(
        team,
        "ranking",
        cluster=_import_cluster(team),
        props=GpuPoolProps(instance_types=("g5.2xlarge",), max_nodes=2),
    )
    lake.grant_read(pool.job_role, "features")
    app.synth()

    resources = _synthesized(tmp_path, "ranking")["resource"]
    (role,) = resources["aws_iam_role"].values()
    assert role["name"] == "mlp-prod-irsa-training-ranking-jobs"
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    host = ISSUER.removeprefix("https://")
    assert statement["Principal"] == {"Federated": OIDC_PROVIDER}
    assert statement["Condition"] == {
        "StringEquals": {
            f"{host}:sub": "system:serviceaccount:training:ranking-jobs",
            f"{host}:aud": "sts.amazonaws.com",
        }
    }
    # The grant lives beside the role, in the team's stack, and names the lake's bucket and key
    # through cross-stack references.
    (grant,) = resources["aws_iam_role_policy"].values()
    assert grant["name"] == "data-lake-read-features"
    policy = grant["policy"]
    assert "terraform_remote_state" in policy
    assert "s3:GetObject" in policy
    assert "kms:Decrypt" in policy


def test_efa_on_an_imported_cluster_needs_its_security_group(tmp_path: Path) -> None:
    _, team, _ = _team_app(tmp_path)
    props = GpuPoolProps(
        instance_types=("p5.48xlarge",), max_nodes=2, efa=True, availability_zones=("us-east-1a",)
    )

    with pytest.raises(ValueError, match="pass cluster_security_group_id"):
        GpuTrainingPool(team, "big", cluster=_import_cluster(team), props=props)

    cluster = _import_cluster(team, "with-group", cluster_security_group_id="sg-0cluster")
    # p5.48xlarge has 32 network cards, each gets an EFA interface in the cluster's group.
    pool = GpuTrainingPool(team, "big-efa", cluster=cluster, props=props)
    assert pool.labels["nvidia.com/gpu.count"] == "8"


def test_asking_twice_for_one_service_account_returns_one_role(tmp_path: Path) -> None:
    _, team, _ = _team_app(tmp_path)
    cluster = _import_cluster(team)

    first = cluster.service_account_role("serving", "ranker")
    assert cluster.service_account_role("serving", "ranker") is first
    assert cluster.service_account_role("serving", "other") is not first
