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
from mlplatform.decisions.contract import LIST_SEPARATOR, PlatformContract

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
        written = self.contract.write(
            key,
            self.layer,
            is_list=not isinstance(value, str),
            has_key=key_arn is not None,
            **items,
        )
        name = written.name
        if name in self._written:
            raise ValueError(
                f"contract parameter {name} is written twice in the {self.layer} layer"
            )
        text = value if isinstance(value, str) else Fn.join(LIST_SEPARATOR, list(value))
        parameter = SsmParameter(
            self,
            written.id,
            name=name,
            type=written.type,
            # Nothing in the contract is secret (see mlplatform.decisions.contract), so
            # plans show the values instead of "(sensitive value)".
            insecure_value=None if written.sensitive else text,
            value=text if written.sensitive else None,
            key_id=key_arn if written.sensitive else None,
            description=written.description,
        )
        self._written[name] = parameter
        return parameter
