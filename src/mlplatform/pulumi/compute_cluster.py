"""``ComputeCluster`` on Pulumi: EKS, its key, logs, roles, OIDC provider, access entries, add-ons
and CPU node groups.

A translation of :class:`mlplatform.constructs.compute_cluster.ComputeCluster`:
policies, managed policy lists, add-on service accounts and log group names
come from ``decisions``. IRSA roles are made once per service account
(:meth:`service_account_role`), under this component, as in cdktf.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from mlplatform.config import ComputeClusterProps, CpuNodeGroupProps
from mlplatform.decisions import cluster_addons, cluster_roles, team_access
from mlplatform.decisions.cluster_contract import CLUSTER_CONTRACT_KEYS, ContractClusterValues
from mlplatform.decisions.cluster_metrics import ClusterMetrics
from mlplatform.decisions.cluster_node_groups import cpu_node_group
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.documents import aws_managed_policy_arn
from mlplatform.decisions.policies.eks import (
    EKS_CLUSTER_ADMIN_ACCESS_POLICY,
    eks_access_policy_arn,
    eks_secrets_encryption_policy,
)
from mlplatform.decisions.policies.kms import cloudwatch_logs_key_statement
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.eks_service_role import eks_service_role
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.metrics import OutputClusterMetrics
from mlplatform.pulumi.network import NetworkPlacement
from mlplatform.pulumi.node_group import ManagedNodeGroup, ManagedNodeGroupProps
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.pulumi.service_account_roles import ServiceAccountRoles

__all__ = ["ComputeCluster", "ImportedComputeCluster"]

if TYPE_CHECKING:
    from mlplatform.pulumi.contract_reader import ContractReader


def _issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    """The OIDC issuer URL of the cluster (``identity[0].oidc[0].issuer``)."""
    return str(identities[0].oidcs[0].issuer)  # type: ignore[index]


def _certificate(authority: aws.eks.outputs.ClusterCertificateAuthority) -> str:
    """``certificate_authority[0].data``."""
    return str(authority.data)


def _security_group(config: aws.eks.outputs.ClusterVpcConfig) -> str:
    """The security group EKS made for the cluster (``vpc_config[0].cluster_security_group_id``)."""
    return str(config.cluster_security_group_id)


class ComputeCluster(
    ClusterMetrics,
    cluster_addons.AddonInstaller[pulumi.Resource, aws.iam.Role],
    PlatformComponent,
):
    """``mlplatform:compute:ComputeCluster``."""

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        props: ComputeClusterProps,
        placement: NetworkPlacement,
    ) -> None:
        super().__init__(layer.layer, "ComputeCluster", f"{layer.path}/{id}", parent=layer)
        self._layer = layer
        self._props = props
        self.placement = placement
        name = layer.naming.resource("eks")
        self.physical_name = name
        self._metrics_cluster_name = name
        self.key = self._key_for_secrets_and_logs()
        log_group = self._control_plane_logs()
        cluster_role, cluster_role_grants = self._control_plane_role()
        self.cluster = self._control_plane(cluster_role, [log_group, *cluster_role_grants])
        self.oidc_issuer_url: pulumi.Output[str] = self.cluster.identities.apply(_issuer)
        self.oidc, self._roles = self._irsa()
        self.node_role, node_role_policies = self._shared_node_role()
        self.compute_dependencies: list[pulumi.Resource] = [*node_role_policies]
        self._admin_access_entries()
        self._team_deployer_access_entries()
        self._addons_and_node_groups()
        self.register_outputs({"cluster_name": self.cluster.name})

    # ----------------------------------------------------------------- steps
    def _key_for_secrets_and_logs(self) -> PlatformKey:
        """One key for secrets envelope encryption and the cluster's log groups."""
        naming = self._layer.naming
        return PlatformKey(
            self._layer,
            self,
            "key",
            props=PlatformKeyProps(
                alias=naming.kms_alias("eks"),
                description=f"EKS secrets and control plane logs of {naming.prefix}",
                service_statements=lambda account, partition, region: [
                    cloudwatch_logs_key_statement(account, partition, region)
                ],
            ),
        )

    def _control_plane_logs(self) -> aws.cloudwatch.LogGroup:
        """Control plane logs: EKS writes to this exact name; made first, it gets a key and retention."""
        return aws.cloudwatch.LogGroup(
            self.child("control-plane-logs"),
            name=f"/aws/eks/{self.physical_name}/cluster",
            retention_in_days=self._props.log_retention_days,
            kms_key_id=self.key.arn,
            opts=self.options(),
        )

    def _control_plane_role(self) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        """The control plane's role and its grants: the EKS cluster policy, use of the secrets key."""
        cluster_role, cluster_role_policies = eks_service_role(
            self, cluster_roles.cluster_role(self._layer.naming), self._layer.partition
        )
        grants: list[pulumi.Resource] = [*cluster_role_policies]
        grants.append(
            aws.iam.RolePolicy(
                self.child("cluster-role-secrets-key"),
                name="encrypt-cluster-secrets",
                role=cluster_role.id,
                policy=self.key.arn.apply(
                    lambda arn: json.dumps(eks_secrets_encryption_policy(arn))
                ),
                opts=self.options(),
            )
        )
        return cluster_role, grants

    def _control_plane(
        self, cluster_role: aws.iam.Role, depends_on: list[pulumi.Resource]
    ) -> aws.eks.Cluster:
        """The EKS cluster in the private subnets, secrets encrypted, kept from destruction."""
        props = self._props
        return aws.eks.Cluster(
            self.child("cluster"),
            name=self.physical_name,
            role_arn=cluster_role.arn,
            version=props.kubernetes_version,
            vpc_config={
                "subnet_ids": self.placement.subnets(),
                "endpoint_private_access": True,
                "endpoint_public_access": props.endpoint_public_access,
                "public_access_cidrs": list(props.public_access_cidrs) or None,
            },
            enabled_cluster_log_types=list(props.control_plane_logs),
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": self.key.arn}},
            access_config=(
                {
                    "authentication_mode": "API",
                    "bootstrap_cluster_creator_admin_permissions": False,
                }
                if props.access_entries
                else None
            ),
            # With managed add-ons, EKS must not install its own copies first.
            bootstrap_self_managed_addons=False if props.addons else None,
            opts=self.options(protect=self._layer.retain, depends_on=depends_on),
        )

    def _irsa(self) -> tuple[aws.iam.OpenIdConnectProvider, ServiceAccountRoles]:
        """IRSA: the OIDC provider IAM trusts for the cluster's service account tokens."""
        naming = self._layer.naming
        oidc = aws.iam.OpenIdConnectProvider(
            self.child("oidc-provider"),
            url=self.oidc_issuer_url,
            client_id_lists=["sts.amazonaws.com"],
            tags={"Name": naming.resource("eks", "oidc")},
            opts=self.options(),
        )
        roles = ServiceAccountRoles(
            self,
            naming=naming,
            oidc_provider_arn=oidc.arn,
            oidc_issuer_url=self.oidc_issuer_url,
        )
        return oidc, roles

    def _shared_node_role(self) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        """The role every node group shares (the CNI's policy only without managed add-ons)."""
        node_role, node_role_policies = eks_service_role(
            self,
            cluster_roles.node_role(
                self._layer.naming, cni_on_node_role=self._props.addons is None
            ),
            self._layer.partition,
        )
        return node_role, [*node_role_policies]

    def _admin_access_entries(self) -> None:
        """Access entries: cluster-admin for the configured roles, nobody else."""
        for index, role_arn in enumerate(self._props.admin_role_arns):
            entry = aws.eks.AccessEntry(
                self.child(f"admin-{index}"),
                cluster_name=self.cluster.name,
                principal_arn=role_arn,
                type="STANDARD",
                opts=self.options(),
            )
            aws.eks.AccessPolicyAssociation(
                self.child(f"admin-{index}-policy"),
                cluster_name=self.cluster.name,
                principal_arn=role_arn,
                policy_arn=self._layer.partition.apply(
                    lambda p: eks_access_policy_arn(p, EKS_CLUSTER_ADMIN_ACCESS_POLICY)
                ),
                access_scope={"type": "cluster"},
                opts=self.options(depends_on=[entry]),
            )

    def _team_deployer_access_entries(self) -> None:
        """Access entries for the teams' deploying roles, in their teams' Kubernetes groups
        (as cdktf's ``ComputeCluster``)."""
        for entry in team_access.deployer_entries(self._props.team_deployers):
            aws.eks.AccessEntry(
                self.child(f"team-{entry.team}-{entry.index}"),
                cluster_name=self.cluster.name,
                principal_arn=entry.role_arn,
                type="STANDARD",
                kubernetes_groups=[entry.group],
                opts=self.options(),
            )

    def _addons_and_node_groups(self) -> None:
        """Add-ons nodes need before any node, the CPU node groups, then add-ons that run as pods."""
        addons = cluster_addons.addon_plan(self._props.addons, self.physical_name)
        self.compute_dependencies += self._addons(addons.before_nodes)
        # The system group always (on-demand, never empty), general groups as configured.
        system = self._cpu_node_group("system", self._props.system_node_group)
        for group_name, group in self._props.cpu_node_groups.items():
            self._cpu_node_group(group_name, group)
        # Pods need a node to schedule on.
        self._addons(addons.on_nodes, after=[system.ready])

    # ----------------------------------------------------------------- building blocks
    def _attach(self, role: aws.iam.Role, policy: str, id: str) -> aws.iam.RolePolicyAttachment:
        return aws.iam.RolePolicyAttachment(
            self.child(id.replace("/", "-")),
            role=role.name,
            policy_arn=self._layer.partition.apply(lambda p: aws_managed_policy_arn(p, policy)),
            opts=self.options(),
        )

    def _addon_log_group(self, group: cluster_addons.AddonLogGroup) -> pulumi.Resource:
        return aws.cloudwatch.LogGroup(
            self.child(group.id),
            name=group.name,
            retention_in_days=self._props.log_retention_days,
            kms_key_id=self.key.arn,
            opts=self.options(),
        )

    def _addon_role(self, role: cluster_addons.AddonRole) -> tuple[aws.iam.Role, pulumi.Resource]:
        iam_role = self.service_account_role(*role.service_account)
        return iam_role, self._attach(iam_role, role.policy, role.attachment_id)

    def _addon(
        self,
        addon: cluster_addons.ClusterAddon,
        role: aws.iam.Role | None,
        depends_on: Sequence[pulumi.Resource],
    ) -> pulumi.Resource:
        return aws.eks.Addon(
            self.child(f"addon-{addon.name}"),
            cluster_name=self.cluster.name,
            addon_name=addon.name,
            addon_version=addon.version,
            service_account_role_arn=role.arn if role else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            opts=self.options(depends_on=list(depends_on) or None),
        )

    def _cpu_node_group(self, group_name: str, group: CpuNodeGroupProps) -> ManagedNodeGroup:
        return ManagedNodeGroup(
            self._layer,
            self,
            f"cpu-{group_name}",
            props=ManagedNodeGroupProps(
                **cpu_node_group(self._layer.naming, group_name, group).settings(),
                cluster_name=self.cluster.name,
                node_role_arn=self.node_role.arn,
                subnet_ids=self.placement.subnets(),
                depends_on=self.compute_dependencies,
            ),
        )

    # ----------------------------------------------------------------- what others use
    def service_account_role(
        self, namespace: str, name: str, *, role_name: str | None = None
    ) -> aws.iam.Role:
        """An IAM role that only service account ``namespace/name`` may assume (IRSA)."""
        return self._roles.role(namespace, name, role_name=role_name)

    @property
    def naming(self) -> Naming:
        return self._layer.naming

    @staticmethod
    def from_environment(
        layer: Layer,
        id: str,
        *,
        platform: PlatformContract | None = None,
        naming: Naming | None = None,
    ) -> ImportedComputeCluster:
        """The platform's cluster, read from its contract in SSM as cdktf's
        ``ComputeCluster.from_environment``; creates nothing of the cluster.

        Cluster name, OIDC provider and issuer, node role and cluster security group are
        the ``compute/...`` parameters, the placement the ``network/...`` ones
        (``Network.from_environment(layer, f"{id}-network").placement()``: subnets and
        zones known at preview, so a pool's zone pinning picks its subnets then).
        ``platform`` defaults to ``layer``'s environment, ``naming`` (what the team's
        pools and service account roles are called) to ``layer``'s.
        """
        # Imported here: the network importer imports Layer, as this module does.
        from mlplatform.pulumi.contract_network import ContractNetwork
        from mlplatform.pulumi.contract_reader import ContractReader

        reader = ContractReader.of(layer, platform)
        network = ContractNetwork(layer, f"{id}-network", platform=reader.contract)
        return ImportedComputeCluster(
            layer,
            id,
            naming=naming or layer.naming,
            placement=network.placement(),
            contract=reader,
            **{arg: reader.value(key) for arg, key in CLUSTER_CONTRACT_KEYS.items()},
        )

    @staticmethod
    def from_cluster_name(
        layer: Layer,
        id: str,
        *,
        naming: Naming,
        cluster_name: pulumi.Input[str],
        oidc_provider_arn: pulumi.Input[str],
        oidc_issuer_url: pulumi.Input[str],
        node_role_arn: pulumi.Input[str],
        placement: NetworkPlacement,
        cluster_security_group_id: pulumi.Input[str] | None = None,
    ) -> ImportedComputeCluster:
        """A cluster another program owns, with what a GPU pool needs (its compute outputs)."""
        return ImportedComputeCluster(
            layer,
            id,
            naming=naming,
            cluster_name=cluster_name,
            oidc_provider_arn=oidc_provider_arn,
            oidc_issuer_url=oidc_issuer_url,
            node_role_arn=node_role_arn,
            placement=placement,
            cluster_security_group_id=cluster_security_group_id,
        )

    @property
    def cluster_name(self) -> pulumi.Output[str]:
        return self.cluster.name

    @property
    def certificate_authority_data(self) -> pulumi.Output[str]:
        """The cluster's CA certificate (base64 PEM), for the kubeconfig Helm uses."""
        return self.cluster.certificate_authority.apply(_certificate)

    @property
    def cluster_arn(self) -> pulumi.Output[str]:
        return self.cluster.arn

    @property
    def cluster_security_group_id(self) -> pulumi.Output[str] | None:
        return self.cluster.vpc_config.apply(_security_group)

    @property
    def access_entries(self) -> bool:
        return self._props.access_entries

    @property
    def cni_on_irsa(self) -> bool:
        return self._props.addons is not None


class ImportedComputeCluster(
    OutputClusterMetrics, ContractClusterValues[pulumi.Output[str]], PlatformComponent
):
    """``mlplatform:<layer>:ImportedComputeCluster``: the platform's cluster in a team's program.

    Creates nothing of the cluster: names it, its OIDC provider and node role (the
    ``<env>-compute`` outputs), and makes IRSA roles trusted by that provider, so a team's
    ``GpuTrainingPool`` joins it (as the cdktf ``ImportedComputeCluster``).
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        naming: Naming,
        cluster_name: pulumi.Input[str],
        oidc_provider_arn: pulumi.Input[str],
        oidc_issuer_url: pulumi.Input[str],
        node_role_arn: pulumi.Input[str],
        placement: NetworkPlacement,
        cluster_security_group_id: pulumi.Input[str] | None = None,
        contract: ContractReader | None = None,
    ) -> None:
        super().__init__(layer.layer, "ImportedComputeCluster", f"{layer.path}/{id}", parent=layer)
        self.naming = naming
        self.cluster_name = cluster_name
        self._metrics_cluster_name = cluster_name
        self.oidc_provider_arn = oidc_provider_arn
        self.oidc_issuer_url = oidc_issuer_url
        self.node_role_arn = node_role_arn
        self.placement = placement
        self.cluster_security_group_id = cluster_security_group_id
        self._contract: ContractReader | None = contract
        self._roles = ServiceAccountRoles(
            self,
            naming=naming,
            oidc_provider_arn=oidc_provider_arn,
            oidc_issuer_url=oidc_issuer_url,
        )
        self.register_outputs({})

    def service_account_role(
        self, namespace: str, name: str, *, role_name: str | None = None
    ) -> aws.iam.Role:
        """An IAM role that only service account ``namespace/name`` may assume (IRSA)."""
        return self._roles.role(namespace, name, role_name=role_name)

    # What a team's GpuPoolProvisioning needs (ContractClusterValues), read from the contract
    # on first use only, as cdktf's ImportedComputeCluster.
    def _contract_value(self, key: str, what: str) -> pulumi.Output[str]:
        if self._contract is None:
            raise ValueError(
                f"cluster {self.path!r}: {what} comes from the platform contract; import the "
                "cluster with ComputeCluster.from_environment"
            )
        return self._contract.value(key)
