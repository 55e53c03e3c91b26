"""One platform layer's part of the contract on Pulumi, written as SSM parameters.

The counterpart of :class:`mlplatform.constructs.contract_parameters.ContractParameters`:
the same names, types, descriptions and values, from the same decision
(:meth:`mlplatform.decisions.contract.PlatformContract.write`), which refuses
another layer's parameter here as it does in cdktf. A ``StringList``'s items are
joined once they are known, as Terraform's ``join`` joins them at apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.contract import LIST_SEPARATOR, PlatformContract
from mlplatform.pulumi.component import PlatformComponent

if TYPE_CHECKING:
    from mlplatform.pulumi.layer import Layer

__all__ = ["ContractParameters"]


class ContractParameters(PlatformComponent):
    """``mlplatform:<layer>:ContractParameters`` at ``<env>-<layer>/contract``: one ``put`` each."""

    def __init__(self, layer: Layer, id: str = "contract") -> None:
        super().__init__(layer.layer, "ContractParameters", layer.child(id), parent=layer)
        self.contract = PlatformContract(layer.config.org, layer.config.environment)
        self.layer = layer.layer
        self._written: dict[str, aws.ssm.Parameter] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Full names of the parameters written so far."""
        return tuple(self._written)

    def put(
        self,
        key: str,
        value: pulumi.Input[str] | Sequence[pulumi.Input[str]],
        *,
        key_arn: pulumi.Input[str] | None = None,
        **items: str,
    ) -> aws.ssm.Parameter:
        """Write parameter ``key`` (its ``{items}`` filled in) with ``value``: a list for a
        ``StringList`` (stored comma-joined), one value otherwise; ``key_arn`` for a
        sensitive one, as in cdktf."""
        is_list = isinstance(value, Sequence) and not isinstance(value, str)
        written = self.contract.write(
            key, self.layer, is_list=is_list, has_key=key_arn is not None, **items
        )
        if written.name in self._written:
            raise ValueError(
                f"contract parameter {written.name} is written twice in the {self.layer} layer"
            )
        text: pulumi.Input[str] = (
            pulumi.Output.all(*value).apply(LIST_SEPARATOR.join)
            if isinstance(value, Sequence) and not isinstance(value, str)
            else value
        )
        parameter = aws.ssm.Parameter(
            self.child(written.id),
            name=written.name,
            type=written.type,
            # Nothing in the contract is secret (see mlplatform.decisions.contract), so
            # previews show the values, as the cdktf plans do.
            insecure_value=None if written.sensitive else text,
            value=text if written.sensitive else None,
            key_id=key_arn if written.sensitive else None,
            description=written.description,
            opts=self.options(),
        )
        self._written[written.name] = parameter
        return parameter
