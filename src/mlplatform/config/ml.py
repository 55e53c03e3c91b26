"""Config of the ``<env>-ml`` layer: the model registry and the SageMaker endpoints serving from it.

Instance types are checked against :mod:`mlplatform.catalogs.sagemaker`, so a
typo fails here, naming the endpoint and field, not half-way through an apply.
Cross-layer rules (an endpoint's family is in the registry, its capture zone
is in the lake) are checked by :class:`~mlplatform.config.EnvironmentConfig`.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StrictBool, StrictInt, field_validator, model_validator

from mlplatform.catalogs.sagemaker import sagemaker_instance_type
from mlplatform.config._base import (
    NonNegativeInt,
    PositiveInt,
    RetentionDays,
    _check_unique,
    _Frozen,
)
from mlplatform.config.data_lake import ObjectLockProps, Zone, _check_lock_without_force_destroy
from mlplatform.config.rollout import RolloutProps

__all__ = [
    "MlProps",
    "ModelRegistryProps",
    "ServerlessProps",
    "ServingEndpointProps",
    "VariantProps",
]

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


def _check_hosting_type(value: str) -> str:
    sagemaker_instance_type(value)
    return value


HostingType = Annotated[str, AfterValidator(_check_hosting_type)]
"""A SageMaker real-time inference type in :mod:`mlplatform.catalogs.sagemaker`."""


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
        return _check_unique(value, "model family")

    @model_validator(mode="after")
    def _lock_excludes_force_destroy(self) -> Self:
        _check_lock_without_force_destroy(self.object_lock, self.force_destroy)
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
    instance_type: HostingType | None = None
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
    instance_type: HostingType | None = None
    """SageMaker hosting type such as ``ml.m5.large`` or ``ml.g5.xlarge`` (GPU); required unless serverless."""
    serverless: ServerlessProps | None = None
    """Serve with Serverless Inference instead of instances (dev). Excludes ``instance_type``."""
    min_instances: PositiveInt = 2
    """Fewest instances the primary scales in to, and the fixed count of a canary variant (or of
    every variant with autoscaling off). Default 2, so one failure is no outage. Changing it
    changes the scaling target only; no new configuration is deployed."""
    max_instances: PositiveInt = 4
    """Most instances autoscaling may give the primary. Default 4. A new configuration starts the
    primary at this count, so a rollout never serves with fewer instances than autoscaling added
    (see :meth:`initial_instances_of`)."""
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
    log_retention_days: RetentionDays = 365
    """Retention of the endpoint's container log group (KMS-encrypted). Default one year."""
    rollout: RolloutProps = Field(default_factory=RolloutProps)
    """How a new configuration is deployed: blue/green, canary by default, rolled back on the
    endpoint's rollback alarms. Instance-backed endpoints only."""

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
        self._check_rollout()
        return self

    def _check_rollout(self) -> None:
        """A canary or linear shift moves part of each variant's new fleet first: it needs two."""
        if not self.rollout.shifts_gradually:
            return
        for index, variant in enumerate(self.variants):
            count = self.initial_instances_of(index)
            if count is not None and count < 2:
                field = "max_instances" if self._autoscaled(index) else "min_instances"
                raise ValueError(
                    f"rollout.strategy: {self.rollout.strategy} shifts part of the new fleet "
                    f"first, but variant {variant.name!r} starts with {count} instance "
                    f"({field}); raise {field} to 2, or set rollout.strategy: all_at_once"
                )

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
        if "rollout" in self.model_fields_set:
            raise ValueError(
                "rollout: a serverless endpoint has no instance fleet to shift traffic between; "
                "remove rollout"
            )
        scaling = sorted(set(_AUTOSCALING_FIELDS) & self.model_fields_set)
        if scaling:
            raise ValueError(
                f"{scaling[0]}: a serverless endpoint scales by itself; remove {', '.join(scaling)}"
            )

    def _autoscaled(self, index: int) -> bool:
        # Only the primary autoscales: SageMaker refuses an update that removes an autoscaled
        # variant, and a canary is removed when it is promoted.
        return self.autoscaling and self.serverless is None and index == 0

    def initial_instances_of(self, index: int) -> int | None:
        """Instances a new configuration starts variant ``index`` with (``None`` when serverless).

        The autoscaled primary starts at ``max_instances``: SageMaker gives a
        variant its new configuration's count (the AWS provider cannot ask it
        to keep the current one), and terraform cannot read how many instances
        autoscaling has added. Starting at the most autoscaling may add never
        serves with fewer; target tracking scales in afterwards. Other
        variants have a fixed count, ``min_instances``.
        """
        if self.serverless is not None:
            return None
        return self.max_instances if self._autoscaled(index) else self.min_instances

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
