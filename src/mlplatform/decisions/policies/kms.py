"""KMS: key policies, the statements that admit a service to a key, and key use by roles.

A platform key is administered by the account through IAM; an AWS service
(CloudWatch Logs, CloudWatch alarms) may use it only when the key policy
names it. Roles get key use beside the grant on what the key encrypts.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.arns import Arns, iam_account_root
from mlplatform.decisions.policies.documents import (
    PolicyDocument,
    Statement,
    allow,
    policy_document,
)

__all__ = [
    "alarm_topic_key_statement",
    "cloudwatch_logs_key_statement",
    "kms_key_policy",
    "kms_read_statement",
    "kms_write_statement",
]


def kms_key_policy(
    account_id: str, partition: str, service_statements: Sequence[Statement] = ()
) -> PolicyDocument:
    """Key policy: the account administers the key through IAM; listed services may use it."""
    return policy_document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": iam_account_root(partition, account_id)},
                "Action": "kms:*",
                "Resource": "*",
            },
            *service_statements,
        ]
    )


def cloudwatch_logs_key_statement(account_id: str, partition: str, region: str) -> Statement:
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
                "kms:EncryptionContext:aws:logs:arn": Arns(partition, region, account_id).logs_any()
            }
        },
    }


def alarm_topic_key_statement(account_id: str) -> Statement:
    """Lets CloudWatch alarms and AWS Budgets of this account publish to a topic encrypted with the key.

    The AWS managed SNS key cannot be used: its policy admits neither service.
    """
    return {
        "Sid": "AllowCloudWatchAlarmsAndBudgets",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


def kms_read_statement(sid: str, key: str | list[str]) -> Statement:
    """Decrypt what is encrypted with the key: the KMS half of reading SSE-KMS objects."""
    return allow(sid, ["kms:Decrypt", "kms:DescribeKey"], key)


def kms_write_statement(sid: str, key: str | list[str]) -> Statement:
    """Data keys for new objects: the KMS half of writing SSE-KMS objects."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        # Decrypt is needed to complete multipart uploads of SSE-KMS objects.
        "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
        "Resource": key,
    }
