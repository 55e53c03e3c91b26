"""An IAM role an AWS service assumes for the cluster, with its AWS managed policies (cdktf).

Translates a :class:`~mlplatform.decisions.cluster_roles.ServiceRole` (the EKS
control plane's, the node groups' or Karpenter's nodes' role) into the role and
one attachment per policy, for ``ComputeCluster`` and ``KarpenterController``
alike.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy_attachment import IamRolePolicyAttachment
from mlplatform.decisions.cluster_roles import ServiceRole
from mlplatform.decisions.policies.documents import aws_managed_policy_arn

__all__ = ["eks_service_role"]


def eks_service_role(
    scope: Construct, role: ServiceRole, partition: str
) -> tuple[IamRole, list[IamRolePolicyAttachment]]:
    """``role`` in ``scope`` and its managed policy attachments (depend on those to wait
    until the role can do its work)."""
    iam_role = IamRole(
        scope,
        role.id,
        name=role.name,
        description=role.description,
        assume_role_policy=role.assume_role_policy,
    )
    attachments = [
        IamRolePolicyAttachment(
            scope,
            role.attachment_id(policy),
            role=iam_role.name,
            policy_arn=aws_managed_policy_arn(partition, policy),
        )
        for policy in role.managed_policies
    ]
    return iam_role, attachments
