"""Layer 4, ``<env>-cluster``: what runs inside the EKS cluster, applied after compute.

Helm installs it through the cluster's private API, authenticating with
``aws eks get-token`` as whoever runs the deploy (an access entry's role):
no static kubeconfig, no token in state. The layer exists where the
environment has a compute section with ``cluster_layer.enabled`` (every real
environment; the emulator has no Kubernetes API).
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.gpu_provisioning import GpuProvisioning, cluster_helm
from mlplatform.decisions.node_pools import NodeClassFacts
from mlplatform.decisions.scheduling import pool_node_tags
from mlplatform.decisions.tagging import platform_tags
from mlplatform.decisions.team_access import TeamNodes
from mlplatform.errors import ConstructError
from mlplatform.stacks.compute_stack import ComputeStack
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["ClusterStack"]


class ClusterStack(PlatformStack):
    """Karpenter and one provisioner per GPU pool, device plugins, the jobs' service accounts."""

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        compute: ComputeStack,
        emulator_endpoint: str | None = None,
    ) -> None:
        if config.compute is None or compute.karpenter is None:
            raise ConstructError(
                f"{config.environment}: the cluster layer needs a compute section with at least "
                "one GPU pool"
            )
        super().__init__(scope, config, "cluster", emulator_endpoint=emulator_endpoint)
        cluster = compute.cluster
        karpenter = compute.karpenter
        cluster_helm(self, cluster, config.region)
        # The platform's own cluster always knows its security group (an import may not).
        node_group = cluster.cluster_security_group_id
        # What Karpenter launches carries the compute layer's cost tags and the pool's name.
        node_tags = platform_tags(config, "compute")
        pools = {
            name: (
                pool.props,
                NodeClassFacts(
                    instance_profile=karpenter.instance_profile_name,
                    subnet_ids=pool.subnet_ids,
                    security_group_ids=pool.security_group_ids,
                    placement_group=pool.placement_group_name,
                    tags=pool_node_tags(node_tags, name, self.naming.resource("gpu", name)),
                ),
            )
            for name, pool in compute.gpu_pools.items()
        }
        self.gpu_provisioning = GpuProvisioning(
            self,
            "gpu-provisioning",
            versions=config.compute.cluster_layer,
            region=config.region,
            cluster_name=cluster.cluster_name,
            interruption_queue=karpenter.interruption_queue_name,
            controller_role_arn=karpenter.controller_role_arn,
            system_nodes=config.compute.cluster.system_node_group.min_nodes,
            pools=pools,
            job_accounts={
                name: (pool.job_namespace, pool.job_service_account, pool.job_role_arn)
                for name, pool in compute.gpu_pools.items()
            },
            teams=sorted(config.compute.cluster.team_deployers),
            team_nodes=TeamNodes(
                instance_profile=karpenter.instance_profile_name,
                subnet_ids=cluster.placement.private_subnet_ids,
                security_group_ids=[node_group] if node_group else [],
            ),
        )
        TerraformOutput(
            self,
            "node_pools",
            value=sorted(compute.gpu_pools),
            description="Karpenter NodePools, one per GPU pool (kubectl get nodepools)",
        )
