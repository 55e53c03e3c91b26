"""The platform's Kubernetes cluster: EKS, private and locked down by default.

Training jobs, feature pipelines and platform services run here. The control
plane sits in the network's private subnets, its API endpoint is private
unless an environment lists who may reach it publicly, every control plane
log type goes to a KMS-encrypted log group, and Kubernetes secrets are
envelope-encrypted with the cluster's own KMS key. People reach the cluster
through EKS access entries for IAM roles named in config; the identity that
ran ``terraform apply`` gets no standing admin rights.

Pods get AWS permissions through IRSA: :meth:`ComputeCluster.service_account_role`
returns a role that exactly one service account may assume. The managed
add-ons (VPC CNI, kube-proxy, CoreDNS, EBS CSI, CloudWatch observability) run
at pinned versions, the CNI, the EBS CSI driver and the CloudWatch agent with
their own IRSA roles, so nodes keep only the policies every node needs. The
CloudWatch observability add-on sends Container Insights metrics (GPU metrics
included) and logs into log groups made beforehand with the cluster's key and
log retention. A system node group (on-demand, never empty) runs
cluster services; optional general CPU groups run everything else. GPU pools
are separate constructs (:class:`~mlplatform.constructs.gpu_pool.GpuTrainingPool`)
that join any cluster with this interface, including one imported by name
with :meth:`ComputeCluster.from_cluster_name`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cdktf import ITerraformDependable
from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_log_group import CloudwatchLogGroup
from mlplatform.bindings.aws.eks_access_entry import EksAccessEntry
from mlplatform.bindings.aws.eks_access_policy_association import (
    EksAccessPolicyAssociation,
    EksAccessPolicyAssociationAccessScope,
)
from mlplatform.bindings.aws.eks_addon import EksAddon
from mlplatform.bindings.aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterVpcConfig,
)
from mlplatform.bindings.aws.iam_openid_connect_provider import IamOpenidConnectProvider
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.iam_role_policy_attachment import IamRolePolicyAttachment
from mlplatform.config import ComputeClusterProps, CpuNodeGroupProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.eks_service_role import eks_service_role
from mlplatform.constructs.imported_compute_cluster import ImportedComputeCluster
from mlplatform.constructs.node_group import ManagedNodeGroup, ManagedNodeGroupProps
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.constructs.service_account_roles import ServiceAccountRoles
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions import cluster_addons, cluster_roles, team_access
from mlplatform.decisions.cluster_contract import CLUSTER_CONTRACT_KEYS
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
from mlplatform.interfaces import IComputeCluster, VpcPlacement

__all__ = ["ComputeCluster"]


class ComputeCluster(
    ClusterMetrics, cluster_addons.AddonInstaller[ITerraformDependable, IamRole], Construct
):
    """EKS cluster, its key, logs, IAM roles, OIDC provider, access entries, add-ons and CPU nodes."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        props: ComputeClusterProps,
        placement: VpcPlacement,
    ) -> None:
        super().__init__(scope, id)
        self._naming = naming
        self._props = props
        self._placement = placement
        name = naming.resource("eks")
        self._name = name
        self._metrics_cluster_name = name
        account = AccountContext.of(self)
        self._partition = account.partition
        self._key = self._key_for_secrets_and_logs(account)
        log_group = self._control_plane_logs()
        cluster_role, cluster_role_grants = self._control_plane_role()
        self._cluster = self._control_plane(cluster_role, [log_group, *cluster_role_grants])
        self._oidc, self._roles = self._irsa()
        self._node_role, node_role_policies = self._shared_node_role()
        self._compute_dependencies: list[ITerraformDependable] = [*node_role_policies]
        self._admin_access_entries()
        self._team_deployer_access_entries()
        self._addons_and_node_groups()

    # ----------------------------------------------------------------- steps
    def _key_for_secrets_and_logs(self, account: AccountContext) -> PlatformKey:
        """One key for secrets envelope encryption and the cluster's log groups."""
        return PlatformKey(
            self,
            "key",
            props=PlatformKeyProps(
                alias=self._naming.kms_alias("eks"),
                description=f"EKS secrets and control plane logs of {self._naming.prefix}",
                service_statements=[
                    cloudwatch_logs_key_statement(
                        account.account_id, account.partition, account.region
                    )
                ],
                alias_moved_from="key-alias",
            ),
        )

    def _control_plane_logs(self) -> CloudwatchLogGroup:
        """Control plane logs, made before EKS writes to them so they are encrypted and expire."""
        return CloudwatchLogGroup(
            self,
            "control-plane-logs",
            name=f"/aws/eks/{self._name}/cluster",
            retention_in_days=self._props.log_retention_days,
            kms_key_id=self._key.arn,
        )

    def _control_plane_role(self) -> tuple[IamRole, list[ITerraformDependable]]:
        """The control plane's role and grants: the EKS cluster policy, use of the secrets key."""
        cluster_role, cluster_role_policies = eks_service_role(
            self, cluster_roles.cluster_role(self._naming), self._partition
        )
        cluster_role_grants: list[ITerraformDependable] = [*cluster_role_policies]
        cluster_role_grants.append(
            IamRolePolicy(
                self,
                "cluster-role-secrets-key",
                name="encrypt-cluster-secrets",
                role=cluster_role.id,
                policy=json.dumps(eks_secrets_encryption_policy(self._key.arn)),
            )
        )
        return cluster_role, cluster_role_grants

    def _control_plane(
        self, cluster_role: IamRole, depends_on: list[ITerraformDependable]
    ) -> EksCluster:
        """The EKS cluster in the private subnets, secrets encrypted, kept from destruction."""
        props = self._props
        cluster = EksCluster(
            self,
            "cluster",
            name=self._name,
            role_arn=cluster_role.arn,
            version=props.kubernetes_version,
            vpc_config=EksClusterVpcConfig(
                subnet_ids=list(self._placement.private_subnet_ids),
                endpoint_private_access=True,
                endpoint_public_access=props.endpoint_public_access,
                public_access_cidrs=list(props.public_access_cidrs) or None,
            ),
            enabled_cluster_log_types=list(props.control_plane_logs),
            encryption_config=EksClusterEncryptionConfig(
                resources=["secrets"],
                provider=EksClusterEncryptionConfigProvider(key_arn=self._key.arn),
            ),
            access_config=(
                EksClusterAccessConfig(
                    authentication_mode="API",
                    bootstrap_cluster_creator_admin_permissions=False,
                )
                if props.access_entries
                else None
            ),
            # With managed add-ons, EKS must not install its own copies first.
            bootstrap_self_managed_addons=False if props.addons else None,
            depends_on=depends_on,
        )
        StateRetention.protect(cluster)
        return cluster

    def _irsa(self) -> tuple[IamOpenidConnectProvider, ServiceAccountRoles]:
        """IRSA: the OIDC provider IAM trusts for the cluster's service account tokens."""
        oidc = IamOpenidConnectProvider(
            self,
            "oidc-provider",
            url=self.oidc_issuer_url,
            client_id_list=["sts.amazonaws.com"],
            tags={"Name": self._naming.resource("eks", "oidc")},
        )
        roles = ServiceAccountRoles(
            self,
            naming=self._naming,
            oidc_provider_arn=oidc.arn,
            oidc_issuer_url=self.oidc_issuer_url,
        )
        return oidc, roles

    def _shared_node_role(self) -> tuple[IamRole, list[ITerraformDependable]]:
        """The role every node group shares (the CNI's policy only without managed add-ons)."""
        node_role, node_role_policies = eks_service_role(
            self,
            cluster_roles.node_role(self._naming, cni_on_node_role=self._props.addons is None),
            self._partition,
        )
        return node_role, [*node_role_policies]

    def _admin_access_entries(self) -> None:
        """Access entries: cluster-admin for the configured roles, nobody else."""
        for index, role_arn in enumerate(self._props.admin_role_arns):
            entry = EksAccessEntry(
                self,
                f"admin-{index}",
                cluster_name=self._cluster.name,
                principal_arn=role_arn,
                type="STANDARD",
            )
            EksAccessPolicyAssociation(
                self,
                f"admin-{index}-policy",
                cluster_name=self._cluster.name,
                principal_arn=role_arn,
                policy_arn=eks_access_policy_arn(self._partition, EKS_CLUSTER_ADMIN_ACCESS_POLICY),
                access_scope=EksAccessPolicyAssociationAccessScope(type="cluster"),
                depends_on=[entry],
            )

    def _team_deployer_access_entries(self) -> None:
        """Access entries for the teams' deploying roles: each in its team's Kubernetes group,
        with no access policy; the cluster layer's RBAC and admission policy say what the
        group may do (:mod:`~mlplatform.decisions.team_access`)."""
        for entry in team_access.deployer_entries(self._props.team_deployers):
            EksAccessEntry(
                self,
                f"team-{entry.team}-{entry.index}",
                cluster_name=self._cluster.name,
                principal_arn=entry.role_arn,
                type="STANDARD",
                kubernetes_groups=[entry.group],
            )

    def _addons_and_node_groups(self) -> None:
        """Add-ons nodes need, then the CPU node groups, then the add-ons that run as pods."""
        addons = cluster_addons.addon_plan(self._props.addons, self._name)
        self._compute_dependencies += self._addons(addons.before_nodes)
        # The system group always (on-demand, never empty), general groups as configured.
        system = self._cpu_node_group("system", self._props.system_node_group)
        for group_name, group in self._props.cpu_node_groups.items():
            self._cpu_node_group(group_name, group)
        # Pods need a node to schedule on.
        self._addons(addons.on_nodes, after=[system.ready])

    # ----------------------------------------------------------------- building blocks
    def _attach(self, role: IamRole, policy: str, id: str) -> IamRolePolicyAttachment:
        return IamRolePolicyAttachment(
            self,
            id.replace("/", "-"),
            role=role.name,
            policy_arn=aws_managed_policy_arn(self._partition, policy),
        )

    def _addon_log_group(self, group: cluster_addons.AddonLogGroup) -> ITerraformDependable:
        """Encrypted with the cluster's key, expiring with its log retention."""
        return CloudwatchLogGroup(
            self,
            group.id,
            name=group.name,
            retention_in_days=self._props.log_retention_days,
            kms_key_id=self._key.arn,
        )

    def _addon_role(self, role: cluster_addons.AddonRole) -> tuple[IamRole, ITerraformDependable]:
        iam_role = self.service_account_role(*role.service_account)
        return iam_role, self._attach(iam_role, role.policy, role.attachment_id)

    def _addon(
        self,
        addon: cluster_addons.ClusterAddon,
        role: IamRole | None,
        depends_on: Sequence[ITerraformDependable],
    ) -> ITerraformDependable:
        return EksAddon(
            self,
            f"addon-{addon.name}",
            cluster_name=self._cluster.name,
            addon_name=addon.name,
            addon_version=addon.version,
            service_account_role_arn=role.arn if role else None,
            # First install takes over anything EKS left; later updates keep local edits visible.
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            depends_on=list(depends_on) or None,
        )

    def _cpu_node_group(self, group_name: str, group: CpuNodeGroupProps) -> ManagedNodeGroup:
        return ManagedNodeGroup(
            self,
            f"cpu-{group_name}",
            props=ManagedNodeGroupProps(
                **cpu_node_group(self._naming, group_name, group).settings(),
                cluster_name=self._cluster.name,
                node_role_arn=self._node_role.arn,
                subnet_ids=self._placement.private_subnet_ids,
                depends_on=self._compute_dependencies,
            ),
        )

    # ----------------------------------------------------------------- importing
    @classmethod
    def from_environment(
        cls,
        scope: Construct,
        id: str,
        *,
        platform: PlatformContract | None = None,
        naming: Naming | None = None,
    ) -> ImportedComputeCluster:
        """The platform's cluster, read from its contract in SSM; creates nothing.

        Cluster name, OIDC provider and issuer, node role, cluster security group
        and the network placement are the ``compute/...`` and ``network/...``
        parameters the platform wrote. The API endpoint, certificate authority,
        Karpenter's node role and instance profile and whether the platform runs
        Karpenter (what ``GpuPoolProvisioning`` needs) are read only when asked
        for. ``platform`` defaults to the
        ``TeamStack``'s platform environment, ``naming`` (what the team's pools
        and service account roles are called) to the stack's own.
        """
        from mlplatform.constructs.contract_reader import (
            ContractReader,
            check_construct_id,
            stack_naming,
        )
        from mlplatform.constructs.imported_network import ImportedNetwork

        check_construct_id(id, "ComputeCluster.from_environment")
        reader = ContractReader.of(scope, platform)
        network = ImportedNetwork(scope, f"{id}-network", platform=reader.contract)
        return ImportedComputeCluster(
            scope,
            id,
            naming=naming or stack_naming(scope),
            placement=network.placement(),
            contract=reader,
            **{arg: reader.value(key) for arg, key in CLUSTER_CONTRACT_KEYS.items()},
        )

    @classmethod
    def from_cluster_name(
        cls,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        cluster_name: str,
        oidc_provider_arn: str,
        oidc_issuer_url: str,
        node_role_arn: str,
        placement: VpcPlacement,
        cluster_security_group_id: str | None = None,
    ) -> IComputeCluster:
        """A cluster outside the platform contract, by explicit values: the interface a GPU
        pool needs. (A team on this platform uses :meth:`from_environment` instead.)

        The values are the ``<env>-compute`` stack's outputs (``cluster_name``,
        ``oidc_provider_arn``, ``oidc_issuer_url``, ``node_role_arn``,
        ``cluster_security_group_id``); the last is needed only for EFA or FSx.
        """
        return ImportedComputeCluster(
            scope,
            id,
            naming=naming,
            cluster_name=cluster_name,
            oidc_provider_arn=oidc_provider_arn,
            oidc_issuer_url=oidc_issuer_url,
            node_role_arn=node_role_arn,
            placement=placement,
            cluster_security_group_id=cluster_security_group_id,
        )

    # ----------------------------------------------------------------- properties
    @property
    def naming(self) -> Naming:
        return self._naming

    @property
    def cluster_name(self) -> str:
        """The cluster's name (a token, so users wait for the cluster)."""
        return self._cluster.name

    @property
    def cluster_arn(self) -> str:
        return self._cluster.arn

    @property
    def cluster_endpoint(self) -> str:
        """The Kubernetes API endpoint (private unless configured otherwise)."""
        return self._cluster.endpoint

    @property
    def certificate_authority_data(self) -> str:
        """The cluster's CA certificate (base64 PEM), for clients such as the Helm provider."""
        return self._cluster.certificate_authority.get(0).data

    @property
    def kubernetes_version(self) -> str:
        return self._props.kubernetes_version

    @property
    def access_entries(self) -> bool:
        """Whether the cluster authenticates IAM principals through EKS access entries only."""
        return self._props.access_entries

    @property
    def cni_on_irsa(self) -> bool:
        """Whether the VPC CNI runs with its own IRSA role (managed add-ons), so a node role
        needs no CNI policy."""
        return self._props.addons is not None

    @property
    def oidc_issuer_url(self) -> str:
        return self._cluster.identity.get(0).oidc.get(0).issuer

    @property
    def oidc_provider_arn(self) -> str:
        return self._oidc.arn

    @property
    def node_role_arn(self) -> str:
        return self._node_role.arn

    @property
    def cluster_security_group_id(self) -> str | None:
        return self._cluster.vpc_config.cluster_security_group_id

    @property
    def placement(self) -> VpcPlacement:
        return self._placement

    @property
    def compute_dependencies(self) -> Sequence[ITerraformDependable]:
        """Node role policies and, with managed add-ons, the VPC CNI and kube-proxy."""
        return tuple(self._compute_dependencies)

    def service_account_role(
        self, namespace: str, name: str, *, role_name: str | None = None
    ) -> IamRole:
        """An IAM role that only service account ``namespace/name`` may assume (IRSA)."""
        return self._roles.role(namespace, name, role_name=role_name)
