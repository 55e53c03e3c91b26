"""A mapping whose values are read when first asked for, for either engine's contract readers.

A team's importer reads the platform contract one SSM parameter per item (a
feature group's table, a model family's repository), and only for the items a
grant or property names: what else exists is known at plan (or preview) time
alone. cdktf's :class:`~mlplatform.constructs.contract_reader.PerItem` holds
tokens, Pulumi's :class:`~mlplatform.pulumi.contract_model_registry.PerItem`
outputs; both are this mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

__all__ = ["LazyItems"]

_V = TypeVar("_V")


class LazyItems(Mapping[str, _V], Generic[_V]):
    """Values by item, each read once on first access; iterates over ``known`` only."""

    def __init__(self, read: Callable[[str], _V], known: Sequence[str] = ()) -> None:
        self._read = read
        self._known = tuple(known)
        self._values: dict[str, _V] = {}

    def __getitem__(self, item: str) -> _V:
        if item not in self._values:
            self._values[item] = self._read(item)
        return self._values[item]

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)
