"""What a team's deploy may do in the platform's cluster: install its GPU pools, nothing more.

A team repo's ``GpuPoolProvisioning`` installs one Helm release of the team's
``NodePool`` and ``EC2NodeClass`` objects, job namespaces and service accounts
(:mod:`~mlplatform.decisions.team_pool_release`). Cluster-admin would let that deploy
read every secret and change every workload of the shared cluster. Instead the
platform registers each team's deploying IAM roles (``compute.cluster.team_deployers``)
and grants them exactly what the release needs, whichever engine applies it:

- **compute layer**, per role: an EKS access entry (``STANDARD``) that puts the role in
  the Kubernetes group ``mlplatform:team:<team>`` (:func:`team_group`), with no EKS
  access policy: what the group may do is the cluster layer's RBAC below;
- **cluster layer** (:func:`team_access_manifests`):

  - a ``ClusterRole`` on the cluster-scoped objects a pool release holds (NodePools,
    EC2NodeClasses, namespaces) and on service accounts, bound to every team's group;
  - per team the namespace ``<team>`` (:func:`release_namespace`), where its release
    lives, with the ``baseline`` Pod Security Standard enforced like every job
    namespace, and a ``Role`` there on secrets: Helm keeps its release records as
    secrets in the release's namespace, so a team reads no secret outside its own.
    Helm keeps the namespace when a team leaves the file (``helm.sh/resource-policy:
    keep``): its access goes, what it runs stays until someone removes it;
  - per team a ``ValidatingAdmissionPolicy`` (Kubernetes 1.30 and later) for requests
    of its group, since RBAC cannot restrict what a created object is named or holds:
    it may change only objects named ``<team>`` or ``<team>-...`` and service accounts
    in such namespaces; a NodePool only on its own node class with its own
    ``mlplatform/pool`` label (so no platform job is scheduled onto it); a node class
    only with an EKS-optimized image (an AMI alias: a node of the team's own image
    would run the platform's DaemonSets and hold their credentials) and the platform's
    Karpenter instance profile (never a role of its own), no user data, IMDSv2
    required, no public address and encrypted volumes; a namespace only with the
    ``baseline`` or ``restricted`` standard enforced.

Karpenter's own permissions let it launch into any subnet and security group of the
account, so the policy also holds where a team's nodes go: a node class selects, by id
only, the cluster's private subnets and the cluster security group (what EKS gives its
managed nodes, and the platform's pools use), and no capacity reservation (the
platform's reserved GPUs are not a team's to take). The engine hands these in as
:class:`TeamNodes`.

The environment file refuses a team name that would cover a name of Kubernetes', the
platform's or another team's (``compute.cluster.team_deployers``). Service accounts
carry IRSA role annotations, but a role trusts one namespace and account by name
(:mod:`~mlplatform.decisions.policies.eks`), so a team's account assumes only its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlplatform.decisions.job_accounts import MANAGED_BY, POD_SECURITY

__all__ = [
    "CLUSTER_ROLE",
    "RELEASE_RECORDS_ROLE",
    "TEAM_GROUP_PREFIX",
    "DeployerEntry",
    "TeamNodes",
    "admission_rules",
    "deployer_entries",
    "release_namespace",
    "team_access_manifests",
    "team_group",
]

TEAM_GROUP_PREFIX = "mlplatform:team:"
"""Kubernetes group of a team's deploying roles, before the team's name."""
CLUSTER_ROLE = "mlplatform:team-gpu-pools"
"""ClusterRole every team's group is bound to: the objects of a pool release."""
RELEASE_RECORDS_ROLE = "mlplatform:team-helm-releases"
"""Role in each team's namespace on the secrets Helm keeps its release records in."""

_READ_WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]
_CHANGES = ["CREATE", "UPDATE", "DELETE"]
_ADMISSION_API = "admissionregistration.k8s.io/v1"
_RBAC_API = "rbac.authorization.k8s.io/v1"


def team_group(team: str) -> str:
    """The Kubernetes group a team's deploying roles are in: ``mlplatform:team:<team>``."""
    return f"{TEAM_GROUP_PREFIX}{team}"


def release_namespace(team: str) -> str:
    """The namespace a team's pool release lives in (the platform makes it): ``<team>``."""
    return team


@dataclass(frozen=True)
class DeployerEntry:
    """One deploying role of one team, as the compute layer's access entry grants it."""

    team: str
    index: int
    """The role's place among the team's (access entry ids)."""
    role_arn: str

    @property
    def group(self) -> str:
        return team_group(self.team)


def deployer_entries(team_deployers: Mapping[str, Sequence[str]]) -> list[DeployerEntry]:
    """Every team's deploying roles, by team name, each team's in the file's order."""
    return [
        DeployerEntry(team, index, arn)
        for team in sorted(team_deployers)
        for index, arn in enumerate(team_deployers[team])
    ]


@dataclass(frozen=True)
class TeamNodes:
    """What every team's node class must launch with; strings may be an engine's tokens.

    A list whose length is known only at apply (one cdktf token) is passed as one string
    that renders as the ids joined by ``', '`` (Terraform's ``join``): it stands inside
    the policy's quoted CEL list.
    """

    instance_profile: str
    """The Karpenter node instance profile: the only one a team's node class may name."""
    subnet_ids: Sequence[str]
    """The cluster's private subnets: the only subnets a team's node class may select."""
    security_group_ids: Sequence[str]
    """The cluster security group: the only security groups a team's nodes may join."""


def team_access_manifests(teams: Sequence[str], nodes: TeamNodes) -> list[dict[str, Any]]:
    """The cluster layer's objects for ``teams`` (none without a team): the ClusterRole and
    its binding, then per team its namespace, release records role and binding, and its
    admission policy and binding, which holds each team's node classes to ``nodes``."""
    if not teams:
        return []
    ordered = sorted(teams)
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": _RBAC_API,
            "kind": "ClusterRole",
            "metadata": {"name": CLUSTER_ROLE, "labels": dict(MANAGED_BY)},
            "rules": [
                _rule("karpenter.sh", "nodepools"),
                _rule("karpenter.k8s.aws", "ec2nodeclasses"),
                _rule("", "namespaces", "serviceaccounts"),
            ],
        },
        {
            "apiVersion": _RBAC_API,
            "kind": "ClusterRoleBinding",
            "metadata": {"name": CLUSTER_ROLE, "labels": dict(MANAGED_BY)},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": CLUSTER_ROLE,
            },
            "subjects": [_group_subject(team) for team in ordered],
        },
    ]
    for team in ordered:
        objects += _team_objects(team, nodes)
    return objects


def _team_objects(team: str, nodes: TeamNodes) -> list[dict[str, Any]]:
    namespace = release_namespace(team)
    policy = f"mlplatform-team-{team}"
    labels = {**MANAGED_BY, "mlplatform/team": team}
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": namespace,
                "labels": {**labels, **POD_SECURITY},
                # Dropping a team from the file revokes its access; it does not delete what
                # the team runs (Helm keeps the namespace when the object leaves the release).
                "annotations": {"helm.sh/resource-policy": "keep"},
            },
        },
        {
            "apiVersion": _RBAC_API,
            "kind": "Role",
            "metadata": {"name": RELEASE_RECORDS_ROLE, "namespace": namespace, "labels": labels},
            "rules": [_rule("", "secrets")],
        },
        {
            "apiVersion": _RBAC_API,
            "kind": "RoleBinding",
            "metadata": {"name": RELEASE_RECORDS_ROLE, "namespace": namespace, "labels": labels},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": RELEASE_RECORDS_ROLE,
            },
            "subjects": [_group_subject(team)],
        },
        {
            "apiVersion": _ADMISSION_API,
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": policy, "labels": labels},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {
                    "resourceRules": [
                        _resource_rule("karpenter.sh", "*", "nodepools"),
                        _resource_rule("karpenter.k8s.aws", "*", "ec2nodeclasses"),
                        _resource_rule("", "v1", "namespaces", "serviceaccounts"),
                    ]
                },
                "matchConditions": [
                    {
                        "name": "team-deployer",
                        "expression": (
                            "has(request.userInfo.groups) && "
                            f"'{team_group(team)}' in request.userInfo.groups"
                        ),
                    }
                ],
                "validations": admission_rules(team, nodes),
            },
        },
        {
            "apiVersion": _ADMISSION_API,
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": policy, "labels": labels},
            "spec": {"policyName": policy, "validationActions": ["Deny"]},
        },
    ]


def admission_rules(team: str, nodes: TeamNodes) -> list[dict[str, str]]:
    """The CEL validations of ``team``'s admission policy, each with the message it denies with."""
    instance_profile = nodes.instance_profile
    own = f"'{team}'"
    prefix = f"'{team}-'"
    resource = "request.resource.resource"
    kept = "request.operation == 'DELETE'"
    template = "object.spec.template"
    spec = "object.spec"
    return [
        {
            "expression": (
                f"{resource} == 'serviceaccounts' || "
                f"request.name == {own} || request.name.startsWith({prefix})"
            ),
            "message": (
                f"team {team} may change only the NodePools, EC2NodeClasses and namespaces "
                f"named {team} or {team}-..."
            ),
        },
        {
            "expression": (
                f"{resource} != 'serviceaccounts' || "
                f"request.namespace == {own} || request.namespace.startsWith({prefix})"
            ),
            "message": f"team {team} may change service accounts only in namespaces {team} or {team}-...",
        },
        {
            "expression": (
                f"{resource} != 'nodepools' || {kept} || "
                f"({template}.spec.nodeClassRef.name == request.name && "
                f"has({template}.metadata) && has({template}.metadata.labels) && "
                f"'mlplatform/pool' in {template}.metadata.labels && "
                f"{template}.metadata.labels['mlplatform/pool'] == request.name)"
            ),
            "message": (
                "a team's NodePool launches with the EC2NodeClass of its own name and labels its "
                "nodes mlplatform/pool: <its name>"
            ),
        },
        {
            "expression": (
                f"{resource} != 'ec2nodeclasses' || {kept} || "
                f"(has({spec}.instanceProfile) && {spec}.instanceProfile == '{instance_profile}' && "
                f"!has({spec}.role) && !has({spec}.userData) && "
                f"has({spec}.metadataOptions) && has({spec}.metadataOptions.httpTokens) && "
                f"{spec}.metadataOptions.httpTokens == 'required' && "
                f"has({spec}.associatePublicIPAddress) && {spec}.associatePublicIPAddress == false && "
                f"has({spec}.blockDeviceMappings) && {spec}.blockDeviceMappings.all(m, "
                "has(m.ebs) && has(m.ebs.encrypted) && m.ebs.encrypted == true) && "
                f"{spec}.amiSelectorTerms.all(t, has(t.alias) && "
                "(t.alias.startsWith('bottlerocket@') || t.alias.startsWith('al2023@'))))"
            ),
            "message": (
                "a team's EC2NodeClass launches an EKS-optimized image (a bottlerocket@ or "
                "al2023@ alias) with the platform's Karpenter node instance profile (no role, no "
                "user data), IMDSv2 required, no public IP address and encrypted volumes"
            ),
        },
        {
            "expression": (
                f"{resource} != 'ec2nodeclasses' || {kept} || "
                f"(has({spec}.subnetSelectorTerms) && {spec}.subnetSelectorTerms.all(t, "
                f"has(t.id) && t.id in {_cel_strings(nodes.subnet_ids)}) && "
                f"has({spec}.securityGroupSelectorTerms) && "
                f"{spec}.securityGroupSelectorTerms.all(t, "
                f"has(t.id) && t.id in {_cel_strings(nodes.security_group_ids)}) && "
                f"!has({spec}.capacityReservationSelectorTerms))"
            ),
            "message": (
                "a team's EC2NodeClass selects by id only the cluster's private subnets and the "
                "cluster security group, and no capacity reservation"
            ),
        },
        {
            "expression": (
                f"{resource} != 'namespaces' || {kept} || "
                "(has(object.metadata.labels) && "
                "'pod-security.kubernetes.io/enforce' in object.metadata.labels && "
                "object.metadata.labels['pod-security.kubernetes.io/enforce'] in "
                "['baseline', 'restricted'])"
            ),
            "message": (
                "a team's namespace enforces the baseline or restricted Pod Security Standard "
                "(label pod-security.kubernetes.io/enforce)"
            ),
        },
    ]


def _cel_strings(values: Sequence[str]) -> str:
    """A CEL list of string literals (ids: no quote inside to escape)."""
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


def _rule(group: str, *resources: str) -> dict[str, Any]:
    return {"apiGroups": [group], "resources": list(resources), "verbs": list(_READ_WRITE)}


def _resource_rule(group: str, version: str, *resources: str) -> dict[str, Any]:
    return {
        "apiGroups": [group],
        "apiVersions": [version],
        "operations": list(_CHANGES),
        "resources": list(resources),
    }


def _group_subject(team: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": team_group(team)}
