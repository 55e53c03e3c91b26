"""What every layer's stack has in common: state backend, provider, tags and guardrails.

Each layer is its own stack with its own state file (``<env>/<layer>.tfstate``)
so that a change to serving never plans against the VPC. State lives in S3,
locked by a lock object beside it (``use_lockfile``), for every environment;
the ``local`` environment keeps it in the emulator's S3 the same way, so the
real path is the tested path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from constructs import Construct

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.contract_parameters import ContractParameters
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import PLATFORM_LAYERS, Naming
from mlplatform.decisions.retention import retention_opt_out_reason
from mlplatform.decisions.tagging import platform_tags
from mlplatform.emulator.local_aws import EMULATED_SERVICES
from mlplatform.errors import ConstructError
from mlplatform.guardrails.stack_check import GuardedStack
from mlplatform.stacks.aws_connection import configure_backend, configure_provider
from mlplatform.stacks.stack_providers import StackProviders

__all__ = ["EMULATED_SERVICES", "PlatformStack", "configure_backend", "configure_provider"]


class PlatformStack(GuardedStack):
    """A stack named ``<env>-<layer>`` with backend, provider, default tags and guardrails.

    Its stateful resources carry ``prevent_destroy`` unless the environment's
    ``retention`` section opts out, which the stack records as the reasoned
    suppression of guardrail MLP-RET-1.
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        layer: str,
        *,
        emulator_endpoint: str | None = None,
    ) -> None:
        if not isinstance(config, EnvironmentConfig):
            team = getattr(getattr(config, "team", None), "name", "?")
            raise TypeError(
                f"PlatformStack {layer!r}: built from a team config (team {team!r}), which would "
                f'write platform state; build a team\'s stacks with TeamStack(app, config, "<name>")'
            )
        if type(self) is PlatformStack and layer in PLATFORM_LAYERS:
            raise ConstructError(
                f"PlatformStack {layer!r} is the platform's own {layer} layer (stack "
                f"{config.environment}-{layer}, state {config.environment}/{layer}.tfstate): a "
                "stack built beside it would overwrite its state; the platform's layers come "
                'from PlatformStacks, a team\'s stacks from TeamStack(app, team_config, "<name>")'
            )
        super().__init__(scope, f"{config.environment}-{layer}")
        self.config = config
        self.layer = layer
        self.naming = Naming.for_environment(config)
        self.tags = platform_tags(config, layer)
        opt_out_reason = retention_opt_out_reason(config)
        if opt_out_reason is not None:
            StateRetention.opt_out(self, opt_out_reason)
        self._configure_backend(config, layer, emulator_endpoint)
        self._providers = StackProviders(
            config.region,
            partial(
                configure_provider,
                self,
                tags=dict(self.tags),  # as made now: later edits of self.tags reach no provider
                emulator=config.emulator,
                account_id=config.account_id,
                endpoint=emulator_endpoint,
            ),
        )
        self._contract: ContractParameters | None = None

    def regional_provider(self, region: str) -> AwsProvider:
        """The AWS provider for resources in another ``region`` (the lake's replicas): the
        stack's own settings (account, emulator, default tags) with that region, aliased
        ``aws-<region>``; made once per region."""
        return self._providers.in_region(region)

    @property
    def contract(self) -> ContractParameters:
        """This layer's part of the platform contract (SSM parameters teams read), made on use."""
        if self._contract is None:
            self._contract = ContractParameters(
                self,
                "contract",
                contract=PlatformContract(self.config.org, self.config.environment),
                layer=self.layer,
            )
        return self._contract

    @property
    def launched_resource_tags(self) -> Mapping[str, str]:
        """Provider default tags do not reach what launch templates launch; these do."""
        return self.tags

    def _configure_backend(
        self, config: EnvironmentConfig, layer: str, endpoint: str | None
    ) -> None:
        configure_backend(
            self,
            bucket=config.state_backend.bucket,
            key=f"{config.environment}/{layer}.tfstate",
            region=config.region,
            emulator=config.emulator,
            account_id=config.account_id,
            endpoint=endpoint,
        )
