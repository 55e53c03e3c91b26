"""KarpenterController: the AWS side of Karpenter in the compute layer, as Terraform JSON.

The policy's decisions are tested in tests/test_karpenter_policies.py; these
tests show the construct wires them to this cluster's resources: the role only
``kube-system/karpenter`` may assume, the queue the rules feed, the node role
in the instance profile and its access entry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdktf import TerraformOutput, TerraformStack, Testing

from mlplatform.config import ComputeClusterProps
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.karpenter_controller import KarpenterController
from mlplatform.decisions.naming import Naming
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from tests.test_compute_constructs import ADDONS, PLACEMENT

ENVIRONMENTS = Path(__file__).resolve().parents[1] / "environments"
CLUSTER = "${aws_eks_cluster.cluster_A4C38409"
Json = dict[str, Any]
PROPERTIES = (
    "controller_role_arn",
    "interruption_queue_name",
    "interruption_queue_arn",
    "node_role_name",
    "node_role_arn",
    "instance_profile_name",
)


def _karpenter(
    stack: TerraformStack, naming: Naming, **changes: Any
) -> tuple[KarpenterController, Json]:
    props: Json = {"kubernetes_version": "1.33", "addons": ADDONS, "admin_role_arns": ()}
    props.update(changes)
    cluster = ComputeCluster(
        stack, "cluster", naming=naming, props=ComputeClusterProps(**props), placement=PLACEMENT
    )
    karpenter = KarpenterController(stack, "karpenter", cluster=cluster, naming=naming)
    for name in PROPERTIES:  # what the properties resolve to, read back from the outputs
        TerraformOutput(stack, name, value=getattr(karpenter, name))
    document: Json = json.loads(Testing.synth(stack))
    return karpenter, document


def _property(document: Json, name: str) -> Any:
    return document["output"][name]["value"]


def _of(document: Json, kind: str, where: str = "karpenter_") -> dict[str, Json]:
    return {n: c for n, c in document["resource"].get(kind, {}).items() if n.startswith(where)}


def _ref(document: Json, kind: str, where: str, attribute: str) -> str:
    (name,) = [n for n in document["resource"][kind] if where in n]
    return f"${{{kind}.{name}.{attribute}}}"


def test_only_the_karpenter_service_account_assumes_the_controller_role(
    stack: TerraformStack, naming: Naming
) -> None:
    karpenter, document = _karpenter(stack, naming)

    (role,) = [
        r
        for r in document["resource"]["aws_iam_role"].values()
        if "karpenter-controller" in r["name"]
    ]
    assert role["name"] == "acme-test-karpenter-controller"
    issuer = f'${{replace({CLUSTER[2:]}.identity[0].oidc[0].issuer, "https://", "")}}'
    (trust,) = json.loads(role["assume_role_policy"].replace(issuer, "ISSUER"))["Statement"]
    assert trust["Condition"] == {
        "StringEquals": {
            "ISSUER:sub": "system:serviceaccount:kube-system:karpenter",
            "ISSUER:aud": "sts.amazonaws.com",
        }
    }
    assert karpenter.service_account == ("kube-system", "karpenter")
    assert _property(document, "controller_role_arn") == _ref(
        document, "aws_iam_role", "irsa-kube-system-karpenter", "arn"
    )


def test_the_controller_policy_names_this_cluster_queue_node_role_and_profile(
    stack: TerraformStack, naming: Naming
) -> None:
    _, document = _karpenter(stack, naming)

    (attached,) = _of(document, "aws_iam_role_policy").values()
    assert attached["role"] == _ref(document, "aws_iam_role", "irsa-kube-system-karpenter", "name")
    policy = json.loads(attached["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ConsumeTheInterruptionQueue"]["Resource"] == _ref(
        document, "aws_sqs_queue", "karpenter_", "arn"
    )
    assert by_sid["PassOnlyTheNodeRoleToEc2"]["Resource"] == _ref(
        document, "aws_iam_role", "karpenter_node-role", "arn"
    )
    assert by_sid["ReadTheNodeInstanceProfile"]["Resource"] == _ref(
        document, "aws_iam_instance_profile", "karpenter_", "arn"
    )
    assert by_sid["DiscoverTheApiServer"]["Resource"] == f"{CLUSTER}.arn}}"
    owned = by_sid["DeleteOnlyOwned"]["Condition"]["StringEquals"]
    assert owned == {f"aws:ResourceTag/kubernetes.io/cluster/{CLUSTER}.name}}": "owned"}
    assert "arn:aws:" not in attached["policy"]  # the partition comes from the provider


def test_the_interruption_queue_is_encrypted_short_lived_and_fed_by_five_rules(
    stack: TerraformStack, naming: Naming
) -> None:
    _, document = _karpenter(stack, naming)

    (queue,) = _of(document, "aws_sqs_queue").values()
    assert queue["name"] == "acme-test-karpenter-interruptions"
    assert queue["message_retention_seconds"] == 300
    assert queue["sqs_managed_sse_enabled"] is True
    queue_arn = _ref(document, "aws_sqs_queue", "karpenter_", "arn")
    # The policy is the queue's own attribute (one settle-wait, not two), naming the queue's
    # ARN as AWS will make it: this account, region and partition, and the queue's name.
    assert not _of(document, "aws_sqs_queue_policy")
    statements = json.loads(queue["policy"])["Statement"]
    assert {s["Effect"] for s in statements} == {"Allow", "Deny"}
    [resource] = {s["Resource"] for s in statements}
    assert (
        resource.startswith("arn:${data.aws_partition.") and ":sqs:${data.aws_region." in resource
    )
    assert resource.endswith(":acme-test-karpenter-interruptions")
    assert ".account_id}:" in resource

    rules = _of(document, "aws_cloudwatch_event_rule")
    assert sorted(r["name"] for r in rules.values()) == [
        "acme-test-karpenter-capacity-reservation-interruption",
        "acme-test-karpenter-instance-state-change",
        "acme-test-karpenter-rebalance",
        "acme-test-karpenter-scheduled-change",
        "acme-test-karpenter-spot-interruption",
    ]
    targets = _of(document, "aws_cloudwatch_event_target").values()
    assert sorted(t["rule"] for t in targets) == sorted(
        f"${{aws_cloudwatch_event_rule.{n}.name}}" for n in rules
    )
    assert {t["arn"] for t in targets} == {queue_arn}
    assert _property(document, "interruption_queue_name") == queue_arn.replace(".arn}", ".name}")
    assert _property(document, "interruption_queue_arn") == queue_arn


def test_nodes_get_a_role_of_their_own_in_the_profile_with_an_ec2_linux_entry(
    stack: TerraformStack, naming: Naming
) -> None:
    _, document = _karpenter(stack, naming)

    (role,) = _of(document, "aws_iam_role", "karpenter_node-role").values()
    assert role["name"] == "acme-test-karpenter-node"
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com"}
    policies = sorted(
        a["policy_arn"].rsplit("/", 1)[1]
        for a in _of(document, "aws_iam_role_policy_attachment").values()
    )
    # the CNI runs on its own IRSA role, so nodes do not carry its policy
    assert policies == ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy"]
    role_name = _ref(document, "aws_iam_role", "karpenter_node-role", "name")
    (profile,) = _of(document, "aws_iam_instance_profile").values()
    assert (profile["name"], profile["role"]) == ("acme-test-karpenter-node", role_name)
    (entry,) = _of(document, "aws_eks_access_entry").values()
    assert {k: v for k, v in entry.items() if k != "//"} == {
        "cluster_name": f"{CLUSTER}.name}}",
        "principal_arn": _ref(document, "aws_iam_role", "karpenter_node-role", "arn"),
        "type": "EC2_LINUX",
    }
    assert _property(document, "node_role_name") == role_name
    assert _property(document, "node_role_arn") == role_name.replace(".name}", ".arn}")
    assert _property(document, "instance_profile_name") == _ref(
        document, "aws_iam_instance_profile", "karpenter_", "name"
    )


def test_without_managed_addons_or_access_entries_the_nodes_follow_the_cluster(
    stack: TerraformStack, naming: Naming
) -> None:
    _, document = _karpenter(stack, naming, addons=None, access_entries=False)

    policies = {
        a["policy_arn"].rsplit("/", 1)[1]
        for a in _of(document, "aws_iam_role_policy_attachment").values()
    }
    assert "AmazonEKS_CNI_Policy" in policies  # EKS's own CNI uses the node's credentials
    assert _of(document, "aws_eks_access_entry") == {}  # the cluster has no access entries


def test_the_compute_stack_has_karpenter_exactly_when_there_are_gpu_pools(tmp_path: Path) -> None:
    prod = EnvironmentLoader(ENVIRONMENTS).load("prod")
    no_pools = prod.model_copy(
        update={"compute": prod.compute.model_copy(update={"gpu_pools": {}})}  # type: ignore[union-attr]
    )
    app = PlatformApp([prod], outdir=str(tmp_path / "prod"))
    app.synth()
    PlatformApp([no_pools], outdir=str(tmp_path / "bare")).synth()

    with_pools = json.loads((tmp_path / "prod/stacks/prod-compute/cdk.tf.json").read_text())
    without = json.loads((tmp_path / "bare/stacks/prod-compute/cdk.tf.json").read_text())
    karpenter_outputs = {
        "karpenter_controller_role_arn",
        "karpenter_interruption_queue",
        "karpenter_node_role_name",
        "karpenter_instance_profile",
    }
    assert karpenter_outputs <= set(with_pools["output"])
    assert not karpenter_outputs & set(without["output"])
    assert "aws_sqs_queue" not in without["resource"]
    assert with_pools["output"]["cluster_certificate_authority"]["value"] == (
        f"{CLUSTER}.certificate_authority[0].data}}"
    )
