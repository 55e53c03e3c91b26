"""ElastiCache ``ModifyUser``, as the ElastiCache API reference documents it.

AWS: ``ModifyUser`` changes a user's ``AccessString`` (or adds rules to it with
``AppendAccessString``), its engine, and how it authenticates: ``AuthenticationMode`` with
``Type`` ``password`` (one or two ``Passwords``, each 16-128 characters), ``no-password-required``
or ``iam`` (neither takes passwords), or the older ``Passwords`` and ``NoPasswordRequired``. The
answer is the user, ``modifying`` until the change is live; ``DescribeUsers`` then answers it
``active`` with its new ``AccessString`` and ``Authentication`` (``Type`` and
``PasswordCount``). A user that does not exist is ``UserNotFound``; one that is not ``active``
is ``InvalidUserState``; parameters that contradict each other are
``InvalidParameterCombination``, a value out of range ``InvalidParameterValue``. Holding two
passwords is what lets a password be rotated without locking clients out
(:mod:`mlplatform.lambdas`' ``redis_password_rotation``). moto 5.2.5 had no ModifyUser.

The emulator: the change is made at once. The ModifyUser answer says ``modifying``, as AWS's
does, and the next DescribeUsers already answers ``active`` (AWS takes seconds to minutes). The
passwords are kept but never checked: the emulator runs no Redis.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes.elasticache._plumbing import _backend, _refused, _result

_TYPES = ("password", "no-password-required", "iam")
"""The authentication types AuthenticationMode takes."""
_ENGINES = ("redis", "valkey")


def _modify_user(self: Any) -> Any:
    user_id = self._get_param("UserId")
    user = _backend(self).users.get(user_id or "")
    if user is None or user.status == "deleting":
        raise _refused("UserNotFound", f"User {user_id} not found.")
    if user.status != "active":
        raise _refused("InvalidUserState", f"User {user_id} has status {user.status}.")
    access = self._get_param("AccessString")
    append = self._get_param("AppendAccessString")
    engine = self._get_param("Engine")
    authentication = _authentication(self)
    if access is not None and append is not None:
        raise _refused(
            "InvalidParameterCombination", "Use either AccessString or AppendAccessString."
        )
    if engine is not None and engine.lower() not in _ENGINES:
        raise _refused("InvalidParameterValue", f"Engine {engine!r} is not redis or valkey.")
    if access is None and append is None and engine is None and authentication is None:
        raise _refused("InvalidParameterCombination", "No modifications were requested.")
    if access is not None:
        user.access_string = access
    if append is not None:
        user.access_string = f"{user.access_string} {append}".strip()
    if engine is not None:
        user.engine = engine.lower()
    if authentication is not None:
        user.authentication_type, user.passwords = authentication
        user.no_password_required = user.authentication_type == "no-password-required"
    return _result(
        {
            "UserId": user.id,
            "UserName": user.name,
            "Status": "modifying",
            "Engine": user.engine,
            "MinimumEngineVersion": user.minimum_engine_version,
            "AccessString": user.access_string,
            "UserGroupIds": user.user_group_ids,
            "Authentication": user.authentication,
            "ARN": user.arn,
        }
    )


def _authentication(self: Any) -> tuple[str, list[str]] | None:
    """The authentication type and passwords the request asks for; None if it names none."""
    mode = self._get_param("AuthenticationMode")
    legacy = self._get_param("Passwords") or []
    no_password = self._get_bool_param("NoPasswordRequired")
    if mode:
        kind = mode.get("Type")
        passwords = list(mode.get("Passwords") or [])
        if kind not in _TYPES:
            raise _refused(
                "InvalidParameterValue",
                f"Input Authentication type: {kind} is not in the allowed list: "
                f"[{','.join(_TYPES)}]",
            )
        if legacy:
            raise _refused(
                "InvalidParameterCombination",
                "Passwords provided via multiple arguments. Use only one argument",
            )
        if no_password is not None and no_password != (kind == "no-password-required"):
            raise _refused(
                "InvalidParameterCombination",
                f"No password required flag is {str(no_password).lower()} but provided "
                f"authentication type is {kind}",
            )
    elif legacy:
        if no_password:
            raise _refused(
                "InvalidParameterCombination",
                "Passwords cannot be provided when NoPasswordRequired is true.",
            )
        kind, passwords = "password", list(legacy)
    elif no_password:
        kind, passwords = "no-password-required", []
    else:
        return None
    if kind == "password" and not passwords:
        raise _refused(
            "InvalidParameterCombination",
            "A user with Authentication Mode: password, must have at least one password",
        )
    if kind != "password" and passwords:
        raise _refused(
            "InvalidParameterCombination",
            f"Password field is not allowed with authentication type: {kind}",
        )
    if len(passwords) > 2:
        raise _refused("InvalidParameterValue", "A user can have at most two passwords.")
    if any(not 16 <= len(p) <= 128 for p in passwords):
        raise _refused(
            "InvalidParameterValue", "Passwords length must be between 16-128 characters."
        )
    return kind, passwords
