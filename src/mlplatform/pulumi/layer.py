"""One layer of an environment on Pulumi: its provider, default tags, account lookups, retention.

The counterpart of ``PlatformStack``: a cdktf stack ``<env>-<layer>`` is a
component named ``<env>-<layer>`` here, with an explicit AWS provider that
carries the same region, ``allowed_account_ids`` and default tags. Everything
in the layer is parented below it and so uses that provider. State lives in
the Pulumi backend the user chose, not in the environment's S3 state bucket.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.retention import RETENTION_RULE_ID, retention_opt_out_reason
from mlplatform.decisions.tagging import platform_tags
from mlplatform.emulator.local_aws import (
    DEFAULT_ENDPOINT,
    EMULATOR_ACCESS_KEY,
    emulated_endpoints,
)
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.contract_parameters import ContractParameters

__all__ = ["Layer"]


class Layer(PlatformComponent):
    """``mlplatform:<layer>:Layer`` named ``<env>-<layer>``: provider, tags and account context."""

    def __init__(
        self,
        config: EnvironmentConfig,
        layer: str,
        *,
        parent: pulumi.Resource | None = None,
        emulator_endpoint: str | None = None,
    ) -> None:
        if not isinstance(config, EnvironmentConfig):
            team = getattr(getattr(config, "team", None), "name", "?")
            raise TypeError(
                f"Layer {layer!r}: built from a team config (team {team!r}), which would "
                f'make platform resources; build a team\'s layer with TeamLayer(config, "<name>")'
            )
        opt_out = retention_opt_out_reason(config)
        super().__init__(
            layer,
            "Layer",
            f"{config.environment}-{layer}",
            parent=parent,
            suppressions={RETENTION_RULE_ID: opt_out} if opt_out is not None else None,
        )
        self.config = config
        self.layer = layer
        self.naming = Naming.for_environment(config)
        self.tags = platform_tags(config, layer)
        self.retain = opt_out is None
        """Whether stateful resources get ``protect`` (the counterpart of prevent_destroy)."""
        self.platform_contract = PlatformContract(config.org, config.environment)
        """The platform environment whose contract (SSM parameters) this layer reads."""
        self._connect(
            region=config.region,
            emulator=config.emulator,
            account_id=config.account_id,
            endpoint=emulator_endpoint,
        )

    def _connect(
        self, *, region: str, emulator: bool, account_id: str | None, endpoint: str | None
    ) -> None:
        """The provider (with ``self.tags``) and the account lookups every layer has."""
        self.provider = aws.Provider(
            self.path,
            opts=pulumi.ResourceOptions(parent=self),
            **self._provider_args(region, emulator, account_id, endpoint),
        )
        invoke = pulumi.InvokeOutputOptions(provider=self.provider, parent=self)
        self.account_id: pulumi.Output[str] = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke)
        self.partition: pulumi.Output[str] = partition.partition
        self.dns_suffix: pulumi.Output[str] = partition.dns_suffix
        self.region: pulumi.Output[str] = aws.get_region_output(opts=invoke).name
        """The provider's region, looked up (as ``AccountContext.region``)."""
        self._contract: ContractParameters | None = None
        self._connection = {"emulator": emulator, "account_id": account_id, "endpoint": endpoint}
        self._regional_providers: dict[str, aws.Provider] = {}

    def regional_provider(self, region: str) -> aws.Provider:
        """The AWS provider for resources in another ``region`` (the lake's replicas): the
        layer's own settings with that region, named ``<env>-<layer>/aws-<region>`` (cdktf's
        alias); made once per region."""
        if region not in self._regional_providers:
            self._regional_providers[region] = aws.Provider(
                f"{self.path}/aws-{region}",
                opts=pulumi.ResourceOptions(parent=self),
                **self._provider_args(region, **self._connection),  # type: ignore[arg-type]
            )
        return self._regional_providers[region]

    @property
    def contract(self) -> ContractParameters:
        """This layer's part of the platform contract (SSM parameters teams read), made on use."""
        if self._contract is None:
            self._contract = ContractParameters(self)
        return self._contract

    def _provider_args(
        self, region: str, emulator: bool, account_id: str | None, endpoint: str | None
    ) -> dict[str, Any]:
        args: dict[str, Any] = {
            "region": region,
            "default_tags": aws.ProviderDefaultTagsArgs(tags=self.tags),
        }
        if emulator:
            endpoint = endpoint or DEFAULT_ENDPOINT
            args.update(
                access_key=EMULATOR_ACCESS_KEY,
                secret_key=EMULATOR_ACCESS_KEY,
                endpoints=[aws.ProviderEndpointArgs(**emulated_endpoints(endpoint))],
                s3_use_path_style=True,
                skip_credentials_validation=True,
                skip_metadata_api_check=True,
                skip_region_validation=True,
            )
        elif account_id:
            # allowed_account_ids stops a dev file from ever applying to the prod account.
            args["allowed_account_ids"] = [account_id]
        return args

    def document(
        self,
        build: Callable[..., Any],
        *inputs: pulumi.Input[Any],
    ) -> pulumi.Output[str]:
        """``json.dumps(build(account_id, partition, *inputs))`` once every input is known.

        How a shared policy decision, a plain function of strings, is applied to Pulumi outputs.
        """
        return pulumi.Output.all(self.account_id, self.partition, *inputs).apply(
            lambda values: json.dumps(build(*values))
        )

    def resolved(self, build: Callable[..., Any], *inputs: pulumi.Input[Any]) -> pulumi.Output[Any]:
        """``build(*inputs)`` once every input is known (a value, not a JSON text)."""
        return pulumi.Output.all(*inputs).apply(lambda values: build(*values))
