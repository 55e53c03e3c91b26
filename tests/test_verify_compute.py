"""mlplatform.verify on the compute layer against moto: the cluster, its OIDC provider, the
system node group and Karpenter's AWS side, each changed the way someone would change them
by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlplatform.config import EnvironmentConfig
from mlplatform.emulator.local_aws import LocalAws
from tests.deployed_environment import (
    ACCOUNT,
    Builder,
    build_environment,
    client,
    local_with,
    verifier,
)

CLUSTER = "mlp-local-eks"
SYSTEM = "mlp-local-cpu-system"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlp-local-karpenter-node"


@pytest.fixture
def aws(emulated_aws: LocalAws) -> None:
    """The session's emulator server, emptied; its fixes answer as AWS does."""


@pytest.fixture
def config() -> EnvironmentConfig:
    return local_with()


def _update(group: str, **changes: Any) -> None:
    client("eks").update_nodegroup_config(clusterName=CLUSTER, nodegroupName=group, **changes)


def _system_min_zero(builder: Builder) -> None:
    _update(SYSTEM, scalingConfig={"minSize": 0, "maxSize": 1, "desiredSize": 0})


def _hand_made_group(builder: Builder) -> None:
    client("eks").create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName="big-gpus",
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=builder.private_subnets,
        instanceTypes=["p4d.24xlarge"],
    )


def _forget_oidc_provider(builder: Builder) -> None:
    iam = client("iam")
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])
    issuer = client("eks").describe_cluster(name=CLUSTER)["cluster"]["identity"]["oidc"]["issuer"]
    builder.keys["issuer"] = issuer.removeprefix("https://")


def _stop_audit_logs(builder: Builder) -> None:
    logs = ["api", "authenticator", "controllerManager", "scheduler"]
    client("eks").update_cluster_config(
        name=CLUSTER, logging={"clusterLogging": [{"types": logs, "enabled": True}]}
    )


def _open_api_endpoint(builder: Builder) -> None:
    client("eks").update_cluster_config(
        name=CLUSTER,
        resourcesVpcConfig={"endpointPrivateAccess": True, "endpointPublicAccess": True},
    )


def _eks_key_rotation_off(builder: Builder) -> None:
    kms = client("kms")
    kms.disable_key_rotation(
        KeyId=kms.describe_key(KeyId="alias/mlp-local-eks")["KeyMetadata"]["KeyId"]
    )


def _control_plane_logs_gone(builder: Builder) -> None:
    client("logs").delete_log_group(logGroupName=f"/aws/eks/{CLUSTER}/cluster")


QUEUE = "mlp-local-karpenter-interruptions"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{QUEUE}"


def _queue_url() -> str:
    url: str = client("sqs").get_queue_url(QueueName=QUEUE)["QueueUrl"]
    return url


def _queue_unencrypted(builder: Builder) -> None:
    client("sqs").set_queue_attributes(
        QueueUrl=_queue_url(), Attributes={"SqsManagedSseEnabled": "false"}
    )


def _queue_over_plain_http(builder: Builder) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE_ARN,
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    client("sqs").set_queue_attributes(
        QueueUrl=_queue_url(), Attributes={"Policy": json.dumps(policy)}
    )


def _spot_rule_untargeted(builder: Builder) -> None:
    client("events").remove_targets(
        Rule="mlp-local-karpenter-spot-interruption", Ids=["karpenter-interruption-queue"]
    )


def _controller_trusts_another_account(builder: Builder) -> None:
    iam = client("iam")
    role = "mlp-local-karpenter-controller"
    trust = json.dumps(iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"])
    iam.update_assume_role_policy(
        RoleName=role,
        PolicyDocument=trust.replace("kube-system:karpenter", "kube-system:default"),
    )


def _profile_emptied(builder: Builder) -> None:
    client("iam").remove_role_from_instance_profile(
        InstanceProfileName="mlp-local-karpenter-node", RoleName="mlp-local-karpenter-node"
    )


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (_system_min_zero, f"EKS node group {SYSTEM}: min size is 0, expected 1"),
        (
            _hand_made_group,
            f"EKS cluster {CLUSTER}: node group big-gpus is not in the environment file",
        ),
        (
            _forget_oidc_provider,
            f"OIDC provider <issuer>: not found (IAM does not trust EKS cluster {CLUSTER}'s issuer)",
        ),
        (
            _stop_audit_logs,
            f"EKS cluster {CLUSTER}: control plane logs is "
            "[api, authenticator, controllerManager, scheduler], "
            "expected [api, audit, authenticator, controllerManager, scheduler]",
        ),
        (_open_api_endpoint, f"EKS cluster {CLUSTER}: public API endpoint is true, expected false"),
        (
            _eks_key_rotation_off,
            "KMS key alias/mlp-local-eks: automatic rotation is disabled, expected enabled",
        ),
        (_control_plane_logs_gone, f"log group /aws/eks/{CLUSTER}/cluster: not found"),
        (
            _queue_unencrypted,
            f"SQS queue {QUEUE}: is not encrypted at rest, expected SQS-managed encryption",
        ),
        (
            _queue_over_plain_http,
            f"SQS queue {QUEUE}: its policy does not deny requests without TLS",
        ),
        (
            _spot_rule_untargeted,
            "EventBridge rule mlp-local-karpenter-spot-interruption: targets are none, "
            f"expected {QUEUE_ARN}",
        ),
        (
            _controller_trusts_another_account,
            "IAM role mlp-local-karpenter-controller: trusted service accounts is "
            "[system:serviceaccount:kube-system:default], "
            "expected [system:serviceaccount:kube-system:karpenter]",
        ),
        (
            _profile_emptied,
            "instance profile mlp-local-karpenter-node: roles is [], "
            "expected [mlp-local-karpenter-node]",
        ),
    ],
    ids=[
        "system-min",
        "stray-group",
        "oidc-provider",
        "control-plane-logs",
        "public-endpoint",
        "key-rotation",
        "log-group",
        "queue-encryption",
        "queue-tls",
        "rule-target",
        "controller-trust",
        "instance-profile",
    ],
)
def test_one_change_is_exactly_one_problem(
    aws: None,
    config: EnvironmentConfig,
    breakage: Callable[[Builder], None],
    problem: str,
) -> None:
    builder = build_environment(config)
    breakage(builder)

    for name, value in builder.keys.items():
        problem = problem.replace(f"<{name}>", value)
    assert verifier(config).verify() == [problem]


def test_hardened_launch_template_is_checked_where_the_file_keeps_it(aws: None) -> None:
    config = local_with(
        ("      launch_template: false\n  gpu_pools", "  gpu_pools"),  # the system group's
    )
    builder = build_environment(config)
    assert verifier(config).verify() == [
        f"EKS node group {SYSTEM}: launch template is not set, expected {SYSTEM}"
    ]

    ec2, eks = client("ec2"), client("eks")
    eks.delete_nodegroup(clusterName=CLUSTER, nodegroupName=SYSTEM)
    template = ec2.create_launch_template(
        LaunchTemplateName=SYSTEM,
        LaunchTemplateData={
            "BlockDeviceMappings": [
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": {"VolumeSize": 50, "VolumeType": "gp3", "Encrypted": True},
                }
            ],
            "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 1},
        },
    )["LaunchTemplate"]
    eks.create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName=SYSTEM,
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=builder.private_subnets,
        instanceTypes=["m6i.large"],
        amiType="AL2023_x86_64_STANDARD",
        scalingConfig={"minSize": 1, "maxSize": 1, "desiredSize": 1},
        labels={"mlplatform/node-group": "system"},
        launchTemplate={"id": template["LaunchTemplateId"], "version": "1"},
    )

    assert verifier(config).verify() == [
        f"EKS node group {SYSTEM}: launch template: IMDS tokens is optional, expected required"
    ]


class EksWithAccessApis:
    """moto's EKS plus what it lacks: access entries, the authentication mode and add-ons."""

    def __init__(self, entries: list[str], addons: dict[str, str]) -> None:
        self._eks = client("eks")
        self._entries = entries
        self._addons = addons
        self.groups: dict[str, list[str]] = {}
        """Kubernetes groups by principal (a team deployer's)."""
        self.policies: dict[str, list[str]] = {}
        """Associated access policy ARNs by principal."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._eks, name)

    def describe_cluster(self, **kwargs: Any) -> Any:
        answer = self._eks.describe_cluster(**kwargs)
        answer["cluster"]["accessConfig"] = {"authenticationMode": "API"}
        return answer

    def get_paginator(self, operation: str) -> Any:
        if operation != "list_access_entries":
            return self._eks.get_paginator(operation)
        entries = self._entries

        class Pages:
            def paginate(self, **kwargs: Any) -> Any:
                return self

            def build_full_result(self) -> dict[str, list[str]]:
                return {"accessEntries": entries}

        return Pages()

    def describe_access_entry(self, clusterName: str, principalArn: str) -> Any:  # noqa: N803
        if principalArn not in self._entries:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no entry"}}
            raise ClientError(error, "DescribeAccessEntry")
        kind = "EC2_LINUX" if principalArn == NODE_ROLE else "STANDARD"
        groups = self.groups.get(principalArn, [])
        return {
            "accessEntry": {"principalArn": principalArn, "type": kind, "kubernetesGroups": groups}
        }

    def list_associated_access_policies(self, clusterName: str, principalArn: str) -> Any:  # noqa: N803
        arns = self.policies.get(principalArn, [])
        return {"associatedAccessPolicies": [{"policyArn": arn} for arn in arns]}

    def describe_addon(self, clusterName: str, addonName: str) -> Any:  # noqa: N803
        if addonName not in self._addons:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no add-on"}}
            raise ClientError(error, "DescribeAddon")
        return {"addon": {"addonName": addonName, "addonVersion": self._addons[addonName]}}


def test_access_entries_and_pinned_addons_are_checked_where_the_file_has_them(aws: None) -> None:
    admin = f"arn:aws:iam::{ACCOUNT}:role/mlp-platform-admin"
    config = local_with(
        (
            "    addons: null\n",
            "    addons:\n"
            "      vpc_cni: v1.19.5-eksbuild.1\n"
            "      coredns: v1.12.1-eksbuild.2\n"
            "      kube_proxy: v1.33.0-eksbuild.2\n"
            "      ebs_csi_driver: v1.46.0-eksbuild.1\n",
        ),
        ("    access_entries: false\n", f"    admin_role_arns: [{admin}]\n"),
    )
    build_environment(config)
    deployed = {
        "vpc-cni": "v1.19.5-eksbuild.1",
        "coredns": "v1.12.1-eksbuild.2",
        "kube-proxy": "v1.33.0-eksbuild.2",
        "aws-ebs-csi-driver": "v1.46.0-eksbuild.1",
        "amazon-cloudwatch-observability": "v4.5.0-eksbuild.1",  # the default pin
    }

    def clients(eks: EksWithAccessApis) -> Callable[[str], Any]:
        return lambda service: eks if service == "eks" else client(service)

    entries = [admin, NODE_ROLE]
    assert verifier(config, clients(EksWithAccessApis(entries, deployed))).verify() == []

    drifted = {**deployed, "coredns": "v1.11.4-eksbuild.1"}
    del drifted["aws-ebs-csi-driver"]
    assert verifier(config, clients(EksWithAccessApis([], drifted))).verify() == [
        f"EKS cluster {CLUSTER}: access entry for {admin} is missing",
        f"EKS cluster {CLUSTER}: add-on coredns: version is v1.11.4-eksbuild.1, "
        "expected v1.12.1-eksbuild.2",
        f"EKS cluster {CLUSTER}: add-on aws-ebs-csi-driver: not found",
        f"EKS cluster {CLUSTER}: access entry for {NODE_ROLE}: not found "
        "(Karpenter's nodes could not join)",
    ]


def test_a_team_deployer_is_checked_in_its_group_with_no_access_policy(aws: None) -> None:
    deploy = f"arn:aws:iam::{ACCOUNT}:role/ranking-deploy"
    config = local_with(
        ("    access_entries: false\n", f"    team_deployers: {{ranking: [{deploy}]}}\n")
    )
    build_environment(config)
    eks = EksWithAccessApis([NODE_ROLE, deploy], {})
    eks.groups = {deploy: ["mlplatform:team:ranking"]}
    eks.policies = {}

    def clients(service: str) -> Any:
        return eks if service == "eks" else client(service)

    assert [p for p in verifier(config, clients).verify() if deploy in p] == []

    eks.groups = {deploy: ["system:masters"]}
    eks.policies = {deploy: ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"]}
    assert [p for p in verifier(config, clients).verify() if deploy in p] == [
        f"EKS cluster {CLUSTER}: access entry for {deploy}: Kubernetes groups is "
        "[system:masters], expected [mlplatform:team:ranking]",
        f"EKS cluster {CLUSTER}: access entry for {deploy}: has EKS access policies "
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy; team ranking's "
        "deploy may install its pools only (remove the association)",
    ]
    eks._entries = [NODE_ROLE]
    assert [p for p in verifier(config, clients).verify() if deploy in p] == [
        f"EKS cluster {CLUSTER}: access entry for {deploy}: not found (team ranking's deploy "
        "could not install its GPU pools)"
    ]


def test_access_entries_and_addons_are_not_checked_where_the_file_turns_them_off(
    aws: None, config: EnvironmentConfig
) -> None:
    assert config.compute is not None
    assert config.compute.cluster.addons is None and not config.compute.cluster.access_entries
    build_environment(config)

    # moto has neither API: a check would raise or report; the emulator's file turns both off.
    assert verifier(config).verify() == []
