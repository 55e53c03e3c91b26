"""Engine-neutral compute decisions: the GPU catalog, labels and taints, IRSA and node policies,
and the EKS/EC2 guardrail rules. Pure Python: nothing here imports cdktf or the AWS bindings.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from mlplatform.catalogs.cpu import CPU_FAMILIES, cpu_instance_type, is_cpu_instance_type
from mlplatform.catalogs.gpu import (
    ACCELERATOR_FAMILIES,
    accelerator_type,
    cpu_ami_type,
    is_accelerator_type,
    siblings,
)
from mlplatform.decisions.policies import (
    aws_managed_policy_arn,
    eks_access_policy_arn,
    eks_node_managed_policies,
    eks_secrets_encryption_policy,
    irsa_trust_policy,
)
from mlplatform.decisions.scheduling import Taint, gpu_pool_labels, gpu_pool_taints
from mlplatform.guardrails import RULES, Resources

PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
ISSUER_HOST = "oidc.eks.us-east-1.amazonaws.com/id/ABC"


def _aws_instance_types() -> dict[str, Any]:
    """EC2 DescribeInstanceTypes data, as shipped with the emulator (a dev dependency)."""
    spec = importlib.util.find_spec("moto")
    assert spec is not None and spec.submodule_search_locations
    path = (
        Path(next(iter(spec.submodule_search_locations))) / "ec2/resources/instance_types.json.gz"
    )
    with gzip.open(path) as data:
        types: dict[str, Any] = json.load(data)
    return types


# --------------------------------------------------------------------------- GPU catalog


def test_every_catalog_row_agrees_with_aws_instance_type_data() -> None:
    aws = _aws_instance_types()
    checked = 0
    for family, (vendor, model, sizes) in ACCELERATOR_FAMILIES.items():
        for size, (count, efa) in sizes.items():
            name = f"{family}.{size}"
            info = aws[name]
            if vendor == "nvidia":
                (gpu,) = info["GpuInfo"]["Gpus"]
                assert (gpu["Manufacturer"], gpu["Name"], gpu["Count"]) == ("NVIDIA", model, count)
            else:
                (device,) = info["NeuronInfo"]["NeuronDevices"]
                assert (device["Name"], device["Count"]) == (model, count)
            network = info["NetworkInfo"]
            expected_efa = (
                network["EfaInfo"]["MaximumEfaInterfaces"] if network["EfaSupported"] else 0
            )
            assert efa == expected_efa, name
            assert "x86_64" in info["ProcessorInfo"]["SupportedArchitectures"], name
            checked += 1
    assert checked > 40


@pytest.mark.parametrize(
    ("instance_type", "ami_type", "resource", "count", "efa"),
    [
        ("g5.2xlarge", "AL2023_x86_64_NVIDIA", "nvidia.com/gpu", 1, 0),
        ("g6e.48xlarge", "AL2023_x86_64_NVIDIA", "nvidia.com/gpu", 8, 4),
        ("p4d.24xlarge", "AL2023_x86_64_NVIDIA", "nvidia.com/gpu", 8, 4),
        ("p5.48xlarge", "AL2023_x86_64_NVIDIA", "nvidia.com/gpu", 8, 32),
        ("trn1.32xlarge", "AL2023_x86_64_NEURON", "aws.amazon.com/neuron", 16, 8),
        ("inf2.xlarge", "AL2023_x86_64_NEURON", "aws.amazon.com/neuron", 1, 0),
    ],
)
def test_ami_type_and_resource_follow_the_instance_family(
    instance_type: str, ami_type: str, resource: str, count: int, efa: int
) -> None:
    row = accelerator_type(instance_type)

    assert row.ami_type == ami_type
    assert row.resource_name == resource
    assert row.count == count
    assert row.efa_interfaces == efa
    assert row.supports_efa is (efa > 0)


@pytest.mark.parametrize(
    "instance_type", ["m5.large", "g5.3xlarge", "c7g.xlarge", "G5.XLARGE", "g5"]
)
def test_non_gpu_and_unknown_types_are_not_in_the_catalog(instance_type: str) -> None:
    assert not is_accelerator_type(instance_type)
    with pytest.raises(ValueError, match="not a known GPU or accelerator instance type"):
        accelerator_type(instance_type)


def test_siblings_offer_same_family_types_with_the_same_gpu_count() -> None:
    assert siblings("g5.2xlarge") == ["g5.xlarge", "g5.4xlarge", "g5.8xlarge", "g5.16xlarge"]
    assert siblings("g5.12xlarge") == ["g5.24xlarge"]
    assert siblings("p4d.24xlarge") == []


@pytest.mark.parametrize(
    ("types", "ami_type"),
    [
        (["m6i.large"], "AL2023_x86_64_STANDARD"),
        (["m6i.2xlarge", "m6a.2xlarge", "m7i-flex.large"], "AL2023_x86_64_STANDARD"),
        (["m7g.xlarge", "c7gn.large", "r6gd.large", "t4g.medium"], "AL2023_ARM_64_STANDARD"),
    ],
)
def test_cpu_ami_type_follows_the_architecture(types: list[str], ami_type: str) -> None:
    assert cpu_ami_type(types) == ami_type


def test_cpu_ami_type_refuses_mixed_architectures() -> None:
    with pytest.raises(ValueError, match="mix arm64"):
        cpu_ami_type(["m7g.large", "m7i.large"])


# --------------------------------------------------------------------------- CPU catalog


def test_every_cpu_catalog_row_agrees_with_aws_instance_type_data() -> None:
    aws = _aws_instance_types()
    checked = 0
    for family, (architecture, _, sizes) in CPU_FAMILIES.items():
        for size in sizes:
            name = f"{family}.{size}"
            info = aws[name]
            assert architecture in info["ProcessorInfo"]["SupportedArchitectures"], name
            assert "GpuInfo" not in info and "NeuronInfo" not in info, name
            assert not is_accelerator_type(name), name
            # The node group's AMI follows the same architecture as the table says.
            expected = (
                "AL2023_ARM_64_STANDARD" if architecture == "arm64" else "AL2023_x86_64_STANDARD"
            )
            assert cpu_ami_type([name]) == expected, name
            checked += 1
    assert checked > 400


def test_cpu_catalog_lists_every_size_aws_has_of_its_families() -> None:
    aws = _aws_instance_types()
    for family, (_, _, sizes) in CPU_FAMILIES.items():
        known = {name.split(".", 1)[1] for name in aws if name.split(".", 1)[0] == family}
        assert set(sizes) == known, family


@pytest.mark.parametrize(
    ("instance_type", "message"),
    [
        (
            "p99.mega",
            "'p99.mega' is not a CPU instance type the platform runs nodes on; use a general "
            "purpose (m6i.large, m7g.large), compute optimized (c6i.large, c7g.large) or memory "
            "optimized (r6i.large, r7g.large) type, or add its family to mlplatform.catalogs.cpu",
        ),
        (
            "m6i.hugeish",
            "'m6i.hugeish' is not a size of m6i; did you mean m6i.large? m6i comes in large, "
            "xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge, metal",
        ),
        (
            "m7.large",
            "'m7.large' is not a CPU instance type the platform runs nodes on; did you mean "
            "m7i.large, m7g.large or m7a.large? (allowed families: mlplatform.catalogs.cpu)",
        ),
        (
            "t3.medium",
            "'t3.medium' is burstable: a node out of CPU credits slows every pod on it; use a "
            "small fixed-performance type such as m7g.medium, m7i-flex.large or m6i.large",
        ),
    ],
)
def test_unknown_cpu_types_are_refused_with_the_closest_valid_ones(
    instance_type: str, message: str
) -> None:
    assert not is_cpu_instance_type(instance_type)
    with pytest.raises(ValueError) as caught:
        cpu_instance_type(instance_type)
    assert str(caught.value) == message


def test_cpu_catalog_knows_architecture_and_category() -> None:
    graviton = cpu_instance_type("c7g.xlarge")
    intel = cpu_instance_type("r7i.metal-24xl")

    assert (graviton.family, graviton.architecture, graviton.category) == (
        "c7g",
        "arm64",
        "compute optimized",
    )
    assert (intel.family, intel.architecture, intel.category) == (
        "r7i",
        "x86_64",
        "memory optimized",
    )


# --------------------------------------------------------------------------- labels, taints, tags


def test_gpu_taint_keeps_cpu_work_off_nvidia_nodes() -> None:
    (taint,) = gpu_pool_taints([accelerator_type("g5.2xlarge"), accelerator_type("g6.2xlarge")])

    assert str(taint) == "nvidia.com/gpu=true:NoSchedule"
    assert taint.eks_effect == "NO_SCHEDULE"


def test_neuron_pools_are_tainted_on_the_neuron_resource() -> None:
    assert gpu_pool_taints([accelerator_type("trn1.32xlarge")]) == [
        Taint("aws.amazon.com/neuron", "true", "NoSchedule")
    ]


def test_labels_name_pool_families_and_gpu_count() -> None:
    labels = gpu_pool_labels(
        "experiments", [accelerator_type("g6.4xlarge"), accelerator_type("g5.2xlarge")]
    )

    assert labels == {
        "mlplatform/pool": "experiments",
        "mlplatform/gpu-family": "g5-g6",
        "mlplatform/accelerator-count": "1",
        "nvidia.com/gpu.count": "1",
    }


def test_neuron_labels_have_no_nvidia_count() -> None:
    labels = gpu_pool_labels("neuron", [accelerator_type("trn1.32xlarge")])

    assert labels["mlplatform/accelerator-count"] == "16"
    assert "nvidia.com/gpu.count" not in labels


def test_labels_refuse_pools_whose_types_differ_in_gpu_count() -> None:
    with pytest.raises(ValueError, match="same accelerator count"):
        gpu_pool_labels("mixed", [accelerator_type("g5.2xlarge"), accelerator_type("g5.12xlarge")])


# --------------------------------------------------------------------------- IAM


def test_irsa_trust_admits_exactly_one_service_account_for_sts() -> None:
    policy = irsa_trust_policy(PROVIDER_ARN, ISSUER_HOST, "training", "ranking-jobs")

    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Federated": PROVIDER_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{ISSUER_HOST}:sub": "system:serviceaccount:training:ranking-jobs",
            f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
        }
    }
    assert "*" not in json.dumps(statement)


def test_nodes_get_only_join_and_pull_policies_unless_the_cni_runs_on_the_node_role() -> None:
    assert eks_node_managed_policies(cni_on_node_role=False) == (
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryPullOnly",
    )
    assert eks_node_managed_policies(cni_on_node_role=True)[-1] == "AmazonEKS_CNI_Policy"


def test_policy_arns_follow_the_partition() -> None:
    assert (
        aws_managed_policy_arn("aws-cn", "AmazonEKSWorkerNodePolicy")
        == "arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodePolicy"
    )
    assert (
        eks_access_policy_arn("aws", "AmazonEKSClusterAdminPolicy")
        == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    )


def test_secrets_encryption_policy_is_scoped_to_the_cluster_key() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/abcd"
    (statement,) = eks_secrets_encryption_policy(key)["Statement"]

    assert statement["Resource"] == [key]
    assert set(statement["Action"]) == {
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ListGrants",
        "kms:DescribeKey",
    }


# --------------------------------------------------------------------------- guardrail rules


def _findings(rule_id: str, resources: Resources) -> list[str]:
    (rule,) = [r for r in RULES if r.id == rule_id]
    return [f.resource for f in rule.check(resources)]


def _cluster(vpc_config: dict[str, Any], **extra: Any) -> Resources:
    encryption = {"resources": ["secrets"], "provider": {"key_arn": "${aws_kms_key.k.arn}"}}
    return {
        "aws_eks_cluster": {
            "c": {"vpc_config": vpc_config, "encryption_config": encryption, **extra}
        }
    }


@pytest.mark.parametrize(
    ("vpc_config", "finds"),
    [
        ({"endpoint_public_access": False}, False),
        ({"endpoint_public_access": True, "public_access_cidrs": ["198.51.100.0/24"]}, False),
        ({"endpoint_public_access": True}, True),
        ({"endpoint_public_access": True, "public_access_cidrs": ["0.0.0.0/0"]}, True),
        ({}, True),  # EKS's default is a public endpoint open to everyone
    ],
)
def test_mlp_eks_1_flags_public_endpoints_without_allowlist(
    vpc_config: dict[str, Any], finds: bool
) -> None:
    assert _findings("MLP-EKS-1", _cluster(vpc_config)) == (["aws_eks_cluster.c"] if finds else [])


def test_mlp_eks_2_flags_clusters_without_secrets_encryption() -> None:
    resources = _cluster({"endpoint_public_access": False})
    assert _findings("MLP-EKS-2", resources) == []
    del resources["aws_eks_cluster"]["c"]["encryption_config"]
    assert _findings("MLP-EKS-2", resources) == ["aws_eks_cluster.c"]


def test_mlp_ec2_2_and_3_flag_launch_templates_without_imdsv2_or_encryption() -> None:
    good = {
        "metadata_options": {"http_tokens": "required"},
        "block_device_mappings": [{"ebs": {"encrypted": "true"}}],
    }
    bad = {
        "metadata_options": {"http_tokens": "optional"},
        "block_device_mappings": [{"ebs": {"encrypted": "false"}}],
    }
    resources: Resources = {"aws_launch_template": {"good": good, "bad": bad, "bare": {}}}

    assert _findings("MLP-EC2-2", resources) == [
        "aws_launch_template.bad",
        "aws_launch_template.bare",
    ]
    assert _findings("MLP-EC2-3", resources) == ["aws_launch_template.bad"]
