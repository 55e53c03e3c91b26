"""The platform's data lake as seen from a team's stack, read from the platform contract.

Made by :meth:`DataLake.from_environment
<mlplatform.constructs.data_lake.DataLake.from_environment>`. Creates no
resources: the key ARN and each zone's bucket and Glue database are the
``data/...`` parameters the ``<env>-data`` layer wrote, read one per zone the
team uses. The platform's zones are whatever its environment file says; the
team names the zones it reads or writes, and a zone the platform does not
have fails the plan with the parameter's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from constructs import Construct

from mlplatform.constructs.contract_reader import ContractReader, PerItem
from mlplatform.constructs.data_lake import DataLakeMixin, DataLakeRefs
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.contract_items import LAKE_ZONES

__all__ = ["ContractDataLake"]


class ContractDataLake(DataLakeMixin, Construct):
    """The platform's lake: its key, and per zone its bucket name, ARN and Glue database.

    ``zones``, if given, are the zones a grant without a zone covers; without
    them, each grant names its zones (``grant_read(role, "raw")``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        platform: PlatformContract | None = None,
        zones: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        reader = self._reader = ContractReader.of(self, platform)
        for zone in zones:
            reader.contract.name("data/zones/{zone}/bucket-arn", zone=zone)  # checks the name
        self._refs = DataLakeRefs(
            zones=tuple(zones),
            bucket_names=PerItem(
                lambda z: reader.value("data/zones/{zone}/bucket-name", zone=z), zones
            ),
            bucket_arns=PerItem(
                lambda z: reader.value("data/zones/{zone}/bucket-arn", zone=z), zones
            ),
            key_arn=reader.value("data/key-arn"),
        )

    @property
    def all_zones(self) -> list[str]:
        """Every zone the platform's lake has (a token list, known at plan time)."""
        return self._reader.values("data/zones")

    def database_name(self, zone: str) -> str:
        """Glue database of one zone."""
        self._select(zone)
        return self._reader.value("data/zones/{zone}/glue-database", zone=zone)

    def _select(self, zone: str | Iterable[str] | None) -> tuple[str, ...]:
        return LAKE_ZONES.choose(
            self._reader.contract, self.node.path, "at synth time", zone, self._refs.zones
        )
