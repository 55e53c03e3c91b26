"""``FeatureTables`` on Pulumi: a Glue table per feature group over the lake's features zone.

Columns, location and table parameters (partition projection on ``dt``) come
from :mod:`mlplatform.decisions.feature_store`, as for the cdktf construct.
Pulumi passes ``${dt}`` through as written; cdktf has to escape it from
Terraform's interpolation (``$${dt}``).
"""

from __future__ import annotations

from functools import partial

import pulumi
import pulumi_aws as aws

from mlplatform.config import FeatureStoreProps
from mlplatform.decisions.feature_store import offline_location, offline_table_parameters
from mlplatform.decisions.offline_table_plan import offline_table_blocks, offline_table_settings
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.layer import Layer

__all__ = ["FeatureTables"]


def _parameters(group: str, bucket: str) -> dict[str, str]:
    return offline_table_parameters(bucket, group)


def _location(group: str, bucket: str) -> str:
    return offline_location(bucket, group)


class FeatureTables(PlatformComponent):
    """``mlplatform:data:FeatureTables``: one Glue table per group in the features database."""

    def __init__(self, layer: Layer, id: str, *, lake: DataLake, props: FeatureStoreProps) -> None:
        super().__init__(layer.layer, "FeatureTables", f"{layer.path}/{id}", parent=layer)
        if "features" not in lake.zones:
            raise ValueError("FeatureTables: the data lake has no features zone to hold them")
        bucket = lake.bucket_names["features"]
        self.database_name = lake.databases["features"].name
        self.tables: dict[str, aws.glue.CatalogTable] = {}
        for name, group in props.feature_groups.items():
            blocks = offline_table_blocks(group)
            location = bucket.apply(partial(_location, name))
            self.tables[name] = aws.glue.CatalogTable(
                self.child(name),
                **offline_table_settings(name, group),
                database_name=self.database_name,
                parameters=bucket.apply(partial(_parameters, name)),
                partition_keys=blocks.pop("partition_keys"),
                storage_descriptor={"location": location, **blocks},
                opts=self.options(protect=layer.retain),
            )
        self.register_outputs({})

    @property
    def table_names(self) -> dict[str, pulumi.Output[str]]:
        return {group: table.name for group, table in self.tables.items()}
