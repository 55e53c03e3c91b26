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

from mlplatform.catalogs.gpu import (
    ACCELERATOR_FAMILIES,
    AcceleratorType,
    accelerator_type,
    cpu_ami_type,
    is_accelerator_type,
    siblings,
)
from mlplatform.catalogs.sagemaker import sagemaker_instance_type

__all__ = [
    "CLOUDWATCH_RETENTION_DAYS",
    "AddonVersionsProps",
    "ComputeClusterProps",
    "ComputeProps",
    "CpuNodeGroupProps",
    "DataLakeProps",
    "EnvironmentConfig",
    "FsxScratchProps",
    "GpuPoolProps",
    "MlProps",
    "ModelRegistryProps",
    "NetworkProps",
    "ObjectLockProps",
    "ServerlessProps",
    "ServingEndpointProps",
    "StateBackendConfig",
    "TagsConfig",
    "VariantProps",
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


# --------------------------------------------------------------------------- ml layer

_NAME_PART = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
ModelFamily = Annotated[str, Field(min_length=1, max_length=24, pattern=_NAME_PART)]
_MODEL_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
_AUTOSCALING_FIELDS = (
    "autoscaling",
    "min_instances",
    "max_instances",
    "target_invocations_per_instance",
    "scale_in_cooldown_seconds",
    "scale_out_cooldown_seconds",
)


class ModelRegistryProps(_Frozen):
    """Where trained models live: artifacts, metadata, serving images and package groups.

    Each model family (``ranker``) gets an artifact prefix ``<family>/`` in the
    registry bucket, an ECR repository for its serving image and a SageMaker
    model package group. The bucket is SSE-KMS, versioned, TLS-only and
    private like every platform bucket; the metadata table has point-in-time
    recovery and KMS encryption; repositories have immutable tags and scan on push.
    """

    model_families: tuple[ModelFamily, ...]
    """Model families the registry holds (lowercase letters, digits, inner '-')."""
    image_retention_count: Annotated[StrictInt, Field(ge=1, le=1000)] = 30
    """Serving images kept per repository; older ones expire. Default 30."""
    intelligent_tiering_after_days: NonNegativeInt = 30
    """Days after which artifacts move to Intelligent-Tiering (old versions are rarely read)."""
    noncurrent_version_expiry_days: PositiveInt = 90
    """Days a replaced or deleted artifact version is kept. Default 90."""
    access_log_expiry_days: PositiveInt = 365
    """Days the artifact bucket's server access logs are kept. Default one year."""
    object_lock: ObjectLockProps | None = None
    """Object Lock on artifacts, so a published model cannot be altered. Default off; prod turns it on."""
    deletion_protection: StrictBool = True
    """Refuse to delete the metadata table. On by default: it is the record of every model shipped."""
    force_destroy: StrictBool = False
    """Let ``terraform destroy`` delete a non-empty bucket and repositories with images. Off by default."""

    @field_validator("model_families")
    @classmethod
    def _families(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one model family, for example [ranker]")
        if len(set(value)) != len(value):
            raise ValueError("each model family may be listed once")
        return value

    @model_validator(mode="after")
    def _lock_excludes_force_destroy(self) -> Self:
        if self.object_lock and self.force_destroy:
            raise ValueError(
                "object_lock and force_destroy exclude each other; set force_destroy: false"
            )
        return self


class ServerlessProps(_Frozen):
    """SageMaker Serverless Inference: pay per request, scale to zero; for dev and low traffic."""

    memory_size_mb: StrictInt = 2048
    """Memory per worker: 1024 to 6144 in steps of 1024. Default 2048."""
    max_concurrency: Annotated[StrictInt, Field(ge=1, le=200)] = 5
    """Most concurrent invocations before requests are throttled (1-200). Default 5."""

    @field_validator("memory_size_mb")
    @classmethod
    def _memory(cls, value: int) -> int:
        if value not in _SERVERLESS_MEMORY_MB:
            allowed = ", ".join(str(m) for m in _SERVERLESS_MEMORY_MB)
            raise ValueError(f"serverless memory must be one of {allowed} MB")
        return value


class VariantProps(_Frozen):
    """One production variant: a model version and its serving image, with a traffic weight.

    The first variant of an endpoint is the primary and autoscales. A second
    variant is a canary with a small weight at a fixed ``min_instances``:
    SageMaker refuses to remove an autoscaled variant in one update, but lets a
    variant change its model. So a canary is promoted by giving the first
    variant the canary's ``model_version`` and ``image_tag`` and removing the
    second; each step is one apply, and the endpoint keeps its name throughout.
    """

    name: Annotated[str, Field(min_length=1, max_length=12, pattern=_NAME_PART)]
    """Variant name (1-12 lowercase letters, digits, inner '-'), unique within the endpoint."""
    model_version: str
    """Version of the model family to serve; its artifact is ``s3://<registry>/<family>/<version>/model.tar.gz``."""
    image_tag: str
    """Tag of the serving image in the family's ECR repository (tags are immutable there)."""
    weight: PositiveInt = 100
    """Relative share of traffic: with weights 90 and 10 the second variant gets 10%. Default 100."""
    instance_type: str | None = None
    """Instance type of this variant; default the endpoint's ``instance_type``."""

    @field_validator("model_version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        # YAML reads `model_version: 3` as a number; a version is a label, so accept it as one.
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and not _MODEL_VERSION.match(value):
            raise ValueError(
                f"{value!r} is not a model version; use 1-64 of A-Z a-z 0-9 . _ - such as 7 or 2024-05-01"
            )
        return value

    @field_validator("image_tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if not _IMAGE_TAG.match(value):
            raise ValueError(
                f"{value!r} is not an image tag; use 1-128 of A-Z a-z 0-9 _ . - not starting with . or -"
            )
        if value == "latest":
            raise ValueError(
                "'latest' cannot be pinned: repository tags are immutable; use a version tag such as 1.4.2"
            )
        return value

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str | None) -> str | None:
        if value is not None:
            sagemaker_instance_type(value)
        return value


class ServingEndpointProps(_Frozen):
    """A SageMaker real-time endpoint serving one model family from the registry.

    Instance-backed endpoints scale each variant between ``min_instances`` and
    ``max_instances`` on invocations per instance; ``serverless`` endpoints
    (dev) scale by themselves. Defaults favour availability: two instances,
    so one failing instance is not an outage, and slow scale-in.
    """

    model_package_group: ModelFamily
    """Model family in the registry: selects the artifact prefix and image repository."""
    variants: tuple[VariantProps, ...]
    """The primary variant, and a canary while one takes a share of traffic."""
    instance_type: str | None = None
    """SageMaker hosting type such as ``ml.m5.large`` or ``ml.g5.xlarge`` (GPU); required unless serverless."""
    serverless: ServerlessProps | None = None
    """Serve with Serverless Inference instead of instances (dev). Excludes ``instance_type``."""
    min_instances: PositiveInt = 2
    """Fewest instances per variant; also the initial count. Default 2, so one failure is no outage."""
    max_instances: PositiveInt = 4
    """Most instances per variant autoscaling may add. Default 4."""
    target_invocations_per_instance: PositiveInt = 1000
    """Invocations per instance per minute that target tracking aims for; measure with a load test."""
    scale_in_cooldown_seconds: NonNegativeInt = 300
    """Wait after a scale-in before the next; longer than scale-out so capacity is not flapped away."""
    scale_out_cooldown_seconds: NonNegativeInt = 60
    """Wait after a scale-out before the next. Default 60."""
    autoscaling: StrictBool = True
    """Register variants with Application Auto Scaling. Off pins each variant at ``min_instances``."""
    data_capture_percent: StrictInt = 0
    """Share of requests (and their responses) captured into the data lake, 0-100. Default 0 (off)."""
    data_capture_zone: Zone = "raw"
    """Data lake zone that receives captured requests under ``data-capture/<endpoint>/``."""
    network_isolation: StrictBool = True
    """Run the model container without network access. On by default: a model needs no internet."""
    errors_alarm_threshold: PositiveInt = 5
    """5xx errors per minute, in 3 of 5 minutes, that raise the errors alarm. Default 5."""
    latency_alarm_p99_ms: PositiveInt = 1000
    """p99 model latency (ms), over 3 of 5 minutes, that raises the latency alarm. Default 1000."""
    log_retention_days: PositiveInt = 365
    """Retention of the endpoint's container log group (KMS-encrypted). Default one year."""

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str | None) -> str | None:
        if value is not None:
            sagemaker_instance_type(value)
        return value

    @field_validator("variants")
    @classmethod
    def _variants(cls, value: tuple[VariantProps, ...]) -> tuple[VariantProps, ...]:
        if not 1 <= len(value) <= 2:
            raise ValueError(
                f"{len(value)} variants listed; list one, or two while a canary takes a share of traffic"
            )
        names = [v.name for v in value]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique; {names[0]!r} is listed twice")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _check_retention(value)

    @field_validator("data_capture_percent")
    @classmethod
    def _capture(cls, value: int) -> int:
        if not 0 <= value <= 100:
            raise ValueError(
                f"data capture samples 0 to 100 percent of requests (0 turns it off); got {value}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.serverless is not None:
            self._check_serverless()
            return self
        if self.instance_type is None:
            raise ValueError(
                "instance_type: required; name a SageMaker type such as ml.m5.large, or set serverless"
            )
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances ({self.min_instances}) is above max_instances ({self.max_instances}); "
                "raise max_instances or lower min_instances"
            )
        if self.scale_in_cooldown_seconds <= self.scale_out_cooldown_seconds:
            raise ValueError(
                f"scale_in_cooldown_seconds ({self.scale_in_cooldown_seconds}) must be longer than "
                f"scale_out_cooldown_seconds ({self.scale_out_cooldown_seconds}): add capacity fast, remove it slowly"
            )
        return self

    def _check_serverless(self) -> None:
        if self.instance_type is not None:
            raise ValueError("instance_type and serverless exclude each other; remove one of them")
        for variant in self.variants:
            if variant.instance_type is not None:
                raise ValueError(
                    f"variants: {variant.name!r} sets instance_type, but the endpoint is serverless; remove it"
                )
        if len(self.variants) > 1:
            raise ValueError(
                "variants: a serverless endpoint serves one variant; canary on an instance-backed endpoint"
            )
        if self.data_capture_percent:
            raise ValueError(
                "data_capture_percent: SageMaker cannot capture data on a serverless endpoint; set it to 0"
            )
        scaling = sorted(set(_AUTOSCALING_FIELDS) & self.model_fields_set)
        if scaling:
            raise ValueError(
                f"{scaling[0]}: a serverless endpoint scales by itself; remove {', '.join(scaling)}"
            )

    def instance_type_of(self, variant: VariantProps) -> str | None:
        """The instance type ``variant`` runs on (``None`` when serverless)."""
        return variant.instance_type or self.instance_type

    @property
    def uses_gpu(self) -> bool:
        """Whether any variant runs on a GPU instance type (they cost an order of magnitude more)."""
        return any(
            sagemaker_instance_type(t).gpu
            for t in (self.instance_type_of(v) for v in self.variants)
            if t is not None
        )


class MlProps(_Frozen):
    """The ``<env>-ml`` layer: the model registry and the serving endpoints reading from it."""

    registry: ModelRegistryProps
    serving: dict[str, ServingEndpointProps] = Field(default_factory=dict)
    """Endpoints by name (lowercase letters, digits, inner '-'; at most 20 characters)."""

    @field_validator("serving")
    @classmethod
    def _endpoint_names(
        cls, value: dict[str, ServingEndpointProps]
    ) -> dict[str, ServingEndpointProps]:
        for name in value:
            if len(name) > 20 or not re.match(_NAME_PART, name):
                raise ValueError(
                    f"endpoint name {name!r} must be 1-20 lowercase letters, digits and inner '-'"
                )
        return value


# --------------------------------------------------------------------------- compute layer

Capacity = Literal["on_demand", "spot"]
ControlPlaneLog = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]

_GROUP_NAME = re.compile(r"^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$")
_KUBERNETES_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_KUBERNETES_VERSION = re.compile(r"^1\.\d{2}$")
_ADDON_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-eksbuild\.\d+$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_S3_PREFIX = re.compile(r"^(?:[A-Za-z0-9_.-]+/)*$")


def _check_instance_types(value: tuple[str, ...]) -> None:
    if not value:
        raise ValueError("list at least one instance type")
    if len(set(value)) != len(value):
        raise ValueError("each instance type may be listed once")
    for instance_type in value:
        if not _INSTANCE_TYPE.match(instance_type):
            raise ValueError(f"{instance_type!r} is not an EC2 instance type such as m6i.large")


def _check_scaling(min_nodes: int, desired_nodes: int | None, max_nodes: int) -> None:
    """0 <= min <= desired <= max, each message naming the field to change."""
    if min_nodes > max_nodes:
        raise ValueError(
            f"min_nodes: {min_nodes} is above max_nodes {max_nodes}; lower min_nodes or raise max_nodes"
        )
    if desired_nodes is not None and not min_nodes <= desired_nodes <= max_nodes:
        raise ValueError(
            f"desired_nodes: {desired_nodes} is outside min_nodes..max_nodes ({min_nodes}..{max_nodes}); "
            "pick a value in that range or leave it out to start at min_nodes"
        )


def _check_spot(capacity: str, instance_types: tuple[str, ...], alternatives: list[str]) -> None:
    if capacity == "spot" and len(instance_types) < 2:
        hint = f" such as {', '.join(alternatives[:2])}" if alternatives else ""
        raise ValueError(
            "instance_types: a spot pool lists at least two instance types, so one type running out "
            f"of spot capacity does not empty the pool; add another type with the same GPU count{hint}"
        )


def _check_k8s_name(value: str) -> str:
    if not _KUBERNETES_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a Kubernetes name; use up to 63 lowercase letters, digits and inner '-'"
        )
    return value


class CpuNodeGroupProps(_Frozen):
    """A managed node group of CPU instances: the cluster's system group or a general one.

    Nodes launch from a launch template with an encrypted gp3 root volume and
    IMDSv2 required. GPU instance types are refused here: without the GPU
    taint, CPU work would fill expensive GPU nodes.
    """

    instance_types: tuple[str, ...] = ("m6i.large",)
    """Instance types, all of one architecture (x86_64 or Graviton). Default m6i.large."""
    capacity: Capacity = "on_demand"
    """``on_demand`` (default) or ``spot``; spot groups list at least two types."""
    min_nodes: NonNegativeInt = 1
    """Fewest nodes. Default 1."""
    desired_nodes: NonNegativeInt | None = None
    """Nodes at creation; default ``min_nodes``. The autoscaler owns it afterwards."""
    max_nodes: PositiveInt = 3
    """Most nodes the autoscaler may run. Default 3."""
    root_volume_gib: Annotated[StrictInt, Field(ge=20, le=16384)] = 50
    """Size of the encrypted gp3 root volume (images and logs). Default 50 GiB."""
    imds_hop_limit: Annotated[StrictInt, Field(ge=1, le=2)] = 1
    """IMDSv2 hop limit. 1 (default) keeps pods from the node role's credentials; 2 lets
    pods without host networking reach instance metadata, for agents that need it."""
    launch_template: StrictBool = True
    """Launch from the platform's launch template (encrypted gp3 root, IMDSv2 required, hop
    limit). Off leaves EKS's default template: only for an emulator that cannot keep one."""

    @field_validator("instance_types")
    @classmethod
    def _cpu_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check_instance_types(value)
        for instance_type in value:
            if is_accelerator_type(instance_type):
                raise ValueError(
                    f"{instance_type!r} is a GPU/accelerator type; put it in a gpu_pools entry, "
                    "whose nodes carry the GPU taint"
                )
        cpu_ami_type(value)
        return value

    @model_validator(mode="after")
    def _scaling(self) -> Self:
        _check_scaling(self.min_nodes, self.desired_nodes, self.max_nodes)
        _check_spot(self.capacity, self.instance_types, [])
        return self


class FsxScratchProps(_Frozen):
    """A scratch FSx for Lustre file system next to a GPU pool, linked to the data lake.

    Training reads the features zone at local-disk speed: objects under
    ``import_prefix`` appear as files, loaded from S3 on first read. Scratch
    file systems keep no replica, which is what a cache of the lake needs.
    """

    storage_gib: StrictInt = 1200
    """Capacity: 1200, 2400, or a multiple of 2400 GiB (SCRATCH_2). Default 1200."""
    import_prefix: str = ""
    """Prefix of the features zone to link, e.g. ``datasets/``; empty links the whole zone."""

    @field_validator("storage_gib")
    @classmethod
    def _capacity(cls, value: int) -> int:
        if value not in (1200, 2400) and (value <= 0 or value % 2400):
            raise ValueError(
                f"{value} GiB is not a SCRATCH_2 size; use 1200, 2400 or a multiple of 2400"
            )
        return value

    @field_validator("import_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _S3_PREFIX.match(value):
            raise ValueError(
                f"{value!r} is not an S3 prefix; use folders ending in '/', such as datasets/"
            )
        return value


class GpuPoolProps(_Frozen):
    """A GPU training pool: one managed node group that scales to zero when idle.

    Nodes carry the accelerator taint (``nvidia.com/gpu=true:NoSchedule``) and
    labels naming the pool, GPU family and GPU count; the AMI type follows the
    instance family. ``max_nodes`` has no default: it is the pool's cost ceiling.
    """

    instance_types: tuple[str, ...]
    """GPU/accelerator instance types (see :mod:`mlplatform.catalogs.gpu`), all with the same
    GPU count and vendor. Spot pools list at least two."""
    capacity: Capacity = "on_demand"
    """``on_demand`` (default) or ``spot`` (cheap, may be reclaimed: for experiments)."""
    min_nodes: NonNegativeInt = 0
    """Fewest nodes. Default 0: an idle pool costs nothing."""
    desired_nodes: NonNegativeInt | None = None
    """Nodes at creation; default ``min_nodes``. The autoscaler owns it afterwards."""
    max_nodes: PositiveInt
    """Most nodes the autoscaler may run; required, because it caps the pool's cost."""
    root_volume_gib: Annotated[StrictInt, Field(ge=100, le=16384)] = 200
    """Encrypted gp3 root volume; CUDA images are 10-20 GB and datasets get staged. Default 200."""
    imds_hop_limit: Annotated[StrictInt, Field(ge=1, le=2)] = 1
    """IMDSv2 hop limit: 1 (default) keeps pods from node credentials; jobs use IRSA instead."""
    launch_template: StrictBool = True
    """Launch from the platform's launch template (encrypted gp3 root, IMDSv2 required, EFA,
    placement group). Off leaves EKS's default template: only for an emulator."""
    efa: StrictBool = False
    """Attach Elastic Fabric Adapters (one per network card) for multi-node training."""
    placement_group: StrictBool | None = None
    """Launch into a cluster placement group (low latency between nodes). Default: as ``efa``."""
    availability_zones: tuple[str, ...] = ()
    """Zones to launch in; default every zone of the network. A placement group needs one."""
    fsx_scratch: FsxScratchProps | None = None
    """Scratch FSx for Lustre linked to the lake's features zone. Default none."""
    job_namespace: str = "training"
    """Namespace of the training jobs' service account. Default ``training``."""
    job_service_account: str | None = None
    """Service account the job role trusts. Default ``<pool>-jobs``."""
    lake_read_zones: tuple[Zone, ...] = ("raw", "curated", "features")
    """Data lake zones the job role may read. Default all three."""
    lake_write_zones: tuple[Zone, ...] = ("features",)
    """Data lake zones the job role may write. Default features only."""
    autoscaler_asg_tags: StrictBool = True
    """Tag the pool's Auto Scaling group with cluster-autoscaler node-template tags, so the
    autoscaler knows the labels, taint and GPUs of a pool that has scaled to zero."""

    @field_validator("instance_types")
    @classmethod
    def _accelerator_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check_instance_types(value)
        rows = [accelerator_type(t) for t in value]
        if len({(r.vendor, r.count) for r in rows}) != 1:
            found = ", ".join(f"{r.instance_type} ({r.count} {r.model})" for r in rows)
            raise ValueError(
                f"every type of a pool needs the same vendor and accelerator count, so labels and "
                f"autoscaling hold for every node; got {found}; split them into separate pools"
            )
        return value

    @field_validator("availability_zones")
    @classmethod
    def _unique_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each zone may be listed once")
        return value

    @field_validator("job_namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        return _check_k8s_name(value)

    @field_validator("job_service_account")
    @classmethod
    def _service_account(cls, value: str | None) -> str | None:
        return None if value is None else _check_k8s_name(value)

    @field_validator("lake_read_zones", "lake_write_zones")
    @classmethod
    def _unique_lake_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each zone may be listed once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_scaling(self.min_nodes, self.desired_nodes, self.max_nodes)
        _check_spot(self.capacity, self.instance_types, siblings(self.instance_types[0]))
        if self.efa:
            without = [t for t in self.instance_types if not accelerator_type(t).supports_efa]
            if without:
                family = accelerator_type(without[0]).family
                capable = [
                    f"{family}.{size}"
                    for size, (_, efa) in ACCELERATOR_FAMILIES[family][2].items()
                    if efa
                ]
                alternatives = ", ".join(capable) or "another family"
                raise ValueError(
                    f"efa: {', '.join(without)} cannot attach EFA; use {alternatives}, or set efa: false"
                )
        if not self.launch_template and (self.efa or self.uses_placement_group):
            raise ValueError(
                "launch_template: EFA interfaces and placement groups are set in the launch "
                "template; keep launch_template: true or turn efa and placement_group off"
            )
        if self.uses_placement_group and len(self.availability_zones) != 1:
            raise ValueError(
                "availability_zones: a cluster placement group lives in one availability zone; "
                "list exactly one zone (for example [us-east-1a]) or set placement_group: false"
            )
        return self

    @property
    def uses_placement_group(self) -> bool:
        """Whether the pool launches into a cluster placement group (default: with EFA)."""
        return self.efa if self.placement_group is None else self.placement_group

    @property
    def accelerators(self) -> tuple[AcceleratorType, ...]:
        """The catalog rows of the pool's instance types."""
        return tuple(accelerator_type(t) for t in self.instance_types)

    def service_account(self, pool: str) -> str:
        """The job service account's name: ``job_service_account`` or ``<pool>-jobs``."""
        return self.job_service_account or f"{pool}-jobs"


class AddonVersionsProps(_Frozen):
    """Pinned versions of the EKS managed add-ons; each must match ``kubernetes_version``.

    Look versions up with ``aws eks describe-addon-versions --kubernetes-version <v>``;
    pinning them makes an add-on upgrade a reviewed change, not a surprise.
    """

    vpc_cni: str
    """``vpc-cni``: pod networking, e.g. v1.19.5-eksbuild.1."""
    coredns: str
    """``coredns``: cluster DNS, e.g. v1.12.1-eksbuild.2."""
    kube_proxy: str
    """``kube-proxy``: service routing; its minor version equals the cluster's."""
    ebs_csi_driver: str
    """``aws-ebs-csi-driver``: persistent volumes on EBS, e.g. v1.46.0-eksbuild.1."""

    @field_validator("vpc_cni", "coredns", "kube_proxy", "ebs_csi_driver")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _ADDON_VERSION.match(value):
            raise ValueError(
                f"{value!r} is not an EKS add-on version; use the form v1.19.5-eksbuild.1"
            )
        return value

    def by_addon(self) -> dict[str, str]:
        """Versions keyed by the EKS add-on name."""
        return {
            "vpc-cni": self.vpc_cni,
            "coredns": self.coredns,
            "kube-proxy": self.kube_proxy,
            "aws-ebs-csi-driver": self.ebs_csi_driver,
        }


class ComputeClusterProps(_Frozen):
    """The EKS cluster of an environment: private, logged, secrets encrypted, access by IAM role.

    The API endpoint is private by default; a public endpoint needs an
    explicit CIDR allowlist. Every control plane log type goes to a
    KMS-encrypted log group, Kubernetes secrets are envelope-encrypted with a
    KMS key, and cluster access is granted to IAM roles through EKS access
    entries (the identity that created the cluster gets no standing access).
    """

    kubernetes_version: str
    """Kubernetes minor version, pinned per environment, e.g. ``"1.33"`` (quote it in YAML)."""
    addons: AddonVersionsProps | None
    """Pinned add-on versions. ``null`` leaves EKS's self-installed vpc-cni, kube-proxy and
    coredns and no EBS CSI driver: only for an EKS API without add-ons (the emulator)."""
    endpoint_public_access: StrictBool = False
    """Expose the API endpoint on the internet. Off by default; needs ``public_access_cidrs``."""
    public_access_cidrs: tuple[str, ...] = ()
    """IPv4 blocks allowed to reach a public endpoint (office, VPN). Never 0.0.0.0/0."""
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles granted cluster-admin through EKS access entries."""
    access_entries: StrictBool = True
    """Authenticate with EKS access entries only (mode API), with no standing admin for the
    cluster's creator. Off leaves EKS's default (aws-auth ConfigMap, creator is admin):
    only for an emulator without the access entry API."""
    control_plane_logs: tuple[ControlPlaneLog, ...] = (
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    )
    """Control plane log types sent to CloudWatch. Default all five."""
    log_retention_days: PositiveInt = 90
    """Retention of the control plane log group. Default 90 days."""
    system_node_group: CpuNodeGroupProps = CpuNodeGroupProps(min_nodes=2, max_nodes=4)
    """On-demand CPU nodes for cluster services (CoreDNS, autoscaler). Default 2-4 m6i.large."""
    cpu_node_groups: dict[str, CpuNodeGroupProps] = Field(default_factory=dict)
    """Further named CPU node groups for general workloads. Default none."""

    @field_validator("kubernetes_version")
    @classmethod
    def _kubernetes_version(cls, value: str) -> str:
        if not _KUBERNETES_VERSION.match(value):
            raise ValueError(
                f'{value!r} is not a Kubernetes minor version; use the form "1.33" (quoted)'
            )
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                network = ipaddress.IPv4Network(cidr, strict=True)
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not an IPv4 CIDR block ({exc})") from None
            if network.prefixlen == 0:
                raise ValueError(
                    f"{cidr!r} opens the API endpoint to the whole internet; list your own ranges"
                )
        return value

    @field_validator("admin_role_arns")
    @classmethod
    def _role_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            if not _IAM_ROLE_ARN.match(arn):
                raise ValueError(
                    f"{arn!r} is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>"
                )
        if len(set(value)) != len(value):
            raise ValueError("each role may be listed once")
        return value

    @field_validator("control_plane_logs")
    @classmethod
    def _unique_logs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each log type may be listed once")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _check_retention(value)

    @field_validator("cpu_node_groups")
    @classmethod
    def _group_names(cls, value: dict[str, CpuNodeGroupProps]) -> dict[str, CpuNodeGroupProps]:
        for name in value:
            if not _GROUP_NAME.match(name) or name == "system":
                raise ValueError(
                    f"node group name {name!r} must be 1-20 lowercase letters, digits and inner '-', "
                    "and not 'system'"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ValueError(
                "public_access_cidrs: a public endpoint needs an allowlist; list your CIDR blocks "
                "or set endpoint_public_access: false"
            )
        if self.public_access_cidrs and not self.endpoint_public_access:
            raise ValueError(
                "public_access_cidrs: only used with endpoint_public_access: true; remove them"
            )
        if self.admin_role_arns and not self.access_entries:
            raise ValueError(
                "admin_role_arns: admins are granted through access entries; "
                "set access_entries: true or remove admin_role_arns"
            )
        if self.addons is not None:
            match = _ADDON_VERSION.match(self.addons.kube_proxy)
            minor = f"{match.group(1)}.{match.group(2)}" if match else ""
            if minor != self.kubernetes_version:
                raise ValueError(
                    f"addons.kube_proxy: {self.addons.kube_proxy} is built for Kubernetes {minor}, "
                    f"but kubernetes_version is {self.kubernetes_version}; pin a v{self.kubernetes_version}.x build"
                )
        system = self.system_node_group
        if system.capacity != "on_demand" or system.min_nodes < 1:
            raise ValueError(
                "system_node_group: cluster services need a node that is always there; "
                "use capacity: on_demand and min_nodes of at least 1"
            )
        return self


class ComputeProps(_Frozen):
    """The compute layer: an EKS cluster and its named GPU training pools."""

    cluster: ComputeClusterProps
    gpu_pools: dict[str, GpuPoolProps] = Field(default_factory=dict)
    """GPU training pools by name, e.g. ``experiments`` (spot) and ``training`` (on-demand)."""

    @field_validator("gpu_pools")
    @classmethod
    def _pool_names(cls, value: dict[str, GpuPoolProps]) -> dict[str, GpuPoolProps]:
        for name in value:
            if not _GROUP_NAME.match(name):
                raise ValueError(
                    f"pool name {name!r} must be 1-20 lowercase letters, digits and inner '-'"
                )
        return value

    @model_validator(mode="after")
    def _one_role_per_service_account(self) -> Self:
        # A service account gets one IRSA role; two pools sharing it would share grants.
        owners: dict[str, str] = {}
        for name, pool in self.gpu_pools.items():
            account = f"{pool.job_namespace}/{pool.service_account(name)}"
            if account in owners:
                raise ValueError(
                    f"gpu_pools.{name}.job_service_account: {account} is already the job service "
                    f"account of pool {owners[account]!r}; give each pool its own"
                )
            owners[account] = name
        return self


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
    compute: ComputeProps | None = None
    """The ``<env>-compute`` layer (EKS cluster, GPU pools); ``None`` means no compute layer."""
    ml: MlProps | None = None
    """The ``<env>-ml`` layer (model registry, serving endpoints); ``None`` means no ml layer."""

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

    @model_validator(mode="after")
    def _ml_consistent(self) -> Self:
        """Endpoints name a registry family and capture into a zone the lake has."""
        if self.ml is None:
            return self
        families = self.ml.registry.model_families
        for name, endpoint in self.ml.serving.items():
            if endpoint.model_package_group not in families:
                raise ValueError(
                    f"ml.serving.{name}.model_package_group: {endpoint.model_package_group!r} is not "
                    f"a registry model family; add it to ml.registry.model_families ({', '.join(families)})"
                )
            if (
                endpoint.data_capture_percent
                and endpoint.data_capture_zone not in self.data_lake.zones
            ):
                raise ValueError(
                    f"ml.serving.{name}.data_capture_zone: the data lake has no "
                    f"{endpoint.data_capture_zone!r} zone; use one of {', '.join(self.data_lake.zones)}"
                )
        return self

    @model_validator(mode="after")
    def _compute_consistent(self) -> Self:
        """GPU pools use only the network's zones and the lake's zones."""
        if self.compute is None:
            return self
        zones = self.used_availability_zones
        for name, pool in self.compute.gpu_pools.items():
            where = f"compute.gpu_pools.{name}"
            for zone in pool.availability_zones:
                if zone not in zones:
                    raise ValueError(
                        f"{where}.availability_zones: {zone!r} is not one of the network's zones "
                        f"({', '.join(zones)}); pick one of those"
                    )
            for field in ("lake_read_zones", "lake_write_zones"):
                for lake_zone in getattr(pool, field):
                    if lake_zone not in self.data_lake.zones:
                        raise ValueError(
                            f"{where}.{field}: the data lake has no {lake_zone!r} zone "
                            f"(it has {', '.join(self.data_lake.zones)}); remove it or add the zone"
                        )
            if pool.fsx_scratch is not None and "features" not in self.data_lake.zones:
                raise ValueError(
                    f"{where}.fsx_scratch: it links the features zone, which the data lake lacks; "
                    "add features to data_lake.zones or remove fsx_scratch"
                )
        return self

    @property
    def used_availability_zones(self) -> tuple[str, ...]:
        """The zones the network spans: the first ``network.az_count`` listed."""
        return self.availability_zones[: self.network.az_count]
