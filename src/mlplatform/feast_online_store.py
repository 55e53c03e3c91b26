"""Feast's DynamoDB online store, with each feature view's TTL made real.

Feast 0.67's DynamoDB store writes no expiry on an item and serves a row
however old it is (a 5-day-old row comes back under a 1-day TTL). This
store, a subclass, does both halves of the TTL the environment file declares
(``online_ttl_hours``, the view's ``ttl``):

- every item it writes carries ``expires_at``, the row's event time plus the
  view's TTL in epoch seconds, the attribute the platform's tables expire on
  (DynamoDB deletes such items within a day or two of that time);
- a row read after its event time plus the TTL is answered as missing, so an
  item DynamoDB has not deleted yet is never served stale.

Select it with ``mlplatform features config <env> --enforce-ttl`` (the file then
names ``mlplatform.feast_online_store.TtlDynamoDBOnlineStore``); whatever runs
Feast with that file needs this package installed (``pip install --no-deps
mlplatform``: this module imports Feast, and of the platform only its
engine-free decisions, which need pydantic and PyYAML, both Feast's too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from feast import FeatureView
from feast.infra.online_stores.dynamodb import (
    DynamoDBOnlineStore,
    DynamoDBOnlineStoreConfig,
    _get_table_name,
    _to_resource_write_item,
)
from feast.repo_config import RepoConfig

from mlplatform.decisions.feature_store import TTL_ATTRIBUTE
from mlplatform.feature_contract import TTL_STORE_TYPE

__all__ = ["TtlDynamoDBOnlineStore", "TtlDynamoDBOnlineStoreConfig"]


class TtlDynamoDBOnlineStoreConfig(DynamoDBOnlineStoreConfig):  # type: ignore[misc]
    """Feast's DynamoDB store settings; ``type`` names this module's store."""

    type: Literal["mlplatform.feast_online_store.TtlDynamoDBOnlineStore"] = TTL_STORE_TYPE


def _expired(event_ts: datetime | None, view: FeatureView, now: datetime) -> bool:
    if event_ts is None or not view.ttl:
        return False
    return bool(_aware(event_ts) + view.ttl <= now)


def _aware(moment: datetime) -> datetime:
    """``moment`` with a time zone: Feast hands naive timestamps that mean UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_Row = tuple[datetime | None, dict[str, Any] | None]


def _unexpired(rows: list[_Row], view: FeatureView) -> list[_Row]:
    """Feast's answer to a read, with each expired row answered as missing."""
    now = datetime.now(UTC)
    return [(None, None) if _expired(ts, view, now) else (ts, v) for ts, v in rows]


class TtlDynamoDBOnlineStore(DynamoDBOnlineStore):  # type: ignore[misc]
    """Writes ``expires_at`` on every item; answers expired rows as missing."""

    def online_write_batch(
        self,
        config: RepoConfig,
        table: FeatureView,
        data: Sequence[tuple[Any, dict[str, Any], datetime, datetime | None]],
        progress: Callable[[int], Any] | None,
    ) -> None:
        online = config.online_store
        assert isinstance(online, DynamoDBOnlineStoreConfig)
        resource = self._get_dynamodb_resource(
            online.region, online.endpoint_url, online.session_based_auth
        )
        table_instance = resource.Table(_get_table_name(online, config, table))
        with table_instance.batch_writer(overwrite_by_pkeys=["entity_id"]) as batch:
            for entity_key, features, timestamp, _created in data:
                item = _to_resource_write_item(config, entity_key, features, timestamp)
                if table.ttl:
                    item[TTL_ATTRIBUTE] = int((_aware(timestamp) + table.ttl).timestamp())
                batch.put_item(Item=item)
                if progress:
                    progress(1)

    async def online_write_batch_async(
        self,
        config: RepoConfig,
        table: FeatureView,
        data: Sequence[tuple[Any, dict[str, Any], datetime, datetime | None]],
        progress: Callable[[int], Any] | None,
    ) -> None:
        await asyncio.to_thread(self.online_write_batch, config, table, data, progress)

    def online_read(
        self,
        config: RepoConfig,
        table: FeatureView,
        entity_keys: list[Any],
        requested_features: list[str] | None = None,
    ) -> list[_Row]:
        return _unexpired(
            super().online_read(config, table, entity_keys, requested_features), table
        )

    async def online_read_async(
        self,
        config: RepoConfig,
        table: FeatureView,
        entity_keys: list[Any],
        requested_features: list[str] | None = None,
    ) -> list[_Row]:
        rows = await super().online_read_async(config, table, entity_keys, requested_features)
        return _unexpired(rows, table)
