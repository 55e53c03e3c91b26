"""The feature store's offline side: one Glue table per feature group over the lake's features zone.

Each group's rows are Parquet files under ``s3://<features bucket>/<group>/dt=<YYYY-MM-DD>/``,
encrypted with the lake key like everything in the zone. The table lives in the
zone's Glue database, so Athena, Spark and Feast's Athena offline store query
it by name; partition projection on ``dt`` lets Athena find a new day's files
without a crawler. Columns are the group's features (Feast types as Glue
types) and its event time. It sits in ``<env>-data`` beside the lake; the
online side, :class:`~mlplatform.constructs.feature_store.FeatureStore`, is in
``<env>-ml``, and its grants cover these tables by name.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.bindings.aws.glue_catalog_table import (
    GlueCatalogTable,
    GlueCatalogTablePartitionKeys,
    GlueCatalogTableStorageDescriptor,
    GlueCatalogTableStorageDescriptorColumns,
    GlueCatalogTableStorageDescriptorSerDeInfo,
)
from mlplatform.config import FeatureStoreProps
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.feature_store import (
    OFFLINE_PARTITION,
    offline_location,
    offline_table_parameters,
)
from mlplatform.decisions.offline_table_plan import offline_table_blocks, offline_table_settings
from mlplatform.errors import ConstructError

__all__ = ["FeatureTables"]


class FeatureTables(Construct):
    """A Glue table per feature group in the lake's ``features`` database, over its bucket."""

    def __init__(
        self, scope: Construct, id: str, *, lake: DataLake, props: FeatureStoreProps
    ) -> None:
        super().__init__(scope, id)
        if "features" not in lake.zones:
            raise ConstructError("FeatureTables: the data lake has no features zone to hold them")
        bucket = lake.bucket_name("features")
        self._database = lake.database_name("features")
        self._tables: dict[str, GlueCatalogTable] = {}
        for name, group in props.feature_groups.items():
            # Terraform would read "${dt}" as an interpolation; "$${dt}" is the literal. (Only
            # that one: the bucket's name in the template is a reference to resolve.)
            literal = f"${{{OFFLINE_PARTITION}}}"
            parameters = {
                key: value.replace(literal, f"${literal}")
                for key, value in offline_table_parameters(bucket, name).items()
            }
            blocks = offline_table_blocks(group)
            table = GlueCatalogTable(
                self,
                name,
                **offline_table_settings(name, group),
                database_name=self._database,
                parameters=parameters,
                partition_keys=[
                    GlueCatalogTablePartitionKeys(**k) for k in blocks["partition_keys"]
                ],
                storage_descriptor=GlueCatalogTableStorageDescriptor(
                    location=offline_location(bucket, name),
                    input_format=blocks["input_format"],
                    output_format=blocks["output_format"],
                    ser_de_info=GlueCatalogTableStorageDescriptorSerDeInfo(**blocks["ser_de_info"]),
                    columns=[
                        GlueCatalogTableStorageDescriptorColumns(**c) for c in blocks["columns"]
                    ],
                ),
            )
            StateRetention.protect(table)
            self._tables[name] = table

    @property
    def database_name(self) -> str:
        """The Glue database the tables are in (the lake's features zone)."""
        return self._database

    @property
    def table_names(self) -> dict[str, str]:
        """Glue table of each group."""
        return {group: table.name for group, table in self._tables.items()}
