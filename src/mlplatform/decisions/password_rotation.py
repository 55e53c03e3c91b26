"""Rotating the Redis users' AUTH passwords, whichever engine makes the function.

The online store's ``reader`` and ``writer`` users each have a password in a Secrets
Manager secret (the bare password, encrypted with the lake key). Secrets Manager rotates
both every ``password_rotation_days`` with one Lambda function, whose code ships in this
package (:data:`CODE_DIRECTORY`, ``index.handler``) and imports nothing but boto3:

- ``createSecret``: a new random password, as the secret's ``AWSPENDING`` version;
- ``setSecret``: the ElastiCache user gets two passwords, the current and the new one;
- ``testSecret``: the user is active again with both;
- ``finishSecret``: the new password becomes ``AWSCURRENT``.

A client that cached the previous password keeps working until the next rotation drops it:
a whole rotation period to read the secret again. The function knows which user each secret
belongs to from its ``USERS`` variable and refuses any other secret, so its invoke permission
(Secrets Manager, this account) cannot be turned on another secret. It runs outside the VPC:
it calls only the Secrets Manager and ElastiCache APIs, never the cache.

This module decides what the function is, may do, and is called with; the engines make it
(cdktf's :class:`~mlplatform.constructs.feature_store.FeatureStore`, Pulumi's
:class:`~mlplatform.pulumi.feature_store.FeatureStore`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from mlplatform.config import FeatureStoreProps, RedisOnlineStoreProps
from mlplatform.decisions.alarm_plan import AlarmPlan
from mlplatform.decisions.feature_store import feature_store_names
from mlplatform.decisions.metrics import MetricSpec, alarm_description
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.online_store_plan import REDIS_PASSWORD_LENGTH
from mlplatform.decisions.policies.cloudwatch import function_logging_statement
from mlplatform.decisions.policies.documents import Statement
from mlplatform.decisions.policies.elasticache import user_passwords_statement
from mlplatform.decisions.policies.kms import kms_write_statement
from mlplatform.decisions.policies.secretsmanager import secret_rotation_statements
from mlplatform.decisions.policies.xray import xray_write_statement
from mlplatform.lambdas import code_directory

__all__ = [
    "CODE_DIRECTORY",
    "FUNCTION_DIRECTORY",
    "HANDLER_FILE",
    "INVOKING_SERVICE",
    "code_id",
    "code_sha256",
    "failure_alarm",
    "function_environment",
    "function_name",
    "function_settings",
    "log_group_settings",
    "rotation_metrics",
    "rotation_rules",
    "rotation_statements",
    "users_variable",
]

FUNCTION_DIRECTORY = "redis_password_rotation"
"""The function's directory in :mod:`mlplatform.lambdas`."""
CODE_DIRECTORY = code_directory(FUNCTION_DIRECTORY)
"""The function's code: this directory's :data:`HANDLER_FILE`, zipped alone."""
HANDLER_FILE = "index.py"
INVOKING_SERVICE = "secretsmanager.amazonaws.com"
"""The only principal allowed to invoke the function (and only from this account)."""

_Text = TypeVar("_Text")
"""A string as an engine holds it (cdktf: a string with tokens; Pulumi: an output)."""

_RUNTIME = "python3.12"
_TIMEOUT_SECONDS = 900
"""ElastiCache's guide asks at least 12 minutes: setSecret waits for the user to be active."""
_MEMORY_MB = 128


def code_sha256() -> str:
    """Base64 SHA-256 of the handler's source: the function is updated when, and only when,
    the code changes (the zip's own bytes carry timestamps)."""
    return base64.b64encode(_digest()).decode()


def code_id() -> str:
    """The handler's source as a short hex digest: names the zipped code's version."""
    return _digest().hex()[:16]


def _digest() -> bytes:
    return hashlib.sha256((CODE_DIRECTORY / HANDLER_FILE).read_bytes()).digest()


def function_name(names: Mapping[str, str]) -> str:
    """``<org>-<env>-features-redis-rotation``, from the store's names."""
    return names["rotation_function"]


def function_settings(names: Mapping[str, str]) -> dict[str, Any]:
    """The function's own settings (the engine adds its code, role, key and tracing)."""
    return {
        "function_name": function_name(names),
        "description": "Rotates the online feature store's Redis AUTH passwords",
        "handler": f"{Path(HANDLER_FILE).stem}.handler",
        "runtime": _RUNTIME,
        "timeout": _TIMEOUT_SECONDS,
        "memory_size": _MEMORY_MB,
        "source_code_hash": code_sha256(),
    }


def users_variable(secret_arns: Mapping[str, str], user_ids: Mapping[str, str]) -> str:
    """``USERS``: each secret's ARN to its ElastiCache user id, by user, as JSON (ARNs may be
    an engine's tokens, which hold no quote)."""
    return json.dumps({secret_arns[user]: user_ids[user] for user in sorted(secret_arns)})


def function_environment(users: _Text) -> dict[str, _Text | str]:
    """The function's variables: ``users`` (:func:`users_variable`, or an engine's value of
    it), and the length of the passwords it generates."""
    return {"USERS": users, "PASSWORD_LENGTH": str(REDIS_PASSWORD_LENGTH)}


def log_group_settings(names: Mapping[str, str], redis: RedisOnlineStoreProps) -> dict[str, Any]:
    """The function's log group, made before Lambda would make one without a key or expiry."""
    return {
        "name": f"/aws/lambda/{function_name(names)}",
        "retention_in_days": redis.rotation_log_retention_days,
    }


def rotation_rules(redis: RedisOnlineStoreProps) -> dict[str, Any]:
    """How often Secrets Manager rotates each secret."""
    return {"automatically_after_days": redis.password_rotation_days}


def rotation_statements(
    *,
    secret_arns: Sequence[str],
    user_arns: Sequence[str],
    key_arn: str,
    log_group_arn: str,
) -> list[Statement]:
    """All the function may do: rotate the two secrets (their key: read and write), set the
    two users' passwords, write its logs and traces."""
    return [
        *secret_rotation_statements(secret_arns),
        kms_write_statement("UseSecretsKey", key_arn),
        user_passwords_statement(user_arns),
        function_logging_statement(log_group_arn),
        xray_write_statement(),
    ]


_RUNBOOK = (
    "the function's log group ({log_group}) names the step and the error; the secret keeps "
    "its AWSPENDING version and Secrets Manager retries. Usual causes: the function's role or "
    "the lake key's policy, the ElastiCache user deleted or renamed. Both passwords stay valid "
    "meanwhile; `aws secretsmanager rotate-secret --secret-id <secret>` retries at once"
)


def rotation_metrics(names: Mapping[str, str]) -> tuple[MetricSpec, MetricSpec]:
    """The rotation function's steps run and steps failed (Lambda's ``Invocations`` and
    ``Errors``, summed): the dashboard graphs both, the alarm watches the failures."""
    dimensions = (("FunctionName", function_name(names)),)
    return (
        MetricSpec(
            "AWS/Lambda", "Invocations", dimensions, statistic="Sum", period=300, label="steps run"
        ),
        MetricSpec(
            "AWS/Lambda", "Errors", dimensions, statistic="Sum", period=300, label="steps failed"
        ),
    )


def failure_alarm(naming: Naming, store: FeatureStoreProps) -> AlarmPlan | None:
    """An alarm on any error of the rotation function (none without Redis): a failed rotation
    leaves the previous password in use past its period, and the next one fails the same way
    until someone acts."""
    if store.redis is None:
        return None
    names = feature_store_names(naming, store)
    function = function_name(names)
    _, errors = rotation_metrics(names)
    return AlarmPlan(
        name=f"{function}-failed",
        description=alarm_description(
            f"{function}: a rotation of the online store's Redis AUTH passwords failed",
            _RUNBOOK.format(log_group=f"/aws/lambda/{function}"),
        ),
        metric=errors,
        threshold=0.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
