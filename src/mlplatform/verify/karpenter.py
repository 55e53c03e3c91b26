"""Karpenter's AWS side: what lets it scale the GPU pools and drain nodes before EC2 takes them.

Checked where the environment has GPU pools, by the names
:class:`~mlplatform.constructs.karpenter_controller.KarpenterController` gives
them and the same decisions it used:

- the interruption queue exists, is encrypted, keeps messages five minutes,
  admits EventBridge and refuses requests without TLS;
- each of the five EventBridge rules has its event pattern and sends to the queue;
- the controller role is assumable by service account ``kube-system/karpenter``
  only, and its policy names this cluster;
- the node role trusts EC2, the instance profile holds it, and (with access
  entries) the cluster lets it join as ``EC2_LINUX``.
"""

from __future__ import annotations

import json
from typing import Any

from mlplatform.config import ComputeProps
from mlplatform.decisions.policies.karpenter import (
    INTERRUPTION_EVENT_PATTERNS,
    INTERRUPTION_QUEUE_RETENTION_SECONDS,
)
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.reads import NOT_FOUND, policy_of, read_or_none

__all__ = ["KarpenterChecker"]

_QUEUE_NOT_FOUND = NOT_FOUND | {
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}
_SERVICE_ACCOUNT = "system:serviceaccount:kube-system:karpenter"
_CONTROLLER_POLICY = "karpenter-controller"


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


class KarpenterChecker:
    """The ``<env>-compute`` resources Karpenter needs, compared with the environment file."""

    def __init__(self, context: VerifyContext, compute: ComputeProps) -> None:
        self.context = context
        self.compute = compute
        self.iam = context.client("iam")

    def check(self, cluster_name: str) -> None:
        queue_arn = self._queue()
        self._rules(queue_arn)
        self._controller_role(cluster_name)
        node_role_arn = self._node_role()
        if self.compute.cluster.access_entries and node_role_arn is not None:
            self._access_entry(cluster_name, node_role_arn)

    # ----------------------------------------------------------------- queue and rules
    def _queue(self) -> str | None:
        findings = self.context.findings
        name = self.context.naming.resource("karpenter", "interruptions", max_length=80)
        resource = f"SQS queue {name}"
        sqs = self.context.client("sqs")
        found = read_or_none(sqs.get_queue_url, _QUEUE_NOT_FOUND, QueueName=name)
        if found is None:
            findings.missing(resource, "Karpenter's interruption queue")
            return None
        attributes = sqs.get_queue_attributes(QueueUrl=found["QueueUrl"], AttributeNames=["All"])[
            "Attributes"
        ]
        encrypted = attributes.get("SqsManagedSseEnabled") == "true" or bool(
            attributes.get("KmsMasterKeyId")
        )
        findings.expect(
            encrypted,
            f"{resource}: encrypted at rest",
            f"{resource}: is not encrypted at rest, expected SQS-managed encryption",
        )
        findings.compare(
            resource,
            "message retention seconds",
            int(attributes.get("MessageRetentionPeriod", 0)),
            INTERRUPTION_QUEUE_RETENTION_SECONDS,
        )
        arn: str = attributes["QueueArn"]
        self._queue_policy(resource, policy_of(attributes.get("Policy")), arn)
        return arn

    def _queue_policy(self, resource: str, policy: dict[str, Any], arn: str) -> None:
        findings = self.context.findings
        statements = policy.get("Statement", [])
        senders = {
            service
            for s in statements
            if s.get("Effect") == "Allow" and "sqs:SendMessage" in _listed(s.get("Action"))
            for service in _listed(s.get("Principal", {}).get("Service", []))
        }
        findings.expect(
            "events.amazonaws.com" in senders,
            f"{resource}: EventBridge may send to it",
            f"{resource}: its policy does not let EventBridge (events.amazonaws.com) send to it",
        )
        tls_only = any(
            s.get("Effect") == "Deny"
            and str(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower()
            == "false"
            and arn in _listed(s.get("Resource"))
            for s in statements
        )
        findings.expect(
            tls_only,
            f"{resource}: refuses requests without TLS",
            f"{resource}: its policy does not deny requests without TLS",
        )

    def _rules(self, queue_arn: str | None) -> None:
        findings = self.context.findings
        events = self.context.client("events")
        for rule, pattern in INTERRUPTION_EVENT_PATTERNS.items():
            name = self.context.naming.resource("karpenter", rule)
            resource = f"EventBridge rule {name}"
            found = read_or_none(events.describe_rule, Name=name)
            if found is None:
                findings.missing(resource, f"{pattern['detail-type'][0]} events for Karpenter")
                continue
            findings.compare(
                resource, "event pattern", json.loads(found.get("EventPattern", "{}")), pattern
            )
            findings.compare(resource, "state", found.get("State"), "ENABLED")
            if queue_arn is None:
                continue
            targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=name)["Targets"]]
            findings.expect(
                queue_arn in targets,
                f"{resource}: sends to the interruption queue",
                f"{resource}: targets are {', '.join(targets) or 'none'}, expected {queue_arn}",
            )

    # ----------------------------------------------------------------- roles
    def _role(self, name: str) -> dict[str, Any] | None:
        found = read_or_none(self.iam.get_role, RoleName=name)
        if found is None:
            self.context.findings.missing(f"IAM role {name}")
            return None
        role: dict[str, Any] = found["Role"]
        return role

    def _controller_role(self, cluster_name: str) -> None:
        findings = self.context.findings
        name = self.context.naming.iam("karpenter", "controller")
        role = self._role(name)
        if role is None:
            return
        resource = f"IAM role {name}"
        trust = policy_of(role.get("AssumeRolePolicyDocument"))
        subjects = [
            value
            for s in trust.get("Statement", [])
            if s.get("Effect") == "Allow"
            for key, value in s.get("Condition", {}).get("StringEquals", {}).items()
            if key.endswith(":sub")
        ]
        findings.compare(resource, "trusted service accounts", subjects, [_SERVICE_ACCOUNT])
        found = read_or_none(self.iam.get_role_policy, RoleName=name, PolicyName=_CONTROLLER_POLICY)
        if found is None:
            findings.missing(f"{resource}: policy {_CONTROLLER_POLICY}")
            return
        text = json.dumps(policy_of(found["PolicyDocument"]))
        findings.expect(
            f"kubernetes.io/cluster/{cluster_name}" in text and f':cluster/{cluster_name}"' in text,
            f"{resource}: policy {_CONTROLLER_POLICY} is scoped to cluster {cluster_name}",
            f"{resource}: policy {_CONTROLLER_POLICY} does not name cluster {cluster_name}",
        )

    def _node_role(self) -> str | None:
        findings = self.context.findings
        name = self.context.naming.iam("karpenter", "node")
        role = self._role(name)
        if role is None:
            return None
        resource = f"IAM role {name}"
        trust = policy_of(role.get("AssumeRolePolicyDocument"))
        services = sorted(
            service
            for s in trust.get("Statement", [])
            if s.get("Effect") == "Allow"
            for service in _listed(s.get("Principal", {}).get("Service", []))
        )
        findings.compare(resource, "trusted services", services, ["ec2.amazonaws.com"])
        profile = read_or_none(self.iam.get_instance_profile, InstanceProfileName=name)
        if profile is None:
            findings.missing(f"instance profile {name}", "named by each EC2NodeClass")
        else:
            roles = [r["RoleName"] for r in profile["InstanceProfile"].get("Roles", [])]
            findings.compare(f"instance profile {name}", "roles", roles, [name])
        arn: str = role["Arn"]
        return arn

    def _access_entry(self, cluster_name: str, role_arn: str) -> None:
        eks = self.context.client("eks")
        resource = f"EKS cluster {cluster_name}: access entry for {role_arn}"
        found = read_or_none(
            eks.describe_access_entry, clusterName=cluster_name, principalArn=role_arn
        )
        if found is None:
            self.context.findings.missing(resource, "Karpenter's nodes could not join")
            return
        self.context.findings.compare(
            resource, "type", found["accessEntry"].get("type"), "EC2_LINUX"
        )
