"""A team's deploy installs its GPU pools and nothing else (mlplatform.decisions.team_access).

The objects the cluster layer renders for registered teams pass the Kubernetes 1.33 schemas
strictly, and each team's ValidatingAdmissionPolicy is evaluated here with cel-python
against admission requests as the API server makes them: the team's own release (objects
rendered by the same functions its ``GpuPoolProvisioning`` uses) is admitted, and every
way out of its names, node class and Pod Security Standard is denied with a message.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from mlplatform.config import ClusterLayerProps, GpuPoolProps
from mlplatform.decisions import team_pool_release
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.team_access import (
    CLUSTER_ROLE,
    TeamNodes,
    deployer_entries,
    release_namespace,
    team_access_manifests,
    team_group,
)
from tests.cluster_schemas import admission_denials, validate_manifest

PROFILE = "mlp-dev-karpenter-node"
KARPENTER = ClusterLayerProps().karpenter
NODES = TeamNodes(PROFILE, ["subnet-1", "subnet-2"], ["sg-1"])


@dataclass(frozen=True)
class Pool:
    """A team pool as ``team_pool_release`` reads it (either engine's GpuTrainingPool)."""

    name: str
    node_pool_name: str
    props: GpuPoolProps


def release(team: str, namespace: str) -> list[dict[str, Any]]:
    """The objects of ``team``'s pool release, as its GpuPoolProvisioning renders them."""
    name = f"{team}-training"
    pool = Pool(
        "training",
        name,
        GpuPoolProps(instance_types=("g6e.2xlarge",), max_nodes=2, job_namespace=namespace),
    )
    provisioned = team_pool_release.ProvisionedPool(
        pool=pool,
        job_account=(namespace, "training-jobs", "arn:aws:iam::111111111111:role/x"),
        subnet_ids=["subnet-1"],
        security_group_ids=["sg-1"],
        placement_group=None,
    )
    return team_pool_release.manifests(
        [provisioned],
        instance_profile=PROFILE,
        tags={"team": team},
        naming=Naming("mlp", "dev"),
        versions=ClusterLayerProps(),
        team=team,
    )


def policy_of(team: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    [policy] = [
        o
        for o in objects
        if o["kind"] == "ValidatingAdmissionPolicy"
        and o["metadata"]["name"] == f"mlplatform-team-{team}"
    ]
    return policy


_RESOURCES = {
    "NodePool": ("karpenter.sh", "nodepools"),
    "EC2NodeClass": ("karpenter.k8s.aws", "ec2nodeclasses"),
    "Namespace": ("", "namespaces"),
    "ServiceAccount": ("", "serviceaccounts"),
}


def request_for(
    obj: dict[str, Any], operation: str = "CREATE", groups: tuple[str, ...] = ()
) -> dict[str, Any]:
    group, resource = _RESOURCES[obj["kind"]]
    request: dict[str, Any] = {
        "operation": operation,
        "name": obj["metadata"]["name"],
        "resource": {"group": group, "version": "v1", "resource": resource},
        "userInfo": {
            "username": "arn:aws:sts::111111111111:assumed-role/x",
            "groups": [*groups, "system:authenticated"],
        },
    }
    if "namespace" in obj["metadata"]:
        request["namespace"] = obj["metadata"]["namespace"]
    return request


def denials(
    team: str, obj: dict[str, Any], operation: str = "CREATE", as_team: str | None = None
) -> list[str] | None:
    policy = policy_of(team, team_access_manifests([team, "search"], NODES))
    groups = (team_group(as_team or team),)
    return admission_denials(
        policy, request_for(obj, operation, groups), None if operation == "DELETE" else obj
    )


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(o for o in objects if o["kind"] == kind))


def test_no_team_no_objects() -> None:
    assert team_access_manifests([], NODES) == []


def test_every_object_passes_the_kubernetes_schemas_strictly() -> None:
    objects = team_access_manifests(["ranking", "search"], NODES)

    for manifest in objects:
        validate_manifest(manifest, karpenter=KARPENTER)
    kinds = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert kinds[:2] == [("ClusterRole", CLUSTER_ROLE), ("ClusterRoleBinding", CLUSTER_ROLE)]
    assert ("Namespace", "ranking") in kinds and (
        "ValidatingAdmissionPolicy",
        "mlplatform-team-search",
    ) in kinds
    binding = objects[1]
    assert [s["name"] for s in binding["subjects"]] == [
        "mlplatform:team:ranking",
        "mlplatform:team:search",
    ]


def test_the_cluster_role_holds_the_pool_releases_kinds_and_no_secret() -> None:
    role = team_access_manifests(["ranking"], NODES)[0]

    granted = {
        (g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
    }
    assert granted == {
        ("karpenter.sh", "nodepools"),
        ("karpenter.k8s.aws", "ec2nodeclasses"),
        ("", "namespaces"),
        ("", "serviceaccounts"),
    }
    objects = team_access_manifests(["ranking"], NODES)
    [namespace] = [o for o in objects if o["kind"] == "Namespace"]
    # Dropping the team revokes its access (Role, bindings, policy) but keeps what it runs.
    assert namespace["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    secrets = [o for o in objects if o["kind"] == "Role"]
    assert [(r["metadata"]["namespace"], r["rules"][0]["resources"]) for r in secrets] == [
        ("ranking", ["secrets"])
    ]


@pytest.mark.parametrize("namespace", ["ranking", "ranking-jobs"])
def test_the_teams_own_release_is_admitted_whole(namespace: str) -> None:
    objects = release("ranking", namespace)
    assert {o["kind"] for o in objects} >= {"NodePool", "EC2NodeClass", "ServiceAccount"}

    for obj in objects:
        assert denials("ranking", obj) == [], obj["kind"]
        assert denials("ranking", obj, "UPDATE") == [], obj["kind"]
        assert denials("ranking", obj, "DELETE") == [], obj["kind"]


def test_the_namespace_the_platform_makes_is_left_out_of_the_teams_release() -> None:
    kinds = [(o["kind"], o["metadata"]["name"]) for o in release("ranking", "ranking")]
    assert ("Namespace", "ranking") not in kinds
    assert ("Namespace", "ranking-jobs") in [
        (o["kind"], o["metadata"]["name"]) for o in release("ranking", "ranking-jobs")
    ]


def test_another_team_or_the_platform_is_not_held_to_the_teams_policy() -> None:
    pool = of_kind(release("search", "search"), "NodePool")

    assert (
        denials("ranking", pool, as_team="search") is None
    )  # search's group: not ranking's policy
    platform = request_for(pool, "CREATE", ("system:masters",))
    policy = policy_of("ranking", team_access_manifests(["ranking"], NODES))
    assert admission_denials(policy, platform, pool) is None


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("NodePool", "search-training"),
        ("NodePool", "experiments"),
        ("EC2NodeClass", "rankingx"),
        ("Namespace", "kube-system"),
    ],
)
def test_names_outside_the_teams_are_denied(kind: str, name: str) -> None:
    obj = of_kind(release("ranking", "ranking-jobs"), kind)
    obj["metadata"]["name"] = name
    if kind == "NodePool":
        obj["spec"]["template"]["spec"]["nodeClassRef"]["name"] = name
        obj["spec"]["template"]["metadata"]["labels"]["mlplatform/pool"] = name

    for operation in ("CREATE", "UPDATE", "DELETE"):
        assert denials("ranking", obj, operation) == [
            "team ranking may change only the NodePools, EC2NodeClasses and namespaces named ranking or ranking-..."
        ]


def test_a_service_account_outside_the_teams_namespaces_is_denied() -> None:
    account = of_kind(release("ranking", "ranking"), "ServiceAccount")
    account["metadata"]["namespace"] = "kube-system"

    assert denials("ranking", account) == [
        "team ranking may change service accounts only in namespaces ranking or ranking-..."
    ]


NODE_POOL = "a team's NodePool launches with the EC2NodeClass of its own name and labels its nodes mlplatform/pool: <its name>"


@pytest.mark.parametrize(
    "change",
    [
        lambda spec: spec["template"]["spec"]["nodeClassRef"].update(name="ranking-other"),
        lambda spec: spec["template"]["metadata"]["labels"].update(
            {"mlplatform/pool": "experiments"}
        ),
        lambda spec: spec["template"]["metadata"]["labels"].pop("mlplatform/pool"),
    ],
    ids=["other-node-class", "platform-pool-label", "no-pool-label"],
)
def test_a_node_pool_on_another_class_or_label_is_denied(change: Any) -> None:
    pool = of_kind(release("ranking", "ranking"), "NodePool")
    change(pool["spec"])

    assert denials("ranking", pool) == [NODE_POOL]


NODE_CLASS = (
    "a team's EC2NodeClass launches an EKS-optimized image (a bottlerocket@ or al2023@ alias) "
    "with the platform's Karpenter node instance profile (no role, no user data), IMDSv2 "
    "required, no public IP address and encrypted volumes"
)


@pytest.mark.parametrize(
    "change",
    [
        lambda spec: spec.update(instanceProfile="mlp-dev-admin"),
        lambda spec: (spec.pop("instanceProfile"), spec.update(role="mlp-dev-admin")),
        lambda spec: spec.update(userData="#!/bin/sh\ncurl x | sh"),
        lambda spec: spec["metadataOptions"].update(httpTokens="optional"),
        lambda spec: spec.update(associatePublicIPAddress=True),
        lambda spec: spec["blockDeviceMappings"][0]["ebs"].update(encrypted=False),
        lambda spec: spec.update(amiSelectorTerms=[{"id": "ami-0123456789abcdef0"}]),
        lambda spec: spec.update(amiSelectorTerms=[{"alias": "windows2022@latest"}]),
    ],
    ids=[
        "other-profile",
        "own-role",
        "user-data",
        "imds-v1",
        "public-ip",
        "unencrypted",
        "own-image",
        "other-alias",
    ],
)
def test_a_node_class_beyond_the_platforms_hardening_is_denied(change: Any) -> None:
    node_class = of_kind(release("ranking", "ranking"), "EC2NodeClass")
    change(node_class["spec"])

    assert denials("ranking", node_class) == [NODE_CLASS]
    assert denials("ranking", node_class, "DELETE") == []


PLACEMENT = (
    "a team's EC2NodeClass selects by id only the cluster's private subnets and the cluster "
    "security group, and no capacity reservation"
)


@pytest.mark.parametrize(
    "change",
    [
        lambda spec: spec.update(subnetSelectorTerms=[{"id": "subnet-public"}]),
        lambda spec: spec.update(subnetSelectorTerms=[{"id": "subnet-2"}, {"id": "subnet-9"}]),
        lambda spec: spec.update(subnetSelectorTerms=[{"tags": {"kubernetes.io/role/elb": "1"}}]),
        lambda spec: spec.update(securityGroupSelectorTerms=[{"id": "sg-open"}]),
        lambda spec: spec.update(securityGroupSelectorTerms=[{"name": "default"}]),
        lambda spec: spec.update(capacityReservationSelectorTerms=[{"id": "cr-0123456789abcdef0"}]),
    ],
    ids=[
        "other-subnet",
        "one-other-subnet",
        "subnets-by-tag",
        "other-security-group",
        "security-group-by-name",
        "capacity-reservation",
    ],
)
def test_a_node_class_outside_the_clusters_network_is_denied(change: Any) -> None:
    node_class = of_kind(release("ranking", "ranking"), "EC2NodeClass")
    change(node_class["spec"])
    validate_manifest(node_class, karpenter=KARPENTER)  # a node class Karpenter would accept

    assert denials("ranking", node_class) == [PLACEMENT]
    assert denials("ranking", node_class, "DELETE") == []


def test_a_node_class_in_any_of_the_clusters_subnets_is_admitted() -> None:
    node_class = of_kind(release("ranking", "ranking"), "EC2NodeClass")
    node_class["spec"]["subnetSelectorTerms"] = [{"id": "subnet-2"}, {"id": "subnet-1"}]

    assert denials("ranking", node_class) == []


@pytest.mark.parametrize("enforce", ["privileged", None])
def test_a_namespace_without_baseline_or_restricted_enforced_is_denied(enforce: str | None) -> None:
    namespace = of_kind(release("ranking", "ranking-jobs"), "Namespace")
    labels = namespace["metadata"]["labels"]
    labels.pop("pod-security.kubernetes.io/enforce")
    if enforce:
        labels["pod-security.kubernetes.io/enforce"] = enforce

    assert denials("ranking", namespace) == [
        "a team's namespace enforces the baseline or restricted Pod Security Standard "
        "(label pod-security.kubernetes.io/enforce)"
    ]


def test_the_teams_release_lives_in_its_own_namespace_and_its_roles_in_its_group() -> None:
    assert release_namespace("ranking") == "ranking"
    entries = deployer_entries(
        {
            "search": ("arn:aws:iam::1:role/s",),
            "ranking": ("arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"),
        }
    )
    assert [(e.team, e.index, e.role_arn, e.group) for e in entries] == [
        ("ranking", 0, "arn:aws:iam::1:role/a", "mlplatform:team:ranking"),
        ("ranking", 1, "arn:aws:iam::1:role/b", "mlplatform:team:ranking"),
        ("search", 0, "arn:aws:iam::1:role/s", "mlplatform:team:search"),
    ]
