"""Create an environment's Terraform state backend: one S3 bucket (which also holds the locks).

Terraform cannot keep its state in a bucket it has yet to create, so the
backend of each environment is made once, here, with boto3. The script is
idempotent: run it again and it finds the bucket, re-applies its security
settings and changes nothing else, so it is safe in ``make up`` and in CI.

The bucket gets the same defaults as every platform bucket (versioning,
SSE-KMS, public access block, BucketOwnerEnforced, TLS-only policy) because
state files hold secrets and resource ids. Terraform locks each state with a
``<key>.tflock`` object in the same bucket (``use_lockfile``, S3 conditional
writes), so there is no lock table to create any more; an environment
bootstrapped before 0.2.0 keeps its old table until the README's migration
note retires it.

Before creating anything in a real account it checks that the credentials
belong to the environment's ``account_id``: a dev file must never bootstrap
in the prod account.

Usage: python scripts/bootstrap_state_backend.py ENV [--endpoint-url URL] [--environments DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.policies import tls_only_bucket_policy
from mlplatform.emulator.clients import (
    ClientFactory,
    EmulatorEndpointRequiredError,
    environment_clients,
)
from mlplatform.loader import ConfigError, EnvironmentLoader

__all__ = [
    "BootstrapError",
    "StateBackendBootstrap",
    "main",
]

"""Makes a boto3 client for a service name (``session.client`` fits), so tests can inject one."""


_MISSING_BUCKET_CODES = {"404", "NoSuchBucket", "NotFound"}


class BootstrapError(Exception):
    """A reason not to (or not able to) bootstrap; the message says what to do instead."""


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class StateBackendBootstrap:
    """Creates, or confirms, the state bucket of one environment."""

    def __init__(self, config: EnvironmentConfig, clients: ClientFactory) -> None:
        self.config = config
        self.clients = clients
        self.bucket = config.state_backend.bucket

    def run(self) -> list[str]:
        """Check the account, then ensure the bucket; one report line per resource."""
        self.check_account()
        return [self.ensure_bucket()]

    # ------------------------------------------------------------------ account
    def check_account(self) -> None:
        """Refuse to touch an account other than the environment's.

        The emulator has no real account, so it is not checked; a real
        environment always has ``account_id`` (the config requires it).
        """
        if self.config.emulator or self.config.account_id is None:
            return
        actual = str(self.clients("sts").get_caller_identity()["Account"])
        if actual != self.config.account_id:
            raise BootstrapError(
                f"the credentials belong to account {actual}, but the {self.config.environment} "
                f"environment expects account {self.config.account_id}; nothing was created. "
                "Use credentials (AWS_PROFILE) for the expected account"
            )

    # ------------------------------------------------------------------- bucket
    def ensure_bucket(self) -> str:
        """Create the bucket unless it exists, then (re)apply every security setting."""
        s3 = self.clients("s3")
        created = False
        if not self._bucket_exists(s3):
            created = self._create_bucket(s3)
        self._check_bucket_region(s3)
        self._secure_bucket(s3)
        state = "created" if created else "already exists"
        return f"state bucket {self.bucket}: {state}"

    def _bucket_exists(self, s3: Any) -> bool:
        """HeadBucket first: in us-east-1, CreateBucket on our own bucket succeeds silently."""
        try:
            s3.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            code = _error_code(error)
            if code in _MISSING_BUCKET_CODES:
                return False
            if code in {"403", "AccessDenied", "Forbidden"}:
                raise BootstrapError(self._taken_message()) from None
            raise
        return True

    def _create_bucket(self, s3: Any) -> bool:
        """Create the bucket in the environment's region; False if someone beat us to it."""
        request: dict[str, Any] = {"Bucket": self.bucket, "ObjectOwnership": "BucketOwnerEnforced"}
        # us-east-1 is the default location and rejects an explicit constraint naming it.
        if self.config.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self.config.region}
        try:
            s3.create_bucket(**request)
        except ClientError as error:
            code = _error_code(error)
            if code == "BucketAlreadyOwnedByYou":
                return False
            if code == "BucketAlreadyExists":
                raise BootstrapError(self._taken_message()) from None
            raise
        s3.get_waiter("bucket_exists").wait(
            Bucket=self.bucket, WaiterConfig={"Delay": 2, "MaxAttempts": 30}
        )
        return True

    def _check_bucket_region(self, s3: Any) -> None:
        """The backend names the environment's region; a bucket elsewhere would fail at init."""
        location = s3.get_bucket_location(Bucket=self.bucket).get("LocationConstraint")
        actual = location or "us-east-1"
        if actual == "EU":  # legacy name of eu-west-1
            actual = "eu-west-1"
        if actual != self.config.region:
            raise BootstrapError(
                f"state bucket {self.bucket} exists in region {actual}, but the environment's "
                f"region is {self.config.region}; delete it or choose another state_backend.bucket"
            )

    def _secure_bucket(self, s3: Any) -> None:
        """Put every setting, every time: a setting changed by hand is put back."""
        s3.put_bucket_ownership_controls(
            Bucket=self.bucket,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
        s3.put_public_access_block(
            Bucket=self.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        # Versioning is what lets a corrupted or deleted state be restored.
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        # The AWS-managed key (no KMSMasterKeyID): no key of ours must exist before the backend.
        s3.put_bucket_encryption(
            Bucket=self.bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        if self.config.emulator:
            # moto evaluates bucket policies without their conditions, so the TLS-only Deny
            # would deny every request, state reads included. The emulator's state is
            # thrown away with `make down`; real environments always get the policy.
            s3.delete_bucket_policy(Bucket=self.bucket)
            return
        policy = tls_only_bucket_policy(f"arn:aws:s3:::{self.bucket}")
        s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy))

    def _taken_message(self) -> str:
        return (
            f"state bucket {self.bucket} belongs to another account (or these credentials may "
            "not see it); bucket names are global, so choose another state_backend.bucket"
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bootstrap_state_backend.py",
        description="Create an environment's Terraform state bucket (idempotent).",
    )
    parser.add_argument("env", metavar="ENV", help="environment name (dev) or path of a YAML file")
    parser.add_argument(
        "--endpoint-url", help="AWS endpoint, e.g. the emulator's http://127.0.0.1:5000"
    )
    parser.add_argument(
        "--environments", default="environments", help="directory of environment files"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bootstrap; 0 on success, 2 on a refusal or bad input, 1 on an AWS failure."""
    args = _parser().parse_args(argv)
    try:
        config = EnvironmentLoader(args.environments).load(args.env)
    except ConfigError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    try:
        bootstrap = StateBackendBootstrap(config, environment_clients(config, args.endpoint_url))
        for line in bootstrap.run():
            print(line)
    except (BootstrapError, EmulatorEndpointRequiredError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
