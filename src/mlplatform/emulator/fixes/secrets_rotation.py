"""Secrets Manager: rotating a secret with its rotation function, as the API reference documents it.

AWS: ``RotateSecret`` with a rotation function makes the new version ``AWSPENDING`` (empty
until the function's ``createSecret`` stores a value) and invokes the function once per step,
``createSecret``, ``setSecret``, ``testSecret`` and ``finishSecret``, each with the secret's
ARN (``SecretId``) and the new version's id (``ClientRequestToken``); RotateSecret itself
answers at once (the rotation is asynchronous) and enables rotation. A step that fails ends the
rotation: ``AWSCURRENT`` stays where it was and ``AWSPENDING`` stays on the new, perhaps empty,
version, and then "any later invocation of RotateSecret assumes that a previous rotation
request is still in progress and returns an error" (``InvalidRequestException``). After a
successful one ``AWSPENDING`` is on the ``AWSCURRENT`` version or on none, and the next
rotation may start. With ``RotateImmediately`` false only ``testSecret`` runs, on an
``AWSPENDING`` version that holds the current value, which is removed afterwards. Moving
``AWSCURRENT`` with ``UpdateSecretVersionStage`` changes what ``GetSecretValue`` answers.

moto 5.2.5 passed the secret's name as ``SecretId``, ran every step even after one failed and
then made the new version current (empty, if createSecret had failed), refused the next
rotation after a successful one (``AWSPENDING`` left on the current version) and left the
configuration test's version behind; and after ``UpdateSecretVersionStage`` moved
``AWSCURRENT``, ``GetSecretValue`` without a stage still answered the old version.

The emulator runs the steps before RotateSecret answers (the function runs in a process of its
own, :mod:`mlplatform.emulator.fixes.lambda_invoke`), so a caller finds the rotation finished,
or stopped, when the answer comes. A failed step is written to the function's log group and the
emulator's log, never to RotateSecret's answer, as in AWS; AWS also retries a failed rotation
later, which the emulator does not. After a successful rotation the emulator takes
``AWSPENDING`` off the new version. A RotateSecret that names no function for a secret
without one is refused (``InvalidRequestException``) as AWS refuses it; moto moved
``AWSCURRENT`` to a new version itself.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
UNFINISHED = "A previous rotation isn't complete. That rotation will be reattempted."
NO_FUNCTION = "No Lambda rotation function ARN is associated with this secret."
"""AWS's answer to a RotateSecret that names no function for a secret with none configured."""
"""AWS's answer to a RotateSecret while a failed rotation's AWSPENDING version is left."""


def apply() -> None:
    """Rotate secrets through their rotation function as AWS does (see the module)."""
    from moto.secretsmanager.models import SecretsManagerBackend

    if not once(SecretsManagerBackend, "_mlplatform_rotation"):
        return
    rotate_secret = SecretsManagerBackend.rotate_secret
    update_stage = SecretsManagerBackend.update_secret_version_stage

    def rotate_secret_as_aws_does(
        self: Any,
        secret_id: str,
        client_request_token: str | None = None,
        rotation_lambda_arn: str | None = None,
        rotation_rules: dict[str, Any] | None = None,
        rotate_immediately: bool = True,
    ) -> str:
        return _rotate(
            self,
            rotate_secret,
            secret_id,
            client_request_token,
            rotation_lambda_arn,
            rotation_rules,
            rotate_immediately,
        )

    def update_stage_and_current_value(
        self: Any,
        secret_id: str,
        version_stage: str,
        remove_from_version_id: str,
        move_to_version_id: str,
    ) -> tuple[str, str]:
        answer: tuple[str, str] = update_stage(
            self, secret_id, version_stage, remove_from_version_id, move_to_version_id
        )
        if version_stage == "AWSCURRENT":
            _point_at_current(self.secrets[secret_id])
        return answer

    SecretsManagerBackend.rotate_secret = rotate_secret_as_aws_does  # type: ignore[method-assign]
    SecretsManagerBackend.update_secret_version_stage = update_stage_and_current_value  # type: ignore[method-assign]


def _rotate(
    backend: Any,
    original: Callable[..., str],
    secret_id: str,
    token: str | None,
    function_arn: str | None,
    rules: dict[str, Any] | None,
    immediately: bool,
) -> str:
    from moto.awslambda.utils import get_backend
    from moto.secretsmanager.exceptions import (
        InvalidParameterException,
        InvalidRequestException,
        ResourceNotFoundException,
    )
    from moto.secretsmanager.models import ReplicaSecret

    secret = backend.secrets[secret_id] if backend._is_valid_identifier(secret_id) else None
    function = function_arn or getattr(secret, "rotation_lambda_arn", None)
    if (
        secret is not None
        and not isinstance(secret, ReplicaSecret)
        and not secret.is_deleted()
        and not function
    ):
        raise InvalidRequestException(NO_FUNCTION)
    if (
        secret is None
        or isinstance(secret, ReplicaSecret)
        or secret.is_deleted()
        or not function
        or not secret.versions
    ):  # moto's own errors
        return original(
            backend,
            secret_id=secret_id,
            client_request_token=token,
            rotation_lambda_arn=function_arn,
            rotation_rules=rules,
            rotate_immediately=immediately,
        )
    if len(function) > 2048:
        raise InvalidParameterException("RotationLambdaARN must <= 2048 characters long.")
    days = (rules or {}).get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException(
            "RotationRules.AutomaticallyAfterDays must be within 1-1000."
        )
    if any(
        "AWSPENDING" in version["version_stages"] and "AWSCURRENT" not in version["version_stages"]
        for version in secret.versions.values()
    ):
        raise InvalidRequestException(UNFINISHED)
    functions = get_backend(backend.account_id, backend.region_name)
    try:
        functions.get_function(function)
    except Exception:
        raise ResourceNotFoundException(f"Resource not found for ARN '{function}'.") from None
    if token:
        backend._client_request_token_validator(token)
    version_id = token or str(uuid.uuid4())

    secret.rotation_lambda_arn = function
    secret.rotation_requested = True
    secret.rotation_enabled = True
    if days is not None:
        secret.auto_rotate_after_days = int(days)
        secret.next_rotation_date = int(time.time()) + int(days) * 86400
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    pending: dict[str, Any] = {
        "createdate": int(time.time()),
        "version_id": version_id,
        "version_stages": ["AWSPENDING"],
    }
    if not immediately:  # the configuration test: the current value, tested and removed
        current = secret.versions[_current_version(secret)]
        pending.update({k: v for k, v in current.items() if k.startswith("secret_")})
    secret.versions[version_id] = pending

    steps = STEPS if immediately else ("testSecret",)
    finished = all(_step(functions, function, secret, version_id, step) for step in steps)
    if not immediately:
        del secret.versions[version_id]
    elif finished:
        stages = secret.versions[version_id]["version_stages"]  # createSecret replaced it
        if "AWSCURRENT" in stages and "AWSPENDING" in stages:
            stages.remove("AWSPENDING")
        _point_at_current(secret)
        secret.last_rotation_date = int(time.time())
    return str(secret.to_short_dict(version_id=version_id))


def _step(functions: Any, function: str, secret: Any, version_id: str, step: str) -> bool:
    """Invoke one step of the rotation; whether it succeeded (a failure is logged)."""
    event = {"Step": step, "SecretId": secret.arn, "ClientRequestToken": version_id}
    answer_headers: dict[str, Any] = {}
    payload = functions.invoke(function, None, json.dumps(event), {}, answer_headers)
    if "x-amz-function-error" not in answer_headers:
        return True
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    print(
        f"secretsmanager: the rotation of {secret.arn} stopped at {step}: {text}",
        file=sys.stderr,
        flush=True,
    )
    return False


def _current_version(secret: Any) -> str:
    return str(
        next(v for v, ver in secret.versions.items() if "AWSCURRENT" in ver["version_stages"])
    )


def _point_at_current(secret: Any) -> None:
    """Let GetSecretValue without a stage answer the version labelled ``AWSCURRENT``."""
    current = next(
        (v for v, version in secret.versions.items() if "AWSCURRENT" in version["version_stages"]),
        None,
    )
    if current is not None:
        secret.default_version_id = current
