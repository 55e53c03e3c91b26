"""Before a deploy, diff or destroy: the credentials' account and the state bucket, in two calls.

Terraform finds these out late and says them badly. Without credentials,
every stack's ``terraform init`` waits on the EC2 metadata service and then
fails with "No valid credential sources found", once per stack. With another
account's credentials the S3 backend answers AccessDenied, or the provider's
``allowed_account_ids`` fails each stack's plan. Without the state bucket,
``init`` fails on a bucket that does not exist. One STS call and one S3 call
say each of these in one line that names the environment file, the field
and the fix, before any stack is touched. ``make deploy``, ``make diff`` and
``make destroy`` run it first (``mlplatform preflight ENV``); a team repo's
``make diff`` and ``make deploy`` run it on ``team.yaml`` (``mlplatform team
preflight``), whose state lives in the platform's state bucket.

The emulator has no account to check; its state bucket is checked as any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from mlplatform.config import EnvironmentConfig, TeamConfig
from mlplatform.emulator.clients import ClientFactory

__all__ = ["DeployPreflight"]

_MISSING_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_DENIED = {"403", "AccessDenied", "Forbidden"}


@dataclass(frozen=True)
class _Target:
    """What is checked, and how the file being checked calls it."""

    environment: str
    region: str
    emulator: bool
    account_id: str | None
    state_bucket: str
    account_field: str
    bucket_field: str
    missing_bucket_fix: str

    @classmethod
    def of(cls, config: EnvironmentConfig | TeamConfig) -> _Target:
        if isinstance(config, TeamConfig):
            platform = config.platform
            return cls(
                environment=f"{config.team.name} on {platform.environment}",
                region=platform.region,
                emulator=platform.emulator,
                account_id=platform.account_id,
                state_bucket=platform.state_bucket_name,
                account_field="platform.account_id",
                bucket_field="platform.state_bucket",
                missing_bucket_fix=(
                    "the team's state lives in the platform's state bucket: deploy the "
                    "platform there first (make up in its repo)"
                    if platform.emulator
                    else "the team's state lives in the platform's state bucket: set "
                    "platform.state_bucket to the one the platform's environment file names "
                    "(state_backend.bucket)"
                ),
            )
        return cls(
            environment=config.environment,
            region=config.region,
            emulator=config.emulator,
            account_id=config.account_id,
            state_bucket=config.state_backend.bucket,
            account_field="account_id",
            bucket_field="state_backend.bucket",
            missing_bucket_fix=(
                "make up deploys the environment there"
                if config.emulator
                else "create it once with: .venv/bin/python scripts/bootstrap_state_backend.py "
                f"{config.environment}"
            ),
        )


class DeployPreflight:
    """Whether a deploy of ``config`` (read from ``source``) can start: right account, state bucket.

    ``config`` is an environment file's, or a team repo's ``team.yaml`` (its
    ``platform`` section names the account, region and state bucket). ``clients``
    makes boto3 clients for it (see
    :func:`~mlplatform.emulator.clients.environment_clients`).
    """

    def __init__(
        self, config: EnvironmentConfig | TeamConfig, clients: ClientFactory, source: Path | str
    ):
        self.target = _Target.of(config)
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
        target = self.target
        where = "the emulator" if target.emulator else f"account {self.account}"
        return (
            f"{target.environment}: ready ({where}, state bucket {target.state_bucket} "
            f"in {target.region})"
        )

    # ----------------------------------------------------------------- account
    def account_problem(self) -> str | None:
        """Whether the credentials reach the file's account (the emulator has none to check);
        ``make verify`` asks this first too."""
        target = self.target
        if target.emulator:
            return None
        named = f"{target.account_field} {target.account_id}"
        try:
            identity = self.clients("sts").get_caller_identity()
        except NoCredentialsError:
            return (
                f"{self.source}: no AWS credentials found to reach {named}; set AWS_PROFILE "
                "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to credentials for that account"
            )
        except ClientError as error:
            code, message = _error(error)
            return (
                f"{self.source}: AWS refused the credentials ({code}: {message}); renew them "
                f"(aws sso login, or a fresh session token) for {named}"
            )
        except BotoCoreError as error:
            return (
                f"{self.source}: could not reach AWS STS in region {target.region} to check "
                f"the credentials' account ({error}); check the network and proxy settings"
            )
        self.account = str(identity["Account"])
        if target.account_id is not None and self.account != target.account_id:
            return (
                f"{self.source}: {target.account_field} is {target.account_id}, but the "
                f"credentials belong to account {self.account}; use credentials for account "
                f"{target.account_id} (AWS_PROFILE)"
            )
        return None

    # ------------------------------------------------------------ state bucket
    def state_bucket_problem(self) -> str | None:
        """Whether the state bucket is there, in the region the backend looks in."""
        target = self.target
        field = f"{self.source}: {target.bucket_field} {target.state_bucket}"
        s3 = self.clients("s3")
        try:
            s3.head_bucket(Bucket=target.state_bucket)
            found = _bucket_region(s3, target.state_bucket)
        except ClientError as error:
            code, _ = _error(error)
            if code in _MISSING_BUCKET:
                where = "in the emulator" if target.emulator else "yet"
                return f"{field} does not exist {where}; {target.missing_bucket_fix}"
            if code in _DENIED:
                return (
                    f"{field} exists, but these credentials may not read it (another account "
                    "owns the name?); choose another name, or grant this account access"
                )
            raise
        if found != target.region:
            return (
                f"{field} is in {found}, but the backend looks for it in region "
                f"{target.region}; name a bucket in {target.region}"
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
