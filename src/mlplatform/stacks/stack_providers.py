"""The AWS providers of one stack: its own region's, and one more per other region it uses.

A platform layer and a team's stack reach AWS the same way (default tags, the
account guard, the emulator's endpoints in ``local``); a resource in another
region (the lake's replicas, a team's own replicated lake) needs a second,
aliased configuration of the provider with exactly those settings. Both stacks
hold one of these, so the regional provider is made the same way in either.
"""

from __future__ import annotations

from typing import Protocol

from mlplatform.bindings.aws.provider import AwsProvider

__all__ = ["ProviderMaker", "StackProviders"]


class ProviderMaker(Protocol):
    """Makes one AWS provider of a stack: :func:`~mlplatform.stacks.aws_connection.
    configure_provider` with the stack and its settings bound (``functools.partial``), so
    those settings are passed once, where the stack knows them."""

    def __call__(self, *, region: str, alias: str | None) -> AwsProvider: ...


class StackProviders:
    """The stack's default provider in ``region``, and :meth:`in_region` for any other, each
    made by ``make``."""

    def __init__(self, region: str, make: ProviderMaker) -> None:
        self._make = make
        self.default = make(region=region, alias=None)
        self._regional: dict[str, AwsProvider] = {}

    def in_region(self, region: str) -> AwsProvider:
        """The provider for resources in ``region``: the stack's settings with that region,
        aliased ``aws-<region>`` (resources name it ``aws.aws-<region>``); made once."""
        if region not in self._regional:
            self._regional[region] = self._make(region=region, alias=f"aws-{region}")
        return self._regional[region]
