"""Karpenter's AWS side: the controller's IAM policy, its interruption queue's policy and events.

Karpenter launches and terminates the GPU pools' EC2 instances itself, so its
controller holds the most powerful role of the cluster. The policy follows
Karpenter's own reference for v1.14 (``cloudformation.yaml`` of its getting
started guide, explained statement by statement in its CloudFormation
reference) and narrows it where the platform knows more:

- everything Karpenter creates (instances, volumes, network interfaces,
  fleets, launch templates, spot requests) must be tagged at creation with
  ``kubernetes.io/cluster/<cluster>=owned``, ``eks:eks-cluster-name=<cluster>``
  and a ``karpenter.sh/nodepool``; it may tag, terminate or delete only
  resources that carry those tags, so another cluster's instances are out of
  its reach;
- the EC2NodeClass names the platform's instance profile
  (``spec.instanceProfile``), so the controller may read that one profile
  and pass only the Karpenter node role to EC2; it can neither create, tag
  nor delete instance profiles (the reference's ``iam:*InstanceProfile``
  statements and ``iam:ListInstanceProfiles`` are left out);
- read-only EC2 calls are held to the cluster's region; the queue actions to
  the cluster's queue; ``eks:DescribeCluster`` to the cluster;
- account-owned EC2 resources (subnets, security groups, placement groups,
  capacity reservations) name the account, not ``*``.

Left out on purpose: the reference's zonal-shift statement
(``arc-zonal-shift:GetManagedResource``), which Karpenter needs only when the
cluster is enrolled in ARC zonal shift; the platform does not enroll it.

Every ARN is built from the partition, so the same documents work in
``aws-cn`` and ``aws-us-gov``. Arguments may be literal values or cdktf
tokens; the functions only place them.
"""

from __future__ import annotations

from typing import Any

from mlplatform.decisions.arns import Arns
from mlplatform.decisions.policies.documents import (
    PolicyDocument,
    Statement,
    allow,
    policy_document,
)

__all__ = [
    "INTERRUPTION_EVENT_PATTERNS",
    "INTERRUPTION_QUEUE_RETENTION_SECONDS",
    "KARPENTER_REGIONAL_READ_ACTIONS",
    "karpenter_controller_policy",
    "karpenter_interruption_queue_policy",
    "sqs_queue_arn",
]

INTERRUPTION_QUEUE_RETENTION_SECONDS = 300
"""Interruption messages are stale after five minutes (a spot warning gives two), so the
queue keeps them no longer (Karpenter's reference queue: ``MessageRetentionPeriod: 300``)."""

INTERRUPTION_EVENT_PATTERNS: dict[str, dict[str, Any]] = {
    "scheduled-change": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
    "spot-interruption": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Spot Instance Interruption Warning"],
    },
    "rebalance": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance Rebalance Recommendation"],
    },
    "instance-state-change": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
    },
    "capacity-reservation-interruption": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"],
    },
}
"""EventBridge patterns whose events Karpenter acts on, by rule name: AWS Health scheduled
changes (maintenance), spot interruption warnings, rebalance recommendations, instance
state changes and interruptions of capacity-reservation instances (all five rules of
Karpenter's v1.14 reference). Each rule sends its events to the interruption queue."""

KARPENTER_REGIONAL_READ_ACTIONS = (
    "ec2:DescribeCapacityReservations",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribePlacementGroups",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeSubnets",
)
"""EC2 reads Karpenter resolves node classes and offerings with; EC2 grants them only on
``*``, so they are held to the cluster's region (``aws:RequestedRegion``)."""

# Tags Karpenter puts on everything it creates; requests without them are refused.
_NODEPOOL_TAG = "karpenter.sh/nodepool"
_CLUSTER_NAME_TAG = "eks:eks-cluster-name"
# The only tags Karpenter adds to a running instance it owns.
_INSTANCE_TAG_KEYS = ("eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name")
# What Karpenter creates, and what it may tag at creation.
_CREATED = (
    "fleet",
    "instance",
    "volume",
    "network-interface",
    "launch-template",
    "spot-instances-request",
)


def _owned(cluster_name: str, where: str) -> dict[str, dict[str, str]]:
    """Conditions: ``where`` (``ResourceTag`` or ``RequestTag``) says the cluster owns it."""
    return {
        "StringEquals": {f"aws:{where}/kubernetes.io/cluster/{cluster_name}": "owned"},
        "StringLike": {f"aws:{where}/{_NODEPOOL_TAG}": "*"},
    }


def _tagged_at_creation(cluster_name: str) -> dict[str, dict[str, Any]]:
    conditions = _owned(cluster_name, "RequestTag")
    conditions["StringEquals"][f"aws:RequestTag/{_CLUSTER_NAME_TAG}"] = cluster_name
    return conditions


def _launch_statements(arns: Arns, cluster_name: str) -> list[Statement]:
    created = [arns.ec2_all(kind) for kind in _CREATED]
    creation_tagging = _tagged_at_creation(cluster_name)
    creation_tagging["StringEquals"]["ec2:CreateAction"] = [
        "RunInstances",
        "CreateFleet",
        "CreateLaunchTemplate",
    ]
    instance_tagging: dict[str, Any] = {
        **_owned(cluster_name, "ResourceTag"),
        "StringEqualsIfExists": {f"aws:RequestTag/{_CLUSTER_NAME_TAG}": cluster_name},
        "ForAllValues:StringEquals": {"aws:TagKeys": list(_INSTANCE_TAG_KEYS)},
    }
    return [
        {
            "Sid": "LaunchFromImagesSubnetsAndSecurityGroups",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": [
                arns.ec2_any_account("image"),
                arns.ec2_any_account("snapshot"),
                *(
                    arns.ec2_all(kind)
                    for kind in (
                        "security-group",
                        "subnet",
                        "capacity-reservation",
                        "placement-group",
                    )
                ),
            ],
        },
        allow(
            "LaunchFromOwnedLaunchTemplates",
            ["ec2:RunInstances", "ec2:CreateFleet"],
            arns.ec2_all("launch-template"),
            _owned(cluster_name, "ResourceTag"),
        ),
        allow(
            "CreateOnlyWhatIsTaggedForThisCluster",
            ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            created,
            _tagged_at_creation(cluster_name),
        ),
        allow("TagAtCreation", "ec2:CreateTags", created, creation_tagging),
        allow(
            "TagOwnedInstances",
            "ec2:CreateTags",
            arns.ec2_all("instance"),
            instance_tagging,
        ),
        {
            "Sid": "DeleteOnlyOwned",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Resource": [
                arns.ec2_all("instance"),
                arns.ec2_all("launch-template"),
            ],
            "Condition": _owned(cluster_name, "ResourceTag"),
        },
    ]


def karpenter_controller_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    cluster_name: str,
    cluster_arn: str,
    queue_arn: str,
    node_role_arn: str,
    instance_profile_arn: str,
) -> PolicyDocument:
    """The Karpenter controller's permissions, scoped to one cluster, queue, role and profile."""
    arns = Arns(partition, region, account_id)
    return policy_document(
        [
            *_launch_statements(arns, cluster_name),
            {
                "Sid": "PassOnlyTheNodeRoleToEc2",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": node_role_arn,
                # EC2's service principal; China regions spell it with their own suffix.
                "Condition": {
                    "StringEquals": {
                        "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]
                    }
                },
            },
            allow("ReadTheNodeInstanceProfile", "iam:GetInstanceProfile", instance_profile_arn),
            allow("DiscoverTheApiServer", "eks:DescribeCluster", cluster_arn),
            allow(
                "ConsumeTheInterruptionQueue",
                ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                queue_arn,
            ),
            allow(
                "ReadEc2InTheClusterRegion",
                KARPENTER_REGIONAL_READ_ACTIONS,
                "*",
                {"StringEquals": {"aws:RequestedRegion": region}},
            ),
            allow(
                "ReadPublicAmiParameters",
                "ssm:GetParameter",
                arns.ssm_public_parameter("aws/service/*"),
            ),
            {
                # The Price List API has no resource-level permissions.
                "Sid": "ReadPrices",
                "Effect": "Allow",
                "Action": "pricing:GetProducts",
                "Resource": "*",
            },
        ]
    )


def sqs_queue_arn(partition: str, region: str, account_id: str, name: str) -> str:
    """A queue's ARN from its name: what its own policy names before the queue exists."""
    return Arns(partition, region, account_id).sqs_queue(name)


def karpenter_interruption_queue_policy(queue_arn: str) -> PolicyDocument:
    """The queue's policy: EventBridge (and SQS itself) may send; nothing without TLS."""
    return {
        "Version": "2012-10-17",
        "Id": "KarpenterInterruptionQueue",
        "Statement": [
            {
                "Sid": "EventBridgeDelivers",
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "DenyWithoutTls",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
