"""The environment's feature groups as Feast objects: one entity per key, one feature view per group.

A Feast repository's definitions file needs only::

    from mlplatform.feast_repo import feast_objects
    from mlplatform.loader import EnvironmentLoader

    globals().update(feast_objects(EnvironmentLoader("environments").load("dev")))

Each view reads its offline table through Athena (``AthenaSource`` over the
features database), keeps its online rows for the group's TTL, and carries
the ``owner`` tag the platform's online table carries (``feast apply`` makes
a table's tags the store's ``tags`` plus the view's). This module imports
Feast (about 5 s): only the feature-store commands and their tests import it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from feast import Entity, FeatureView, Field
from feast.infra.offline_stores.contrib.athena_offline_store.athena_source import AthenaSource
from feast.types import Array, FeastType, PrimitiveFeastType
from feast.value_type import ValueType

from mlplatform.config import EnvironmentConfig, FeatureGroupProps
from mlplatform.decisions.feature_store import OFFLINE_PARTITION
from mlplatform.decisions.naming import Naming

__all__ = ["feast_objects", "feast_type"]

_VALUE_TYPES = {
    "Int32": ValueType.INT32,
    "Int64": ValueType.INT64,
    "Float32": ValueType.FLOAT,
    "Float64": ValueType.DOUBLE,
    "String": ValueType.STRING,
    "Bytes": ValueType.BYTES,
    "Bool": ValueType.BOOL,
    "UnixTimestamp": ValueType.UNIX_TIMESTAMP,
}


def feast_type(name: str) -> FeastType:
    """The Feast type object of a type name from the environment file (``Array(Float32)``)."""
    if name.startswith("Array(") and name.endswith(")"):
        return Array(getattr(PrimitiveFeastType, _primitive(name[6:-1])))
    return getattr(PrimitiveFeastType, _primitive(name))


def _primitive(name: str) -> str:
    # PrimitiveFeastType's members are upper case (INT64, FLOAT32, UNIX_TIMESTAMP).
    return {"UnixTimestamp": "UNIX_TIMESTAMP"}.get(name, name.upper())


def _view(
    name: str, group: FeatureGroupProps, entities: dict[str, Entity], database: str
) -> FeatureView:
    return FeatureView(
        name=name,
        entities=[entities[k] for k in group.entity_keys],
        ttl=timedelta(hours=group.online_ttl_hours),
        schema=[Field(name=n, dtype=feast_type(t)) for n, t in group.features.items()],
        source=AthenaSource(
            name=f"{name}_offline",
            table=name,
            database=database,
            data_source="AwsDataCatalog",
            timestamp_field=group.event_time,
            date_partition_column=OFFLINE_PARTITION,
        ),
        online=True,
        description=group.description,
        owner=group.owner_team,
        tags={"owner": group.owner_team},
    )


def feast_objects(config: EnvironmentConfig) -> dict[str, Any]:
    """Entities and feature views of ``config``'s feature store, by Python name."""
    store = config.feature_store
    if store is None:
        raise ValueError(f"{config.environment}: the environment file has no feature_store")
    database = Naming.for_environment(config).glue_database("datalake", "features")
    entities: dict[str, Entity] = {}
    for group in store.feature_groups.values():
        for key in group.entity_keys:
            entities.setdefault(
                key,
                Entity(name=key, join_keys=[key], value_type=_VALUE_TYPES[group.features[key]]),
            )
    views = {
        name: _view(name, group, entities, database) for name, group in store.feature_groups.items()
    }
    return {**{f"entity_{k}": e for k, e in entities.items()}, **views}
