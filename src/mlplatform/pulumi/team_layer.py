"""A team's layer of a Pulumi program: its own names and tags, on a platform environment it reads.

The counterpart of cdktf's :class:`~mlplatform.stacks.team_stack.TeamStack`:
``TeamLayer(config, "features")`` is a component named ``<env>-<team>-<name>`` with

- **names** ``<org>-<env>-<team>-...`` (``Naming.for_team``), so no team resource can
  take a name the platform owns;
- **tags** the team's own (the shared ``team_tags`` decision) on its provider's default
  tags: ``team``, ``cost-center``, ``owners``, ``env``, ``component``, ``managed-by``;
- **the platform contract**: ``DataLake.from_environment(layer, "lake")`` and the other
  importers read the platform environment's SSM parameters without being told which.

It refuses what ``TeamStack`` refuses, with the same messages: a config that is not a
``TeamConfig``, a name that is a platform layer's, a team name the platform's names
reserve. It warns where ``TeamStack`` warns: a ``GpuTrainingPool`` that no
``GpuPoolProvisioning`` of the layer lists gets no nodes, which ``pulumi preview`` says once
the program has declared everything. State lives in the Pulumi backend the team chose (no
``teams/<team>/...`` key).
"""

from __future__ import annotations

import pulumi

from mlplatform.config import TeamConfig
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.retention import RETENTION_RULE_ID
from mlplatform.decisions.tagging import team_tags
from mlplatform.decisions.team_layer import (
    EMULATOR_ENDPOINT_VARIABLE,
    EMULATOR_OPT_OUT,
    team_layer_naming,
)
from mlplatform.decisions.team_layer import emulator_endpoint as emulator_endpoint_for
from mlplatform.decisions.team_pools import unprovisioned_pool_warning
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["EMULATOR_ENDPOINT_VARIABLE", "TeamLayer"]


class TeamLayer(Layer):
    """``mlplatform:<team>-<name>:Layer`` named ``<env>-<team>-<name>`` on ``config``'s platform.

    A :class:`Layer` for everything that takes one (importers, grants, a team's own
    components); it has no ``EnvironmentConfig`` (``config`` is not set), so a platform
    component that needs the platform's configuration cannot be built in it.
    """

    def __init__(
        self,
        config: TeamConfig,
        name: str,
        *,
        parent: pulumi.Resource | None = None,
        emulator_endpoint: str | None = None,
    ) -> None:
        naming = team_layer_naming(config, name, what="TeamLayer", kind="layer")
        env = config.environment
        platform = config.platform
        layer = f"{config.team.name}-{name}"
        PlatformComponent.__init__(
            self,
            layer,
            "Layer",
            f"{env}-{layer}",
            parent=parent,
            suppressions={RETENTION_RULE_ID: EMULATOR_OPT_OUT} if platform.emulator else None,
        )
        self.team_config = config
        self.stack_name = name
        """``name``, as ``TeamStack.name``."""
        self.layer = layer
        self.naming = naming
        self.tags = team_tags(config, name)
        self.retain = not platform.emulator
        self.platform_contract = PlatformContract(config.org, env)
        emulator_endpoint = emulator_endpoint_for(config, emulator_endpoint)
        self._connect(
            region=platform.region,
            emulator=platform.emulator,
            account_id=platform.account_id,
            endpoint=emulator_endpoint,
        )
        self._pools: dict[str, PlatformComponent] = {}
        self._provisioned: set[str] = set()

    def unprovisioned_pools(self) -> list[str]:
        """Paths of the layer's ``GpuTrainingPool`` components that no ``GpuPoolProvisioning``
        lists: Karpenter launches no nodes for them (``TeamStack.unprovisioned_pools``)."""
        return [path for path in self._pools if path not in self._provisioned]

    def pool_declared(self, pool: PlatformComponent) -> pulumi.Output[bool]:
        """Note a pool of this layer; the returned output, once the program has declared
        everything, says whether a provisioning lists the pool, and warns where none does.

        Pulumi has no synth step to check at: the pool registers the output, so the engine
        waits for it, and outputs resolve only after the program's body has run.
        """
        self._pools[pool.path] = pool

        def provisioned(path: str) -> bool:
            if path in self._provisioned:
                return True
            pulumi.log.warn(unprovisioned_pool_warning(path, "layer"), resource=pool)
            return False

        return pulumi.Output.from_input(pool.path).apply(provisioned)

    def pools_provisioned(self, pools: list[PlatformComponent]) -> None:
        """Note the pools a ``GpuPoolProvisioning`` of this layer lists."""
        self._provisioned.update(pool.path for pool in pools)
