"""The offline feature tables' Glue settings, for either engine.

Each feature group's offline table is an external Parquet table in the lake's
``features`` database, partitioned by event date (cdktf's
:class:`~mlplatform.constructs.feature_tables.FeatureTables`, Pulumi's
:class:`~mlplatform.pulumi.feature_tables.FeatureTables`). Its settings and the
fields of its nested blocks are decided here once; each engine adds what only
it knows (the database and bucket names as its resources answer them) and
wraps the blocks in its own types.
"""

from __future__ import annotations

from typing import Any

from mlplatform.config import FeatureGroupProps
from mlplatform.decisions.feature_store import OFFLINE_PARTITION, offline_columns

__all__ = ["offline_table_blocks", "offline_table_settings"]

_PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
_PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
_PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def offline_table_settings(name: str, group: FeatureGroupProps) -> dict[str, Any]:
    """The group's table: external (the data is the bucket's), owned by the group's team."""
    return {
        "name": name,
        "description": group.description or f"Feature group {name}",
        "owner": group.owner_team,
        "table_type": "EXTERNAL_TABLE",
    }


def offline_table_blocks(group: FeatureGroupProps) -> dict[str, Any]:
    """The table's nested blocks as their fields: the event-date partition key, the Parquet
    formats and SerDe, and the group's columns (the engine adds the location)."""
    return {
        "partition_keys": [
            {"name": OFFLINE_PARTITION, "type": "string", "comment": "event date, YYYY-MM-DD"}
        ],
        "input_format": _PARQUET_INPUT,
        "output_format": _PARQUET_OUTPUT,
        "ser_de_info": {"serialization_library": _PARQUET_SERDE},
        "columns": [{"name": column, "type": kind} for column, kind in offline_columns(group)],
    }
