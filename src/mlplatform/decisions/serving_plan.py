"""How one serving endpoint is laid out: names, artifact paths, variants, autoscaling and alarms.

Plain Python over :class:`~mlplatform.config.ServingEndpointProps`; the
``ServingEndpoint`` construct only translates the plan into resources, and a
second engine could do the same.

Rollouts hinge on names. SageMaker models and endpoint configurations are
immutable, so their names carry a short hash of what they contain: a new model
version gets a new model and a new configuration (created before the old ones
are destroyed), and the endpoint, whose name never changes, switches to it in
place. Callers keep calling the same endpoint through a canary and its promotion.

Capacity is the exception. The autoscaled primary starts every new
configuration at ``max_instances`` (see
:meth:`~mlplatform.config.ServingEndpointProps.initial_instances_of`), and
that count is left out of the hash: raising ``min_instances`` or
``max_instances`` changes the scaling target in place, deploys nothing, and
the next configuration carries the new count. A fixed count (a canary
variant, autoscaling off) is the variant's capacity, so it stays in the hash.

The hash here covers what config decides. What only exists at apply time (the
role, image repository and bucket behind a model, the subnets and security
group it runs in, the capture bucket) is hashed by the engine into a further
``-xxxx`` suffix (:data:`APPLY_TIME_SUFFIX` characters are reserved for it), so
replacing any of those renames the model or configuration as well, instead of
colliding with its own old name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from mlplatform.catalogs.sagemaker import sagemaker_instance_type
from mlplatform.config import ServerlessProps, ServingEndpointProps, VariantProps
from mlplatform.decisions.alarm_plan import AlarmPlan
from mlplatform.decisions.metrics import (
    MetricSpec,
    alarm_description,
    endpoint_runbook,
    variant_metric,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.rollout_plan import RolloutPlan, plan_rollout

__all__ = [
    "INVOCATIONS_PER_INSTANCE",
    "AlarmPlan",
    "EndpointPlan",
    "ModelPlan",
    "ScalingPlan",
    "VariantPlan",
    "apply_time_digest",
    "artifact_key",
    "endpoint_refusal",
    "plan_endpoint",
]

_Ref = TypeVar("_Ref")
"""A name or ARN as the engine holds it (a string or token, a Pulumi input)."""

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
SAGEMAKER_NAME_LENGTH = 63
APPLY_TIME_SUFFIX = 5
"""``-`` and four hex digits the engine appends to model and configuration names."""
INVOCATIONS_PER_INSTANCE = "SageMakerVariantInvocationsPerInstance"
# Alarms look at one-minute periods and fire on 3 bad minutes out of 5 (AlarmPlan's default):
# a blip is not a page.
ALARM_PERIOD_SECONDS = 60


def endpoint_refusal(
    id: str,
    props: ServingEndpointProps,
    plan: EndpointPlan,
    *,
    registry_families: Sequence[str] | None,
    data_capture: bool,
    placement: bool,
) -> str | None:
    """Why endpoint ``id`` cannot be built as given, naming the fix; ``None`` when it can.

    ``registry_families`` are the registry's families where they are known at synth
    (``None``: the engine found ``props``' family in the registry), ``data_capture``
    and ``placement`` whether the endpoint was given a capture destination and a VPC
    placement. Both engines refuse with these words.
    """
    family = props.model_package_group
    if registry_families is not None and family not in registry_families:
        return (
            f"serving endpoint {id!r}: model_package_group {family!r} is not a family of the "
            f"registry ({', '.join(registry_families)}); publish it there first"
        )
    if plan.data_capture_prefix is not None and not data_capture:
        return (
            f"serving endpoint {id!r}: data_capture_percent is {props.data_capture_percent} "
            "but no data_capture destination was given; pass one or set data_capture_percent: 0"
        )
    if placement and props.serverless is not None:
        return (
            f"serving endpoint {id!r}: a serverless endpoint cannot run in a VPC; pass no placement"
        )
    return None


def artifact_key(family: str, version: str) -> str:
    """Object key of a model version's artifact in the registry bucket."""
    return f"{family}/{version}/model.tar.gz"


def apply_time_digest(values: Sequence[str]) -> str:
    """The apply-time suffix's digits: SHA-1 of ``values`` joined by commas, first four hex digits.

    An engine that sees the values computes it directly (Pulumi, once the outputs are
    known); cdktf writes the same as Terraform functions, evaluated at apply:
    ``substr(sha1(join(",", values)), 0, 4)``.
    """
    return hashlib.sha1(",".join(values).encode()).hexdigest()[: APPLY_TIME_SUFFIX - 1]


def _digest(value: object) -> str:
    """Six hex digits of the contents: unique enough between one resource's old and new self."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:6]


@dataclass(frozen=True)
class ModelPlan:
    """One SageMaker model: a model version in its serving image."""

    name: str
    """``<org>-<env>-serving-<endpoint>-<variant>-<hash>``: a new version is a new model.

    The engine appends the apply-time suffix (see the module docstring)."""
    family: str
    version: str
    image_tag: str
    network_isolation: bool

    @property
    def artifact_key(self) -> str:
        """``<family>/<version>/model.tar.gz`` in the registry bucket."""
        return artifact_key(self.family, self.version)


@dataclass(frozen=True)
class ScalingPlan:
    """Application Auto Scaling of one variant: target tracking on invocations per instance."""

    resource_id: str
    """``endpoint/<endpoint>/variant/<variant>``."""
    policy_name: str
    min_capacity: int
    max_capacity: int
    target_value: float
    """Invocations per instance per minute to aim for."""
    scale_in_cooldown: int
    scale_out_cooldown: int
    scalable_dimension: str = SCALABLE_DIMENSION
    predefined_metric: str = INVOCATIONS_PER_INSTANCE


@dataclass(frozen=True)
class VariantPlan:
    """One production variant of the endpoint configuration."""

    name: str
    model: ModelPlan
    weight: float
    instance_type: str | None
    """``None`` for a serverless variant."""
    initial_instance_count: int | None
    """Instances a new configuration starts with: ``max_instances`` when autoscaled, else
    ``min_instances``; ``None`` for a serverless variant."""
    serverless: ServerlessProps | None
    scaling: ScalingPlan | None
    """``None`` for a canary (fixed at ``min_instances``), a serverless variant (it scales by
    itself) or with autoscaling off."""

    def production_variant(self, model_name: object) -> dict[str, Any]:
        """The configuration's production variant as its fields, serving ``model_name``:
        serverless (memory and concurrency), or instances of a type (the engine wraps the
        fields, and a ``serverless_config`` block, in its own types)."""
        fields = {
            "variant_name": self.name,
            "model_name": model_name,
            "initial_variant_weight": self.weight,
        }
        if self.serverless is not None:
            serverless = {
                "memory_size_in_mb": self.serverless.memory_size_mb,
                "max_concurrency": self.serverless.max_concurrency,
            }
            return fields | {"serverless_config": serverless}
        return fields | {
            "instance_type": self.instance_type,
            "initial_instance_count": self.initial_instance_count,
        }


@dataclass(frozen=True)
class EndpointPlan:
    """Everything the construct creates for one endpoint, decided up front."""

    key: str
    """The endpoint's short name in config (``ranker``)."""
    endpoint_name: str
    """Stable physical name: the one callers use, through every rollout."""
    config_name: str
    """Hash of the variants and capture settings; the engine appends the apply-time suffix."""
    role_name: str
    log_group_name: str
    variants: tuple[VariantPlan, ...]
    alarms: tuple[AlarmPlan, ...]
    data_capture_percent: int
    data_capture_prefix: str | None
    """Key prefix in the lake bucket, ``data-capture/<endpoint>/``; ``None`` when capture is off."""
    volume_encryption: bool
    """Whether the configuration may name a KMS key for the ML storage volume."""
    uses_gpu: bool
    rollout: RolloutPlan | None
    """Blue/green deployment policy and rollback alarms; ``None`` for a serverless endpoint."""

    def configuration_digest_inputs(
        self,
        model_names: Mapping[str, _Ref],
        capture_inputs: Sequence[_Ref],
        volume_key: _Ref | None,
    ) -> list[_Ref | str]:
        """What the configuration name's apply-time digest covers: its models' names (by
        variant), the data capture destination and the volume key (``""`` without one)."""
        return [*model_names.values(), *capture_inputs, volume_key or ""]

    def production_variants(self, model_names: Mapping[str, object]) -> list[dict[str, Any]]:
        """Each variant's fields (:meth:`VariantPlan.production_variant`), in order."""
        return [variant.production_variant(model_names[variant.name]) for variant in self.variants]


def _model(
    naming: Naming, key: str, family: str, props: ServingEndpointProps, v: VariantProps
) -> ModelPlan:
    contents = {
        "family": family,
        "version": v.model_version,
        "image_tag": v.image_tag,
        "network_isolation": props.network_isolation,
    }
    return ModelPlan(
        name=naming.resource(
            "serving",
            f"{key}-{v.name}-{_digest(contents)}",
            max_length=SAGEMAKER_NAME_LENGTH - APPLY_TIME_SUFFIX,
        ),
        family=family,
        version=v.model_version,
        image_tag=v.image_tag,
        network_isolation=props.network_isolation,
    )


def plan_endpoint(naming: Naming, key: str, props: ServingEndpointProps) -> EndpointPlan:
    """Lay out endpoint ``key`` of ``naming``'s environment from its props."""
    endpoint_name = naming.resource("serving", key, max_length=SAGEMAKER_NAME_LENGTH)
    variants = _variants(naming, key, endpoint_name, props)
    instance_types = [v.instance_type for v in variants]
    volume_encryption = all(
        t is not None and not sagemaker_instance_type(t).local_storage for t in instance_types
    )
    capture_prefix = f"data-capture/{key}/" if props.data_capture_percent else None
    return EndpointPlan(
        key=key,
        endpoint_name=endpoint_name,
        config_name=_config_name(naming, key, variants, props, capture_prefix, volume_encryption),
        role_name=naming.iam("serving", key),
        log_group_name=f"/aws/sagemaker/Endpoints/{endpoint_name}",
        variants=tuple(variants),
        alarms=tuple(a for v in variants for a in _alarms(naming, key, endpoint_name, v, props)),
        data_capture_percent=props.data_capture_percent,
        data_capture_prefix=capture_prefix,
        volume_encryption=volume_encryption,
        uses_gpu=props.uses_gpu,
        rollout=plan_rollout(naming, key, endpoint_name, tuple(v.name for v in variants), props),
    )


def _variants(
    naming: Naming, key: str, endpoint_name: str, props: ServingEndpointProps
) -> list[VariantPlan]:
    """Each variant's model, weight, capacity and (the primary's only) autoscaling."""
    family = props.model_package_group
    variants: list[VariantPlan] = []
    for index, v in enumerate(props.variants):
        instance_type = props.instance_type_of(v)
        # Only the primary autoscales: SageMaker refuses an update that removes an
        # autoscaled variant, and a canary is removed when it is promoted.
        autoscaled = instance_type is not None and props.autoscaling and index == 0
        variants.append(
            VariantPlan(
                name=v.name,
                model=_model(naming, key, family, props, v),
                weight=float(v.weight),
                instance_type=instance_type,
                initial_instance_count=props.initial_instances_of(index),
                serverless=props.serverless,
                scaling=_scaling(naming, key, endpoint_name, v.name, props) if autoscaled else None,
            )
        )
    return variants


def _scaling(
    naming: Naming, key: str, endpoint_name: str, variant: str, props: ServingEndpointProps
) -> ScalingPlan:
    """Target tracking on invocations per instance, between the props' bounds."""
    return ScalingPlan(
        resource_id=f"endpoint/{endpoint_name}/variant/{variant}",
        policy_name=naming.resource("serving", f"{key}-{variant}-invocations", max_length=255),
        min_capacity=props.min_instances,
        max_capacity=props.max_instances,
        target_value=float(props.target_invocations_per_instance),
        scale_in_cooldown=props.scale_in_cooldown_seconds,
        scale_out_cooldown=props.scale_out_cooldown_seconds,
    )


def _config_name(
    naming: Naming,
    key: str,
    variants: list[VariantPlan],
    props: ServingEndpointProps,
    capture_prefix: str | None,
    volume_encryption: bool,
) -> str:
    """The endpoint configuration's name: a digest of what SageMaker cannot change in
    place, so a change makes a new configuration (see the module docstring)."""
    config_contents = {
        "variants": [
            {
                "name": v.name,
                "model": v.model.name,
                "weight": v.weight,
                "instance_type": v.instance_type,
                # Autoscaling owns an autoscaled variant's count (see the module docstring).
                "count": None if v.scaling else v.initial_instance_count,
                "serverless": v.serverless.model_dump() if v.serverless else None,
            }
            for v in variants
        ],
        "capture": [props.data_capture_percent, capture_prefix, props.data_capture_zone],
        "volume_encryption": volume_encryption,
    }
    return naming.resource(
        "serving",
        f"{key}-{_digest(config_contents)}",
        max_length=SAGEMAKER_NAME_LENGTH - APPLY_TIME_SUFFIX,
    )


def _alarms(
    naming: Naming, key: str, endpoint_name: str, variant: VariantPlan, props: ServingEndpointProps
) -> list[AlarmPlan]:
    def metric(name: str, statistic: str) -> MetricSpec:
        return variant_metric(
            endpoint_name, variant.name, name, statistic=statistic, period=ALARM_PERIOD_SECONDS
        )

    return [
        AlarmPlan(
            name=naming.resource("serving", f"{key}-{variant.name}-5xx-errors", max_length=255),
            description=alarm_description(
                f"{endpoint_name}/{variant.name}: at least {props.errors_alarm_threshold} 5xx "
                "errors a minute in 3 of 5 minutes; check the model container's logs",
                endpoint_runbook(naming.prefix, endpoint_name),
            ),
            metric=metric("Invocation5XXErrors", "Sum"),
            threshold=float(props.errors_alarm_threshold),
            comparison_operator="GreaterThanOrEqualToThreshold",
        ),
        AlarmPlan(
            name=naming.resource("serving", f"{key}-{variant.name}-p99-latency", max_length=255),
            description=alarm_description(
                f"{endpoint_name}/{variant.name}: p99 model latency above "
                f"{props.latency_alarm_p99_ms} ms in 3 of 5 minutes",
                endpoint_runbook(naming.prefix, endpoint_name),
            ),
            metric=metric("ModelLatency", "p99"),
            # ModelLatency is reported in microseconds.
            threshold=float(props.latency_alarm_p99_ms * 1000),
            comparison_operator="GreaterThanThreshold",
        ),
    ]
