"""A reference to an EKS cluster that another stack or repository owns.

A team repository adds its own GPU pool to the platform's cluster without
owning (or being able to change) the cluster, and gets the same interface as
the real thing (:class:`~mlplatform.interfaces.IComputeCluster`). On this
platform :meth:`ComputeCluster.from_environment
<mlplatform.constructs.compute_cluster.ComputeCluster.from_environment>` fills
in the values from the platform contract (SSM, read at plan time); for a
cluster outside it, :meth:`ComputeCluster.from_cluster_name
<mlplatform.constructs.compute_cluster.ComputeCluster.from_cluster_name>` takes
them explicitly. Nothing is looked up at synth time, so team repos synthesize
without AWS credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cdktf import ITerraformDependable
from constructs import Construct

from mlplatform.bindings.aws.data_aws_ssm_parameter import DataAwsSsmParameter
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.constructs.service_account_roles import ServiceAccountRoles
from mlplatform.decisions.cluster_contract import ContractClusterValues
from mlplatform.decisions.cluster_metrics import ClusterMetrics
from mlplatform.decisions.naming import Naming
from mlplatform.errors import ConstructError
from mlplatform.interfaces import VpcPlacement

if TYPE_CHECKING:
    from mlplatform.constructs.contract_reader import ContractReader

__all__ = ["ImportedComputeCluster"]


class ImportedComputeCluster(ClusterMetrics, ContractClusterValues[str], Construct):
    """An existing cluster, known by name; creates nothing until asked for a service account role.

    Made by ``ComputeCluster.from_environment`` or ``ComputeCluster.from_cluster_name``.
    """

    def __init__(
        self,
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
        contract: ContractReader | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._contract: ContractReader | None = contract
        self._naming = naming
        self._cluster_name = cluster_name
        self._metrics_cluster_name = cluster_name
        self._oidc_provider_arn = oidc_provider_arn
        self._oidc_issuer_url = oidc_issuer_url
        self._node_role_arn = node_role_arn
        self._placement = placement
        self._cluster_security_group_id = cluster_security_group_id
        self._roles = ServiceAccountRoles(
            self,
            naming=naming,
            oidc_provider_arn=oidc_provider_arn,
            oidc_issuer_url=oidc_issuer_url,
        )

    @property
    def naming(self) -> Naming:
        return self._naming

    @property
    def cluster_name(self) -> str:
        return self._cluster_name

    @property
    def oidc_provider_arn(self) -> str:
        return self._oidc_provider_arn

    @property
    def oidc_issuer_url(self) -> str:
        return self._oidc_issuer_url

    @property
    def node_role_arn(self) -> str:
        return self._node_role_arn

    @property
    def cluster_security_group_id(self) -> str | None:
        return self._cluster_security_group_id

    @property
    def placement(self) -> VpcPlacement:
        return self._placement

    # ------------------------------------------- what only the platform contract knows
    # Read on first use only (ContractClusterValues: the endpoint, CA, cluster layer and
    # Karpenter's instance profile); the Karpenter node role only cdktf's team stacks read.
    def _contract_value(self, key: str, what: str) -> str:
        if self._contract is None:
            raise ConstructError(
                f"cluster {self.node.id!r}: {what} is known only for the platform's cluster; "
                "import it with ComputeCluster.from_environment"
            )
        return self._contract.value(key)

    @property
    def karpenter_node_role_arn(self) -> str:
        """The role of the nodes Karpenter launches (``compute/karpenter/node-role-arn``)."""
        return self._contract_value("compute/karpenter/node-role-arn", "Karpenter's node role")

    def contract_source(self, key: str) -> DataAwsSsmParameter:
        """The data source that reads contract parameter ``key`` (for preconditions)."""
        if self._contract is None:
            raise ConstructError(
                f"cluster {self.node.id!r}: not read from the platform contract; import it "
                "with ComputeCluster.from_environment"
            )
        return self._contract.source(key)

    @property
    def compute_dependencies(self) -> Sequence[ITerraformDependable]:
        """Nothing: the owning stack made the cluster's node prerequisites long ago."""
        return ()

    def service_account_role(
        self, namespace: str, name: str, *, role_name: str | None = None
    ) -> IamRole:
        """An IAM role that only service account ``namespace/name`` may assume (IRSA)."""
        return self._roles.role(namespace, name, role_name=role_name)
