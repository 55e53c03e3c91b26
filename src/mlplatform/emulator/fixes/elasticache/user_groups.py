"""ElastiCache user groups, as the ElastiCache API reference documents them.

AWS: ``CreateUserGroup`` takes existing users (``UserNotFound``), among them one named ``default``
(``DefaultUserRequired``), no two with the same user name (``DuplicateUserName``);
``DescribeUserGroups`` answers each group with its users and the replication groups that use it
(``UserGroupNotFound``); ``ModifyUserGroup`` adds and removes users under the same rules;
``DeleteUserGroup`` deletes a group no replication group uses (``InvalidUserGroupState``), and
``DeleteUser`` takes a user out of its groups. A user lists its groups in ``UserGroupIds``. moto
had no user groups at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import side_table
from mlplatform.emulator.fixes.elasticache._plumbing import (
    _ID,
    _arn,
    _backend,
    _in_pages,
    _refused,
    _result,
    _tag,
)


def _user_groups(self: Any) -> dict[str, dict[str, Any]]:
    """This region's user groups by id, as DescribeUserGroups answers them (but ``ReplicationGroups``)."""
    return side_table(_backend(self), "user_groups")


def _user_group(self: Any, group_id: str | None) -> dict[str, Any]:
    group = _user_groups(self).get(group_id or "")
    if group is None:
        raise _refused("UserGroupNotFound", f"User group {group_id} not found.")
    return group


def _described_user_group(self: Any, group: dict[str, Any]) -> dict[str, Any]:
    using = [
        rg.replication_group_id
        for rg in _backend(self).replication_groups.values()
        if group["UserGroupId"] in (rg.user_group_ids or [])
    ]
    return {**group, "ReplicationGroups": using, "ServerlessCaches": []}


def _checked_members(self: Any, user_ids: list[str]) -> list[str]:
    """``user_ids`` as a user group may hold them: users that exist, one named ``default``,
    no user name twice."""
    users = _backend(self).users
    for user_id in user_ids:
        if user_id not in users or users[user_id].status == "deleting":
            raise _refused("UserNotFound", f"User {user_id} not found.")
    user_names = [users[u].name for u in user_ids]
    if "default" not in user_names:
        raise _refused("DefaultUserRequired", "You must add default user to a user group.")
    if len(set(user_names)) != len(user_names):
        raise _refused("DuplicateUserName", "A user group cannot hold two users of one user name.")
    return list(dict.fromkeys(user_ids))


def _joined(self: Any, group_id: str, before: list[str], after: list[str]) -> None:
    """Keep each user's ``UserGroupIds`` in step with the group's users."""
    users = _backend(self).users
    for user_id in set(before) - set(after):
        if user_id in users and group_id in users[user_id].user_group_ids:
            users[user_id].user_group_ids.remove(group_id)
    for user_id in set(after) - set(before):
        if group_id not in users[user_id].user_group_ids:
            users[user_id].user_group_ids.append(group_id)


def _create_user_group(self: Any) -> Any:
    group_id = self._get_param("UserGroupId") or ""
    engine = (self._get_param("Engine") or "").lower()
    if not _ID.match(group_id) or len(group_id) > 40:
        raise _refused("InvalidParameterValue", f"User group id {group_id!r} is not valid.")
    if engine not in ("redis", "valkey"):
        raise _refused("InvalidParameterValue", f"Engine {engine!r} is not redis or valkey.")
    if group_id in _user_groups(self):
        raise _refused("UserGroupAlreadyExists", f"User group {group_id} already exists.")
    user_ids = _checked_members(self, self._get_param("UserIds", []))
    group: dict[str, Any] = {
        "UserGroupId": group_id,
        "Status": "active",
        "Engine": engine,
        "UserIds": user_ids,
        "MinimumEngineVersion": "6.0",
        "ARN": _arn(self, "usergroup", group_id),
    }
    _user_groups(self)[group_id] = group
    _joined(self, group_id, [], user_ids)
    _tag(self, group["ARN"])
    return _result(_described_user_group(self, group))


def _describe_user_groups(self: Any) -> Any:
    group_id = self._get_param("UserGroupId")
    groups = [_user_group(self, group_id)] if group_id else list(_user_groups(self).values())
    return _in_pages({"UserGroups": [_described_user_group(self, g) for g in groups]})


def _modify_user_group(self: Any) -> Any:
    group = _user_group(self, self._get_param("UserGroupId"))
    added = self._get_param("UserIdsToAdd", [])
    removed = set(self._get_param("UserIdsToRemove", []))
    if not added and not removed:
        raise _refused("InvalidParameterCombination", "Name users to add or to remove.")
    before = group["UserIds"]
    after = _checked_members(self, [u for u in [*before, *added] if u not in removed])
    group["UserIds"] = after
    _joined(self, group["UserGroupId"], before, after)
    return _result(_described_user_group(self, group))


def _delete_user_group(self: Any) -> Any:
    group = _user_group(self, self._get_param("UserGroupId"))
    described = _described_user_group(self, group)
    if described["ReplicationGroups"]:
        raise _refused(
            "InvalidUserGroupState",
            f"User group {group['UserGroupId']} is in use by replication groups: "
            f"{', '.join(described['ReplicationGroups'])}",
        )
    del _user_groups(self)[group["UserGroupId"]]
    _joined(self, group["UserGroupId"], group["UserIds"], [])
    _backend(self).tagging_service.delete_all_tags_for_resource(group["ARN"])
    return _result({**described, "Status": "deleting"})


def _delete_user(self: Any, original: Callable[[Any], Any]) -> Any:
    """moto's DeleteUser, which also takes the user out of every user group (as AWS does)."""
    answer = original(self)
    user_id = self._get_param("UserId")
    for group in _user_groups(self).values():
        if user_id in group["UserIds"]:
            group["UserIds"] = [u for u in group["UserIds"] if u != user_id]
    return answer
