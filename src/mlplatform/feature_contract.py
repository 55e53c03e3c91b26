"""Feast's ``feature_store.yaml`` for a deployed environment, from its stack outputs.

The platform's feature store is Feast's: the online tables (or the Redis
replication group) and the offline tables are the ones Feast reads and
writes, and the registry lives in the lake's features zone. What a Feast
repository needs to find them is written from the deploy's outputs
(``cdktf deploy --outputs-file``), so it names what exists, not what a file
asks for:

- ``registry``: ``s3://<features bucket>/feast/registry.pb`` (``<env>-data``);
- ``offline_store``: Athena over the features database, in the lake's workgroup,
  staging results under ``feast/staging/`` of the query-results bucket;
- ``online_store``: DynamoDB with the ``table_name_template`` that yields the
  platform's table names and the tags ``feast apply`` must keep, or Redis over
  TLS as the reader (serving) or writer (materialization) user, the password
  read from an environment variable at load time (Feast expands ``${VAR}``).

This module does not import Feast (seconds to import); the command that
writes the file and the tests that parse it with Feast's own parser do.
"""

from __future__ import annotations

from typing import Any, Final

from mlplatform.config import EnvironmentConfig, FeatureStoreProps
from mlplatform.decisions.feature_store import (
    feast_online_tags,
    feature_store_names,
    key_ttl_seconds,
    online_table_name_template,
)
from mlplatform.decisions.naming import Naming
from mlplatform.errors import MlplatformError

__all__ = ["REDIS_PASSWORD_VARIABLE", "TTL_STORE_TYPE", "OutputsError", "feast_store_config"]

REDIS_PASSWORD_VARIABLE = "FEATURE_STORE_REDIS_PASSWORD"
"""The environment variable Feast reads the Redis user's password from (never the file)."""
TTL_STORE_TYPE: Final = "mlplatform.feast_online_store.TtlDynamoDBOnlineStore"
"""Feast's DynamoDB store with the views' TTL enforced (:mod:`mlplatform.feast_online_store`)."""


class OutputsError(MlplatformError, ValueError):
    """The outputs file lacks what the feature store's deploy writes."""


def _output(outputs: dict[str, Any], stack: str, name: str) -> Any:
    try:
        return outputs[stack][name]
    except KeyError:
        raise OutputsError(
            f"{stack}.{name}: not in the outputs file; deploy {stack} (it has the feature "
            "store since this version) and pass the file cdktf deploy --outputs-file wrote"
        ) from None


def feast_store_config(
    config: EnvironmentConfig,
    outputs: dict[str, Any],
    *,
    endpoint: str | None = None,
    user: str = "reader",
    enforce_ttl: bool = False,
) -> dict[str, Any]:
    """The ``feature_store.yaml`` of ``config``'s environment as a mapping.

    ``outputs`` is the deploy's outputs file; ``endpoint`` (the emulator's)
    is set as the DynamoDB ``endpoint_url`` (the S3 registry reads
    ``FEAST_S3_ENDPOINT_URL``; Athena has no such field); ``user`` is the
    Redis user, ``reader`` or ``writer``. ``enforce_ttl`` selects, for DynamoDB,
    the store that writes ``expires_at`` and serves no expired row (Feast's own
    does neither; Redis expires keys by itself).
    """
    store = config.feature_store
    if store is None:
        raise OutputsError(f"{config.environment}: the environment file has no feature_store")
    if user not in ("reader", "writer"):
        raise ValueError(f"user {user!r}: use reader (serving) or writer (materialization)")
    env = config.environment
    data, ml = f"{env}-data", f"{env}-ml"
    online = (
        _redis_store(config, store, outputs, ml, user)
        if store.redis is not None
        else _dynamodb_store(config, outputs, ml, endpoint, enforce_ttl)
    )
    result: dict[str, Any] = {
        "project": _output(outputs, ml, "feature_project"),
        "provider": "aws",
        "registry": {
            "registry_type": "file",
            "path": _output(outputs, data, "feature_registry"),
            "cache_ttl_seconds": 60,
        },
        "online_store": online,
        "entity_key_serialization_version": 3,
    }
    workgroup = outputs.get(data, {}).get("athena_workgroup")
    if workgroup is not None:
        result["offline_store"] = {
            "type": "athena",
            "region": config.region,
            "data_source": "AwsDataCatalog",
            "database": _output(outputs, data, "feature_database"),
            "workgroup": workgroup,
            "s3_staging_location": _output(outputs, data, "feature_staging_location"),
        }
    return result


def _redis_store(
    config: EnvironmentConfig, store: FeatureStoreProps, outputs: dict[str, Any], ml: str, user: str
) -> dict[str, Any]:
    """Feast's Redis store: the group's TLS endpoint as ``user``, the password from the
    environment (never in the file), each group's TTL on its keys."""
    host = _output(outputs, ml, "feature_redis_endpoint")
    port = int(_output(outputs, ml, "feature_redis_port"))
    username = feature_store_names(Naming.for_environment(config), store)[f"user_name:{user}"]
    return {
        "type": "redis",
        "redis_type": "redis",
        "connection_string": (
            f"{host}:{port},ssl=true,username={username},password=${{{REDIS_PASSWORD_VARIABLE}}}"
        ),
        "key_ttl_seconds": key_ttl_seconds(store.feature_groups),
    }


def _dynamodb_store(
    config: EnvironmentConfig,
    outputs: dict[str, Any],
    ml: str,
    endpoint: str | None,
    enforce_ttl: bool,
) -> dict[str, Any]:
    """Feast's DynamoDB store, once every deployed table is the one Feast's template names."""
    tables = _output(outputs, ml, "feature_online_tables")
    template = online_table_name_template(Naming.for_environment(config))
    for group, table in tables.items():
        if template.format(table_name=group) != table:
            raise OutputsError(
                f"{ml}.feature_online_tables: {group}'s table is {table!r}, not what Feast's "
                f"table_name_template {template!r} names; redeploy {ml}"
            )
    return {
        "type": TTL_STORE_TYPE if enforce_ttl else "dynamodb",
        "region": config.region,
        "table_name_template": template,
        "tags": feast_online_tags(config),
        **({"endpoint_url": endpoint} if endpoint else {}),
    }
