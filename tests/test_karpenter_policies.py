"""Karpenter's AWS-side decisions: what the controller may and may not do, the queue's policy, events.

The documents are evaluated by a small IAM evaluator below (actions, resources
and the condition operators the documents use), so each test states a request
and whether AWS would allow it, instead of restating the JSON.
Pure Python: nothing here imports cdktf or the AWS bindings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

import pytest

from mlplatform.decisions.policies.karpenter import (
    INTERRUPTION_EVENT_PATTERNS,
    INTERRUPTION_QUEUE_RETENTION_SECONDS,
    karpenter_controller_policy,
    karpenter_interruption_queue_policy,
)

CLUSTER = "mlp-prod-eks"
ACCOUNT = "123456789012"
REGION = "us-east-1"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:mlp-prod-karpenter"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlp-prod-karpenter-node"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/mlp-prod-karpenter-node"
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"
OWNED = {f"kubernetes.io/cluster/{CLUSTER}": "owned", "karpenter.sh/nodepool": "experiments"}
AT_CREATION = {**OWNED, "eks:eks-cluster-name": CLUSTER}


def _policy(partition: str = "aws", region: str = REGION) -> dict[str, Any]:
    return karpenter_controller_policy(
        partition=partition,
        region=region,
        account_id=ACCOUNT,
        cluster_name=CLUSTER,
        cluster_arn=CLUSTER_ARN,
        queue_arn=QUEUE,
        node_role_arn=NODE_ROLE,
        instance_profile_arn=PROFILE,
    )


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, Any]) -> bool:
    wanted_values = [str(w) for w in _list(wanted)]
    if operator.startswith("ForAllValues:"):
        found = _list(context.get(key, []))
        base = operator.removeprefix("ForAllValues:")
        return all(_condition_holds(base, key, wanted, {key: value}) for value in found)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if key not in context:
        return if_exists
    value = str(context[key]).lower() if operator == "Bool" else str(context[key])
    if operator in ("StringEquals", "Bool"):
        return value in wanted_values
    if operator == "StringLike":
        return any(fnmatchcase(value, w) for w in wanted_values)
    raise AssertionError(f"the evaluator does not know {operator}")


def _matches(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, Any]
) -> bool:
    if not any(fnmatchcase(action, a) for a in _list(statement["Action"])):
        return False
    if not any(fnmatchcase(resource, r) for r in _list(statement["Resource"])):
        return False
    return all(
        _condition_holds(operator, key, wanted, context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, wanted in keys.items()
    )


def allowed(
    document: Mapping[str, Any],
    action: str,
    resource: str,
    *,
    request_tags: Mapping[str, str] | None = None,
    resource_tags: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """Whether an identity policy allows one request (no explicit deny in these documents)."""
    request_tags = request_tags or {}
    keys: dict[str, Any] = {
        **{f"aws:RequestTag/{k}": v for k, v in request_tags.items()},
        **{f"aws:ResourceTag/{k}": v for k, v in (resource_tags or {}).items()},
        **(context or {}),
    }
    if request_tags:
        keys["aws:TagKeys"] = list(request_tags)
    statements: Sequence[Mapping[str, Any]] = document["Statement"]
    if any(s["Effect"] == "Deny" and _matches(s, action, resource, keys) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _matches(s, action, resource, keys) for s in statements)


def _ec2(kind: str, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{kind}/x-0123"


# --------------------------------------------------------------------------- launching


@pytest.mark.parametrize("action", ["ec2:RunInstances", "ec2:CreateFleet"])
def test_the_controller_launches_only_what_is_tagged_for_this_cluster(action: str) -> None:
    policy = _policy()
    instance = _ec2("instance")

    assert allowed(policy, action, instance, request_tags=AT_CREATION)
    for missing in AT_CREATION:
        tags = {k: v for k, v in AT_CREATION.items() if k != missing}
        assert not allowed(policy, action, instance, request_tags=tags), missing
    other_cluster = {
        "kubernetes.io/cluster/other-eks": "owned",
        "karpenter.sh/nodepool": "x",
        "eks:eks-cluster-name": "other-eks",
    }
    assert not allowed(policy, action, instance, request_tags=other_cluster)
    # the images, subnets and security groups it launches from carry no tags
    assert allowed(policy, action, f"arn:aws:ec2:{REGION}::image/ami-1")
    assert allowed(policy, action, _ec2("subnet"))
    assert allowed(policy, action, _ec2("placement-group"))
    assert not allowed(policy, action, f"arn:aws:ec2:{REGION}:999999999999:subnet/x")


def test_launch_templates_are_created_tagged_and_used_only_when_owned() -> None:
    policy = _policy()
    template = _ec2("launch-template")

    assert allowed(policy, "ec2:CreateLaunchTemplate", template, request_tags=AT_CREATION)
    assert not allowed(policy, "ec2:CreateLaunchTemplate", template)
    assert allowed(policy, "ec2:RunInstances", template, resource_tags=OWNED)
    assert not allowed(policy, "ec2:RunInstances", template, resource_tags={"team": "x"})


def test_tags_go_on_only_at_creation_or_onto_owned_instances() -> None:
    policy = _policy()
    volume = _ec2("volume")

    for create_action in ("RunInstances", "CreateFleet", "CreateLaunchTemplate"):
        assert allowed(
            policy,
            "ec2:CreateTags",
            volume,
            request_tags=AT_CREATION,
            context={"ec2:CreateAction": create_action},
        )
    # tagging someone else's volume into the cluster is how one would steal it: refused
    assert not allowed(policy, "ec2:CreateTags", volume, request_tags=AT_CREATION)
    instance = _ec2("instance")
    assert allowed(
        policy,
        "ec2:CreateTags",
        instance,
        resource_tags=OWNED,
        request_tags={"karpenter.sh/nodeclaim": "a", "Name": "n"},
    )
    assert not allowed(
        policy, "ec2:CreateTags", instance, resource_tags=OWNED, request_tags={"team": "x"}
    )
    assert not allowed(
        policy, "ec2:CreateTags", instance, request_tags={"karpenter.sh/nodeclaim": "a"}
    )


@pytest.mark.parametrize(
    ("action", "kind"),
    [("ec2:TerminateInstances", "instance"), ("ec2:DeleteLaunchTemplate", "launch-template")],
)
def test_terminate_and_delete_only_what_the_cluster_owns(action: str, kind: str) -> None:
    policy = _policy()

    assert allowed(policy, action, _ec2(kind), resource_tags=OWNED)
    assert not allowed(policy, action, _ec2(kind))
    assert not allowed(
        policy, action, _ec2(kind), resource_tags={"kubernetes.io/cluster/other": "owned"}
    )


# --------------------------------------------------------------------------- everything else


def test_reads_are_held_to_the_cluster_region() -> None:
    policy = _policy()

    for action in ("ec2:DescribeInstanceTypes", "ec2:DescribeSubnets", "ec2:DescribeImages"):
        assert allowed(policy, action, "*", context={"aws:RequestedRegion": REGION})
        assert not allowed(policy, action, "*", context={"aws:RequestedRegion": "eu-west-1"})
    assert allowed(
        policy,
        "ssm:GetParameter",
        f"arn:aws:ssm:{REGION}::parameter/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id",
    )
    assert not allowed(
        policy, "ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/mlp/prod/secret"
    )
    assert allowed(policy, "pricing:GetProducts", "*")


def test_only_the_node_role_is_passed_and_only_to_ec2() -> None:
    policy = _policy()

    assert allowed(
        policy, "iam:PassRole", NODE_ROLE, context={"iam:PassedToService": "ec2.amazonaws.com"}
    )
    assert not allowed(
        policy, "iam:PassRole", NODE_ROLE, context={"iam:PassedToService": "lambda.amazonaws.com"}
    )
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    assert not allowed(
        policy, "iam:PassRole", admin, context={"iam:PassedToService": "ec2.amazonaws.com"}
    )


def test_the_instance_profile_is_ours_so_the_controller_only_reads_it() -> None:
    policy = _policy()
    actions = {a for s in policy["Statement"] for a in _list(s["Action"])}

    assert allowed(policy, "iam:GetInstanceProfile", PROFILE)
    assert not allowed(
        policy, "iam:GetInstanceProfile", f"arn:aws:iam::{ACCOUNT}:instance-profile/other"
    )
    assert not {a for a in actions if a.startswith("iam:")} - {
        "iam:PassRole",
        "iam:GetInstanceProfile",
    }


def test_queue_and_cluster_access_name_exactly_ours() -> None:
    policy = _policy()

    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"):
        assert allowed(policy, action, QUEUE)
        assert not allowed(policy, action, f"arn:aws:sqs:{REGION}:{ACCOUNT}:other")
    assert not allowed(policy, "sqs:SendMessage", QUEUE)
    assert allowed(policy, "eks:DescribeCluster", CLUSTER_ARN)
    assert not allowed(policy, "eks:DescribeCluster", CLUSTER_ARN.replace(CLUSTER, "other"))


def test_no_statement_allows_everything_and_star_resources_are_few() -> None:
    policy = _policy()
    starred = {a for s in policy["Statement"] if s["Resource"] == "*" for a in _list(s["Action"])}

    assert all("*" not in a for s in policy["Statement"] for a in _list(s["Action"]))
    assert {a.split(":")[0] for a in starred} == {"ec2", "pricing"}
    assert all(a.startswith(("ec2:Describe", "pricing:Get")) for a in starred)


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_every_arn_it_builds_follows_the_partition(partition: str) -> None:
    given = {"*", QUEUE, NODE_ROLE, PROFILE, CLUSTER_ARN}
    policy = _policy(partition=partition, region="cn-north-1")
    built = {r for s in policy["Statement"] for r in _list(s["Resource"])} - given

    assert built
    assert all(r.startswith(f"arn:{partition}:") for r in built), built


# --------------------------------------------------------------------------- the queue


def test_eventbridge_may_send_to_the_queue_and_nothing_goes_without_tls() -> None:
    policy = karpenter_interruption_queue_policy(QUEUE)
    allow, deny = policy["Statement"]

    assert allow["Principal"] == {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]}
    assert (allow["Action"], allow["Resource"]) == ("sqs:SendMessage", QUEUE)
    assert allowed(policy, "sqs:SendMessage", QUEUE, context={"aws:SecureTransport": "true"})
    assert not allowed(policy, "sqs:SendMessage", QUEUE, context={"aws:SecureTransport": "false"})
    assert deny["Principal"] == "*"


def test_the_five_interruption_events_and_a_short_retention() -> None:
    assert {tuple(p["detail-type"]): p["source"] for p in INTERRUPTION_EVENT_PATTERNS.values()} == {
        ("AWS Health Event",): ["aws.health"],
        ("EC2 Spot Instance Interruption Warning",): ["aws.ec2"],
        ("EC2 Instance Rebalance Recommendation",): ["aws.ec2"],
        ("EC2 Instance State-change Notification",): ["aws.ec2"],
        ("EC2 Capacity Reservation Instance Interruption Warning",): ["aws.ec2"],
    }
    assert INTERRUPTION_QUEUE_RETENTION_SECONDS == 300
