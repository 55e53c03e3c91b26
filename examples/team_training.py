"""A ranking team's training stack, in the team's repo: its own GPU pool, publishing to the registry.

The team adds a GPU pool to the platform's cluster and lets the pool's job
role publish the ``ranker`` family to the platform's model registry and read
the lake's features zone. The cluster, the registry and the lake belong to
the platform: the stack reads them from the platform's contract in SSM
(``ComputeCluster.from_environment`` and the others), so it writes no ARN,
subnet id or placement, and owns only the pool (its job role and grants) and
its Karpenter objects: ``GpuPoolProvisioning`` installs the pool's NodePool
and EC2NodeClass (``ranking-training``) and its jobs' namespace and service
account (``ranking/training-jobs``) into the platform's cluster, as one Helm
release; without it Karpenter would launch no node for the pool.
``TeamStack`` names it ``<org>-<env>-ranking-...``, tags it with the team's
own tags and keeps its state apart (``teams/ranking/<env>/training.tfstate``).

    python examples/team_training.py examples/team.yaml   # writes cdktf.out/
"""

from __future__ import annotations

import sys

from cdktf import App, TerraformOutput
from constructs import Construct

from mlplatform import (
    ComputeCluster,
    DataLake,
    GpuPoolProps,
    GpuPoolProvisioning,
    GpuTrainingPool,
    ModelRegistry,
    TeamConfig,
    TeamStack,
    load_team_config,
)


class TrainingStack(TeamStack):
    """The ranking team's GPU pool: spot L40S nodes from zero, publishing ``ranker``."""

    def __init__(self, scope: Construct, config: TeamConfig) -> None:
        super().__init__(scope, config, "training")  # state: teams/ranking/<env>/training.tfstate
        cluster = ComputeCluster.from_environment(self, "platform-cluster")
        pool = GpuTrainingPool(
            self,
            "training",
            cluster=cluster,
            props=GpuPoolProps(
                instance_types=("g6e.2xlarge", "g6e.4xlarge"),
                capacity="spot",
                max_nodes=4,
                job_namespace="ranking",  # the team's own namespace; "training" is the platform's
            ),
        )
        # Karpenter's NodePool and EC2NodeClass for the pool, in the platform's cluster.
        GpuPoolProvisioning(self, "pools", cluster=cluster, pools=[pool])
        registry = ModelRegistry.from_environment(self, "platform-registry", families=["ranker"])
        lake = DataLake.from_environment(self, "platform-lake", zones=["features"])
        registry.grant_publish(pool.job_role, "ranker")  # artifacts, images, package versions
        lake.grant_read(pool.job_role, "features")
        TerraformOutput(self, "job_role_arn", value=pool.job_role.arn)


if __name__ == "__main__":
    app = App()
    TrainingStack(app, load_team_config(sys.argv[1] if len(sys.argv) > 1 else "team.yaml"))
    app.synth()
