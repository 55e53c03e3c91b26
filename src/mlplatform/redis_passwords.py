"""Rotate the Redis online store's AUTH passwords now, as Secrets Manager does on its schedule.

``mlplatform features rotate-passwords <env>`` asks Secrets Manager to rotate each user's
secret with the store's own function (:mod:`mlplatform.decisions.password_rotation`) and
follows each rotation until the new password is ``AWSCURRENT``, then reads how many
passwords the ElastiCache user holds (two: the new one and the one before, until the next
rotation). When to: right after Terraform replaced a user (it starts again with the first
password), to see a new environment's rotation work end to end, or when a password may have
leaked (rotate twice: the second rotation drops the leaked one).

On AWS, ``RotateSecret`` returns at once and the function runs afterwards; a failed step
leaves ``AWSPENDING`` where it was and Secrets Manager retries later, so a rotation that
has not finished by the timeout is reported with where to look (the function's log group).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from botocore.exceptions import ClientError

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions import password_rotation
from mlplatform.decisions.feature_store import REDIS_USERS, feature_store_names
from mlplatform.decisions.naming import Naming
from mlplatform.emulator.clients import ClientFactory
from mlplatform.errors import MlplatformError

__all__ = ["PasswordRotationError", "RedisPasswordRotations", "RotatedPassword"]


class PasswordRotationError(MlplatformError, ValueError):
    """A rotation could not start or did not finish; the message says where to look."""


@dataclass(frozen=True)
class RotatedPassword:
    """One user's finished rotation."""

    user: str
    secret: str
    version: str
    """The secret's new ``AWSCURRENT`` version."""
    password_count: int
    """Passwords the ElastiCache user holds now: the new one and the one before it."""


class RedisPasswordRotations:
    """Rotates the store's users' secrets now and waits for each rotation to finish."""

    def __init__(
        self,
        names: Mapping[str, str],
        clients: ClientFactory,
        *,
        environment: str,
        poll_seconds: float = 5.0,
        timeout_seconds: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._names = dict(names)
        self._clients = clients
        self._environment = environment
        self._poll_seconds = poll_seconds
        self._timeout_seconds = timeout_seconds
        self._sleep = sleep

    @classmethod
    def for_environment(
        cls,
        config: EnvironmentConfig,
        clients: ClientFactory,
        *,
        poll_seconds: float = 5.0,
        timeout_seconds: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RedisPasswordRotations:
        """The rotations of a platform environment's store (Redis only)."""
        store = config.feature_store
        if store is None or store.redis is None:
            raise PasswordRotationError(
                f"{config.environment}: the online store is not Redis "
                "(feature_store.online_store.type), so it has no passwords to rotate"
            )
        names = feature_store_names(Naming.for_environment(config), store)
        return cls(
            names,
            clients,
            environment=config.environment,
            poll_seconds=poll_seconds,
            timeout_seconds=timeout_seconds,
            sleep=sleep,
        )

    def rotate(
        self,
        users: Sequence[str] = (),
        on_start: Callable[[str, str], None] | None = None,
    ) -> list[RotatedPassword]:
        """Rotate ``users``' passwords (default: every user), one after the other; calls
        ``on_start(user, secret)`` as each rotation starts."""
        unknown = sorted(set(users) - set(REDIS_USERS))
        if unknown:
            raise PasswordRotationError(
                f"no Redis user {', '.join(unknown)}; the store's users are "
                f"{', '.join(REDIS_USERS)}"
            )
        rotated = []
        for user in users or REDIS_USERS:
            secret = self._names[f"secret:{user}"]
            version = self._start(secret)
            if on_start is not None:
                on_start(user, secret)
            self._wait(secret, version)
            rotated.append(RotatedPassword(user, secret, version, self._password_count(user)))
        return rotated

    def _start(self, secret: str) -> str:
        try:
            started = self._clients("secretsmanager").rotate_secret(SecretId=secret)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            message = error.response["Error"].get("Message", "")
            if code == "ResourceNotFoundException":
                raise PasswordRotationError(
                    f"{self._environment}: secret {secret} does not exist; deploy the ml layer "
                    f"first (make deploy ENV={self._environment})"
                ) from None
            raise PasswordRotationError(f"secret {secret}: {code}: {message}") from None
        return str(started["VersionId"])

    def _wait(self, secret: str, version: str) -> None:
        """Until ``version`` is ``AWSCURRENT``, or the timeout."""
        secrets = self._clients("secretsmanager")
        waited = 0.0
        while True:
            stages = secrets.describe_secret(SecretId=secret).get("VersionIdsToStages", {})
            if "AWSCURRENT" in stages.get(version, []):
                return
            if waited >= self._timeout_seconds:
                function = password_rotation.function_name(self._names)
                raise PasswordRotationError(
                    f"secret {secret}: the rotation to version {version} has not finished after "
                    f"{self._timeout_seconds:.0f} s; its steps are logged in /aws/lambda/{function}"
                    " (Secrets Manager retries a failed rotation later)"
                )
            self._sleep(self._poll_seconds)
            waited += self._poll_seconds

    def _password_count(self, user: str) -> int:
        users = self._clients("elasticache").describe_users(UserId=self._names[f"user:{user}"])
        return int(users["Users"][0].get("Authentication", {}).get("PasswordCount", 0))
