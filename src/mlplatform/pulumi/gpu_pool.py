"""``GpuTrainingPool`` on Pulumi: a Karpenter-launched GPU pool's AWS side.

The cluster placement group (for multi-node jobs) and the jobs' IRSA role;
labels and taints from :mod:`mlplatform.decisions.scheduling`. The NodePool
and EC2NodeClass live in the ``<env>-cluster`` Helm layer, not translated yet.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from mlplatform.config import GpuPoolProps
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.scheduling import gpu_pool_labels, gpu_pool_taints
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.compute_cluster import ComputeCluster, ImportedComputeCluster
from mlplatform.pulumi.layer import Layer

__all__ = ["GpuTrainingPool"]


class GpuTrainingPool(PlatformComponent):
    """``mlplatform:compute:GpuTrainingPool``: placement group and the jobs' IRSA role."""

    def __init__(
        self,
        layer: Layer,
        parent: PlatformComponent,
        id: str,
        *,
        cluster: ComputeCluster | ImportedComputeCluster,
        props: GpuPoolProps,
        naming: Naming | None = None,
    ) -> None:
        super().__init__(layer.layer, "GpuTrainingPool", parent.child(id), parent=parent)
        if props.fsx_scratch is not None:
            raise NotImplementedError(
                f"GPU pool {id!r}: the FSx scratch file system is not translated to Pulumi yet; "
                "leave fsx_scratch out or deploy this environment with cdktf"
            )
        if props.efa and cluster.cluster_security_group_id is None:
            raise ValueError(
                f"GPU pool {id!r}: EFA and FSx scratch need the cluster security group; "
                "pass cluster_security_group_id to ComputeCluster.from_cluster_name"
            )
        self.name = id
        self.props = props
        self.labels = gpu_pool_labels(id, props.accelerators)
        self.taints = gpu_pool_taints(props.accelerators)
        self.placement_group: aws.ec2.PlacementGroup | None = None
        if props.uses_placement_group:
            self.placement_group = aws.ec2.PlacementGroup(
                self.child("placement-group"),
                name=(naming or cluster.naming).resource("gpu", id),
                strategy="cluster",
                opts=self.options(),
            )
        placement = cluster.placement
        if props.availability_zones:
            for zone in props.availability_zones:
                if zone not in placement.availability_zones:
                    raise ValueError(
                        f"GPU pool {id!r}: zone {zone!r} has no private subnet in the cluster's "
                        f"placement ({', '.join(placement.availability_zones)})"
                    )
            self.subnet_ids = [
                placement.private_subnet_ids[placement.availability_zones.index(zone)]
                for zone in props.availability_zones
            ]
        else:
            self.subnet_ids = list(placement.private_subnet_ids)
        """Private subnets the pool's nodes launch in (its zones', default every zone's)."""
        self._security_group_id = cluster.cluster_security_group_id
        self.placement_group_name = self.placement_group.name if self.placement_group else None
        self.job_service_account = props.service_account(id)
        self.job_role = cluster.service_account_role(props.job_namespace, self.job_service_account)
        self.register_outputs({"job_role_arn": self.job_role.arn})

    @property
    def security_group_ids(self) -> list[pulumi.Input[str]]:
        """The cluster security group, as EKS gives its managed nodes."""
        if self._security_group_id is None:
            raise ValueError(
                f"GPU pool {self.name!r}: the cluster security group is not known; "
                "pass cluster_security_group_id to ComputeCluster.from_cluster_name"
            )
        return [self._security_group_id]
