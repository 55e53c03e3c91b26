"""What a GPU pool (or a team's workload) needs from a Kubernetes cluster, whoever owns it.

:class:`~mlplatform.constructs.compute_cluster.ComputeCluster` (the platform's
own cluster) and the object returned by
:meth:`~mlplatform.constructs.compute_cluster.ComputeCluster.from_cluster_name`
(a team repo's reference to it) both satisfy this protocol, so a
:class:`~mlplatform.constructs.gpu_pool.GpuTrainingPool` is written once and
works against either, like AWS CDK's ``ICluster``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cdktf import ITerraformDependable

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import VpcPlacement

__all__ = ["IComputeCluster"]


class IComputeCluster(Protocol):
    """A cluster that node groups can join and service accounts can get IAM roles from."""

    @property
    def naming(self) -> Naming:
        """Names for resources made against the cluster (node groups, roles)."""
        ...

    @property
    def cluster_name(self) -> str:
        """The EKS cluster's name."""
        ...

    @property
    def oidc_provider_arn(self) -> str:
        """IAM OIDC provider of the cluster's service account issuer (for IRSA)."""
        ...

    @property
    def oidc_issuer_url(self) -> str:
        """The cluster's OIDC issuer, ``https://oidc.eks.<region>.amazonaws.com/id/<id>``."""
        ...

    @property
    def node_role_arn(self) -> str:
        """IAM role that worker nodes run with."""
        ...

    @property
    def cluster_security_group_id(self) -> str | None:
        """The security group EKS made for the cluster; ``None`` when not known."""
        ...

    @property
    def placement(self) -> VpcPlacement:
        """The VPC and private subnets nodes are placed in."""
        ...

    @property
    def compute_dependencies(self) -> Sequence[ITerraformDependable]:
        """What a node group must wait for (node role policies, CNI); empty when imported."""
        ...

    def service_account_role(
        self, namespace: str, name: str, *, role_name: str | None = None
    ) -> IamRole:
        """An IAM role that only service account ``namespace/name`` may assume (IRSA)."""
        ...
