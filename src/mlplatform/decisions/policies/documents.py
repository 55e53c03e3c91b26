"""What every policy shares: the document type and envelope, role trust, managed policy ARNs.

Decisions, not Terraform: a second engine (Pulumi) or a unit test calls these
without cdktf. Arguments may be literal ARNs or cdktf tokens; the functions
only place them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mlplatform.decisions import arns

__all__ = [
    "PolicyDocument",
    "Statement",
    "allow",
    "aws_managed_policy_arn",
    "policy_document",
    "service_trust_policy",
]

PolicyDocument = dict[str, Any]
"""An IAM, bucket, key or ECR lifecycle policy, ready for ``json.dumps``."""
Statement = dict[str, Any]
"""One statement of a policy document."""


def allow(
    sid: str,
    actions: str | Sequence[str],
    resources: str | Sequence[str],
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    """One identity-policy statement allowing ``actions`` on ``resources``.

    A single action or resource given as a string stays one, as IAM shows it;
    any other sequence becomes a list (tuples do not serialize as JSON arrays
    everywhere a policy goes).
    """
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions if isinstance(actions, str) else list(actions),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }
    if condition is not None:
        statement["Condition"] = dict(condition)
    return statement


def policy_document(statements: Sequence[Statement]) -> PolicyDocument:
    """An IAM policy document holding ``statements``."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def service_trust_policy(service: str, account_id: str | None = None) -> PolicyDocument:
    """Trust policy letting one AWS service assume a role (optionally only for our account)."""
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if account_id is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return policy_document([statement])


def aws_managed_policy_arn(partition: str, name: str) -> str:
    """ARN of an AWS managed IAM policy, e.g. ``AmazonEKSWorkerNodePolicy``."""
    return arns.aws_managed_policy(partition, name)
