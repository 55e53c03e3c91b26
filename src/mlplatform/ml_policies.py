"""Policy documents of the ml layer (registry grants, serving roles, ECR lifecycle) as plain dicts.

Decisions, not Terraform, like :mod:`mlplatform.policies`: a second engine or a
unit test calls them without cdktf. Arguments may be literal ARNs or cdktf
tokens; the functions only place them.

Least privilege is the point of every function here:

- Artifacts are granted per model family prefix (``<family>/*``), never the
  whole bucket; listing is limited to the same prefixes by condition.
- Metadata rows are granted per family through ``dynamodb:LeadingKeys``, so a
  role that publishes ``ranker`` cannot overwrite ``search``'s versions.
- Images are granted per repository. ``ecr:GetAuthorizationToken`` and
  ``cloudwatch:PutMetricData`` are on ``"*"``: IAM offers no resource-level
  permission for them (the token alone opens no repository, and metric
  publishing is held to one namespace by condition). So are the network
  interface actions an endpoint in a VPC needs (:data:`VPC_ACCESS_ACTIONS`),
  as SageMaker documents them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlplatform.policies import PolicyDocument

__all__ = [
    "ARTIFACT_READ_ACTIONS",
    "ARTIFACT_WRITE_ACTIONS",
    "ECR_PULL_ACTIONS",
    "ECR_PUSH_ACTIONS",
    "METADATA_WRITE_ACTIONS",
    "MODEL_PACKAGE_ACTIONS",
    "STAR_ONLY_ACTIONS",
    "VPC_ACCESS_ACTIONS",
    "alarm_topic_key_statement",
    "data_capture_statements",
    "ecr_lifecycle_policy",
    "endpoint_logging_statements",
    "policy_document",
    "registry_publish_statements",
    "registry_read_statements",
    "vpc_access_statements",
]

Statement = dict[str, Any]

ARTIFACT_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
ARTIFACT_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
ECR_PUSH_ACTIONS = (
    *ECR_PULL_ACTIONS,
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
# GetItem and Query let a publisher check which versions exist before it writes.
METADATA_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
)
MODEL_PACKAGE_ACTIONS = (
    "sagemaker:CreateModelPackage",
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
)
# SageMaker creates the network interfaces of a VPC-attached endpoint as the execution role.
VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
STAR_ONLY_ACTIONS = frozenset(
    {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData", *VPC_ACCESS_ACTIONS}
)
"""The only actions any policy here grants on ``"*"``; tests hold every grant to this."""
# SageMaker's endpoint agent publishes instance metrics (CPU, memory, disk) here.
ENDPOINT_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints"


def policy_document(statements: Sequence[Statement]) -> PolicyDocument:
    """An IAM policy document holding ``statements``."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _list_prefixes(bucket_arn: str, models: Sequence[str], sid: str) -> Statement:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": bucket_arn,
        "Condition": {"StringLike": {"s3:prefix": [f"{m}/*" for m in models]}},
    }


def _ecr_token() -> Statement:
    return {
        "Sid": "AuthenticateToEcr",
        "Effect": "Allow",
        # IAM grants GetAuthorizationToken only on "*"; the token opens no repository by itself.
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }


def registry_publish_statements(
    *,
    models: Sequence[str],
    bucket_arn: str,
    key_arn: str,
    table_arn: str,
    repository_arns: Sequence[str],
    package_group_arns: Sequence[str],
    model_package_arns: Sequence[str],
) -> list[Statement]:
    """What a training job needs to publish ``models``: artifacts, metadata rows, images, packages.

    No delete anywhere: a published version is a record, and removing one is a
    human decision made with other credentials.
    """
    return [
        _list_prefixes(bucket_arn, models, "ListModelArtifacts"),
        {
            "Sid": "WriteModelArtifacts",
            "Effect": "Allow",
            "Action": list(ARTIFACT_WRITE_ACTIONS),
            "Resource": [f"{bucket_arn}/{m}/*" for m in models],
        },
        {
            "Sid": "EncryptModelArtifacts",
            "Effect": "Allow",
            # Decrypt completes multipart uploads of SSE-KMS objects.
            "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
            "Resource": key_arn,
        },
        {
            "Sid": "RecordModelVersions",
            "Effect": "Allow",
            "Action": list(METADATA_WRITE_ACTIONS),
            "Resource": table_arn,
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": list(models)}},
        },
        {
            "Sid": "PushServingImages",
            "Effect": "Allow",
            "Action": list(ECR_PUSH_ACTIONS),
            "Resource": list(repository_arns),
        },
        _ecr_token(),
        {
            "Sid": "RegisterModelPackages",
            "Effect": "Allow",
            "Action": list(MODEL_PACKAGE_ACTIONS),
            "Resource": [*package_group_arns, *model_package_arns],
        },
    ]


def registry_read_statements(
    *,
    models: Sequence[str],
    bucket_arn: str,
    key_arn: str,
    repository_arns: Sequence[str],
) -> list[Statement]:
    """What serving ``models`` needs: read their artifacts (and decrypt them), pull their images."""
    return [
        _list_prefixes(bucket_arn, models, "ListModelArtifacts"),
        {
            "Sid": "ReadModelArtifacts",
            "Effect": "Allow",
            "Action": list(ARTIFACT_READ_ACTIONS),
            "Resource": [f"{bucket_arn}/{m}/*" for m in models],
        },
        {
            "Sid": "DecryptModelArtifacts",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": key_arn,
        },
        {
            "Sid": "PullServingImages",
            "Effect": "Allow",
            "Action": list(ECR_PULL_ACTIONS),
            "Resource": list(repository_arns),
        },
        _ecr_token(),
    ]


def endpoint_logging_statements(log_group_arn: str) -> list[Statement]:
    """Container logs into the endpoint's own log group, instance metrics into SageMaker's namespace."""
    return [
        {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            # The group exists (the endpoint creates it, encrypted and expiring); the agent
            # still calls CreateLogGroup first and must not be refused.
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
        },
        {
            "Sid": "PublishEndpointMetrics",
            "Effect": "Allow",
            # PutMetricData has no resource-level permission; the namespace condition bounds it.
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": ENDPOINT_METRICS_NAMESPACE}},
        },
    ]


def vpc_access_statements() -> list[Statement]:
    """Network interfaces in the endpoint's subnets, which SageMaker manages as the execution role.

    On ``"*"`` as SageMaker documents it: the interfaces do not exist before
    SageMaker creates them, and the subnets and security group are fixed by the
    model's ``VpcConfig``, not by this policy.
    """
    return [
        {
            "Sid": "ManageEndpointNetworkInterfaces",
            "Effect": "Allow",
            "Action": list(VPC_ACCESS_ACTIONS),
            "Resource": "*",
        }
    ]


def data_capture_statements(bucket_arn: str, prefix: str, key_arn: str) -> list[Statement]:
    """Write captured requests under one prefix of a lake bucket, encrypted with the lake key."""
    return [
        {
            "Sid": "WriteCapturedRequests",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{prefix}*",
        },
        {
            "Sid": "EncryptCapturedRequests",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Encrypt"],
            "Resource": key_arn,
        },
    ]


def alarm_topic_key_statement(account_id: str) -> Statement:
    """Lets CloudWatch alarms of this account publish to a topic encrypted with the key.

    The AWS managed SNS key cannot be used: its policy does not admit CloudWatch.
    """
    return {
        "Sid": "AllowCloudWatchAlarms",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


def ecr_lifecycle_policy(keep_last: int) -> PolicyDocument:
    """Expire untagged images after a day and keep the ``keep_last`` newest images.

    Count-based expiry does not know which image an endpoint serves: keep
    ``keep_last`` above the number of pushes between two promotions, or an
    old production image can expire while an endpoint still scales with it.
    """
    if keep_last < 1:
        raise ValueError(f"keep_last must be at least 1, got {keep_last}")
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images (superseded layers, failed pushes)",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the {keep_last} newest images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_last,
                },
                "action": {"type": "expire"},
            },
        ]
    }
