"""One environment, layer by layer: the platform's architecture in one screen."""

from __future__ import annotations

from constructs import Construct

from mlplatform.config import EnvironmentConfig
from mlplatform.stacks.cluster_stack import ClusterStack
from mlplatform.stacks.compute_stack import ComputeStack
from mlplatform.stacks.data_stack import DataStack
from mlplatform.stacks.ml_stack import MlStack
from mlplatform.stacks.network_stack import NetworkStack
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["PlatformStacks"]


class PlatformStacks:
    """Creates every layer's stack of one environment in ``scope`` (a cdktf ``App``).

    ``emulator_endpoint`` points an emulator environment (``emulator: true``)
    at a running moto server; it is ignored for real environments.
    """

    def __init__(
        self, scope: Construct, config: EnvironmentConfig, *, emulator_endpoint: str | None = None
    ):
        self.config = config
        self._scope = scope
        self._emulator_endpoint = emulator_endpoint
        self.network = NetworkStack(scope, config, emulator_endpoint=emulator_endpoint)
        self.data = DataStack(
            scope, config, network=self.network.network, emulator_endpoint=emulator_endpoint
        )
        self.data.add_dependency(self.network)
        self.compute: ComputeStack | None = self._compute_layer()
        self.cluster: ClusterStack | None = self._cluster_layer()
        self.ml: MlStack | None = self._ml_layer()

    # ----------------------------------------------------------------- layers
    def _compute_layer(self) -> ComputeStack | None:
        """The compute layer, only where the environment describes a cluster."""
        if self.config.compute is None:
            return None
        compute = ComputeStack(
            self._scope,
            self.config,
            network=self.network.network,
            lake=self.data.lake,
            emulator_endpoint=self._emulator_endpoint,
        )
        compute.add_dependency(self.network)
        # The pools' lake grants are the ml layer's, so the cluster deploys beside the lake
        # unless a pool's FSx scratch imports from it.
        if compute.reads_the_lake:
            compute.add_dependency(self.data)
        return compute

    def _cluster_layer(self) -> ClusterStack | None:
        """The cluster layer (Helm, inside the cluster) where GPU pools need provisioning and the
        environment has a Kubernetes API (the emulator has none)."""
        config = self.config
        if not (
            self.compute is not None
            and self.compute.karpenter is not None
            and config.compute is not None
            and config.compute.cluster_layer.enabled
        ):
            return None
        cluster = ClusterStack(
            self._scope, config, compute=self.compute, emulator_endpoint=self._emulator_endpoint
        )
        cluster.add_dependency(self.compute)
        return cluster

    def _ml_layer(self) -> MlStack | None:
        """The ml layer (registry, serving), only where the environment describes it. Training
        jobs of the GPU pools publish models, so their roles get publish grants, and
        materialize the feature groups that name their pool."""
        if self.config.ml is None:
            return None
        ml = MlStack(
            self._scope,
            self.config,
            lake=self.data.lake,
            placement=self.network.network.placement(),
            publishers=(
                {name: pool.job_role for name, pool in self.compute.gpu_pools.items()}
                if self.compute
                else None
            ),
            cluster_security_group_id=(
                self.compute.cluster.cluster_security_group_id if self.compute else None
            ),
            emulator_endpoint=self._emulator_endpoint,
        )
        ml.add_dependency(self.data)
        if self.compute:
            ml.add_dependency(self.compute)
        return ml

    @property
    def stacks(self) -> list[PlatformStack]:
        """The stacks in deployment order."""
        return [
            self.network,
            self.data,
            *([self.compute] if self.compute else []),
            *([self.cluster] if self.cluster else []),
            *([self.ml] if self.ml else []),
        ]
