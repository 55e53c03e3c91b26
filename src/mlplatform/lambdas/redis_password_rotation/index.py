"""Rotate the AUTH password of an ElastiCache (Valkey/Redis) user kept in a Secrets Manager secret.

Secrets Manager calls this function once per step of a rotation (``createSecret``,
``setSecret``, ``testSecret``, ``finishSecret``), each time with the secret's ARN (``SecretId``)
and the id of the new version (``ClientRequestToken``). The secret's value is the user's bare
password.

No client is ever locked out: an ElastiCache user holds up to two passwords, so ``setSecret``
gives the user the current password and the new one. Clients that read the secret before
``finishSecret`` keep working with the old password, which stays valid until the next
rotation's ``setSecret`` replaces it: a client that caches the password has a whole rotation
period to read the secret again.

The function checks users' state through the ElastiCache API only: it runs outside the store's
VPC, so it never connects to the store itself.

Configured by its environment (the infrastructure that creates the function sets both):

- ``USERS``: a JSON object mapping each secret's ARN to the ElastiCache user id whose password
  it holds. A secret that is not listed is refused, whoever asks: the function may change only
  the users it was deployed for (no confused deputy).
- ``PASSWORD_LENGTH``: characters of each new password (ElastiCache takes 16-128).

It is deployed alone (this directory zipped as it is, handler ``index.handler``) to a runtime
that has the standard library and boto3, so it imports nothing else.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3

__all__ = ["Rotation", "handler"]

logger = logging.getLogger()
logger.setLevel(logging.INFO)

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
"""The steps of a rotation, in the order Secrets Manager calls them."""
WAIT_INTERVAL_SECONDS = 2.0
"""How often ``setSecret`` asks whether the user has its new passwords."""
WAIT_LIMIT_SECONDS = 300.0
"""How long ``setSecret`` waits for that before it fails (the function's timeout must allow it)."""


def handler(event: Mapping[str, Any], context: Any) -> None:
    """The Lambda entry point: run the one step of a rotation ``event`` names."""
    Rotation.from_environment().run(event)


class Rotation:
    """The steps of a rotation, given the clients and settings they use (tests pass their own)."""

    def __init__(
        self,
        secrets: Any,
        elasticache: Any,
        users: Mapping[str, str],
        password_length: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
        wait_interval: float = WAIT_INTERVAL_SECONDS,
        wait_limit: float = WAIT_LIMIT_SECONDS,
    ) -> None:
        self.secrets = secrets
        self.elasticache = elasticache
        self.users = dict(users)
        self.password_length = password_length
        self.sleep = sleep
        self.wait_interval = wait_interval
        self.wait_limit = wait_limit

    @classmethod
    def from_environment(cls) -> Rotation:
        """The rotation the function's environment configures, with the runtime's clients."""
        users = json.loads(os.environ["USERS"])
        if not isinstance(users, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in users.items()
        ):
            raise ValueError("USERS must be a JSON object of secret ARN to ElastiCache user id")
        return cls(
            boto3.client("secretsmanager"),
            boto3.client("elasticache"),
            users,
            int(os.environ["PASSWORD_LENGTH"]),
        )

    # ------------------------------------------------------------------ the event
    def run(self, event: Mapping[str, Any]) -> None:
        """Check the event as AWS's rotation templates do, then run its step.

        The checks make every step safe to run again: Secrets Manager retries a step that
        failed, and a version that is already ``AWSCURRENT`` has nothing left to do.
        """
        secret_id = str(event["SecretId"])
        token = str(event["ClientRequestToken"])
        step = str(event["Step"])
        if step not in STEPS:
            raise ValueError(f"unknown rotation step {step!r}; expected one of {', '.join(STEPS)}")
        metadata = self.secrets.describe_secret(SecretId=secret_id)
        arn = str(metadata["ARN"])
        user_id = self.user_of(arn)
        if not metadata.get("RotationEnabled"):
            raise ValueError(f"secret {arn} is not enabled for rotation")
        versions: dict[str, list[str]] = metadata.get("VersionIdsToStages", {})
        if token not in versions:
            raise ValueError(f"version {token} of secret {arn} has no stage for its rotation")
        if "AWSCURRENT" in versions[token]:
            logger.info("%s: version %s of %s is already AWSCURRENT", step, token, arn)
            return
        if "AWSPENDING" not in versions[token]:
            raise ValueError(f"version {token} of secret {arn} is not AWSPENDING for its rotation")
        if step == "createSecret":
            self.create_secret(arn, token)
        elif step == "setSecret":
            self.set_secret(arn, token, user_id)
        elif step == "testSecret":
            self.test_secret(arn, token, user_id)
        else:
            self.finish_secret(arn, token, versions)

    def user_of(self, arn: str) -> str:
        """The ElastiCache user whose password secret ``arn`` holds; refuse any other secret."""
        user_id = self.users.get(arn)
        if user_id is None:
            raise ValueError(f"secret {arn} is not one this function rotates (not in USERS)")
        return user_id

    # ------------------------------------------------------------------ the steps
    def create_secret(self, arn: str, token: str) -> None:
        """Store a new random password as the ``AWSPENDING`` version ``token``, once.

        A retried step finds the password it stored before and keeps it: setSecret may
        already have given it to the user.
        """
        if self._value(arn, token, "AWSPENDING") is not None:
            logger.info("createSecret: %s already has its AWSPENDING version %s", arn, token)
            return
        password = self.secrets.get_random_password(
            PasswordLength=self.password_length, ExcludePunctuation=True, IncludeSpace=False
        )["RandomPassword"]
        self.secrets.put_secret_value(
            SecretId=arn,
            ClientRequestToken=token,
            SecretString=password,
            VersionStages=["AWSPENDING"],
        )
        logger.info("createSecret: stored a new AWSPENDING version %s of %s", token, arn)

    def set_secret(self, arn: str, token: str, user_id: str) -> None:
        """Give the user both the current and the new password, and wait until it has them.

        The current password stays valid, so clients that have not read the new version yet
        keep working; the password before it is dropped. When the new value is the current
        one (Secrets Manager's test of a rotation configuration), the user keeps just that.
        """
        current = self._current_value(arn)
        pending = self._pending_value(arn, token)
        passwords = [current] if pending == current else [current, pending]
        self._wait_until_active(user_id)
        self.elasticache.modify_user(
            UserId=user_id, AuthenticationMode={"Type": "password", "Passwords": passwords}
        )
        self._wait_until_active(user_id)
        logger.info("setSecret: user %s of %s now has %d password(s)", user_id, arn, len(passwords))

    def test_secret(self, arn: str, token: str, user_id: str) -> None:
        """Check that the user is active with the passwords setSecret gave it.

        The check reads the user's state from the ElastiCache API; it cannot sign in with the
        password, as the store is only reachable inside its VPC. When the new value is the
        current one (a configuration test), the user may hold one password, or two while the
        one of the previous rotation is still valid.
        A configuration test's ``AWSPENDING`` version may also hold no value (it is removed
        right after): the same check then.
        """
        pending = self._value(arn, token, "AWSPENDING")
        user = self._user(user_id)
        authentication = user.get("Authentication") or {}
        count = authentication.get("PasswordCount")
        configuration_test = pending is None or pending == self._current_value(arn)
        expected = {1, 2} if configuration_test else {2}
        if (
            user.get("Status") != "active"
            or authentication.get("Type") != "password"
            or count not in expected
        ):
            raise ValueError(
                f"user {user_id} of secret {arn} is {user.get('Status')!r} with authentication "
                f"{authentication.get('Type')!r} and {count} password(s); expected 'active' "
                f"with 'password' and {' or '.join(map(str, sorted(expected)))}"
            )
        logger.info("testSecret: user %s of %s is active with %s passwords", user_id, arn, count)

    def finish_secret(self, arn: str, token: str, versions: Mapping[str, list[str]]) -> None:
        """Make version ``token`` the ``AWSCURRENT`` one (the one before becomes AWSPREVIOUS)."""
        current = next((v for v, stages in versions.items() if "AWSCURRENT" in stages), None)
        if current == token:
            logger.info("finishSecret: version %s of %s is already AWSCURRENT", token, arn)
            return
        self.secrets.update_secret_version_stage(
            SecretId=arn,
            VersionStage="AWSCURRENT",
            MoveToVersionId=token,
            RemoveFromVersionId=current,
        )
        logger.info("finishSecret: version %s of %s is now AWSCURRENT", token, arn)

    # ------------------------------------------------------------------ helpers
    def _value(self, arn: str, version: str | None, stage: str) -> str | None:
        """The secret's value in ``version`` (or the one labelled ``stage``); None if none."""
        request: dict[str, str] = {"SecretId": arn, "VersionStage": stage}
        if version is not None:
            request["VersionId"] = version
        try:
            value = self.secrets.get_secret_value(**request)
        except self.secrets.exceptions.ResourceNotFoundException:
            return None
        return str(value["SecretString"])

    def _current_value(self, arn: str) -> str:
        current = self._value(arn, None, "AWSCURRENT")
        if current is None:
            raise ValueError(f"secret {arn} has no AWSCURRENT value to rotate from")
        return current

    def _pending_value(self, arn: str, token: str) -> str:
        pending = self._value(arn, token, "AWSPENDING")
        if pending is None:
            raise ValueError(f"version {token} of secret {arn} has no AWSPENDING value")
        return pending

    def _user(self, user_id: str) -> dict[str, Any]:
        users: list[dict[str, Any]] = self.elasticache.describe_users(UserId=user_id)["Users"]
        return users[0]

    def _wait_until_active(self, user_id: str) -> None:
        """Wait until the user is ``active``: ElastiCache refuses to modify a user that is
        ``modifying``, and its new passwords are valid once it is active again."""
        waited = 0.0
        while (status := self._user(user_id).get("Status")) != "active":
            if waited >= self.wait_limit:
                raise TimeoutError(
                    f"user {user_id} is still {status!r} after {self.wait_limit:.0f} s"
                )
            self.sleep(self.wait_interval)
            waited += self.wait_interval
