"""The compute layer: the EKS cluster, its key and logs, the IRSA trust, node groups, Karpenter.

The cluster's security settings (Kubernetes version, secrets encryption with
the platform's key, private API endpoint, control plane logs, access entries,
pinned add-ons) and each node group are compared with the environment file.
Node groups the file does not name are reported too: a GPU group added by hand
is cost the platform does not know about. With managed add-ons, the
Container Insights log groups are checked like the control plane's; with GPU
pools, Karpenter's AWS side (:mod:`mlplatform.verify.karpenter`). Switches the
file turns off (the emulator's ``addons: null``, ``access_entries: false``)
are not checked.
"""

from __future__ import annotations

from typing import Any

from mlplatform.config import ComputeProps
from mlplatform.decisions.container_insights import container_insights_log_groups
from mlplatform.decisions.team_access import DeployerEntry, deployer_entries
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.karpenter import KarpenterChecker
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.log_groups import LogGroupChecker
from mlplatform.verify.node_groups import NodeGroupChecker
from mlplatform.verify.reads import read_or_none

__all__ = ["ComputeChecker"]

# The audience IRSA tokens are issued for.
_STS_AUDIENCE = "sts.amazonaws.com"


class ComputeChecker:
    """The ``<env>-compute`` stack's resources, named as ``ComputeCluster`` names them."""

    def __init__(self, context: VerifyContext, keys: KeyChecker, compute: ComputeProps) -> None:
        self.context = context
        self.keys = keys
        self.compute = compute
        self.eks = context.client("eks")

    def check(self) -> None:
        naming = self.context.naming
        props = self.compute.cluster
        name = naming.resource("eks")
        alias = naming.kms_alias("eks")
        self.keys.arn(alias)
        log_groups = [f"/aws/eks/{name}/cluster"]
        if props.addons is not None:
            log_groups += container_insights_log_groups(name)
        for group in log_groups:
            LogGroupChecker(self.context, self.keys.arn).check(
                group, props.log_retention_days, alias
            )
        found = read_or_none(self.eks.describe_cluster, name=name)
        if found is None:
            self.context.findings.missing(f"EKS cluster {name}")
            return
        cluster = found["cluster"]
        resource = f"EKS cluster {name}"
        self._cluster(resource, cluster, alias)
        if props.access_entries:
            self._access(resource, name, cluster)
        if props.addons is not None:
            self._addons(resource, name, props.addons.by_addon())
        self._oidc_provider(resource, cluster)
        self._node_groups(name)
        if self.compute.gpu_pools:
            KarpenterChecker(self.context, self.compute).check(name)

    def _cluster(self, resource: str, cluster: dict[str, Any], alias: str) -> None:
        findings = self.context.findings
        props = self.compute.cluster
        findings.compare(
            resource, "Kubernetes version", cluster.get("version"), props.kubernetes_version
        )
        findings.compare(resource, "status", cluster.get("status"), "ACTIVE")
        encryption = (cluster.get("encryptionConfig") or [{}])[0]
        findings.compare(resource, "encrypted resources", encryption.get("resources"), ["secrets"])
        key = self.keys.arn(alias)
        if key is not None and encryption.get("resources"):
            findings.compare(
                resource,
                f"secrets encryption key (the {alias} key)",
                encryption.get("provider", {}).get("keyArn"),
                key,
            )
        vpc = cluster.get("resourcesVpcConfig", {})
        findings.compare(resource, "private API endpoint", vpc.get("endpointPrivateAccess"), True)
        findings.compare(
            resource,
            "public API endpoint",
            vpc.get("endpointPublicAccess"),
            props.endpoint_public_access,
        )
        if props.endpoint_public_access:
            findings.compare(
                resource,
                "public access CIDRs",
                sorted(vpc.get("publicAccessCidrs") or []),
                sorted(props.public_access_cidrs),
            )
        enabled = sorted(
            kind
            for setup in cluster.get("logging", {}).get("clusterLogging", [])
            if setup.get("enabled")
            for kind in setup.get("types", [])
        )
        findings.compare(resource, "control plane logs", enabled, sorted(props.control_plane_logs))
        self.context.expect_tags(resource, "compute", cluster.get("tags"))

    def _access(self, resource: str, name: str, cluster: dict[str, Any]) -> None:
        """Access entries only, no standing admin for the creator, the configured admins."""
        findings = self.context.findings
        mode = cluster.get("accessConfig", {}).get("authenticationMode")
        findings.compare(resource, "authentication mode", mode, "API")
        pages = self.eks.get_paginator("list_access_entries").paginate(clusterName=name)
        entries = set(pages.build_full_result().get("accessEntries", []))
        for role in self.compute.cluster.admin_role_arns:
            findings.expect(
                role in entries,
                f"{resource}: access entry for {role}",
                f"{resource}: access entry for {role} is missing",
            )
        for entry in deployer_entries(self.compute.cluster.team_deployers):
            self._team_deployer(resource, name, entry)

    def _team_deployer(self, resource: str, name: str, entry: DeployerEntry) -> None:
        """A team's deploying role: in its team's group only, with no EKS access policy (what
        the group may do is the cluster layer's RBAC and admission policy)."""
        findings = self.context.findings
        what = f"{resource}: access entry for {entry.role_arn}"
        found = read_or_none(
            self.eks.describe_access_entry, clusterName=name, principalArn=entry.role_arn
        )
        if found is None:
            findings.missing(what, f"team {entry.team}'s deploy could not install its GPU pools")
            return
        groups = sorted(found["accessEntry"].get("kubernetesGroups") or [])
        findings.compare(what, "Kubernetes groups", groups, [entry.group])
        policies = self.eks.list_associated_access_policies(
            clusterName=name, principalArn=entry.role_arn
        ).get("associatedAccessPolicies", [])
        arns = sorted(p.get("policyArn", "") for p in policies)
        findings.expect(
            not arns,
            f"{what}: no EKS access policy",
            f"{what}: has EKS access policies {', '.join(arns)}; team {entry.team}'s deploy "
            "may install its pools only (remove the association)",
        )

    def _addons(self, resource: str, name: str, versions: dict[str, str]) -> None:
        findings = self.context.findings
        for addon, version in versions.items():
            found = read_or_none(self.eks.describe_addon, clusterName=name, addonName=addon)
            if found is None:
                findings.missing(f"{resource}: add-on {addon}")
                continue
            findings.compare(
                f"{resource}: add-on {addon}",
                "version",
                found["addon"].get("addonVersion"),
                version,
            )

    def _oidc_provider(self, resource: str, cluster: dict[str, Any]) -> None:
        """IRSA works only while IAM trusts the cluster's issuer for STS."""
        findings = self.context.findings
        issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer")
        if not issuer:
            findings.problem(f"{resource}: has no OIDC issuer, so IRSA cannot work")
            return
        host = issuer.removeprefix("https://")
        iam = self.context.client("iam")
        arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        provider = next((a for a in arns if a.endswith(f":oidc-provider/{host}")), None)
        name = f"OIDC provider {host}"
        if provider is None:
            findings.missing(name, f"IAM does not trust {resource}'s issuer")
            return
        audiences = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider).get(
            "ClientIDList", []
        )
        findings.expect(
            _STS_AUDIENCE in audiences,
            f"{name}: audience {_STS_AUDIENCE}",
            f"{name}: audiences are {', '.join(audiences) or 'none'}, expected {_STS_AUDIENCE}",
        )

    def _node_groups(self, cluster: str) -> None:
        naming = self.context.naming
        props = self.compute.cluster
        checker = NodeGroupChecker(self.context, cluster)
        checker.check_cpu("system", props.system_node_group)
        for group, group_props in props.cpu_node_groups.items():
            checker.check_cpu(group, group_props)
        # GPU pools have no node group (Karpenter launches their nodes), so one left from
        # before Karpenter, or added by hand, is reported as not in the file.
        expected = {naming.resource("cpu", g) for g in ("system", *props.cpu_node_groups)}
        pages = self.eks.get_paginator("list_nodegroups").paginate(clusterName=cluster)
        for stray in sorted(set(pages.build_full_result().get("nodegroups", [])) - expected):
            self.context.findings.problem(
                f"EKS cluster {cluster}: node group {stray} is not in the environment file"
            )
