"""Karpenter's AWS side: what its controller and the nodes it launches need in the account.

Karpenter scales the GPU pools from zero: when a training pod asks for a GPU,
its controller (in the cluster, installed by the ``<env>-cluster`` layer)
launches an EC2 instance that fits, and terminates it once the node is empty.
This construct makes what that needs outside Kubernetes, in the
``<env>-compute`` layer:

- the controller's IAM role, assumable only by service account
  ``kube-system/karpenter`` (IRSA), with a policy scoped to this cluster
  (:func:`~mlplatform.decisions.policies.karpenter.karpenter_controller_policy`);
- the interruption queue (SQS, encrypted, messages kept five minutes) and its
  policy, fed by five EventBridge rules: AWS Health scheduled changes, spot
  interruption warnings, rebalance recommendations, instance state changes
  and capacity-reservation interruptions, so Karpenter drains a node before
  EC2 takes it away;
- the role of the nodes Karpenter launches, its instance profile (each
  EC2NodeClass names it in ``spec.instanceProfile``, so Karpenter needs no
  right to create instance profiles), and the cluster access entry of type
  ``EC2_LINUX`` that lets those nodes join. Managed node groups keep the
  cluster's node role, whose access entry EKS makes itself; a second entry
  for that role would collide, hence a role of Karpenter's own.

The ``<env>-cluster`` layer reads the properties below to install the chart
(service account annotation, queue name) and to write each EC2NodeClass.
"""

from __future__ import annotations

import json

from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_event_rule import CloudwatchEventRule
from mlplatform.bindings.aws.cloudwatch_event_target import CloudwatchEventTarget
from mlplatform.bindings.aws.eks_access_entry import EksAccessEntry
from mlplatform.bindings.aws.iam_instance_profile import IamInstanceProfile
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.sqs_queue import SqsQueue
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.eks_service_role import eks_service_role
from mlplatform.constructs.moves import handed_over
from mlplatform.decisions.cluster_roles import karpenter_node_role
from mlplatform.decisions.karpenter_release import KARPENTER_NAMESPACE
from mlplatform.decisions.karpenter_release import (
    KARPENTER_SERVICE_ACCOUNT as KARPENTER_SERVICE_ACCOUNT_NAME,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.karpenter import (
    INTERRUPTION_EVENT_PATTERNS,
    INTERRUPTION_QUEUE_RETENTION_SECONDS,
    karpenter_controller_policy,
    karpenter_interruption_queue_policy,
    sqs_queue_arn,
)
from mlplatform.interfaces import IRole

__all__ = ["KARPENTER_SERVICE_ACCOUNT", "KarpenterController"]

KARPENTER_SERVICE_ACCOUNT = (KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT_NAME)
"""Namespace and name of the controller's service account (the chart's, in ``kube-system``)."""


class KarpenterController(Construct):
    """Controller role (IRSA), interruption queue and rules, node role, profile and access entry."""

    def __init__(
        self, scope: Construct, id: str, *, cluster: ComputeCluster, naming: Naming
    ) -> None:
        super().__init__(scope, id)
        self._naming = naming
        self._account = AccountContext.of(self)
        self._queue = self._interruption_queue()
        self._interruption_rules()
        self._node_role, self._instance_profile = self._node_role_and_profile(cluster)
        self._node_access_entry(cluster)
        self._controller_role = self._controller(cluster)

    # ----------------------------------------------------------------- steps
    def _interruption_queue(self) -> SqsQueue:
        """The interruption queue: EventBridge delivers, Karpenter drains nodes in time."""
        account = self._account
        # Its policy is the queue's own attribute, not an aws_sqs_queue_policy: the provider
        # waits about 25 s for a queue's attributes to settle after each change, so one
        # resource waits once (its ARN is known from its name, so there is no cycle).
        queue_name = self._naming.resource("karpenter", "interruptions", max_length=80)
        queue_arn = sqs_queue_arn(account.partition, account.region, account.account_id, queue_name)
        queue = SqsQueue(
            self,
            "interruption-queue",
            name=queue_name,
            message_retention_seconds=INTERRUPTION_QUEUE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            policy=json.dumps(karpenter_interruption_queue_policy(queue_arn)),
        )
        # Earlier builds of 0.2.0 made the policy a resource of its own: forget it (the queue
        # keeps it), rather than delete it while the queue sets it (0.1.0 had no queue).
        handed_over(self, "aws_sqs_queue_policy", "interruption-queue-policy")
        return queue

    def _interruption_rules(self) -> None:
        """One EventBridge rule per interruption event kind, each delivering to the queue."""
        for rule_name, pattern in INTERRUPTION_EVENT_PATTERNS.items():
            rule = CloudwatchEventRule(
                self,
                f"{rule_name}-rule",
                name=self._naming.resource("karpenter", rule_name),
                description=f"{pattern['detail-type'][0]} events, for Karpenter to act on",
                event_pattern=json.dumps(pattern),
            )
            CloudwatchEventTarget(
                self,
                f"{rule_name}-target",
                rule=rule.name,
                target_id="karpenter-interruption-queue",
                arn=self._queue.arn,
            )

    def _node_role_and_profile(self, cluster: ComputeCluster) -> tuple[IamRole, IamInstanceProfile]:
        """The role of the nodes Karpenter launches and the instance profile that holds it."""
        node_role, _ = eks_service_role(
            self,
            karpenter_node_role(self._naming, cni_on_node_role=not cluster.cni_on_irsa),
            self._account.partition,
        )
        instance_profile = IamInstanceProfile(
            self,
            "node-instance-profile",
            name=self._naming.iam("karpenter", "node"),
            role=node_role.name,
        )
        return node_role, instance_profile

    def _node_access_entry(self, cluster: ComputeCluster) -> None:
        """The EC2_LINUX access entry that lets those nodes join a cluster using access entries."""
        if cluster.access_entries:
            EksAccessEntry(
                self,
                "node-access-entry",
                cluster_name=cluster.cluster_name,
                principal_arn=self._node_role.arn,
                type="EC2_LINUX",
            )

    def _controller(self, cluster: ComputeCluster) -> IamRole:
        """The controller's IRSA role, with a policy for one service account and one cluster."""
        account = self._account
        namespace, service_account = KARPENTER_SERVICE_ACCOUNT
        controller_role = cluster.service_account_role(
            namespace, service_account, role_name=self._naming.iam("karpenter", "controller")
        )
        IamRolePolicy(
            self,
            "controller-policy",
            name="karpenter-controller",
            role=controller_role.name,
            policy=json.dumps(
                karpenter_controller_policy(
                    partition=account.partition,
                    region=account.region,
                    account_id=account.account_id,
                    cluster_name=cluster.cluster_name,
                    cluster_arn=cluster.cluster_arn,
                    queue_arn=self._queue.arn,
                    node_role_arn=self._node_role.arn,
                    instance_profile_arn=self._instance_profile.arn,
                )
            ),
        )
        return controller_role

    # ----------------------------------------------------------------- properties
    @property
    def controller_role(self) -> IRole:
        """The controller's IRSA role."""
        return self._controller_role

    @property
    def controller_role_arn(self) -> str:
        """Annotate the ``kube-system/karpenter`` service account with this."""
        return self._controller_role.arn

    @property
    def service_account(self) -> tuple[str, str]:
        """``("kube-system", "karpenter")``: the only service account that may assume the role."""
        return KARPENTER_SERVICE_ACCOUNT

    @property
    def interruption_queue_name(self) -> str:
        """The chart's ``settings.interruptionQueue``."""
        return self._queue.name

    @property
    def interruption_queue_arn(self) -> str:
        return self._queue.arn

    @property
    def node_role_name(self) -> str:
        """The role of the nodes Karpenter launches."""
        return self._node_role.name

    @property
    def node_role_arn(self) -> str:
        return self._node_role.arn

    @property
    def instance_profile_name(self) -> str:
        """Each EC2NodeClass's ``spec.instanceProfile``; it holds :attr:`node_role_name`."""
        return self._instance_profile.name
