"""EKS: the cluster's and nodes' managed policies, access policies, IRSA trust, secrets encryption."""

from __future__ import annotations

from mlplatform.decisions import arns
from mlplatform.decisions.policies.documents import PolicyDocument, allow, policy_document

__all__ = [
    "CLOUDWATCH_AGENT_POLICY",
    "EBS_CSI_DRIVER_POLICY",
    "EKS_CLUSTER_ADMIN_ACCESS_POLICY",
    "EKS_CLUSTER_MANAGED_POLICIES",
    "EKS_CNI_POLICY",
    "eks_access_policy_arn",
    "eks_node_managed_policies",
    "eks_secrets_encryption_policy",
    "irsa_trust_policy",
]

EKS_CLUSTER_MANAGED_POLICIES = ("AmazonEKSClusterPolicy",)
"""What the EKS control plane's role needs; nothing else is attached to it."""
EKS_CNI_POLICY = "AmazonEKS_CNI_Policy"
"""Lets the VPC CNI (``kube-system/aws-node``) assign pod IPs."""
EBS_CSI_DRIVER_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
"""Lets the EBS CSI controller create and attach volumes for persistent volume claims."""
CLOUDWATCH_AGENT_POLICY = "CloudWatchAgentServerPolicy"
"""Lets the CloudWatch observability add-on's agent put metrics and logs (and read EC2 tags)."""
EKS_CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"
"""EKS access policy for the cluster's administrators (cluster-admin in Kubernetes RBAC)."""


def eks_access_policy_arn(partition: str, name: str) -> str:
    """ARN of an EKS access policy (these are not IAM policies), for access entries."""
    return arns.eks_access_policy(partition, name)


def eks_node_managed_policies(cni_on_node_role: bool) -> tuple[str, ...]:
    """The AWS managed policies a worker node's role needs, and no more.

    Nodes join the cluster (``AmazonEKSWorkerNodePolicy``) and pull images
    (``AmazonEC2ContainerRegistryPullOnly``: pull, never push). The CNI policy
    belongs on the ``aws-node`` service account's own role (IRSA), so pods on
    the node cannot borrow it; only when EKS runs its self-installed CNI,
    which uses the node's credentials, must the node role carry it.
    """
    base = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
    return (*base, EKS_CNI_POLICY) if cni_on_node_role else base


def irsa_trust_policy(
    oidc_provider_arn: str, oidc_issuer_host: str, namespace: str, service_account: str
) -> PolicyDocument:
    """Trust policy of an IRSA role: only one Kubernetes service account may assume it.

    ``oidc_issuer_host`` is the cluster's issuer URL without ``https://``. Both
    ``sub`` (exactly ``system:serviceaccount:<namespace>:<name>``, no
    wildcards) and ``aud`` (STS) are pinned, so no other pod of the cluster,
    and no token minted for another audience, gets the role.
    """
    return policy_document(
        [
            {
                "Sid": "OneServiceAccountOnly",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{oidc_issuer_host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{oidc_issuer_host}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ]
    )


def eks_secrets_encryption_policy(key_arn: str) -> PolicyDocument:
    """What the cluster role needs to envelope-encrypt Kubernetes secrets with one key."""
    return policy_document(
        [
            allow(
                "EncryptClusterSecrets",
                ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                [key_arn],
            )
        ]
    )
