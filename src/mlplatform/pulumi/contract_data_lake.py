"""The platform's data lake as seen from a team's Pulumi program, read from the platform contract.

Made by :meth:`DataLake.from_environment <mlplatform.pulumi.data_lake.DataLake.from_environment>`,
the counterpart of cdktf's ``ContractDataLake``. Creates no resources: the key ARN
and each zone's bucket and Glue database are the ``data/...`` parameters the
``<env>-data`` layer wrote, read one per zone the team uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pulumi

from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.contract_items import LAKE_ZONES
from mlplatform.decisions.metrics import MetricSpec, bucket_objects, bucket_size
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.data_lake import DataLakeGrants
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.metrics import deferred

__all__ = ["ContractDataLake"]


class ContractDataLake(DataLakeGrants, PlatformComponent):
    """``mlplatform:<layer>:ContractDataLake``: the platform's lake, from its contract.

    ``zones``, if given, are the zones a grant without a zone covers; without them,
    each grant names its zones (``grant_read(role, "raw")``), as in cdktf.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        platform: PlatformContract | None = None,
        zones: Sequence[str] = (),
    ) -> None:
        super().__init__(layer.layer, "ContractDataLake", layer.child(id), parent=layer)
        self._reader = ContractReader.of(layer, platform)
        for zone in zones:
            self._reader.contract.name("data/zones/{zone}/bucket-arn", zone=zone)  # checks it
        self._zones = tuple(zones)
        self.register_outputs({})

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones a grant without a zone covers (``zones=``); the platform's own are
        read at preview (:attr:`all_zones`)."""
        return self._zones

    @property
    def all_zones(self) -> pulumi.Output[list[str]]:
        """Every zone the platform's lake has."""
        return self._reader.values("data/zones")

    @property
    def key_arn(self) -> pulumi.Output[str]:
        return self._reader.value("data/key-arn")

    def bucket_arn(self, zone: str) -> pulumi.Output[str]:
        return self._reader.value("data/zones/{zone}/bucket-arn", zone=self._select(zone)[0])

    def bucket_name(self, zone: str) -> pulumi.Output[str]:
        """One zone's bucket name."""
        return self._reader.value("data/zones/{zone}/bucket-name", zone=self._select(zone)[0])

    def metric_bucket_size(self, zone: str) -> pulumi.Output[MetricSpec]:
        """Bytes in one zone's bucket (Standard storage), reported by S3 once a day; the
        bucket's name is read from the contract."""
        return deferred(self.bucket_name(zone), bucket_size)

    def metric_object_count(self, zone: str) -> pulumi.Output[MetricSpec]:
        """Objects in one zone's bucket, reported by S3 once a day."""
        return deferred(self.bucket_name(zone), bucket_objects)

    def database_name(self, zone: str) -> pulumi.Output[str]:
        """Glue database of one zone."""
        return self._reader.value("data/zones/{zone}/glue-database", zone=self._select(zone)[0])

    def _select(self, zone: str | Iterable[str] | None) -> tuple[str, ...]:
        return LAKE_ZONES.choose(
            self._reader.contract, self.path, "before preview", zone, self._zones
        )
