"""Reads the platform contract from SSM, one data source per value a team asks for.

Every ``from_environment`` importer reads through this construct, so they all
work the same way: the names come from :mod:`mlplatform.decisions.contract`,
each value is an ``aws_ssm_parameter`` data source made the first time it is
asked for (and shared after that), and a list is decoded with ``split``.
Nothing is looked up at synth time: team repos synthesize without AWS
credentials, and ``terraform plan`` reads the values the platform wrote.
"""

from __future__ import annotations

from cdktf import Fn, TerraformStack
from constructs import Construct

from mlplatform.bindings.aws.data_aws_ssm_parameter import DataAwsSsmParameter
from mlplatform.decisions.contract import LIST_SEPARATOR, PlatformContract, parameter
from mlplatform.decisions.lazy_items import LazyItems
from mlplatform.decisions.naming import Naming, check_construct_id

__all__ = ["ContractReader", "PerItem", "check_construct_id", "stack_naming"]


class ContractReader(Construct):
    """The contract of one platform environment as seen from one stack."""

    @classmethod
    def of(cls, scope: Construct, contract: PlatformContract | None = None) -> ContractReader:
        """The reader of ``contract`` in ``scope``'s stack, made on first use.

        Without ``contract``, the stack's own platform environment
        (``TeamStack.platform_contract``) is read.
        """
        stack = TerraformStack.of(scope)
        if contract is None:
            found_contract = getattr(stack, "platform_contract", None)
            if not isinstance(found_contract, PlatformContract):
                raise ValueError(
                    f"{scope.node.path}: no platform environment to import from; build it in a "
                    "TeamStack, or pass platform=PlatformContract(org, environment)"
                )
            contract = found_contract
        id = f"platform-contract-{contract.org}-{contract.environment}"
        found = stack.node.try_find_child(id)
        if found is None:
            return cls(stack, id, contract=contract)
        if not isinstance(found, ContractReader):
            raise TypeError(f"{stack.node.id}: the construct id {id!r} is reserved")
        return found

    def __init__(self, scope: Construct, id: str, *, contract: PlatformContract) -> None:
        super().__init__(scope, id)
        self.contract = contract
        self._read: dict[str, DataAwsSsmParameter] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Full names of the parameters read so far."""
        return tuple(self._read)

    def value(self, key: str, **items: str) -> str:
        """The value of parameter ``key`` (a token resolved at plan time)."""
        return self.source(key, **items).insecure_value

    def values(self, key: str, **items: str) -> list[str]:
        """The items of ``StringList`` parameter ``key`` (a token list)."""
        declared = parameter(key)
        if declared.type != "StringList":
            raise TypeError(f"contract parameter {key!r} is a String; read it with value()")
        return Fn.split(LIST_SEPARATOR, self.source(key, **items).insecure_value)

    def source(self, key: str, **items: str) -> DataAwsSsmParameter:
        """The data source that reads parameter ``key``, made on first use."""
        name = self.contract.name(key, **items)
        if name not in self._read:
            self._read[name] = DataAwsSsmParameter(
                self, name.removeprefix(self.contract.prefix + "/").replace("/", "-"), name=name
            )
        return self._read[name]


def stack_naming(scope: Construct) -> Naming:
    """The names of ``scope``'s stack (a team's in a ``TeamStack``), for what an importer's
    users create: a team's pool or endpoint is named after the team, never the platform."""
    stack = TerraformStack.of(scope)
    naming = getattr(stack, "naming", None)
    if not isinstance(naming, Naming):
        raise ValueError(
            f"{scope.node.path}: the stack has no naming; build it in a TeamStack, or pass naming="
        )
    return naming


class PerItem(LazyItems[str]):
    """A mapping whose values are read on first access (one contract parameter per item).

    It iterates over the items declared up front only, since what else exists is
    known at plan time alone.
    """
