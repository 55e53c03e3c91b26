"""One platform layer's part of the contract, written as SSM parameters.

Each layer stack publishes the values team repos need
(:mod:`mlplatform.decisions.contract` declares every name and the layer that
owns it). A layer that tries to write another layer's parameter fails at
synth, so two stacks can never fight over one parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import Fn
from constructs import Construct

from mlplatform.bindings.aws.ssm_parameter import SsmParameter
from mlplatform.decisions.contract import LIST_SEPARATOR, PlatformContract, parameter

__all__ = ["ContractParameters"]


class ContractParameters(Construct):
    """Writes the parameters of ``layer`` under ``contract``'s prefix, one ``put`` each."""

    def __init__(
        self, scope: Construct, id: str, *, contract: PlatformContract, layer: str
    ) -> None:
        super().__init__(scope, id)
        self.contract = contract
        self.layer = layer
        self._written: dict[str, SsmParameter] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Full names of the parameters written so far."""
        return tuple(self._written)

    def put(
        self, key: str, value: str | Sequence[str], *, key_arn: str | None = None, **items: str
    ) -> SsmParameter:
        """Write parameter ``key`` (its ``{items}`` filled in) with ``value``.

        A ``StringList`` parameter takes a list (a token list too); it is stored
        comma-joined, as SSM stores string lists. A parameter the contract declares
        sensitive is a ``SecureString`` encrypted with ``key_arn``, the layer's
        platform key, which it then requires (none is sensitive today).
        """
        declared = parameter(key)
        if declared.layer != self.layer:
            raise ValueError(
                f"contract parameter {key!r} belongs to the {declared.layer} layer, not "
                f"{self.layer}; write it from the {declared.layer} stack"
            )
        name = self.contract.name(key, **items)
        if declared.sensitive and key_arn is None:
            raise ValueError(
                f"contract parameter {name} is sensitive: pass key_arn, the layer's platform key"
            )
        if name in self._written:
            raise ValueError(
                f"contract parameter {name} is written twice in the {self.layer} layer"
            )
        if declared.type == "StringList":
            if isinstance(value, str):
                raise TypeError(f"contract parameter {name} is a StringList; pass a list")
            text = Fn.join(LIST_SEPARATOR, list(value))
        elif isinstance(value, str):
            text = value
        else:
            raise TypeError(f"contract parameter {name} is a String; pass one value")
        construct_id = name.removeprefix(self.contract.prefix + "/").replace("/", "-")
        written = SsmParameter(
            self,
            construct_id,
            name=name,
            type="SecureString" if declared.sensitive else declared.type,
            # Nothing in the contract is secret (see mlplatform.decisions.contract), so
            # plans show the values instead of "(sensitive value)".
            insecure_value=None if declared.sensitive else text,
            value=text if declared.sensitive else None,
            key_id=key_arn if declared.sensitive else None,
            description=declared.description,
        )
        self._written[name] = written
        return written
