"""Layer 3, ``<env>-compute``: the EKS cluster, Karpenter's AWS side and the GPU training pools."""

from __future__ import annotations

from typing import cast

from cdktf import TerraformOutput
from constructs import Construct, IConstruct

from mlplatform.bindings.addresses import logical_id
from mlplatform.config import ComputeProps, EnvironmentConfig
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.gpu_pool import GpuTrainingPool
from mlplatform.constructs.karpenter_controller import KarpenterController
from mlplatform.constructs.moves import path_below_stack
from mlplatform.constructs.network import Network
from mlplatform.decisions.contract import cluster_layer_state, team_deployers_state
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IDataLake
from mlplatform.stacks.data_stack import LAKE_ID
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["ComputeStack"]


class ComputeStack(PlatformStack):
    """Cluster in the network's private subnets; one GPU pool per ``compute.gpu_pools`` entry.

    The VPC and subnets arrive as cdktf cross-stack references. The layer reads
    the lake only for a pool's FSx scratch import path: the lake grants of the
    pools' job roles live in the ml layer (``MlStack``), so without scratch this
    layer deploys beside the data layer instead of after it. Release 0.1.0 made
    those grants here; ``removed`` blocks hand them over without a gap.
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        network: Network,
        lake: IDataLake,
        emulator_endpoint: str | None = None,
    ):
        if config.compute is None:
            raise ConstructError(
                f"{config.environment}: the compute stack needs a compute section in the environment"
            )
        super().__init__(scope, config, "compute", emulator_endpoint=emulator_endpoint)
        compute = config.compute
        self.cluster = ComputeCluster(
            self,
            "cluster",
            naming=self.naming,
            props=compute.cluster,
            placement=network.placement(),
        )
        # Karpenter launches the GPU pools' nodes; its AWS side exists when there is a pool.
        self.karpenter: KarpenterController | None = (
            KarpenterController(self, "karpenter", cluster=self.cluster, naming=self.naming)
            if compute.gpu_pools
            else None
        )
        self.gpu_pools: dict[str, GpuTrainingPool] = self._gpu_pools(compute, lake)
        self._cluster_outputs()
        self._contract_values()
        self._job_outputs()
        self._karpenter_outputs()
        self._scratch_outputs()

    # ----------------------------------------------------------------- steps
    def _gpu_pools(self, compute: ComputeProps, lake: IDataLake) -> dict[str, GpuTrainingPool]:
        """One pool per ``compute.gpu_pools`` entry, its job role's 0.1.0 lake grants handed over."""
        pools_scope = Construct(self, "gpu-pools")
        pools: dict[str, GpuTrainingPool] = {}
        for name, pool_props in compute.gpu_pools.items():
            scratch = pool_props.fsx_scratch
            pool = GpuTrainingPool(
                pools_scope,
                name,
                cluster=self.cluster,
                props=pool_props,
                scratch_import_path=(
                    f"s3://{lake.bucket_name('features')}/{scratch.import_prefix}"
                    if scratch is not None
                    else None
                ),
            )
            self._hand_over_lake_grants(pool, pool_props.lake_read_zones, "read")
            self._hand_over_lake_grants(pool, pool_props.lake_write_zones, "write")
            pools[name] = pool
        return pools

    def _cluster_outputs(self) -> None:
        """The cluster's outputs: what kubectl, Helm and the cluster layer connect with."""
        cluster = self.cluster
        TerraformOutput(self, "cluster_name", value=cluster.cluster_name)
        TerraformOutput(self, "cluster_endpoint", value=cluster.cluster_endpoint)
        TerraformOutput(self, "cluster_security_group_id", value=cluster.cluster_security_group_id)
        TerraformOutput(
            self, "cluster_certificate_authority", value=cluster.certificate_authority_data
        )
        TerraformOutput(self, "oidc_provider_arn", value=cluster.oidc_provider_arn)
        TerraformOutput(self, "oidc_issuer_url", value=cluster.oidc_issuer_url)
        TerraformOutput(self, "node_role_arn", value=cluster.node_role_arn)

    def _contract_values(self) -> None:
        """The layer's part of the platform contract: what a team's stack reads of the cluster."""
        cluster = self.cluster
        put = self.contract.put
        put("compute/cluster-name", cluster.cluster_name)
        put("compute/cluster-endpoint", cluster.cluster_endpoint)
        put("compute/oidc-provider-arn", cluster.oidc_provider_arn)
        put("compute/oidc-issuer-url", cluster.oidc_issuer_url)
        put("compute/node-role-arn", cluster.node_role_arn)
        if cluster.cluster_security_group_id is not None:
            put("compute/cluster-security-group-id", cluster.cluster_security_group_id)
        # What a team's GpuPoolProvisioning needs to give Karpenter its pools.
        put("compute/cluster-certificate-authority", cluster.certificate_authority_data)
        put("compute/cluster-layer", cluster_layer_state(self.config))
        put("compute/team-deployers", team_deployers_state(self.config))
        if self.karpenter is not None:
            put("compute/karpenter/node-role-arn", self.karpenter.node_role_arn)
            put("compute/karpenter/instance-profile-name", self.karpenter.instance_profile_name)

    def _job_outputs(self) -> None:
        """Each pool's job role and service account, for the jobs that run in it."""
        pools = self.gpu_pools
        TerraformOutput(self, "job_role_arns", value={n: p.job_role_arn for n, p in pools.items()})
        TerraformOutput(
            self,
            "job_service_accounts",
            value={n: f"{p.job_namespace}/{p.job_service_account}" for n, p in pools.items()},
        )

    def _karpenter_outputs(self) -> None:
        """Karpenter's roles, queue and instance profile, which its chart and node classes name."""
        if self.karpenter is not None:
            karpenter = self.karpenter
            TerraformOutput(
                self, "karpenter_controller_role_arn", value=karpenter.controller_role_arn
            )
            TerraformOutput(
                self, "karpenter_interruption_queue", value=karpenter.interruption_queue_name
            )
            TerraformOutput(self, "karpenter_node_role_name", value=karpenter.node_role_name)
            TerraformOutput(
                self, "karpenter_instance_profile", value=karpenter.instance_profile_name
            )

    def _scratch_outputs(self) -> None:
        """The pools' FSx scratch file systems' DNS names, when any pool has one."""
        scratch_names = {
            n: p.scratch_dns_name
            for n, p in self.gpu_pools.items()
            if p.scratch_dns_name is not None
        }
        if scratch_names:
            TerraformOutput(self, "scratch_file_systems", value=scratch_names)

    @property
    def reads_the_lake(self) -> bool:
        """Whether a pool's FSx scratch imports from the lake (so the data layer goes first)."""
        compute = self.config.compute
        return compute is not None and any(
            pool.fsx_scratch is not None for pool in compute.gpu_pools.values()
        )

    def _hand_over_lake_grants(
        self, pool: GpuTrainingPool, zones: tuple[str, ...], access: str
    ) -> None:
        """Release 0.1.0 put a job role's lake grant beside the role, in this layer: forget it
        here (it stays in AWS) for the ml layer to manage (``MlStack``)."""
        if zones:
            policy = f"{LAKE_ID}-{access}-{'-'.join(zones)}"
            role = cast(IConstruct, pool.job_role)  # the pool's IamRole, a construct of this stack
            self.record_handover(
                f"aws_iam_role_policy.{logical_id([*path_below_stack(role), policy])}"
            )
