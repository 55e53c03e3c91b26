"""Before a deploy, diff or destroy: the credentials' account and the state bucket, in two calls.

Terraform finds these out late and says them badly. Without credentials,
every stack's ``terraform init`` waits on the EC2 metadata service and then
fails with "No valid credential sources found", once per stack. With another
account's credentials the S3 backend answers AccessDenied, or the provider's
``allowed_account_ids`` fails each stack's plan. Without the state bucket,
``init`` fails on a bucket that does not exist. One STS call and one S3 call
say each of these in one line that names the environment file, the field
and the fix, before any stack is touched. ``make deploy``, ``make diff`` and
``make destroy`` run it first (``mlplatform preflight ENV``).

The emulator has no account to check; its state bucket is checked as any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from mlplatform.config import EnvironmentConfig
from mlplatform.emulator.clients import ClientFactory

__all__ = ["DeployPreflight"]

_MISSING_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_DENIED = {"403", "AccessDenied", "Forbidden"}


class DeployPreflight:
    """Whether a deploy of ``config`` (read from ``source``) can start: right account, state bucket.

    ``clients`` makes boto3 clients for the environment (see
    :func:`~mlplatform.emulator.clients.environment_clients`).
    """

    def __init__(self, config: EnvironmentConfig, clients: ClientFactory, source: Path | str):
        self.config = config
        self.clients = clients
        self.source = str(source)
        self.account: str | None = None
        """The credentials' account, once :meth:`problems` has asked STS (real AWS only)."""

    def problems(self) -> list[str]:
        """One line per problem, each naming the file, the field and the fix; empty when ready.

        The state bucket is asked about only with the right account's credentials:
        with others, its answer would say nothing about the environment.
        """
        problem = self.account_problem()
        if problem is not None:
            return [problem]
        bucket_problem = self.state_bucket_problem()
        return [] if bucket_problem is None else [bucket_problem]

    def summary(self) -> str:
        """What was found ready, for the line printed when there is no problem."""
        where = "the emulator" if self.config.emulator else f"account {self.account}"
        return (
            f"{self.config.environment}: ready ({where}, state bucket "
            f"{self.config.state_backend.bucket} in {self.config.region})"
        )

    # ----------------------------------------------------------------- account
    def account_problem(self) -> str | None:
        """Whether the credentials reach the file's ``account_id`` (the emulator has none);
        ``make verify`` asks this first too."""
        if self.config.emulator:
            return None
        expected = self.config.account_id
        try:
            identity = self.clients("sts").get_caller_identity()
        except NoCredentialsError:
            return (
                f"{self.source}: no AWS credentials found to reach account_id {expected}; "
                "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to "
                "credentials for that account"
            )
        except ClientError as error:
            code, message = _error(error)
            return (
                f"{self.source}: AWS refused the credentials ({code}: {message}); renew them "
                f"(aws sso login, or a fresh session token) for account_id {expected}"
            )
        except BotoCoreError as error:
            return (
                f"{self.source}: could not reach AWS STS in region {self.config.region} to "
                f"check the credentials' account ({error}); check the network and proxy settings"
            )
        self.account = str(identity["Account"])
        if expected is not None and self.account != expected:
            return (
                f"{self.source}: account_id is {expected}, but the credentials belong to "
                f"account {self.account}; use credentials for account {expected} (AWS_PROFILE)"
            )
        return None

    # ------------------------------------------------------------ state bucket
    def state_bucket_problem(self) -> str | None:
        """Whether the state bucket is there, in the environment's region."""
        bucket = self.config.state_backend.bucket
        field = f"{self.source}: state_backend.bucket {bucket}"
        s3 = self.clients("s3")
        try:
            s3.head_bucket(Bucket=bucket)
            found = _bucket_region(s3, bucket)
        except ClientError as error:
            code, _ = _error(error)
            if code in _MISSING_BUCKET:
                if self.config.emulator:
                    return f"{field} is not in the emulator; make up deploys the environment there"
                return (
                    f"{field} does not exist yet; create it once with: "
                    f".venv/bin/python scripts/bootstrap_state_backend.py "
                    f"{self.config.environment}"
                )
            if code in _DENIED:
                return (
                    f"{field} exists, but these credentials may not read it (another account "
                    "owns the name?); choose another name, or grant this account access"
                )
            raise
        if found != self.config.region:
            return (
                f"{field} is in {found}, but the backend looks for it in region "
                f"{self.config.region}; name a bucket in {self.config.region}"
            )
        return None


def _bucket_region(s3: Any, bucket: str) -> str:
    """The bucket's region: S3 calls us-east-1 ``None`` (and, long ago, eu-west-1 ``EU``)."""
    location: str | None = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else location


def _error(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return str(details.get("Code", "")), str(details.get("Message", ""))
