"""One environment, layer by layer: the platform's architecture in one screen."""

from __future__ import annotations

from constructs import Construct

from mlplatform.config import EnvironmentConfig
from mlplatform.stacks.data_stack import DataStack
from mlplatform.stacks.network_stack import NetworkStack

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
        self.network = NetworkStack(scope, config, emulator_endpoint=emulator_endpoint)
        self.data = DataStack(
            scope, config, network=self.network.network, emulator_endpoint=emulator_endpoint
        )
        self.data.add_dependency(self.network)

    @property
    def stacks(self) -> list[NetworkStack | DataStack]:
        """The stacks in deployment order."""
        return [self.network, self.data]
