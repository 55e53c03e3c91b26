"""The AWS providers of one stack: its own region's, and one more per other region it uses.

A platform layer and a team's stack reach AWS the same way (default tags, the
account guard, the emulator's endpoints in ``local``); a resource in another
region (the lake's replicas, a team's own replicated lake) needs a second,
aliased configuration of the provider with exactly those settings. Both stacks
hold one of these, so the regional provider is made the same way in either.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import TerraformStack

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.stacks.aws_connection import configure_provider

__all__ = ["StackProviders"]


class StackProviders:
    """``stack``'s default provider in ``region``, and :meth:`in_region` for any other."""

    def __init__(
        self,
        stack: TerraformStack,
        *,
        region: str,
        tags: Mapping[str, str],
        emulator: bool,
        account_id: str | None,
        endpoint: str | None,
    ) -> None:
        self._stack = stack
        self._tags = dict(tags)
        self._emulator = emulator
        self._account_id = account_id
        self._endpoint = endpoint
        self.default = self._provider(region, alias=None)
        self._regional: dict[str, AwsProvider] = {}

    def in_region(self, region: str) -> AwsProvider:
        """The provider for resources in ``region``: the stack's settings with that region,
        aliased ``aws-<region>`` (resources name it ``aws.aws-<region>``); made once."""
        if region not in self._regional:
            self._regional[region] = self._provider(region, alias=f"aws-{region}")
        return self._regional[region]

    def _provider(self, region: str, *, alias: str | None) -> AwsProvider:
        return configure_provider(
            self._stack,
            region=region,
            tags=self._tags,
            emulator=self._emulator,
            account_id=self._account_id,
            endpoint=self._endpoint,
            alias=alias,
        )
