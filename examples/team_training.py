"""A ranking team's training stack, in the team's repo: its own GPU pool, publishing to the registry.

The team adds a GPU pool to the platform's cluster and lets the pool's job
role publish the ``ranker`` family to the platform's model registry and read
the lake's features zone. The cluster, the registry and the lake belong to
the platform: the cluster is imported from the ``<env>-compute`` stack's
outputs (``ComputeCluster.from_cluster_name``), the registry and the lake by
their names, so the stack owns only the pool (its job role, placement group
and grants) and can change nothing of the platform's.

    python examples/team_training.py environments/dev.yaml compute-outputs.json

``compute-outputs.json`` holds the platform's ``<env>-compute`` outputs and its
VPC placement (the keys of :class:`ClusterOutputs`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from cdktf import App, TerraformOutput
from constructs import Construct

from mlplatform import (
    ComputeCluster,
    DataLake,
    EnvironmentConfig,
    EnvironmentLoader,
    GpuPoolProps,
    GpuTrainingPool,
    ModelRegistry,
    PlatformStack,
    VpcPlacement,
)


@dataclass(frozen=True)
class ClusterOutputs:
    """What the platform's ``<env>-compute`` stack outputs about its cluster, and its VPC."""

    cluster_name: str
    oidc_provider_arn: str
    oidc_issuer_url: str
    node_role_arn: str
    placement: VpcPlacement


class TrainingStack(PlatformStack):
    """The ``ranking-training`` GPU pool: spot L40S nodes from zero, publishing ``ranker``."""

    def __init__(
        self, scope: Construct, config: EnvironmentConfig, cluster: ClusterOutputs
    ) -> None:
        super().__init__(scope, config, "ranking-training")
        platform_cluster = ComputeCluster.from_cluster_name(
            self,
            "platform-cluster",
            naming=self.naming,
            cluster_name=cluster.cluster_name,
            oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_issuer_url=cluster.oidc_issuer_url,
            node_role_arn=cluster.node_role_arn,
            placement=cluster.placement,
        )
        pool = GpuTrainingPool(
            self,
            "ranking-training",
            cluster=platform_cluster,
            props=GpuPoolProps(
                instance_types=("g6e.2xlarge", "g6e.4xlarge"), capacity="spot", max_nodes=4
            ),
        )
        registry = ModelRegistry.from_environment(
            self, "platform-registry", naming=self.naming, model_families=["ranker"]
        )
        lake = DataLake.from_environment(self, "platform-lake", naming=self.naming)
        registry.grant_publish(pool.job_role, "ranker")  # artifacts, images, package versions
        lake.grant_read(pool.job_role, "features")
        TerraformOutput(self, "job_role_arn", value=pool.job_role.arn)


if __name__ == "__main__":
    outputs = json.loads(Path(sys.argv[2]).read_text())
    placement = VpcPlacement(**outputs.pop("placement"))
    app = App()
    TrainingStack(
        app,
        EnvironmentLoader().load(sys.argv[1]),
        ClusterOutputs(**outputs, placement=placement),
    )
    app.synth()
