"""ElastiCache: parameter groups, user groups, a replication group's member clusters, changing
it and its replicas, deleting a subnet group and a replication group, as the ElastiCache API
reference documents them.

A Redis (Valkey) online store is a subnet group, a parameter group, users in a user group and a
replication group (:class:`~mlplatform.constructs.feature_store.FeatureStore`). moto 5.2.5 had
only part of that, so the provider could not create, read back, change or delete it:

- **Parameter groups**: :mod:`mlplatform.emulator.fixes.elasticache.parameter_groups`.
- **User groups** and ``DeleteUser``: :mod:`mlplatform.emulator.fixes.elasticache.user_groups`.
- **Changing a user** (``ModifyUser``: its passwords, access string, engine):
  :mod:`mlplatform.emulator.fixes.elasticache.users`.
- **Member clusters** and **deleting** a subnet group or a replication group (and its final
  snapshot): :mod:`mlplatform.emulator.fixes.elasticache.replication_groups`.
- **Changing** a replication group (engine version, node type, parameter group, windows,
  snapshots, security groups, user groups, ...):
  :mod:`mlplatform.emulator.fixes.elasticache.replication_group_changes`.
- **Adding and removing replicas**: :mod:`mlplatform.emulator.fixes.elasticache.replica_counts`.
- **Tags.** ``ListTagsForResource`` and the other tagging calls take parameter group and user
  group ARNs, which moto refused as ``InvalidARN``.

Like the emulator's other services, nothing takes time: a group is ``available`` (a user group
``active``) as soon as it is created or modified, and one being deleted answers ``deleting``
once and is gone from the next Describe, where AWS takes minutes through ``creating``,
``modifying`` and ``deleting``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import once
from mlplatform.emulator.fixes.elasticache.parameter_groups import (
    _create_parameter_group,
    _delete_parameter_group,
    _describe_parameter_groups,
    _describe_parameters,
    _modify_parameter_group,
    _reset_parameter_group,
)
from mlplatform.emulator.fixes.elasticache.replica_counts import (
    _decrease_replica_count,
    _increase_replica_count,
)
from mlplatform.emulator.fixes.elasticache.replication_group_changes import (
    _modify_replication_group,
)
from mlplatform.emulator.fixes.elasticache.replication_groups import (
    _create_replication_group,
    _delete_replication_group,
    _delete_subnet_group,
    _describe_cache_clusters,
)
from mlplatform.emulator.fixes.elasticache.user_groups import (
    _create_user_group,
    _delete_user,
    _delete_user_group,
    _describe_user_groups,
    _modify_user_group,
)
from mlplatform.emulator.fixes.elasticache.users import _modify_user

__all__ = ["apply"]


def apply() -> None:
    """Add the operations moto lacks and answer the others as AWS does (see the module)."""
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    if not once(ElastiCacheResponse, "_mlplatform_elasticache_store"):
        return
    answers: dict[str, Callable[..., Any]] = {
        "create_cache_parameter_group": _create_parameter_group,
        "describe_cache_parameter_groups": _describe_parameter_groups,
        "describe_cache_parameters": _describe_parameters,
        "modify_cache_parameter_group": _modify_parameter_group,
        "reset_cache_parameter_group": _reset_parameter_group,
        "delete_cache_parameter_group": _delete_parameter_group,
        "create_user_group": _create_user_group,
        "describe_user_groups": _describe_user_groups,
        "modify_user_group": _modify_user_group,
        "delete_user_group": _delete_user_group,
        "delete_cache_subnet_group": _delete_subnet_group,
        "create_replication_group": _create_replication_group,
        "modify_replication_group": _modify_replication_group,
        "increase_replica_count": _increase_replica_count,
        "decrease_replica_count": _decrease_replica_count,
        "delete_replication_group": _delete_replication_group,
        "describe_cache_clusters": _describe_cache_clusters,
        "delete_user": _delete_user,
        "modify_user": _modify_user,
    }
    originals = {name: getattr(ElastiCacheResponse, name, None) for name in answers}
    for name, answer in answers.items():
        setattr(ElastiCacheResponse, name, _answering(answer, originals[name]))
    ElastiCacheBackend.list_tags_for_resource = _tags_of_more_arns(  # type: ignore[method-assign]
        ElastiCacheBackend.list_tags_for_resource
    )


def _answering(
    answer: Callable[..., Any], original: Callable[[Any], Any] | None
) -> Callable[[Any], Any]:
    """A response method that calls ``answer(self)``, or ``answer(self, original)`` when moto had
    a method of that name."""

    def method(self: Any) -> Any:
        return answer(self) if original is None else answer(self, original)

    method.__name__ = answer.__name__.lstrip("_")
    return method


def _tags_of_more_arns(list_tags: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ListTagsForResource, which also takes parameter group and user group ARNs."""
    more = re.compile(r"^arn:[^:]+:elasticache:[^:]*:\d*:(parametergroup|usergroup):.+$")

    def list_tags_for_resource(self: Any, arn: str) -> Any:
        if more.match(arn):
            return self.tagging_service.list_tags_for_resource(arn)
        return list_tags(self, arn)

    return list_tags_for_resource
