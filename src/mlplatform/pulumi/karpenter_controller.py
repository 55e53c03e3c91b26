"""``KarpenterController`` on Pulumi: Karpenter's AWS side in the compute layer.

Controller role (IRSA, made by the cluster), interruption queue and its
EventBridge rules, the role and instance profile of the nodes Karpenter
launches and their access entry; policies and event patterns from
``decisions.policies.karpenter``.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.cluster_roles import karpenter_node_role
from mlplatform.decisions.karpenter_release import KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT
from mlplatform.decisions.policies.karpenter import (
    INTERRUPTION_EVENT_PATTERNS,
    INTERRUPTION_QUEUE_RETENTION_SECONDS,
    karpenter_controller_policy,
    karpenter_interruption_queue_policy,
    sqs_queue_arn,
)
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.eks_service_role import eks_service_role
from mlplatform.pulumi.layer import Layer

__all__ = ["KarpenterController"]


class KarpenterController(PlatformComponent):
    """``mlplatform:compute:KarpenterController``."""

    def __init__(self, layer: Layer, id: str, *, cluster: ComputeCluster) -> None:
        super().__init__(layer.layer, "KarpenterController", f"{layer.path}/{id}", parent=layer)
        self._layer = layer
        self._naming = layer.naming
        self.queue = self._interruption_queue()
        self._interruption_rules()
        self.node_role, self.instance_profile = self._node_role_and_profile(cluster)
        self._node_access_entry(cluster)
        self.controller_role = self._controller(cluster)
        self.register_outputs({"controller_role_arn": self.controller_role.arn})

    # ----------------------------------------------------------------- steps
    def _interruption_queue(self) -> aws.sqs.Queue:
        """The interruption queue: EventBridge delivers, Karpenter drains nodes in time."""
        layer = self._layer
        # The policy is the queue's own attribute, as in cdktf (one wait for it to settle).
        queue_name = self._naming.resource("karpenter", "interruptions", max_length=80)
        return aws.sqs.Queue(
            self.child("interruption-queue"),
            name=queue_name,
            message_retention_seconds=INTERRUPTION_QUEUE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            policy=pulumi.Output.all(layer.partition, layer.region, layer.account_id).apply(
                lambda v: json.dumps(
                    karpenter_interruption_queue_policy(sqs_queue_arn(v[0], v[1], v[2], queue_name))
                )
            ),
            opts=self.options(),
        )

    def _interruption_rules(self) -> None:
        """One EventBridge rule per interruption event kind, each delivering to the queue."""
        for rule_name, pattern in INTERRUPTION_EVENT_PATTERNS.items():
            rule = aws.cloudwatch.EventRule(
                self.child(f"{rule_name}-rule"),
                name=self._naming.resource("karpenter", rule_name),
                description=f"{pattern['detail-type'][0]} events, for Karpenter to act on",
                event_pattern=json.dumps(pattern),
                opts=self.options(),
            )
            aws.cloudwatch.EventTarget(
                self.child(f"{rule_name}-target"),
                rule=rule.name,
                target_id="karpenter-interruption-queue",
                arn=self.queue.arn,
                opts=self.options(),
            )

    def _node_role_and_profile(
        self, cluster: ComputeCluster
    ) -> tuple[aws.iam.Role, aws.iam.InstanceProfile]:
        """The role of the nodes Karpenter launches and the instance profile that holds it."""
        node_role, _ = eks_service_role(
            self,
            karpenter_node_role(self._naming, cni_on_node_role=not cluster.cni_on_irsa),
            self._layer.partition,
        )
        instance_profile = aws.iam.InstanceProfile(
            self.child("node-instance-profile"),
            name=self._naming.iam("karpenter", "node"),
            role=node_role.name,
            opts=self.options(),
        )
        return node_role, instance_profile

    def _node_access_entry(self, cluster: ComputeCluster) -> None:
        """The EC2_LINUX access entry that lets those nodes join a cluster using access entries."""
        if not cluster.access_entries:
            return
        aws.eks.AccessEntry(
            self.child("node-access-entry"),
            cluster_name=cluster.cluster_name,
            principal_arn=self.node_role.arn,
            type="EC2_LINUX",
            opts=self.options(),
        )

    def _controller(self, cluster: ComputeCluster) -> aws.iam.Role:
        """The controller's IRSA role, with a policy for one service account and one cluster."""
        layer = self._layer
        controller_role = cluster.service_account_role(
            KARPENTER_NAMESPACE,
            KARPENTER_SERVICE_ACCOUNT,
            role_name=self._naming.iam("karpenter", "controller"),
        )
        values = pulumi.Output.all(
            layer.partition,
            layer.region,
            layer.account_id,
            cluster.cluster_name,
            cluster.cluster_arn,
            self.queue.arn,
            self.node_role.arn,
            self.instance_profile.arn,
        )
        aws.iam.RolePolicy(
            self.child("controller-policy"),
            name="karpenter-controller",
            role=controller_role.name,
            policy=values.apply(
                lambda v: json.dumps(
                    karpenter_controller_policy(
                        partition=v[0],
                        region=v[1],
                        account_id=v[2],
                        cluster_name=v[3],
                        cluster_arn=v[4],
                        queue_arn=v[5],
                        node_role_arn=v[6],
                        instance_profile_arn=v[7],
                    )
                )
            ),
            opts=self.options(),
        )
        return controller_role
