"""Reads the platform contract from SSM in a Pulumi program, one lookup per value asked for.

The counterpart of :class:`mlplatform.constructs.contract_reader.ContractReader`:
the names come from :mod:`mlplatform.decisions.contract`; each value is an
``aws.ssm.get_parameter_output`` made the first time it is asked for (and shared
after that) through the layer's provider, so a team program reads the values the
platform wrote at preview and update, never at import time.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.contract import LIST_SEPARATOR, PlatformContract, parameter
from mlplatform.pulumi.layer import Layer

__all__ = ["ContractReader"]


class ContractReader:
    """The contract of one platform environment as seen from one layer of a program."""

    @classmethod
    def of(cls, layer: Layer, contract: PlatformContract | None = None) -> ContractReader:
        """The reader of ``contract`` (default: ``layer``'s platform environment) in ``layer``."""
        contract = contract or layer.platform_contract
        readers: dict[tuple[str, str], ContractReader] = layer.__dict__.setdefault(
            "_contract_readers", {}
        )
        key = (contract.org, contract.environment)
        if key not in readers:
            readers[key] = cls(layer, contract)
        return readers[key]

    def __init__(self, layer: Layer, contract: PlatformContract) -> None:
        self.layer = layer
        self.contract = contract
        self._read: dict[str, pulumi.Output[str]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Full names of the parameters read so far."""
        return tuple(self._read)

    def value(self, key: str, **items: str) -> pulumi.Output[str]:
        """The value of parameter ``key``, as the platform wrote it."""
        name = self.contract.name(key, **items)
        if name not in self._read:
            found = aws.ssm.get_parameter_output(
                name=name,
                opts=pulumi.InvokeOutputOptions(parent=self.layer, provider=self.layer.provider),
            )
            # insecure_value, as the cdktf reader: nothing in the contract is secret.
            self._read[name] = found.insecure_value
        return self._read[name]

    def values(self, key: str, **items: str) -> pulumi.Output[list[str]]:
        """The items of ``StringList`` parameter ``key``."""
        if parameter(key).type != "StringList":
            raise TypeError(f"contract parameter {key!r} is a String; read it with value()")
        return self.value(key, **items).apply(lambda text: text.split(LIST_SEPARATOR))
