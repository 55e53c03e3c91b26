"""ComputeCluster and GpuTrainingPool: the properties that make them secure and cheap by default.

Each test synthesizes one stack (milliseconds once the bindings are loaded) and
asserts on the Terraform JSON: what a GPU pool hands Karpenter (subnets, security groups,
placement group, labels, taints), IMDSv2, encryption, IRSA trust scoped to one service
account, add-ons, access entries and FSx.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import App, TerraformOutput, TerraformResource, TerraformStack, Testing

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import (
    AddonVersionsProps,
    ComputeClusterProps,
    CpuNodeGroupProps,
    FsxScratchProps,
    GpuPoolProps,
)
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.gpu_pool import GpuTrainingPool
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.scheduling import Taint
from mlplatform.guardrails.stack_check import Guardrails
from mlplatform.interfaces import VpcPlacement
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp

PLACEMENT = VpcPlacement(
    vpc_id="vpc-0123",
    vpc_cidr="10.20.0.0/16",
    private_subnet_ids=("subnet-a", "subnet-b", "subnet-c"),
    availability_zones=("us-east-1a", "us-east-1b", "us-east-1c"),
    s3_prefix_list_id="pl-63a5400a",
)
ADDONS = AddonVersionsProps(
    vpc_cni="v1.19.5-eksbuild.1",
    coredns="v1.12.1-eksbuild.2",
    kube_proxy="v1.33.0-eksbuild.2",
    ebs_csi_driver="v1.46.0-eksbuild.1",
)
ADMIN = "arn:aws:iam::111111111111:role/platform-admin"
ENVIRONMENTS = Path(__file__).resolve().parents[1] / "environments"

Json = dict[str, Any]


def _cluster(stack: TerraformStack, naming: Naming, **changes: Any) -> ComputeCluster:
    props: Json = {"kubernetes_version": "1.33", "addons": ADDONS, "admin_role_arns": (ADMIN,)}
    props.update(changes)
    return ComputeCluster(
        stack, "cluster", naming=naming, props=ComputeClusterProps(**props), placement=PLACEMENT
    )


def _synth(stack: TerraformStack) -> Json:
    document: Json = json.loads(Testing.synth(stack))
    return document


def _resources(document: Json, kind: str) -> dict[str, Json]:
    found: dict[str, Json] = document["resource"].get(kind, {})
    return found


def _one(document: Json, kind: str, where: str = "") -> Json:
    """The single resource of ``kind`` whose logical name contains ``where``."""
    matches = [c for n, c in _resources(document, kind).items() if where in n]
    assert len(matches) == 1, f"{len(matches)} {kind} match {where!r}"
    return matches[0]


def _first(block: Any) -> Json:
    result: Json = block[0] if isinstance(block, list) else block
    return result


def _spot_pool(**changes: Any) -> GpuPoolProps:
    props: Json = {
        "instance_types": ("g5.2xlarge", "g5.4xlarge"),
        "capacity": "spot",
        "max_nodes": 8,
    }
    props.update(changes)
    return GpuPoolProps(**props)


# --------------------------------------------------------------------------- GPU pool


def test_gpu_pool_leaves_its_nodes_to_karpenter_and_tells_it_where_they_go(
    stack: TerraformStack, naming: Naming
) -> None:
    cluster = _cluster(stack, naming)
    props = _spot_pool()
    pool = GpuTrainingPool(stack, "experiments", cluster=cluster, props=props)
    for name in ("subnet_ids", "security_group_ids"):
        TerraformOutput(stack, name, value=getattr(pool, name))
    document = _synth(stack)

    # Karpenter launches the nodes: no node group, launch template or Auto Scaling group tags.
    for kind in ("aws_eks_node_group", "aws_launch_template", "aws_autoscaling_group_tag"):
        assert not any("experiments" in n for n in _resources(document, kind)), kind
    assert "aws_placement_group" not in document["resource"]
    outputs = {n: o["value"] for n, o in document["output"].items()}
    assert outputs["subnet_ids"] == list(PLACEMENT.private_subnet_ids)
    assert outputs["security_group_ids"] == [
        "${aws_eks_cluster.cluster_A4C38409.vpc_config[0].cluster_security_group_id}"
    ]
    assert pool.props is props
    assert pool.placement_group_name is None
    assert pool.taints == (Taint("nvidia.com/gpu", "true", "NoSchedule"),)
    assert pool.labels == {
        "mlplatform/pool": "experiments",
        "mlplatform/gpu-family": "g5",
        "mlplatform/accelerator-count": "1",
        "nvidia.com/gpu.count": "1",
    }


def test_job_role_is_trusted_only_by_the_pools_service_account(
    stack: TerraformStack, naming: Naming
) -> None:
    cluster = _cluster(stack, naming)
    pool = GpuTrainingPool(
        stack, "ranking", cluster=cluster, props=_spot_pool(job_namespace="ml-jobs")
    )
    document = _synth(stack)

    assert pool.job_service_account == "ranking-jobs"
    role = _one(document, "aws_iam_role", "irsa-ml-jobs-ranking-jobs")
    assert role["name"] == "acme-test-irsa-ml-jobs-ranking-jobs"
    # Terraform evaluates the issuer expression (quotes and all) before IAM sees the JSON.
    issuer = (
        '${replace(aws_eks_cluster.cluster_A4C38409.identity[0].oidc[0].issuer, "https://", "")}'
    )
    policy = role["assume_role_policy"]
    assert policy.count(issuer) == 2
    (statement,) = json.loads(policy.replace(issuer, "ISSUER"))["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": "${aws_iam_openid_connect_provider.cluster_oidc-provider_6677C701.arn}"
    }
    assert set(statement["Condition"]) == {"StringEquals"}
    assert statement["Condition"]["StringEquals"] == {
        "ISSUER:sub": "system:serviceaccount:ml-jobs:ranking-jobs",
        "ISSUER:aud": "sts.amazonaws.com",
    }
    # The role starts with no permissions: grants add them.
    assert not any(
        "irsa-ml-jobs" in name
        for kind in ("aws_iam_role_policy", "aws_iam_role_policy_attachment")
        for name in _resources(document, kind)
    )


def test_efa_pool_launches_into_its_own_placement_group_in_one_zone(
    stack: TerraformStack, naming: Naming
) -> None:
    cluster = _cluster(stack, naming)
    pool = GpuTrainingPool(
        stack,
        "training",
        cluster=cluster,
        props=GpuPoolProps(
            instance_types=("p4d.24xlarge",),
            max_nodes=4,
            efa=True,
            availability_zones=("us-east-1b",),
        ),
    )
    TerraformOutput(stack, "placement_group_name", value=pool.placement_group_name)
    TerraformOutput(stack, "subnet_ids", value=pool.subnet_ids)
    document = _synth(stack)

    placement_group = _one(document, "aws_placement_group", "training")
    assert placement_group == {**placement_group, "name": "acme-test-gpu-training"}
    assert placement_group["strategy"] == "cluster"
    assert document["output"]["placement_group_name"]["value"].startswith(
        "${aws_placement_group.training_placement-group_"
    )
    assert document["output"]["subnet_ids"]["value"] == ["subnet-b"]
    assert pool.labels["nvidia.com/gpu.count"] == "8"


def test_fsx_scratch_is_linked_to_the_lake_and_open_only_to_cluster_nodes(
    stack: TerraformStack, naming: Naming
) -> None:
    cluster = _cluster(stack, naming)
    pool = GpuTrainingPool(
        stack,
        "training",
        cluster=cluster,
        props=GpuPoolProps(
            instance_types=("g5.12xlarge",),
            max_nodes=2,
            availability_zones=("us-east-1a",),
            fsx_scratch=FsxScratchProps(storage_gib=2400),
        ),
        scratch_import_path="s3://acme-test-datalake-features/datasets/",
    )
    document = _synth(stack)

    scratch = _one(document, "aws_fsx_lustre_file_system")
    assert scratch["deployment_type"] == "SCRATCH_2"
    assert scratch["storage_capacity"] == 2400
    assert scratch["subnet_ids"] == ["subnet-a"]
    assert scratch["import_path"] == "s3://acme-test-datalake-features/datasets/"
    assert scratch["auto_import_policy"] == "NEW_CHANGED_DELETED"
    ingress = _resources(document, "aws_vpc_security_group_ingress_rule").values()
    assert {(r["from_port"], r["to_port"]) for r in ingress} == {(988, 988), (1018, 1023)}
    assert all("cidr_ipv4" not in r for r in ingress)
    assert pool.scratch_dns_name is not None


def test_pool_on_an_unknown_zone_fails_with_the_zones_it_has(
    stack: TerraformStack, naming: Naming
) -> None:
    cluster = _cluster(stack, naming)
    with pytest.raises(ValueError, match="zone 'us-east-1f' has no private subnet"):
        GpuTrainingPool(
            stack,
            "p",
            cluster=cluster,
            props=_spot_pool(availability_zones=("us-east-1f",)),
        )


# --------------------------------------------------------------------------- cluster


def test_cluster_is_private_encrypted_logged_and_has_no_standing_creator_admin(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming)
    document = _synth(stack)

    cluster = _one(document, "aws_eks_cluster")
    assert cluster["name"] == "acme-test-eks"
    assert cluster["version"] == "1.33"
    vpc = _first(cluster["vpc_config"])
    assert vpc["endpoint_private_access"] is True
    assert vpc["endpoint_public_access"] is False
    assert "public_access_cidrs" not in vpc
    assert vpc["subnet_ids"] == list(PLACEMENT.private_subnet_ids)
    encryption = _first(cluster["encryption_config"])
    assert encryption["resources"] == ["secrets"]
    assert _first(encryption["provider"])["key_arn"] == "${aws_kms_key.cluster_key_D00E14E1.arn}"
    assert _first(cluster["access_config"]) == {
        "authentication_mode": "API",
        "bootstrap_cluster_creator_admin_permissions": False,
    }
    assert cluster["bootstrap_self_managed_addons"] is False
    assert set(cluster["enabled_cluster_log_types"]) == {
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    }
    logs = _one(document, "aws_cloudwatch_log_group", "control-plane-logs")
    assert logs["name"] == "/aws/eks/acme-test-eks/cluster"
    assert logs["retention_in_days"] == 90
    assert logs["kms_key_id"] == "${aws_kms_key.cluster_key_D00E14E1.arn}"
    (logs_name,) = [
        n for n in _resources(document, "aws_cloudwatch_log_group") if "control-plane" in n
    ]
    assert f"aws_cloudwatch_log_group.{logs_name}" in cluster["depends_on"]
    assert _one(document, "aws_kms_key")["enable_key_rotation"] is True


def test_public_endpoint_carries_its_allowlist(stack: TerraformStack, naming: Naming) -> None:
    _cluster(
        stack,
        naming,
        endpoint_public_access=True,
        public_access_cidrs=("198.51.100.0/24",),
    )
    vpc = _first(_one(_synth(stack), "aws_eks_cluster")["vpc_config"])

    assert vpc["endpoint_public_access"] is True
    assert vpc["public_access_cidrs"] == ["198.51.100.0/24"]


def test_oidc_provider_trusts_sts_for_the_clusters_issuer(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming)
    provider = _one(_synth(stack), "aws_iam_openid_connect_provider")

    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert provider["url"] == "${aws_eks_cluster.cluster_A4C38409.identity[0].oidc[0].issuer}"


def test_nodes_get_only_the_policies_every_node_needs(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming)
    document = _synth(stack)

    attachments = _resources(document, "aws_iam_role_policy_attachment").values()
    node = {a["policy_arn"] for a in attachments if "node-role" in a["role"]}
    assert {arn.split(":iam::aws:policy/")[1] for arn in node} == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryPullOnly",
    }
    assert all(arn.startswith("arn:${data.aws_partition.") for arn in node)
    cni = [a for a in attachments if "irsa-kube-system-aws-node" in a["role"]]
    assert [a["policy_arn"].rsplit("/", 1)[-1] for a in cni] == ["AmazonEKS_CNI_Policy"]
    role = _one(document, "aws_iam_role", "node-role")
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }


def test_managed_addons_are_pinned_and_ordered_around_the_nodes(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming)
    document = _synth(stack)

    addons = {a["addon_name"]: a for a in _resources(document, "aws_eks_addon").values()}
    assert {name: a["addon_version"] for name, a in addons.items()} == ADDONS.by_addon()
    assert addons["vpc-cni"]["service_account_role_arn"].startswith(
        "${aws_iam_role.cluster_irsa-kube-system-aws-node"
    )
    assert addons["aws-ebs-csi-driver"]["service_account_role_arn"].startswith(
        "${aws_iam_role.cluster_irsa-kube-system-ebs-csi-controller-sa"
    )
    system = _one(document, "aws_eks_node_group", "cpu-system")
    # Networking first, then nodes, then the add-ons that run as pods.
    assert any("addon-vpc-cni" in d for d in system["depends_on"])
    assert any("addon-kube-proxy" in d for d in system["depends_on"])
    for pod_addon in ("coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"):
        assert any("cpu-system_node-group" in d for d in addons[pod_addon]["depends_on"])


def test_gpu_metrics_add_on_writes_into_encrypted_expiring_log_groups_with_its_own_role(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming, log_retention_days=30)
    document = _synth(stack)

    addons = {a["addon_name"]: a for a in _resources(document, "aws_eks_addon").values()}
    observability = addons["amazon-cloudwatch-observability"]
    assert observability["addon_version"] == ADDONS.cloudwatch_observability
    # Its DaemonSets tolerate every taint by default (GPU nodes included): nothing to configure.
    assert "configuration_values" not in observability
    role = _one(document, "aws_iam_role", "irsa-amazon-cloudwatch-cloudwatch-agent")
    assert role["name"] == "acme-test-irsa-amazon-cloudwatch-cloudwatch-agent"
    assert "system:serviceaccount:amazon-cloudwatch:cloudwatch-agent" in role["assume_role_policy"]
    assert observability["service_account_role_arn"].startswith(
        "${aws_iam_role.cluster_irsa-amazon-cloudwatch-cloudwatch-agent"
    )
    (attached,) = [
        a["policy_arn"]
        for a in _resources(document, "aws_iam_role_policy_attachment").values()
        if "irsa-amazon-cloudwatch" in a["role"]
    ]
    assert attached.endswith(":iam::aws:policy/CloudWatchAgentServerPolicy")
    groups = {
        g["name"]: g
        for g in _resources(document, "aws_cloudwatch_log_group").values()
        if "containerinsights" in g["name"]
    }
    assert sorted(groups) == [
        f"/aws/containerinsights/acme-test-eks/{kind}"
        for kind in ("application", "dataplane", "host", "performance")
    ]
    control_plane = _one(document, "aws_cloudwatch_log_group", "control-plane-logs")
    for group in groups.values():
        assert group["kms_key_id"] == control_plane["kms_key_id"]
        assert group["retention_in_days"] == 30
    # Made before the add-on, which would otherwise make them unencrypted and kept forever;
    # installed once the system nodes are there to run its controller.
    waits = observability["depends_on"]
    assert sum("container-insights" in d for d in waits) == 4
    assert any("cpu-system_node-group" in d for d in waits)


def test_without_addons_eks_keeps_its_own_and_the_cni_policy_moves_to_the_nodes(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming, addons=None)
    document = _synth(stack)

    assert _resources(document, "aws_eks_addon") == {}
    assert "bootstrap_self_managed_addons" not in _one(document, "aws_eks_cluster")
    node = {
        a["policy_arn"].rsplit("/", 1)[-1]
        for a in _resources(document, "aws_iam_role_policy_attachment").values()
        if "node-role" in a["role"]
    }
    assert "AmazonEKS_CNI_Policy" in node


def test_admins_get_cluster_admin_through_access_entries(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming)
    document = _synth(stack)

    entry = _one(document, "aws_eks_access_entry")
    assert entry["principal_arn"] == ADMIN
    assert entry["type"] == "STANDARD"
    association = _one(document, "aws_eks_access_policy_association")
    assert association["principal_arn"] == ADMIN
    assert association["policy_arn"].endswith(
        ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    )
    assert _first(association["access_scope"]) == {"type": "cluster"}


def test_access_entries_off_leaves_the_authentication_mode_to_eks(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(stack, naming, admin_role_arns=(), access_entries=False)
    document = _synth(stack)

    assert "access_config" not in _one(document, "aws_eks_cluster")
    assert _resources(document, "aws_eks_access_entry") == {}


def test_system_and_general_cpu_groups_are_hardened_and_untainted(
    stack: TerraformStack, naming: Naming
) -> None:
    _cluster(
        stack,
        naming,
        cpu_node_groups={
            "general": CpuNodeGroupProps(
                instance_types=("m7g.xlarge", "m6g.xlarge"), capacity="spot", min_nodes=0
            )
        },
    )
    document = _synth(stack)

    system = _one(document, "aws_eks_node_group", "cpu-system")
    assert system["node_group_name"] == "acme-test-cpu-system"
    assert system["ami_type"] == "AL2023_x86_64_STANDARD"
    assert system["capacity_type"] == "ON_DEMAND"
    assert _first(system["scaling_config"])["min_size"] == 2
    assert "taint" not in system
    general = _one(document, "aws_eks_node_group", "cpu-general")
    assert general["ami_type"] == "AL2023_ARM_64_STANDARD"
    assert general["capacity_type"] == "SPOT"
    for template in _resources(document, "aws_launch_template").values():
        assert _first(template["metadata_options"])["http_tokens"] == "required"
        assert _first(template["block_device_mappings"][0]["ebs"])["encrypted"] == "true"


# --------------------------------------------------------------------------- the compute stack


def test_prod_compute_stack_passes_guardrails_and_publishes_static_outputs(
    tmp_path: Path,
) -> None:
    config = EnvironmentLoader(ENVIRONMENTS).load("prod")
    PlatformApp([config], outdir=str(tmp_path)).synth()  # raises on any guardrail finding

    document = json.loads((tmp_path / "stacks/prod-compute/cdk.tf.json").read_text())
    assert {
        "cluster_name",
        "cluster_endpoint",
        "cluster_security_group_id",
        "cluster_certificate_authority",
        "oidc_provider_arn",
        "oidc_issuer_url",
        "node_role_arn",
        "job_role_arns",
        "job_service_accounts",
        "karpenter_controller_role_arn",
        "karpenter_interruption_queue",
        "karpenter_node_role_name",
        "karpenter_instance_profile",
    } <= set(document["output"])
    assert "gpu_pool_names" not in document["output"]  # pools have no node group any more
    assert set(document["output"]["job_role_arns"]["value"]) == {"experiments", "training"}
    # The job roles' lake grants are the ml layer's (see test_the_pools_lake_grants_...).
    policies = {c["name"] for c in _resources(document, "aws_iam_role_policy").values()}
    assert not any(name.startswith("data-lake-") for name in policies)
    assert document["terraform"]["backend"]["s3"]["key"] == "prod/compute.tfstate"


def test_the_pools_lake_grants_live_in_the_ml_layer_so_compute_need_not_wait_for_data(
    synthesized: Path,
) -> None:
    compute = json.loads((synthesized / "prod-compute/cdk.tf.json").read_text())
    ml = json.loads((synthesized / "prod-ml/cdk.tf.json").read_text())
    reads = compute["data"]["terraform_remote_state"]
    assert list(reads) == ["cross-stack-reference-input-prod-network"]
    manifest = json.loads((synthesized.parent / "manifest.json").read_text())["stacks"]
    assert manifest["prod-compute"]["dependencies"] == ["prod-network"]
    assert set(manifest["prod-ml"]["dependencies"]) >= {"prod-data", "prod-compute"}

    # Config: read three zones, write features; on each pool's job role, from compute.
    grants = {
        (policy["name"], policy["role"])
        for policy in _resources(ml, "aws_iam_role_policy").values()
        if policy["name"].startswith("data-lake-")
    }
    role = "${data.terraform_remote_state.cross-stack-reference-input-prod-compute.outputs."
    assert {name for name, _ in grants} == {
        "data-lake-read-raw-curated-features",
        "data-lake-write-features",
    }
    assert all(r.startswith(role) and "-jobs_" in r for _, r in grants)
    assert len({r for _, r in grants}) == 2  # the experiments and training pools


def test_a_pool_whose_scratch_imports_from_the_lake_deploys_after_the_data_layer(
    tmp_path: Path,
) -> None:
    data = yaml.safe_load((ENVIRONMENTS / "prod.yaml").read_text())
    pool = next(iter(data["compute"]["gpu_pools"].values()))
    pool["fsx_scratch"] = {"storage_gib": 1200}
    config = EnvironmentLoader.parse(yaml.safe_dump(data), tmp_path / "prod.yaml")
    PlatformApp([config], outdir=str(tmp_path)).synth()

    manifest = json.loads((tmp_path / "manifest.json").read_text())["stacks"]
    assert set(manifest["prod-compute"]["dependencies"]) == {"prod-network", "prod-data"}


def test_guardrails_catch_an_escape_hatch_that_weakens_the_cluster(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "weakened")
    AwsProvider(stack, "aws", region="us-east-1")
    Guardrails.apply(stack)
    _cluster(stack, Naming("acme", "test"))
    for node in stack.node.find_all():
        if not isinstance(node, TerraformResource):
            continue
        if node.terraform_resource_type == "aws_eks_cluster":
            node.add_override("vpc_config.endpoint_public_access", True)
        if node.terraform_resource_type == "aws_launch_template":
            node.add_override("metadata_options.http_tokens", "optional")

    with pytest.raises(Exception, match="MLP-EKS-1") as caught:
        app.synth()
    assert "MLP-EC2-2" in str(caught.value)
