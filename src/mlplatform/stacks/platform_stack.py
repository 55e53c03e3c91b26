"""What every layer's stack has in common: state backend, provider, tags and guardrails.

Each layer is its own stack with its own state file (``<env>/<layer>.tfstate``)
so that a change to serving never plans against the VPC. State lives in S3,
locked by a lock object beside it (``use_lockfile``), for every environment;
the ``local`` environment keeps it in the emulator's S3 the same way, so the
real path is the tested path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cdktf import S3Backend, S3BackendEndpointConfig, TerraformStack
from constructs import Construct

from mlplatform.bindings.aws.provider import (
    AwsProvider,
    AwsProviderDefaultTags,
    AwsProviderEndpoints,
)
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.contract_parameters import ContractParameters
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import PLATFORM_LAYERS, Naming
from mlplatform.decisions.retention import retention_opt_out_reason
from mlplatform.decisions.tagging import platform_tags
from mlplatform.emulator.local_aws import (
    DEFAULT_ENDPOINT,
    EMULATED_SERVICES,
    EMULATOR_ACCESS_KEY,
)
from mlplatform.errors import ConstructError
from mlplatform.guardrails.stack_check import GuardedStack

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
        self._configure_provider(config, self.tags, emulator_endpoint)
        self._emulator_endpoint = emulator_endpoint
        self._regional_providers: dict[str, AwsProvider] = {}
        self._contract: ContractParameters | None = None

    def regional_provider(self, region: str) -> AwsProvider:
        """The AWS provider for resources in another ``region`` (the lake's replicas): the
        stack's own settings (account, emulator, default tags) with that region, aliased
        ``aws-<region>``; made once per region."""
        if region not in self._regional_providers:
            self._regional_providers[region] = configure_provider(
                self,
                region=region,
                tags=self.tags,
                emulator=self.config.emulator,
                account_id=self.config.account_id,
                endpoint=self._emulator_endpoint,
                alias=f"aws-{region}",
            )
        return self._regional_providers[region]

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

    def _configure_provider(
        self, config: EnvironmentConfig, tags: dict[str, str], endpoint: str | None
    ) -> None:
        configure_provider(
            self,
            region=config.region,
            tags=tags,
            emulator=config.emulator,
            account_id=config.account_id,
            endpoint=endpoint,
        )


def configure_backend(
    stack: TerraformStack,
    *,
    bucket: str,
    key: str,
    region: str,
    emulator: bool,
    account_id: str | None,
    endpoint: str | None,
) -> None:
    """State in S3 at ``bucket``/``key``, locked by S3 itself; the emulator's S3 if ``emulator``."""
    where = _account_settings(
        emulator,
        account_id,
        endpoint,
        lambda url: dict(
            endpoints=S3BackendEndpointConfig(s3=url, sts=url, iam=url),
            use_path_style=True,
            skip_metadata_api_check=True,
            skip_requesting_account_id=True,
        ),
    )
    state = S3Backend(stack, bucket=bucket, key=key, region=region, encrypt=True, **where)
    # S3-native locking (Terraform 1.11); cdktf 0.21's S3Backend has no argument for it yet.
    state.add_override("use_lockfile", True)


def configure_provider(
    stack: TerraformStack,
    *,
    region: str,
    tags: Mapping[str, str],
    emulator: bool,
    account_id: str | None,
    endpoint: str | None,
    alias: str | None = None,
) -> AwsProvider:
    """The AWS provider with default ``tags``; pointed at the emulator if ``emulator``; the
    stack's default provider unless ``alias`` names it."""
    where = _account_settings(
        emulator,
        account_id,
        endpoint,
        lambda url: dict(
            endpoints=[AwsProviderEndpoints(**dict.fromkeys(EMULATED_SERVICES, url))],
            s3_use_path_style=True,
            skip_metadata_api_check="true",
        ),
    )
    return AwsProvider(
        stack,
        alias or "aws",
        region=region,
        alias=alias,
        default_tags=[AwsProviderDefaultTags(tags=dict(tags))],
        **where,
    )


def _account_settings(
    emulator: bool,
    account_id: str | None,
    endpoint: str | None,
    emulated: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """Where the backend or the provider reaches AWS: the emulator at ``endpoint`` (its fixed
    credentials, AWS's own checks off, and ``emulated(url)``: the setting's endpoints and
    path-style S3), or the real AWS, only in ``account_id`` when given."""
    if emulator:
        return dict(
            access_key=EMULATOR_ACCESS_KEY,
            secret_key=EMULATOR_ACCESS_KEY,
            skip_credentials_validation=True,
            skip_region_validation=True,
            **emulated(endpoint or DEFAULT_ENDPOINT),
        )
    # allowed_account_ids stops a dev file from ever applying to the prod account.
    return dict(allowed_account_ids=[account_id] if account_id else None)
