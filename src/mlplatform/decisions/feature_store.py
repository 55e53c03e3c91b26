"""The feature store's decisions: physical names, offline columns, online keys, Feast's contract.

The construct that makes the store, a team's import of it, the verifier that
checks it with boto3 and the command that writes Feast's ``feature_store.yaml``
all need the same names; they come from here. So do the choices that make the
platform's tables the ones Feast uses:

- Feast's DynamoDB store names a group's table from ``table_name_template``
  (``{project}`` and ``{table_name}``, the feature view); the platform names it
  ``<org>-<env>-features-<group>`` and hands Feast the template that yields it,
  so Feast finds the table (``DescribeTable``) instead of making its own. The
  hash key is ``entity_id`` (a string), as Feast writes it.
- ``feast apply`` makes an existing table's tags equal to the online store's
  ``tags`` plus the feature view's tags, removing any other. So the file says
  the environment's tags, the feature views say ``owner``, and the table
  carries exactly those (provider default tags plus ``owner``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mlplatform.config import EnvironmentConfig, FeatureGroupProps, FeatureStoreProps
from mlplatform.decisions.naming import InvalidNameError, Naming
from mlplatform.decisions.tagging import platform_tags

__all__ = [
    "FEAST_REGISTRY_KEY",
    "FEAST_STAGING_PREFIX",
    "FEATURES_COMPONENT",
    "OFFLINE_PARTITION",
    "ONLINE_HASH_KEY",
    "ONLINE_STACK_COMPONENT",
    "REDIS_USERS",
    "TTL_ATTRIBUTE",
    "feast_online_tags",
    "feast_project",
    "feature_store_names",
    "glue_type",
    "groups_materialized_by",
    "groups_read_by",
    "key_ttl_seconds",
    "offline_columns",
    "offline_location",
    "offline_prefix",
    "offline_table_parameters",
    "online_table_name",
    "online_table_name_template",
    "parameter_group_family",
    "redis_access_string",
]

FEATURES_COMPONENT = "features"
"""The ``<component>`` part of the store's names (``<org>-<env>-features-...``)."""
ONLINE_STACK_COMPONENT = "ml"
"""The stack (and so the ``component`` tag) the online store lives in."""
ONLINE_HASH_KEY = "entity_id"
"""Feast's DynamoDB hash key: the serialized entity key, a string."""
TTL_ATTRIBUTE = "expires_at"
"""Epoch seconds after which DynamoDB deletes an online item (TTL); Feast 0.67 writes none."""
OFFLINE_PARTITION = "dt"
"""The offline tables' date partition column (``YYYY-MM-DD`` of the event time)."""
FEAST_REGISTRY_KEY = "feast/registry.pb"
"""Where Feast keeps its registry in the features zone bucket."""
FEAST_STAGING_PREFIX = "feast/staging/"
"""Where Athena writes Feast's offline query results, in the query-results bucket."""
REDIS_USERS = ("reader", "writer")
"""The ElastiCache users that feature readers and writers authenticate as; the default is off."""

_GLUE_SCALARS = {
    "Int32": "int",
    "Int64": "bigint",
    "Float32": "float",
    "Float64": "double",
    "String": "string",
    "Bytes": "binary",
    "Bool": "boolean",
    "UnixTimestamp": "timestamp",
}
_ARRAY = re.compile(r"^Array\((\w+)\)$")
_REDIS_ACCESS = {
    # Feast reads hashes (HMGET/HGETALL) and writes them (HSET) with an EXPIRE per key.
    "reader": "on ~* -@all +@read +@connection",
    "writer": "on ~* -@all +@read +@write +@connection",
}


def feast_project(naming: Naming) -> str:
    """The Feast project of the environment: ``<org>_<env>`` (Feast allows letters, digits, _)."""
    return f"{naming.org}_{naming.environment}".replace("-", "_")


def online_table_name_template(naming: Naming) -> str:
    """Feast's ``table_name_template`` that yields :func:`online_table_name` for a view."""
    return f"{naming.prefix}-{FEATURES_COMPONENT}-{{table_name}}"


def online_table_name(naming: Naming, group: str) -> str:
    """The DynamoDB table of one group, ``<org>-<env>-features-<group>`` (at most 255)."""
    name = online_table_name_template(naming).format(table_name=group)
    if len(name) > 255:
        raise InvalidNameError(f"DynamoDB table {name!r} is over 255 characters")
    return name


def offline_prefix(group: str) -> str:
    """The group's prefix in the features zone bucket: ``<group>/``."""
    return f"{group}/"


def glue_type(feast_type: str) -> str:
    """The Glue (Hive) column type of a Feast type: ``Int64`` -> ``bigint``, arrays too."""
    match = _ARRAY.match(feast_type)
    if match:
        return f"array<{_GLUE_SCALARS[match.group(1)]}>"
    return _GLUE_SCALARS[feast_type]


def offline_columns(group: FeatureGroupProps) -> list[tuple[str, str]]:
    """The offline table's columns, in order: the features, then the event time."""
    return [
        *((n, glue_type(t)) for n, t in group.features.items()),
        (group.event_time, "timestamp"),
    ]


def offline_location(bucket: str, group: str) -> str:
    """Where the group's offline rows live: ``s3://<features bucket>/<group>/dt=<date>/``."""
    return f"s3://{bucket}/{offline_prefix(group)}"


def offline_table_parameters(bucket: str, group: str) -> dict[str, str]:
    """Glue table parameters: Parquet, and partition projection on ``dt``, so Athena finds a new
    day's partition without anyone registering it (no crawler, no ``MSCK REPAIR``)."""
    return {
        "EXTERNAL": "TRUE",
        "classification": "parquet",
        "parquet.compression": "SNAPPY",
        "projection.enabled": "true",
        f"projection.{OFFLINE_PARTITION}.type": "date",
        f"projection.{OFFLINE_PARTITION}.format": "yyyy-MM-dd",
        f"projection.{OFFLINE_PARTITION}.range": "2020-01-01,NOW",
        f"projection.{OFFLINE_PARTITION}.interval": "1",
        f"projection.{OFFLINE_PARTITION}.interval.unit": "DAYS",
        "storage.location.template": (
            f"{offline_location(bucket, group)}{OFFLINE_PARTITION}=${{{OFFLINE_PARTITION}}}/"
        ),
    }


def parameter_group_family(engine: str, version: str) -> str:
    """ElastiCache's parameter group family: ``valkey8``, ``redis7``, ``redis6.x``."""
    major = int(version.split(".")[0])
    if engine == "redis" and major < 7:
        return f"redis{major}.x"
    return f"{engine}{major}"


def redis_access_string(user: str) -> str:
    """The ACL of one of :data:`REDIS_USERS`: the reader reads, the writer reads and writes."""
    return _REDIS_ACCESS[user]


def feast_online_tags(config: EnvironmentConfig) -> dict[str, str]:
    """What Feast's ``online_store.tags`` must say: the tags every online table carries by default.

    ``feast apply`` removes an existing table's tags that are neither these nor
    the feature view's own (``owner``).
    """
    return platform_tags(config, ONLINE_STACK_COMPONENT)


def feature_store_names(naming: Naming, store: FeatureStoreProps) -> dict[str, str]:
    """Names by role.

    Always ``key_alias`` (the lake's key, which encrypts everything here),
    ``project``, ``registry`` (``s3://`` URI) and ``staging`` (Athena results),
    and per group ``offline_table:<g>`` and ``online_table:<g>`` (DynamoDB).
    With Redis: ``replication_group``, ``parameter_group``, ``subnet_group``,
    ``security_group``, ``user_group``, ``rotation_function`` (the passwords' rotation
    function), and per user ``user:<u>`` (its id), ``user_name:<u>`` and ``secret:<u>``.
    """
    component = FEATURES_COMPONENT
    names = {
        "key_alias": naming.kms_alias("datalake"),
        "project": feast_project(naming),
        "registry": f"s3://{naming.bucket('datalake', 'features')}/{FEAST_REGISTRY_KEY}",
        "staging": f"s3://{naming.bucket('datalake', 'query-results')}/{FEAST_STAGING_PREFIX}",
        **{f"offline_table:{g}": g for g in store.feature_groups},
    }
    if store.dynamodb is not None:
        names.update(
            {f"online_table:{g}": online_table_name(naming, g) for g in store.feature_groups}
        )
    if store.redis is not None:
        names.update(
            {
                # ElastiCache ids: at most 40 characters, starting with a letter.
                "replication_group": naming.resource(component, max_length=40),
                "parameter_group": naming.resource(component, "params", max_length=255),
                "subnet_group": naming.resource(component, max_length=255),
                "security_group": naming.resource(component, "redis", max_length=255),
                "user_group": naming.resource(component, "users", max_length=40),
                "user:default": naming.resource(component, "default", max_length=40),
                # Lambda function names: at most 64 characters.
                "rotation_function": naming.resource(component, "redis-rotation", max_length=64),
            }
        )
        for user in REDIS_USERS:
            names[f"user:{user}"] = naming.resource(component, user, max_length=40)
            names[f"user_name:{user}"] = f"{naming.prefix}-{component}-{user}"
            names[f"secret:{user}"] = f"{naming.prefix}/{component}/redis-{user}"
    return names


def groups_read_by(store: FeatureStoreProps, endpoint: str) -> tuple[str, ...]:
    """The groups ``endpoint`` reads online (its name in their ``online_readers``)."""
    return tuple(n for n, g in store.feature_groups.items() if endpoint in g.online_readers)


def groups_materialized_by(store: FeatureStoreProps, pool: str) -> tuple[str, ...]:
    """The groups GPU pool ``pool`` materializes (its name in their ``materializers``)."""
    return tuple(n for n, g in store.feature_groups.items() if pool in g.materializers)


def key_ttl_seconds(groups: Mapping[str, FeatureGroupProps]) -> int:
    """Feast's Redis ``key_ttl_seconds``: the shortest group's TTL.

    Feast keeps every view of one entity in one Redis hash and expires the
    whole key, so a TTL cannot differ by group. The shortest one means no row
    is served past its own group's TTL; a group with a longer TTL expires
    early unless it is written again sooner.
    """
    return min(g.online_ttl_seconds for g in groups.values())
