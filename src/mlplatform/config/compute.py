"""Config of the ``<env>-compute`` layer: the EKS cluster, its add-ons, node groups and GPU pools.

The cluster's defaults are the locked-down choice (private endpoint, every
control plane log, access entries only). CPU node groups and GPU pools have
their own modules; this one composes them and checks what spans them: group
and pool names, and one job service account (one IRSA role) per pool.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal, Self

from pydantic import Field, StrictBool, field_validator, model_validator

from mlplatform.config._base import RetentionDays, _check_unique, _Frozen
from mlplatform.config.cluster_layer import ClusterLayerProps
from mlplatform.config.gpu_pool import GpuPoolProps
from mlplatform.config.node_group import CpuNodeGroupProps

__all__ = ["AddonVersionsProps", "ComputeClusterProps", "ComputeProps"]

_KUBERNETES_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
"""Namespaces every cluster has; no team may be named so that it covers one."""


def _checked_role_arns(value: tuple[str, ...]) -> tuple[str, ...]:
    for arn in value:
        if not _IAM_ROLE_ARN.match(arn):
            raise ValueError(
                f"{arn!r} is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>"
            )
    return _check_unique(value, "role")


def _covers(team: str, name: str) -> bool:
    """Whether a team may change what is named ``name``: ``<team>`` itself or ``<team>-...``."""
    return name == team or name.startswith(f"{team}-")


ControlPlaneLog = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]

_GROUP_NAME = re.compile(r"^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$")
_KUBERNETES_VERSION = re.compile(r"^1\.\d{2}$")
_ADDON_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-eksbuild\.\d+$")
_ADMISSION_POLICY_MINOR = 30
"""Kubernetes 1.30 made ValidatingAdmissionPolicy generally available (admissionregistration/v1)."""
_TEAM_NAME = re.compile(r"^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


class AddonVersionsProps(_Frozen):
    """Pinned versions of the EKS managed add-ons; each must match ``kubernetes_version``.

    Look versions up with ``aws eks describe-addon-versions --kubernetes-version <v>``;
    pinning them makes an add-on upgrade a reviewed change, not a surprise.
    """

    vpc_cni: str
    """``vpc-cni``: pod networking, e.g. v1.19.5-eksbuild.1."""
    coredns: str
    """``coredns``: cluster DNS, e.g. v1.12.1-eksbuild.2."""
    kube_proxy: str
    """``kube-proxy``: service routing; its minor version equals the cluster's."""
    ebs_csi_driver: str
    """``aws-ebs-csi-driver``: persistent volumes on EBS, e.g. v1.46.0-eksbuild.1."""
    cloudwatch_observability: str = "v4.5.0-eksbuild.1"
    """``amazon-cloudwatch-observability``: Container Insights, including the GPU pools'
    NVIDIA (DCGM) and Neuron metrics, sent to CloudWatch. Default v4.5.0-eksbuild.1, the
    version this release was tested against; environment files pin it explicitly."""

    @field_validator(
        "vpc_cni", "coredns", "kube_proxy", "ebs_csi_driver", "cloudwatch_observability"
    )
    @classmethod
    def _version(cls, value: str) -> str:
        if not _ADDON_VERSION.match(value):
            raise ValueError(
                f"{value!r} is not an EKS add-on version; use the form v1.19.5-eksbuild.1"
            )
        return value

    def by_addon(self) -> dict[str, str]:
        """Versions keyed by the EKS add-on name."""
        return {
            "vpc-cni": self.vpc_cni,
            "coredns": self.coredns,
            "kube-proxy": self.kube_proxy,
            "aws-ebs-csi-driver": self.ebs_csi_driver,
            "amazon-cloudwatch-observability": self.cloudwatch_observability,
        }


class ComputeClusterProps(_Frozen):
    """The EKS cluster of an environment: private, logged, secrets encrypted, access by IAM role.

    The API endpoint is private by default; a public endpoint needs an
    explicit CIDR allowlist. Every control plane log type goes to a
    KMS-encrypted log group, Kubernetes secrets are envelope-encrypted with a
    KMS key, and cluster access is granted to IAM roles through EKS access
    entries (the identity that created the cluster gets no standing access).
    """

    kubernetes_version: str
    """Kubernetes minor version, pinned per environment, e.g. ``"1.33"`` (quote it in YAML)."""
    addons: AddonVersionsProps | None
    """Pinned add-on versions. ``null`` leaves EKS's self-installed vpc-cni, kube-proxy and
    coredns and no EBS CSI driver: only for an EKS API without add-ons (the emulator), so it
    is refused unless ``emulator: true``."""
    endpoint_public_access: StrictBool = False
    """Expose the API endpoint on the internet. Off by default; needs ``public_access_cidrs``."""
    public_access_cidrs: tuple[str, ...] = ()
    """IPv4 blocks allowed to reach a public endpoint (office, VPN). Never 0.0.0.0/0."""
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles granted cluster-admin through EKS access entries. A real environment lists at
    least one: the cluster's creator gets no standing admin."""
    access_entries: StrictBool = True
    """Authenticate with EKS access entries only (mode API), with no standing admin for the
    cluster's creator. Off leaves EKS's default (aws-auth ConfigMap, creator is admin):
    only for an emulator without the access entry API, so refused unless ``emulator: true``."""
    team_deployers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """IAM roles of each team's deploys (``ranking: [arn:aws:iam::...:role/ranking-deploy]``)
    that may install the team's GPU pools (``GpuPoolProvisioning`` in a team repo), and
    nothing else: the team's NodePools, node classes, namespaces and service accounts, each
    named ``<team>`` or ``<team>-...`` (:mod:`mlplatform.decisions.team_access`). Default
    none. Never give a team's deploy ``admin_role_arns`` for that."""
    control_plane_logs: tuple[ControlPlaneLog, ...] = (
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    )
    """Control plane log types sent to CloudWatch. Default all five."""
    log_retention_days: RetentionDays = 90
    """Retention of the control plane log group. Default 90 days."""
    system_node_group: CpuNodeGroupProps = CpuNodeGroupProps(min_nodes=2, max_nodes=4)
    """On-demand CPU nodes for cluster services (CoreDNS, autoscaler). Default 2-4 m6i.large."""
    cpu_node_groups: dict[str, CpuNodeGroupProps] = Field(default_factory=dict)
    """Further named CPU node groups for general workloads. Default none."""

    @field_validator("kubernetes_version")
    @classmethod
    def _kubernetes_version(cls, value: str) -> str:
        if not _KUBERNETES_VERSION.match(value):
            raise ValueError(
                f'{value!r} is not a Kubernetes minor version; use the form "1.33" (quoted)'
            )
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                network = ipaddress.IPv4Network(cidr, strict=True)
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not an IPv4 CIDR block ({exc})") from None
            if network.prefixlen == 0:
                raise ValueError(
                    f"{cidr!r} opens the API endpoint to the whole internet; list your own ranges"
                )
        return value

    @field_validator("admin_role_arns")
    @classmethod
    def _role_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _checked_role_arns(value)

    @field_validator("team_deployers")
    @classmethod
    def _team_deployers(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for team, arns in value.items():
            if not _TEAM_NAME.match(team) or "--" in team:
                raise ValueError(
                    f"team {team!r} must be named as in its team.yaml: 1-20 lowercase letters, "
                    "digits and inner '-', e.g. ranking"
                )
            if not arns:
                raise ValueError(f"{team}: list the IAM roles the team deploys with")
            _checked_role_arns(arns)
        return value

    @field_validator("control_plane_logs")
    @classmethod
    def _unique_logs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_unique(value, "log type")

    @field_validator("cpu_node_groups")
    @classmethod
    def _group_names(cls, value: dict[str, CpuNodeGroupProps]) -> dict[str, CpuNodeGroupProps]:
        for name in value:
            if not _GROUP_NAME.match(name) or name == "system":
                raise ValueError(
                    f"node group name {name!r} must be 1-20 lowercase letters, digits and inner '-', "
                    "and not 'system'"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ValueError(
                "public_access_cidrs: a public endpoint needs an allowlist; list your CIDR blocks "
                "or set endpoint_public_access: false"
            )
        if self.public_access_cidrs and not self.endpoint_public_access:
            raise ValueError(
                "public_access_cidrs: only used with endpoint_public_access: true; remove them"
            )
        if self.admin_role_arns and not self.access_entries:
            raise ValueError(
                "admin_role_arns: admins are granted through access entries; "
                "set access_entries: true or remove admin_role_arns"
            )
        if (
            self.team_deployers
            and int(self.kubernetes_version.split(".")[1]) < _ADMISSION_POLICY_MINOR
        ):
            raise ValueError(
                f"team_deployers: a team's deploy is held to its names by a "
                f"ValidatingAdmissionPolicy, which Kubernetes {self.kubernetes_version} lacks; "
                f"use kubernetes_version 1.{_ADMISSION_POLICY_MINOR} or later"
            )
        if self.team_deployers and not self.access_entries:
            raise ValueError(
                "team_deployers: teams are granted through access entries; "
                "set access_entries: true or remove team_deployers"
            )
        for team, arns in self.team_deployers.items():
            for arn in set(arns) & set(self.admin_role_arns):
                raise ValueError(
                    f"team_deployers.{team}: {arn} is also in admin_role_arns, which would "
                    "make the team's deploy cluster-admin; give the team a role of its own"
                )
        if self.addons is not None:
            match = _ADDON_VERSION.match(self.addons.kube_proxy)
            minor = f"{match.group(1)}.{match.group(2)}" if match else ""
            if minor != self.kubernetes_version:
                raise ValueError(
                    f"addons.kube_proxy: {self.addons.kube_proxy} is built for Kubernetes {minor}, "
                    f"but kubernetes_version is {self.kubernetes_version}; pin a v{self.kubernetes_version}.x build"
                )
        system = self.system_node_group
        if system.capacity != "on_demand" or system.min_nodes < 1:
            raise ValueError(
                "system_node_group: cluster services need a node that is always there; "
                "use capacity: on_demand and min_nodes of at least 1"
            )
        return self


class ComputeProps(_Frozen):
    """The compute layer: an EKS cluster and its named GPU training pools."""

    cluster: ComputeClusterProps
    gpu_pools: dict[str, GpuPoolProps] = Field(default_factory=dict)
    """GPU training pools by name, e.g. ``experiments`` (spot) and ``training`` (on-demand)."""
    cluster_layer: ClusterLayerProps = Field(default_factory=ClusterLayerProps)
    """The ``<env>-cluster`` stack: Karpenter, per-pool provisioners, device plugins."""

    @field_validator("gpu_pools")
    @classmethod
    def _pool_names(cls, value: dict[str, GpuPoolProps]) -> dict[str, GpuPoolProps]:
        for name in value:
            if not _GROUP_NAME.match(name):
                raise ValueError(
                    f"pool name {name!r} must be 1-20 lowercase letters, digits and inner '-'"
                )
        return value

    @model_validator(mode="after")
    def _teams_own_their_names_only(self) -> Self:
        """A team may change the cluster-scoped objects named ``<team>`` or ``<team>-...``, so
        no such name may be the platform's, Kubernetes' own or another team's."""
        teams = self.cluster.team_deployers
        if not teams:
            return self
        if not self.gpu_pools or not self.cluster_layer.enabled:
            raise ValueError(
                "cluster.team_deployers: a team's pools join Karpenter, which the cluster layer "
                "installs; add a GPU pool and keep cluster_layer.enabled, or remove team_deployers"
            )
        taken = {
            **dict.fromkeys(_KUBERNETES_NAMESPACES, "a Kubernetes namespace"),
            **{name: "a platform GPU pool" for name in self.gpu_pools},
            **{pool.job_namespace: "a platform job namespace" for pool in self.gpu_pools.values()},
        }
        for team in teams:
            covered = {name: what for name, what in taken.items() if _covers(team, name)}
            covered.update(
                {other: "another team" for other in teams if other != team and _covers(team, other)}
            )
            for name, what in sorted(covered.items()):
                raise ValueError(
                    f"cluster.team_deployers.{team}: the team may change what is named {team} or "
                    f"{team}-..., which includes {name} ({what}); register the team under a "
                    "name that covers nothing of the platform's or another team's"
                )
        return self

    @model_validator(mode="after")
    def _one_role_per_service_account(self) -> Self:
        # A service account gets one IRSA role; two pools sharing it would share grants.
        owners: dict[str, str] = {}
        for name, pool in self.gpu_pools.items():
            account = f"{pool.job_namespace}/{pool.service_account(name)}"
            if account in owners:
                raise ValueError(
                    f"gpu_pools.{name}.job_service_account: {account} is already the job service "
                    f"account of pool {owners[account]!r}; give each pool its own"
                )
            owners[account] = name
        return self
