"""A team repo's stack: its own names, tags and state, on a platform environment it reads.

``TeamStack(app, config, "features")`` is what ``PlatformStack`` is to a
platform layer, for a team (:class:`~mlplatform.config.TeamConfig`):

- **names** ``<org>-<env>-<team>-...`` (``Naming.for_team``), so no team
  resource can take a name the platform owns;
- **tags** the team's own: ``team``, ``cost-center``, ``owners``, plus ``env``,
  ``component`` (the stack's name) and ``managed-by`` (guardrail MLP-TAG-1 holds);
- **state** under ``teams/<team>/<env>/<name>.tfstate`` in the platform's state
  bucket (or the team's), never a platform layer's ``<env>/<layer>.tfstate``;
- **guardrails** as on every platform stack;
- **the platform contract**: ``DataLake.from_environment(stack, "lake")`` and the
  other importers read the platform environment's SSM parameters without
  being told which environment.

Collisions are synth-time errors naming both sides: a stack named like a
platform layer, a team named like a platform component, a platform stack
built from a team config.

A ``GpuTrainingPool`` gets Karpenter nodes only once a
``GpuPoolProvisioning`` in the stack lists it; synth warns about each pool
that none lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import jsii
from cdktf import Annotations
from constructs import Construct, IValidation

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import TeamConfig
from mlplatform.constructs.contract_reader import ContractReader
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.tagging import team_tags
from mlplatform.decisions.team_layer import (
    EMULATOR_ENDPOINT_VARIABLE,
    EMULATOR_OPT_OUT,
    team_layer_naming,
    team_state_key,
)
from mlplatform.decisions.team_layer import emulator_endpoint as emulator_endpoint_for
from mlplatform.decisions.team_pools import unprovisioned_pool_warning
from mlplatform.guardrails.stack_check import GuardedStack
from mlplatform.stacks.aws_connection import configure_backend, configure_provider
from mlplatform.stacks.stack_providers import StackProviders

__all__ = ["EMULATOR_ENDPOINT_VARIABLE", "TeamStack", "team_state_key"]


class TeamStack(GuardedStack):
    """A stack named ``<env>-<team>-<name>`` on the platform environment ``config`` names."""

    def __init__(
        self,
        scope: Construct,
        config: TeamConfig,
        name: str,
        *,
        emulator_endpoint: str | None = None,
    ) -> None:
        naming = team_layer_naming(config, name, what="TeamStack", kind="stack")
        env = config.environment
        super().__init__(scope, f"{env}-{config.team.name}-{name}")
        self.config = config
        self.name = name
        self.naming = naming
        self.platform_contract = PlatformContract(config.org, env)
        self.tags = team_tags(config, name)
        self.state_key = team_state_key(config, name)
        platform = config.platform
        emulator_endpoint = emulator_endpoint_for(config, emulator_endpoint)
        if platform.emulator:
            StateRetention.opt_out(self, EMULATOR_OPT_OUT)
        configure_backend(
            self,
            bucket=platform.state_bucket_name,
            key=self.state_key,
            region=platform.region,
            emulator=platform.emulator,
            account_id=platform.account_id,
            endpoint=emulator_endpoint,
        )
        self._providers = StackProviders(
            platform.region,
            partial(
                configure_provider,
                self,
                tags=dict(self.tags),  # as made now: later edits of self.tags reach no provider
                emulator=platform.emulator,
                account_id=platform.account_id,
                endpoint=emulator_endpoint,
            ),
        )
        self.node.add_validation(_PoolsGetNodes(self))

    def regional_provider(self, region: str) -> AwsProvider:
        """The AWS provider for resources in another ``region`` (a replicated lake's replicas):
        the stack's own settings (account, emulator, default tags) with that region, aliased
        ``aws-<region>``; made once per region, as ``PlatformStack``'s."""
        return self._providers.in_region(region)

    def unprovisioned_pools(self) -> list[str]:
        """Paths of the stack's ``GpuTrainingPool`` constructs that no ``GpuPoolProvisioning`` lists:
        Karpenter launches no nodes for them (the platform provisions only its own pools)."""
        from mlplatform.constructs.gpu_pool import GpuTrainingPool
        from mlplatform.constructs.gpu_pool_provisioning import GpuPoolProvisioning

        found = self.node.find_all()
        provisioned = {
            pool.node.path for c in found if isinstance(c, GpuPoolProvisioning) for pool in c.pools
        }
        return [
            c.node.path
            for c in found
            if isinstance(c, GpuTrainingPool) and c.node.path not in provisioned
        ]

    def platform_value(self, key: str, **items: str) -> str:
        """Any value of the platform contract (``platform_value("ml/alarm-topic-arn")``), read
        from SSM at plan time; the keys are :data:`mlplatform.decisions.contract.CONTRACT_PARAMETERS`."""
        return ContractReader.of(self).value(key, **items)

    @property
    def launched_resource_tags(self) -> Mapping[str, str]:
        """Provider default tags do not reach what launch templates launch; these do."""
        return self.tags


@jsii.implements(IValidation)
class _PoolsGetNodes:
    """At synth, a warning (``cdktf synth`` prints it) per pool that would get no nodes
    (:func:`~mlplatform.decisions.team_pools.unprovisioned_pool_warning` says why a warning)."""

    def __init__(self, stack: TeamStack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        for path in self._stack.unprovisioned_pools():
            Annotations.of(self._stack).add_warning(unprovisioned_pool_warning(path))
        return []
