"""An IAM role an AWS service assumes for the cluster, with its AWS managed policies (Pulumi).

The counterpart of :mod:`mlplatform.constructs.eks_service_role`: a
:class:`~mlplatform.decisions.cluster_roles.ServiceRole` as the role and one
attachment per policy, under ``owner``, for ``ComputeCluster`` and
``KarpenterController`` alike.
"""

from __future__ import annotations

from functools import partial

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.cluster_roles import ServiceRole
from mlplatform.decisions.policies.documents import aws_managed_policy_arn
from mlplatform.pulumi.component import PlatformComponent

__all__ = ["eks_service_role"]


def _managed(policy: str, partition: str) -> str:
    return aws_managed_policy_arn(partition, policy)


def eks_service_role(
    owner: PlatformComponent, role: ServiceRole, partition: pulumi.Output[str]
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """``role`` below ``owner`` and its managed policy attachments."""
    iam_role = aws.iam.Role(
        owner.child(role.id),
        name=role.name,
        description=role.description,
        assume_role_policy=role.assume_role_policy,
        opts=owner.options(),
    )
    attachments = [
        aws.iam.RolePolicyAttachment(
            owner.child(role.attachment_id(policy)),
            role=iam_role.name,
            policy_arn=partition.apply(partial(_managed, policy)),
            opts=owner.options(),
        )
        for policy in role.managed_policies
    ]
    return iam_role, attachments
