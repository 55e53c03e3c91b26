"""Environment configuration: one YAML file per environment, validated by frozen models.

Every section is a frozen pydantic model with ``extra="forbid"``, so a typo in a
YAML key is an error naming the key instead of a silently ignored setting. The
section models double as construct props (``NetworkProps``, ``DataLakeProps``):
their defaults are the secure choice, and turning one off is an explicit,
named field in the environment file.

Numbers and booleans are strict: ``max_nodes: "8"`` is rejected rather than
coerced, because a quoted number in YAML is almost always a mistake.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

__all__ = [
    "CLOUDWATCH_RETENTION_DAYS",
    "DataLakeProps",
    "EnvironmentConfig",
    "NetworkProps",
    "ObjectLockProps",
    "StateBackendConfig",
    "TagsConfig",
]

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
CLOUDWATCH_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

NatStrategy = Literal["one", "one_per_az"]
InterfaceEndpoint = Literal["ecr.api", "ecr.dkr", "sts", "sagemaker.runtime", "logs"]
Zone = Literal["raw", "curated", "features"]
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
PositiveInt = Annotated[StrictInt, Field(ge=1)]

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DYNAMODB_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


class _Frozen(BaseModel):
    """Base for every config section: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_retention(days: int) -> int:
    if days not in CLOUDWATCH_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in CLOUDWATCH_RETENTION_DAYS)
        raise ValueError(f"CloudWatch Logs accepts only these retention days: {allowed}")
    return days


class TagsConfig(_Frozen):
    """Ownership tags put on every resource (besides env and component)."""

    team: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 _.:/=+@-]+$")]
    """Team that owns the environment, for on-call routing."""
    cost_center: Annotated[
        str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 _.:/=+@-]+$")
    ]
    """Cost center billed for the environment; becomes the ``cost-center`` tag."""


class NetworkProps(_Frozen):
    """The VPC of one environment.

    Defaults favour availability and private traffic: one NAT gateway per AZ,
    and interface endpoints so image pulls, STS and inference calls never
    leave the VPC.
    """

    cidr: str = "10.0.0.0/16"
    """IPv4 block of the VPC, a /16 to /24. Default 10.0.0.0/16."""
    az_count: Annotated[StrictInt, Field(ge=2, le=3)] = 2
    """How many of the environment's availability zones to span (2 or 3). Default 2."""
    nat_strategy: NatStrategy = "one_per_az"
    """``one_per_az`` (default) survives an AZ outage; ``one`` saves cost in dev."""
    interface_endpoints: tuple[InterfaceEndpoint, ...] = (
        "ecr.api",
        "ecr.dkr",
        "sts",
        "sagemaker.runtime",
    )
    """Interface VPC endpoints to create. The S3 gateway endpoint is always created."""
    flow_logs_retention_days: PositiveInt = 365
    """Retention of the VPC flow log group. Default one year."""

    @field_validator("cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not an IPv4 CIDR block ({exc}); use a network address such as 10.20.0.0/16"
            ) from None
        if not 16 <= network.prefixlen <= 24:
            raise ValueError(
                f"{value!r} has prefix /{network.prefixlen}; use a prefix from /16 to /24"
            )
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _unique_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each endpoint may be listed once")
        return value

    @field_validator("flow_logs_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _check_retention(value)


class ObjectLockProps(_Frozen):
    """S3 Object Lock default retention for the data lake's zone buckets (WORM)."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """GOVERNANCE lets privileged users lift the lock; COMPLIANCE lets nobody."""
    retention_days: PositiveInt = 30
    """Default retention of every new object version."""


class DataLakeProps(_Frozen):
    """Zone buckets, Glue catalog and Athena workgroup of the data lake.

    Every bucket is SSE-KMS encrypted with the lake's key, versioned, blocks
    all public access, refuses plain HTTP and enforces bucket ownership.
    """

    zones: tuple[Zone, ...] = ("raw", "curated", "features")
    """Zones to create, each a bucket plus a Glue database."""
    intelligent_tiering_after_days: NonNegativeInt = 30
    """Days after which current objects move to Intelligent-Tiering. Default 30."""
    noncurrent_version_expiry_days: PositiveInt = 90
    """Days a replaced or deleted object version is kept. Default 90."""
    access_log_expiry_days: PositiveInt = 365
    """Days server access logs are kept in the log bucket. Default 365."""
    object_lock: ObjectLockProps | None = None
    """Object Lock for zone buckets (write once, read many). Default off; prod turns it on."""
    athena_workgroup: StrictBool = True
    """Create the Athena workgroup (encrypted results, enforced configuration)."""
    query_results_expiry_days: PositiveInt = 30
    """Days Athena query results are kept."""
    force_destroy: StrictBool = False
    """Let ``terraform destroy`` delete non-empty buckets. Off by default: data outlives stacks."""
    glue_vpc_connection: StrictBool = True
    """Create a Glue NETWORK connection in a private subnet, so Glue jobs stay in the VPC."""

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one zone: raw, curated or features")
        if len(set(value)) != len(value):
            raise ValueError("each zone may be listed once")
        return value

    @model_validator(mode="after")
    def _lock_excludes_force_destroy(self) -> Self:
        if self.object_lock and self.force_destroy:
            raise ValueError(
                "object_lock and force_destroy exclude each other; set force_destroy: false"
            )
        return self


class StateBackendConfig(_Frozen):
    """Where Terraform keeps the state of each stack: S3 with DynamoDB locking."""

    bucket: str
    """State bucket; ``scripts/bootstrap_state_backend.py`` creates it."""
    lock_table: str
    """DynamoDB lock table (partition key ``LockID``); the bootstrap script creates it."""

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        if not _S3_BUCKET.match(value) or ".." in value:
            raise ValueError(
                f"{value!r} is not a valid S3 bucket name; use 3-63 lowercase letters, digits, '-' or '.'"
            )
        return value

    @field_validator("lock_table")
    @classmethod
    def _table_name(cls, value: str) -> str:
        if not _DYNAMODB_TABLE.match(value):
            raise ValueError(
                f"{value!r} is not a valid DynamoDB table name; use 3-255 of A-Z a-z 0-9 _ . -"
            )
        return value


class EnvironmentConfig(_Frozen):
    """One deployable environment: everything ``environments/<env>.yaml`` holds."""

    org: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    """Short organisation slug, first part of every name (2-12 lowercase letters/digits)."""
    environment: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,9}$")]
    """Environment name (2-10 lowercase letters/digits); stacks are ``<environment>-<layer>``."""
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    """AWS account the environment must deploy to; required unless ``emulator`` is on."""
    region: str
    """AWS region, for example eu-west-1."""
    availability_zones: tuple[str, ...]
    """Availability zones of the region, in order of preference."""
    emulator: StrictBool = False
    """Deploy into the embedded AWS emulator (moto server) instead of a real account."""
    tags: TagsConfig
    network: NetworkProps = NetworkProps()
    data_lake: DataLakeProps = DataLakeProps()
    state_backend: StateBackendConfig

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(
                f"{value!r} is not an AWS region name; use one such as us-east-1 or eu-west-1"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.account_id is None and not self.emulator:
            raise ValueError(
                "account_id: required for a real AWS environment; set the 12-digit account id"
            )
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise ValueError("availability_zones: a zone is listed twice; list each once")
        for zone in self.availability_zones:
            if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                raise ValueError(
                    f"availability_zones: {zone!r} is not in region {self.region!r}; "
                    f"use {self.region}a, {self.region}b, ..."
                )
        if self.network.az_count > len(self.availability_zones):
            raise ValueError(
                f"network.az_count: {self.network.az_count} but only "
                f"{len(self.availability_zones)} availability_zones are listed; list more zones or lower az_count"
            )
        return self

    @property
    def used_availability_zones(self) -> tuple[str, ...]:
        """The zones the network spans: the first ``network.az_count`` listed."""
        return self.availability_zones[: self.network.az_count]
