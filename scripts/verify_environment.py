"""Check with boto3 what really exists for an environment after a deploy.

A green ``cdktf deploy`` says Terraform believes the resources exist as
planned; this asks AWS (or the emulator) directly. It derives every expected
name from the environment file and :class:`mlplatform.decisions.naming.Naming`, the same
way the stacks do, and reports each difference as one ``problem:`` line: the
network (VPC, subnets per AZ, NAT gateways, VPC endpoints, flow log) and the
data lake (zone buckets with their security settings, the access-log bucket,
the Glue databases). It only reads; it never changes anything.

Exit codes: 0 when everything is as configured, 1 when there are problems,
2 for a bad environment file or missing emulator endpoint.

Usage: python scripts/verify_environment.py ENV [--endpoint-url URL] [--environments DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.naming import Naming
from mlplatform.emulator.clients import (
    ClientFactory,
    EmulatorEndpointRequiredError,
    environment_clients,
)
from mlplatform.loader import ConfigError, EnvironmentLoader

__all__ = ["EnvironmentVerifier", "main"]

"""Makes a boto3 client for a service name (``session.client`` fits), so tests can inject one."""


_PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


class UsageError(Exception):
    """The command cannot run as asked; the message says what to do instead."""


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _tag(resource: dict[str, Any], key: str) -> str | None:
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == key), None)


class EnvironmentVerifier:
    """Compares one environment's config with what its account holds.

    :meth:`verify` returns the problems; :attr:`passed` then lists what was
    found as configured, so a person sees what was checked, not just silence.
    """

    def __init__(self, config: EnvironmentConfig, clients: ClientFactory) -> None:
        self.config = config
        self.clients = clients
        self.naming = Naming.for_environment(config)
        self.passed: list[str] = []
        self.problems: list[str] = []

    def verify(self) -> list[str]:
        """Run every check; the problems found (empty means the environment is as configured)."""
        self.passed, self.problems = [], []
        if not self._right_account():
            return list(self.problems)
        self._verify_network()
        self._verify_data_lake()
        return list(self.problems)

    # ---------------------------------------------------------------- recording
    def _ok(self, message: str) -> None:
        self.passed.append(message)

    def _problem(self, message: str) -> None:
        self.problems.append(message)

    def _expect(self, condition: bool, ok: str, problem: str) -> bool:
        (self._ok if condition else self._problem)(ok if condition else problem)
        return condition

    # ------------------------------------------------------------------ account
    def _right_account(self) -> bool:
        """In the wrong account everything would be "missing"; say the real reason instead."""
        if self.config.emulator or self.config.account_id is None:
            return True
        actual = str(self.clients("sts").get_caller_identity()["Account"])
        return self._expect(
            actual == self.config.account_id,
            f"account {actual} is the {self.config.environment} environment's",
            f"the credentials belong to account {actual}, but the {self.config.environment} "
            f"environment is in account {self.config.account_id}; nothing else was checked",
        )

    # ------------------------------------------------------------------ network
    def _verify_network(self) -> None:
        ec2 = self.clients("ec2")
        name = self.naming.resource("vpc")
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
        if not vpcs:
            self._problem(f"VPC {name}: not found (no VPC has the tag Name={name})")
            return
        if len(vpcs) > 1:
            ids = ", ".join(v["VpcId"] for v in vpcs)
            self._problem(
                f"VPC {name}: {len(vpcs)} VPCs carry this name ({ids}); checking the first"
            )
        vpc = vpcs[0]
        vpc_id = vpc["VpcId"]
        cidr = self.config.network.cidr
        self._expect(
            vpc["CidrBlock"] == cidr,
            f"VPC {name} ({vpc_id}): CIDR {cidr}",
            f"VPC {name} ({vpc_id}): CIDR is {vpc['CidrBlock']}, expected {cidr}",
        )
        by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        self._verify_subnets(ec2, name, by_vpc)
        self._verify_nat_gateways(ec2, name, by_vpc)
        self._verify_endpoints(ec2, name, by_vpc)
        self._verify_flow_log(ec2, name, vpc_id)

    def _verify_subnets(self, ec2: Any, name: str, by_vpc: list[dict[str, Any]]) -> None:
        """One public and one private subnet in each used zone, and nowhere else."""
        pages = ec2.get_paginator("describe_subnets").paginate(Filters=by_vpc)
        subnets: list[dict[str, Any]] = pages.build_full_result()["Subnets"]
        zones = self.config.used_availability_zones
        expected = 2 * len(zones)
        self._expect(
            len(subnets) == expected,
            f"VPC {name}: {expected} subnets",
            f"VPC {name}: {len(subnets)} subnets, expected {expected} "
            f"({len(zones)} private + {len(zones)} public)",
        )
        stray = sorted({s["AvailabilityZone"] for s in subnets} - set(zones))
        if stray:
            self._problem(
                f"VPC {name}: subnets in {', '.join(stray)}, outside the configured zones "
                f"{', '.join(zones)}"
            )
        for zone in zones:
            tiers = sorted(
                _tag(s, "tier") or "untagged" for s in subnets if s["AvailabilityZone"] == zone
            )
            self._expect(
                tiers == ["private", "public"],
                f"VPC {name}: a private and a public subnet in {zone}",
                f"VPC {name}: subnets in {zone} have tiers {tiers or 'none'}, "
                "expected one private and one public",
            )

    def _verify_nat_gateways(self, ec2: Any, name: str, by_vpc: list[dict[str, Any]]) -> None:
        strategy = self.config.network.nat_strategy
        expected = self.config.network.az_count if strategy == "one_per_az" else 1
        filters = [*by_vpc, {"Name": "state", "Values": ["available"]}]
        pages = ec2.get_paginator("describe_nat_gateways").paginate(Filter=filters)
        count = len(pages.build_full_result()["NatGateways"])
        self._expect(
            count == expected,
            f"VPC {name}: {count} available NAT gateway(s) for nat_strategy {strategy}",
            f"VPC {name}: {count} available NAT gateway(s), expected {expected} "
            f"for nat_strategy {strategy}",
        )

    def _verify_endpoints(self, ec2: Any, name: str, by_vpc: list[dict[str, Any]]) -> None:
        """The S3 gateway endpoint always; an interface endpoint per configured service."""
        pages = ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=by_vpc)
        present = {
            (e["ServiceName"], e["VpcEndpointType"])
            for e in pages.build_full_result()["VpcEndpoints"]
            if e.get("State", "").lower() == "available"
        }
        prefix = f"com.amazonaws.{self.config.region}"
        wanted = [(f"{prefix}.s3", "Gateway")]
        wanted += [
            (f"{prefix}.{service}", "Interface")
            for service in self.config.network.interface_endpoints
        ]
        for service, kind in wanted:
            self._expect(
                (service, kind) in present,
                f"VPC {name}: {kind} endpoint {service}",
                f"VPC {name}: no available {kind} endpoint for {service}",
            )

    def _verify_flow_log(self, ec2: Any, name: str, vpc_id: str) -> None:
        logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])
        active = [f for f in logs["FlowLogs"] if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
        self._expect(
            bool(active),
            f"VPC {name}: active flow log",
            f"VPC {name}: no active flow log",
        )

    # ---------------------------------------------------------------- data lake
    def _verify_data_lake(self) -> None:
        s3 = self.clients("s3")
        glue = self.clients("glue")
        for zone in self.config.data_lake.zones:
            bucket = self.naming.bucket("datalake", zone)
            if self._bucket_exists(s3, bucket):
                self._verify_zone_bucket(s3, bucket)
            self._verify_database(glue, self.naming.glue_database("datalake", zone))
        self._bucket_exists(s3, self.naming.bucket("datalake", "access-logs"))

    def _bucket_exists(self, s3: Any, bucket: str) -> bool:
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as error:
            code = _error_code(error)
            if code in {"404", "NoSuchBucket", "NotFound"}:
                self._problem(f"bucket {bucket}: not found")
            else:
                self._problem(f"bucket {bucket}: cannot be read ({code})")
            return False
        self._ok(f"bucket {bucket}: exists")
        return True

    def _verify_zone_bucket(self, s3: Any, bucket: str) -> None:
        """The settings every SecureBucket must have; each missing one is its own problem."""
        status = s3.get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
        self._expect(
            status == "Enabled",
            f"bucket {bucket}: versioning Enabled",
            f"bucket {bucket}: versioning is {status}, expected Enabled",
        )
        algorithm = self._read(
            s3.get_bucket_encryption,
            bucket,
            "ServerSideEncryptionConfigurationNotFoundError",
            lambda r: r["ServerSideEncryptionConfiguration"]["Rules"][0][
                "ApplyServerSideEncryptionByDefault"
            ]["SSEAlgorithm"],
        )
        self._expect(
            algorithm == "aws:kms",
            f"bucket {bucket}: default encryption aws:kms",
            f"bucket {bucket}: default encryption is {algorithm or 'not set'}, expected aws:kms",
        )
        block = (
            self._read(
                s3.get_public_access_block,
                bucket,
                "NoSuchPublicAccessBlockConfiguration",
                lambda r: r["PublicAccessBlockConfiguration"],
            )
            or {}
        )
        off = [flag for flag in _PUBLIC_ACCESS_FLAGS if block.get(flag) is not True]
        self._expect(
            not off,
            f"bucket {bucket}: public access fully blocked",
            f"bucket {bucket}: public access block flags not on: {', '.join(off)}",
        )
        policy = self._read(
            s3.get_bucket_policy, bucket, "NoSuchBucketPolicy", lambda r: json.loads(r["Policy"])
        )
        self._expect(
            _denies_plain_http(policy),
            f"bucket {bucket}: policy denies requests without TLS",
            f"bucket {bucket}: no bucket policy statement denies aws:SecureTransport false",
        )

    @staticmethod
    def _read(
        call: Callable[..., Any], bucket: str, absent: str, pick: Callable[[Any], Any]
    ) -> Any:
        """A bucket setting, or None when S3 says it was never set."""
        try:
            return pick(call(Bucket=bucket))
        except ClientError as error:
            if _error_code(error) == absent:
                return None
            raise

    def _verify_database(self, glue: Any, database: str) -> None:
        try:
            glue.get_database(Name=database)
        except ClientError as error:
            if _error_code(error) != "EntityNotFoundException":
                raise
            self._problem(f"Glue database {database}: not found")
            return
        self._ok(f"Glue database {database}: exists")


def _denies_plain_http(policy: Any) -> bool:
    """Whether a policy document has a Deny statement conditioned on aws:SecureTransport false."""
    if not isinstance(policy, dict):
        return False
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        condition = statement.get("Condition", {}).get("Bool", {})
        if (
            statement.get("Effect") == "Deny"
            and str(condition.get("aws:SecureTransport", "")).lower() == "false"
        ):
            return True
    return False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verify_environment.py",
        description="Check that an environment's network and data lake exist as configured.",
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
    """Print ``ok:`` and ``problem:`` lines; 0 when all is well, 1 on problems, 2 on bad input."""
    args = _parser().parse_args(argv)
    try:
        config = EnvironmentLoader(args.environments).load(args.env)
    except ConfigError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    try:
        verifier = EnvironmentVerifier(config, environment_clients(config, args.endpoint_url))
        problems = verifier.verify()
    except (UsageError, EmulatorEndpointRequiredError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in verifier.passed:
        print(f"ok: {line}")
    for line in problems:
        print(f"problem: {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
