"""IAM, bucket and key policy documents as plain dicts.

These are decisions, not Terraform: a second engine (Pulumi) or a unit test
can call them without cdktf. Arguments may be literal ARNs or cdktf tokens;
the functions only place them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "EBS_CSI_DRIVER_POLICY",
    "EKS_CLUSTER_ADMIN_ACCESS_POLICY",
    "EKS_CLUSTER_MANAGED_POLICIES",
    "EKS_CNI_POLICY",
    "PolicyDocument",
    "aws_managed_policy_arn",
    "cloudwatch_logs_key_statement",
    "eks_access_policy_arn",
    "eks_node_managed_policies",
    "eks_secrets_encryption_policy",
    "flow_logs_delivery_policy",
    "irsa_trust_policy",
    "kms_key_policy",
    "s3_access_log_delivery_policy",
    "s3_read_statements",
    "s3_write_statements",
    "service_trust_policy",
    "tls_only_bucket_policy",
]

PolicyDocument = dict[str, Any]

S3_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging")
S3_LIST_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
S3_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)


def _document(statements: Sequence[dict[str, Any]]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def tls_only_bucket_policy(bucket_arn: str, extra: Sequence[dict[str, Any]] = ()) -> PolicyDocument:
    """Deny every request to the bucket that does not use TLS 1.2 or newer.

    ``{"AWS": "*"}`` is IAM's equivalent of ``"*"`` (everyone); it is spelled
    this way because the emulator's log-delivery check cannot read the short form.
    """
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return _document(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutdatedTls",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
            *extra,
        ]
    )


def s3_access_log_delivery_policy(log_bucket_arn: str, account_id: str) -> PolicyDocument:
    """TLS-only policy for a log bucket that also lets S3 deliver server access logs.

    With ownership enforced, ACL-based log delivery is gone; the logging
    service principal needs this statement instead, scoped to our account.
    """
    return tls_only_bucket_policy(
        log_bucket_arn,
        extra=[
            {
                "Sid": "AllowS3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{log_bucket_arn}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    )


def kms_key_policy(
    account_id: str, partition: str, service_statements: Sequence[dict[str, Any]] = ()
) -> PolicyDocument:
    """Key policy: the account administers the key through IAM; listed services may use it."""
    return _document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            *service_statements,
        ]
    )


def cloudwatch_logs_key_statement(account_id: str, partition: str, region: str) -> dict[str, Any]:
    """Lets CloudWatch Logs encrypt log groups of this account and region with the key."""
    return {
        "Sid": "AllowCloudWatchLogs",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": [
            "kms:Encrypt*",
            "kms:Decrypt*",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:Describe*",
        ],
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:*"
            }
        },
    }


def service_trust_policy(service: str, account_id: str | None = None) -> PolicyDocument:
    """Trust policy letting one AWS service assume a role (optionally only for our account)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if account_id is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return _document([statement])


def flow_logs_delivery_policy(log_group_arn: str) -> PolicyDocument:
    """What the VPC flow logs service needs to write into one log group, and nothing more."""
    return _document(
        [
            {
                "Sid": "WriteFlowLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            }
        ]
    )


def s3_read_statements(bucket_arns: Sequence[str], key_arn: str) -> list[dict[str, Any]]:
    """Least-privilege read of whole buckets, with the KMS decrypt that goes with SSE-KMS."""
    return [
        {
            "Sid": "ListLakeBuckets",
            "Effect": "Allow",
            "Action": list(S3_LIST_ACTIONS),
            "Resource": list(bucket_arns),
        },
        {
            "Sid": "ReadLakeObjects",
            "Effect": "Allow",
            "Action": list(S3_READ_ACTIONS),
            "Resource": [f"{arn}/*" for arn in bucket_arns],
        },
        {
            "Sid": "DecryptLakeObjects",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": [key_arn],
        },
    ]


def s3_write_statements(bucket_arns: Sequence[str], key_arn: str) -> list[dict[str, Any]]:
    """Least-privilege write (no delete, no policy changes), with the KMS data keys it needs."""
    return [
        {
            "Sid": "ListLakeBucketsForWrite",
            "Effect": "Allow",
            "Action": list(S3_LIST_ACTIONS),
            "Resource": list(bucket_arns),
        },
        {
            "Sid": "WriteLakeObjects",
            "Effect": "Allow",
            "Action": list(S3_WRITE_ACTIONS),
            "Resource": [f"{arn}/*" for arn in bucket_arns],
        },
        {
            "Sid": "EncryptLakeObjects",
            "Effect": "Allow",
            # Decrypt is needed to complete multipart uploads of SSE-KMS objects.
            "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": [key_arn],
        },
    ]


# --------------------------------------------------------------------------- EKS
EKS_CLUSTER_MANAGED_POLICIES = ("AmazonEKSClusterPolicy",)
"""What the EKS control plane's role needs; nothing else is attached to it."""
EKS_CNI_POLICY = "AmazonEKS_CNI_Policy"
"""Lets the VPC CNI (``kube-system/aws-node``) assign pod IPs."""
EBS_CSI_DRIVER_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
"""Lets the EBS CSI controller create and attach volumes for persistent volume claims."""
EKS_CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"
"""EKS access policy for the cluster's administrators (cluster-admin in Kubernetes RBAC)."""


def aws_managed_policy_arn(partition: str, name: str) -> str:
    """ARN of an AWS managed IAM policy, e.g. ``AmazonEKSWorkerNodePolicy``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def eks_access_policy_arn(partition: str, name: str) -> str:
    """ARN of an EKS access policy (these are not IAM policies), for access entries."""
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


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
    return _document(
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
    return _document(
        [
            {
                "Sid": "EncryptClusterSecrets",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                "Resource": [key_arn],
            }
        ]
    )
