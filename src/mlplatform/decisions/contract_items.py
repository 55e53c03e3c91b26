"""Which zones, model families or feature groups a contract importer's call is about.

The importers that read the platform contract (``DataLake``, ``ModelRegistry``
and ``FeatureStore.from_environment``, in both engines) know the platform's
list of zones, families or groups only when the team passes it: the contract
holds it as a value read at plan (or preview) time, too late to decide which
grants to make. A call names its items, or takes every one the team passed,
or fails saying how to fix it. Each named item is checked as a name the
contract's parameter takes, so a typo fails at once instead of in the plan.
One rule for both engines; only the moment differs (``"at synth time"``,
``"before preview"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mlplatform.decisions.contract import PlatformContract, parameter

__all__ = ["FEATURE_GROUPS", "LAKE_ZONES", "REGISTRY_FAMILIES", "ImportedItems"]


@dataclass(frozen=True)
class ImportedItems:
    """One kind of item an imported component picks among, and how its error reads."""

    component: str
    """What was imported, as the error names it (``"lake"``)."""
    kind: str
    """The items, plural (``"zones"``)."""
    key: str
    """A contract parameter with the item as its one placeholder: naming it checks the item."""
    name_them: str
    """How a call names its items (``"name them (grant_read(role, 'raw'))"``)."""
    argument: str
    """The importer's argument that lists them (``"zones"``)."""
    importer: str
    """The importer (``"DataLake.from_environment"``)."""

    def choose(
        self,
        contract: PlatformContract,
        where: str,
        when: str,
        item: str | Iterable[str] | None,
        known: tuple[str, ...],
    ) -> tuple[str, ...]:
        """``item`` (one or several), each checked; or every ``known`` one when it is None."""
        if item is None:
            if not known:
                raise ValueError(
                    f"{where}: the imported {self.component} does not know the platform's "
                    f"{self.kind} {when}; {self.name_them} or pass {self.argument}= to "
                    f"{self.importer}"
                )
            return known
        chosen = (item,) if isinstance(item, str) else tuple(item)
        for name in chosen:
            self.check(contract, name)
        return chosen

    def check(self, contract: PlatformContract, item: str) -> None:
        """Refuse ``item`` if the contract's parameter cannot take it as its name."""
        (placeholder,) = parameter(self.key).placeholders
        contract.name(self.key, **{placeholder: item})


LAKE_ZONES = ImportedItems(
    component="lake",
    kind="zones",
    key="data/zones/{zone}/bucket-arn",
    name_them="name them (grant_read(role, 'raw'))",
    argument="zones",
    importer="DataLake.from_environment",
)
REGISTRY_FAMILIES = ImportedItems(
    component="registry",
    kind="model families",
    key="ml/registry/families/{family}/repository-arn",
    name_them="name the family (grant_publish(role, 'ranker'))",
    argument="families",
    importer="ModelRegistry.from_environment",
)
FEATURE_GROUPS = ImportedItems(
    component="feature store",
    kind="groups",
    key="features/groups/{group}/offline-table",
    name_them="name the group (grant_read_online(role, 'ranker'))",
    argument="groups",
    importer="FeatureStore.from_environment",
)
