"""``GpuTrainingPool`` on Pulumi: a Karpenter-launched GPU pool's AWS side.

The cluster placement group (for multi-node jobs) and the jobs' IRSA role;
labels and taints from :mod:`mlplatform.decisions.scheduling`. With
``fsx_scratch``, a scratch FSx for Lustre file system linked to the lake's features zone.
The NodePool and EC2NodeClass are the ``<env>-cluster`` layer's (``GpuProvisioning``); a
team's, in a ``TeamLayer``, its ``GpuPoolProvisioning``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import FsxScratchProps, GpuPoolProps
from mlplatform.decisions.gpu_scratch import lustre_rules, scratch_settings
from mlplatform.decisions.metrics import QuerySpec
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.resource_metrics import PoolMetrics
from mlplatform.decisions.scheduling import gpu_pool_labels, gpu_pool_taints
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.compute_cluster import ComputeCluster, ImportedComputeCluster
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.metrics import deferred
from mlplatform.pulumi.network import NetworkPlacement
from mlplatform.pulumi.team_layer import TeamLayer

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
        scratch_import_path: pulumi.Input[str] | None = None,
    ) -> None:
        super().__init__(layer.layer, "GpuTrainingPool", parent.child(id), parent=parent)
        if (
            props.efa or props.fsx_scratch is not None
        ) and cluster.cluster_security_group_id is None:
            raise ValueError(
                f"GPU pool {id!r}: EFA and FSx scratch need the cluster security group; "
                "pass cluster_security_group_id to ComputeCluster.from_cluster_name"
            )
        self.name = id
        self._cluster_name = cluster.cluster_name
        self.props = props
        self.node_pool_name = (naming or cluster.naming).node_pool(id)
        """The pool in the cluster (NodePool, ``mlplatform/pool`` label): ``<team>-<pool>`` in a
        ``TeamLayer``, as cdktf's ``GpuTrainingPool.node_pool_name``."""
        self.labels = gpu_pool_labels(self.node_pool_name, props.accelerators)
        self.taints = gpu_pool_taints(props.accelerators)
        self.placement_group: aws.ec2.PlacementGroup | None = None
        if props.uses_placement_group:
            self.placement_group = aws.ec2.PlacementGroup(
                self.child("placement-group"),
                name=(naming or cluster.naming).resource("gpu", id),
                strategy="cluster",
                opts=self.options(),
            )
        self.subnet_ids: list[pulumi.Input[str]] | pulumi.Output[list[str]] = self._subnets(
            cluster.placement, props.availability_zones
        )
        """Private subnets the pool's nodes launch in (its zones', default every zone's): a
        list, or a list known at preview on a placement read from the platform contract."""
        self._security_group_id = cluster.cluster_security_group_id
        self.placement_group_name = self.placement_group.name if self.placement_group else None
        self.job_service_account = props.service_account(id)
        self.job_role = cluster.service_account_role(props.job_namespace, self.job_service_account)
        self.scratch: aws.fsx.LustreFileSystem | None = None
        if props.fsx_scratch is not None and self._security_group_id is not None:
            self.scratch = self._scratch_file_system(
                naming or cluster.naming,
                cluster,
                props.fsx_scratch,
                self._first_subnet(),
                self._security_group_id,
                scratch_import_path,
            )
        # The subnets too: a preview shows the pinned zones' subnets (or fails on a zone the
        # contract's placement lacks).
        outputs: dict[str, Any] = {"job_role_arn": self.job_role.arn, "subnet_ids": self.subnet_ids}
        if isinstance(layer, TeamLayer):  # a team's pool gets nodes only from its provisioning
            outputs["provisioned"] = layer.pool_declared(self)
        self.register_outputs(outputs)

    def _subnets(
        self, placement: NetworkPlacement, zones: Sequence[str]
    ) -> list[pulumi.Input[str]] | pulumi.Output[list[str]]:
        """Each pinned zone's private subnet (no zones: every zone's), as cdktf's ``_subnets``.

        On known lists a zone without a subnet stops the program here; on lists read from
        the contract the subnets are picked once the zones are known, and the same error
        fails the preview (cdktf: ``element(subnets, index(zones, zone))`` fails the plan).
        """
        if not zones:
            return placement.subnets()
        name = self.name

        def pick(subnets: list[Any], known: list[str]) -> list[Any]:
            for zone in zones:
                if zone not in known:
                    raise ValueError(
                        f"GPU pool {name!r}: zone {zone!r} has no private subnet in the cluster's "
                        f"placement ({', '.join(known)})"
                    )
            return [subnets[known.index(zone)] for zone in zones]

        return placement.with_lists(pick)

    def _first_subnet(self) -> pulumi.Input[str]:
        """The first of the pool's subnets (where its scratch file system goes)."""
        if isinstance(self.subnet_ids, pulumi.Output):
            return self.subnet_ids.apply(lambda subnets: subnets[0])
        return self.subnet_ids[0]

    def _scratch_file_system(
        self,
        naming: Naming,
        cluster: ComputeCluster | ImportedComputeCluster,
        props: FsxScratchProps,
        subnet_id: pulumi.Input[str],
        cluster_security_group_id: pulumi.Input[str],
        import_path: pulumi.Input[str] | None,
    ) -> aws.fsx.LustreFileSystem:
        """Scratch FSx for Lustre beside the nodes, linked to the lake's features zone."""
        name = naming.resource("gpu", f"{self.name}-scratch")
        group = aws.ec2.SecurityGroup(
            self.child("scratch-security-group"),
            name=name,
            description="Lustre traffic between the scratch file system and cluster nodes",
            vpc_id=cluster.placement.vpc_id,
            tags={"Name": name},
            opts=self.options(),
        )
        for rule in lustre_rules():
            make_rule = (
                aws.vpc.SecurityGroupIngressRule
                if rule.direction == "ingress"
                else aws.vpc.SecurityGroupEgressRule
            )
            make_rule(
                self.child(rule.id),
                security_group_id=group.id,
                referenced_security_group_id=(
                    cluster_security_group_id if rule.peer == "nodes" else group.id
                ),
                **rule.settings,
                opts=self.options(),
            )
        return aws.fsx.LustreFileSystem(
            self.child("scratch"),
            # pulumi-aws takes the one subnet as a string (Terraform: a one-item list).
            subnet_ids=subnet_id,
            security_group_ids=[group.id],
            tags={"Name": name},
            **scratch_settings(props.storage_gib, import_path),
            opts=self.options(),
        )

    @property
    def scratch_dns_name(self) -> pulumi.Output[str] | None:
        """DNS name of the FSx scratch file system, or ``None`` without one."""
        return self.scratch.dns_name if self.scratch else None

    @property
    def security_group_ids(self) -> list[pulumi.Input[str]]:
        """The cluster security group, as EKS gives its managed nodes."""
        if self._security_group_id is None:
            raise ValueError(
                f"GPU pool {self.name!r}: the cluster security group is not known; "
                "pass cluster_security_group_id to ComputeCluster.from_cluster_name"
            )
        return [self._security_group_id]

    # ----------------------------------------------------------------- metrics
    def _metrics(self, cluster_name: str) -> PoolMetrics:
        return PoolMetrics(self.name, cluster_name, self.props.instance_types)

    def metric_gpus_running(self, *, period: int = 60) -> pulumi.Output[QuerySpec]:
        """GPUs of the pool's instance types reporting to Container Insights (see README);
        an ``Output``, as the cluster's name is one (the query names the cluster)."""
        return deferred(self._cluster_name, lambda c: self._metrics(c).gpus_running(period=period))

    def metric_nodes(self, *, period: int = 60) -> pulumi.Output[QuerySpec]:
        """Nodes of the pool's instance types running: GPUs reporting over GPUs per node."""
        return deferred(self._cluster_name, lambda c: self._metrics(c).nodes(period=period))

    def metric_gpu_utilization(self, *, period: int = 60) -> pulumi.Output[QuerySpec]:
        """Average GPU utilisation (%) of the pool's instance types; no data while idle."""
        return deferred(
            self._cluster_name, lambda c: self._metrics(c).gpu_utilization(period=period)
        )
