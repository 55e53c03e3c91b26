"""A SageMaker real-time endpoint serving one model family from the model registry.

What it creates, in dependency order:

1. an execution role SageMaker assumes, which may read only its family's
   artifacts and pull only its family's image (``registry.grant_read``), write
   its own log group, and write sampled requests under its own prefix of the
   data capture bucket;
2. the endpoint's container log group, KMS-encrypted with the registry key and
   expiring (SageMaker would otherwise create it unencrypted and kept forever);
   given a ``placement``, a security group that only reaches the VPC's
   endpoints and S3 over HTTPS, so instances run in the private subnets;
3. for an instance-backed endpoint, two endpoint-wide rollback alarms
   (5xx errors, p99 latency) and the role's permission to read them;
4. one SageMaker model per variant (a model version in its serving image,
   network-isolated by default), an endpoint configuration with one or two
   weighted production variants, data capture and volume encryption, and the
   endpoint itself, deploying every new configuration blue/green (canary by
   default) and rolling back on the rollback alarms;
5. for the primary instance-backed variant, Application Auto Scaling target
   tracking on invocations per instance, between ``min_instances`` and
   ``max_instances``, scaling in more slowly than out;
6. per variant, CloudWatch alarms on 5xx errors and p99 model latency that
   notify the given SNS topic.

Models and configurations are immutable in SageMaker, so both are named by a
hash of their contents and replaced create-before-destroy; the endpoint's name
never changes and it switches configuration in place, as a SageMaker blue/green
deployment: the serving fleet keeps serving until the new one has baked. A new
configuration starts the autoscaled primary at ``max_instances``, never below
what autoscaling may have added; an instance type change deregisters the
variant from autoscaling first (see :mod:`mlplatform.constructs.endpoint_rollout`).
All decisions (names, hashes, scaling numbers, alarms, traffic steps) come from
:func:`mlplatform.decisions.serving_plan.plan_endpoint`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cdktf import Fn, TerraformResourceLifecycle, Tokenization
from constructs import Construct

from mlplatform.bindings.aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from mlplatform.bindings.aws.appautoscaling_target import AppautoscalingTarget
from mlplatform.bindings.aws.cloudwatch_log_group import CloudwatchLogGroup
from mlplatform.bindings.aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.sagemaker_endpoint import SagemakerEndpoint
from mlplatform.bindings.aws.sagemaker_endpoint_configuration import (
    SagemakerEndpointConfiguration,
    SagemakerEndpointConfigurationDataCaptureConfig,
    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions,
    SagemakerEndpointConfigurationProductionVariants,
    SagemakerEndpointConfigurationProductionVariantsServerlessConfig,
)
from mlplatform.bindings.aws.sagemaker_model import (
    SagemakerModel,
    SagemakerModelPrimaryContainer,
    SagemakerModelVpcConfig,
)
from mlplatform.config import ServingEndpointProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.endpoint_rollout import (
    configuration_lifecycle,
    deployment_config,
    endpoint_lifecycle,
    policy_lifecycle,
    rollback_alarms,
    scaling_lifecycle,
)
from mlplatform.constructs.ml_security_groups import security_group
from mlplatform.decisions.ml_security_groups import endpoint_security_group
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.cloudwatch import (
    endpoint_logging_statements,
    rollback_alarm_statements,
)
from mlplatform.decisions.policies.documents import Statement, policy_document, service_trust_policy
from mlplatform.decisions.policies.ec2 import vpc_access_statements
from mlplatform.decisions.policies.s3 import data_capture_statements
from mlplatform.decisions.resource_metrics import EndpointMetricMethods, EndpointMetrics
from mlplatform.decisions.serving_plan import (
    APPLY_TIME_SUFFIX,
    EndpointPlan,
    endpoint_refusal,
    plan_endpoint,
)
from mlplatform.errors import ConstructError
from mlplatform.interfaces import (
    DataCaptureDestination,
    IDependable,
    IModelRegistry,
    VpcPlacement,
)

__all__ = ["ServingEndpoint"]


class ServingEndpoint(EndpointMetricMethods, Construct):
    """A real-time endpoint with weighted variants, autoscaling, data capture and alarms.

    ``id`` is the endpoint's short name (``ranker``); the physical name is
    ``<org>-<env>-serving-<id>`` in the registry's environment unless
    ``naming`` says otherwise. ``data_capture`` is required when
    ``props.data_capture_percent`` is above 0. Without ``alarm_topic_arn``
    the alarms exist (console, dashboards) but notify nobody. ``placement``
    puts an instance-backed endpoint's interfaces in the VPC's private subnets
    (model artifacts and images then come through the VPC's S3 and ECR
    endpoints); serverless endpoints cannot run in a VPC.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        registry: IModelRegistry,
        props: ServingEndpointProps,
        data_capture: DataCaptureDestination | None = None,
        alarm_topic_arn: str | None = None,
        placement: VpcPlacement | None = None,
        naming: Naming | None = None,
    ) -> None:
        super().__init__(scope, id)
        plan = plan_endpoint(naming or registry.naming, id, props)
        _check(id, registry, props, plan, data_capture, placement)
        self._plan = plan
        self._registry = registry
        self._family = props.model_package_group
        self._role = self._execution_role()
        policies: list[IDependable] = [
            registry.grant_read(self._role, self._family),
            self._logging(props.log_retention_days),
        ]
        network: list[str] = []
        vpc_config = None
        self._security_group_id: str | None = None
        if placement is not None:
            network, vpc_config = self._network(placement)
            policies.append(
                self._role_policy("network-policy", "endpoint-network", vpc_access_statements())
            )
        capture = None
        if plan.data_capture_prefix is not None and data_capture is not None:
            capture = self._data_capture(data_capture, plan.data_capture_prefix)
            policies.append(
                self._role_policy(
                    "data-capture-policy",
                    "endpoint-data-capture",
                    data_capture_statements(
                        data_capture.bucket_arn, plan.data_capture_prefix, data_capture.key_arn
                    ),
                )
            )
        alarms = self._rollback_alarms(policies, alarm_topic_arn)
        models = self._models(policies, network, vpc_config)
        capture_inputs = (
            [data_capture.bucket_name, data_capture.key_arn]
            if capture is not None and data_capture is not None
            else []
        )
        self._endpoint = self._endpoint_with_configuration(models, capture, capture_inputs, alarms)
        self._autoscaling()
        self._alarms(alarm_topic_arn)

    # ----------------------------------------------------------------- 1. role
    def _execution_role(self) -> IamRole:
        """The role SageMaker runs the model as; grants come separately."""
        account = AccountContext.of(self)
        return IamRole(
            self,
            "execution-role",
            name=self._plan.role_name,
            description=f"SageMaker runs endpoint {self._plan.endpoint_name} as this role",
            assume_role_policy=json.dumps(
                service_trust_policy("sagemaker.amazonaws.com", account.account_id)
            ),
        )

    def _role_policy(self, id: str, name: str, statements: list[Statement]) -> IamRolePolicy:
        return IamRolePolicy(
            self,
            id,
            name=name,
            role=self._role.name,
            policy=json.dumps(policy_document(statements)),
        )

    # ----------------------------------------------------------------- 2. logs, network, capture
    def _logging(self, retention_days: int) -> IamRolePolicy:
        """Container logs, encrypted and expiring, created before SageMaker would; the role writes them."""
        log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=self._plan.log_group_name,
            retention_in_days=retention_days,
            kms_key_id=self._registry.key_arn,
        )
        return self._role_policy(
            "logging-policy", "endpoint-logging", endpoint_logging_statements(log_group.arn)
        )

    def _network(self, placement: VpcPlacement) -> tuple[list[str], SagemakerModelVpcConfig]:
        """The security group and subnets the instances use, and the model's VPC config."""
        self._security_group_id = self._security_group(self._plan, placement)
        subnets = list(placement.private_subnet_ids)
        # A placement read from the platform contract has its subnets as one token list, which
        # the name's digest takes joined (the same value at apply as the ids one by one).
        if Tokenization.reverse_list(subnets) is not None:
            subnets = [Fn.join(",", subnets)]
        network = [self._security_group_id, *subnets]
        vpc_config = SagemakerModelVpcConfig(
            security_group_ids=network[:1], subnets=list(placement.private_subnet_ids)
        )
        return network, vpc_config

    def _data_capture(
        self, destination: DataCaptureDestination, prefix: str
    ) -> SagemakerEndpointConfigurationDataCaptureConfig:
        """Sampled requests and responses, under the endpoint's own prefix, with the lake's key."""
        return SagemakerEndpointConfigurationDataCaptureConfig(
            enable_capture=True,
            initial_sampling_percentage=self._plan.data_capture_percent,
            destination_s3_uri=f"s3://{destination.bucket_name}/{prefix}",
            kms_key_id=destination.key_arn,
            capture_options=[
                SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions(capture_mode=mode)
                for mode in ("Input", "Output")
            ],
        )

    # ----------------------------------------------------------------- 3. rollback alarms
    def _rollback_alarms(
        self, policies: list[IDependable], topic_arn: str | None
    ) -> list[CloudwatchMetricAlarm]:
        """The alarms a deployment rolls back on, and the role's leave to read them (AWS needs it)."""
        if self._plan.rollout is None:
            return []
        alarms = rollback_alarms(self, self._plan.rollout, topic_arn)
        policies.append(
            self._role_policy(
                "rollback-alarms-policy",
                "endpoint-rollback-alarms",
                rollback_alarm_statements([alarm.arn for alarm in alarms]),
            )
        )
        return alarms

    # ----------------------------------------------------------------- 4. models, endpoint
    def _models(
        self,
        policies: list[IDependable],
        network: list[str],
        vpc_config: SagemakerModelVpcConfig | None,
    ) -> dict[str, SagemakerModel]:
        """One immutable model per variant, named by what it runs, replaced create-before-destroy."""
        registry, family = self._registry, self._family
        models: dict[str, SagemakerModel] = {}
        for variant in self._plan.variants:
            models[variant.name] = SagemakerModel(
                self,
                f"model-{variant.name}",
                name=_with_apply_time_digest(
                    variant.model.name,
                    [
                        self._role.arn,
                        registry.repository_url(family),
                        registry.bucket_name,
                        *network,
                    ],
                ),
                execution_role_arn=self._role.arn,
                enable_network_isolation=variant.model.network_isolation,
                primary_container=SagemakerModelPrimaryContainer(
                    image=f"{registry.repository_url(family)}:{variant.model.image_tag}",
                    model_data_url=registry.artifact_uri(family, variant.model.version),
                ),
                vpc_config=vpc_config,
                tags={"model-family": family, "model-version": variant.model.version},
                # SageMaker checks the role's access when the endpoint starts the model.
                depends_on=list(policies),
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            )
        return models

    def _endpoint_with_configuration(
        self,
        models: dict[str, SagemakerModel],
        capture: SagemakerEndpointConfigurationDataCaptureConfig | None,
        capture_inputs: list[str],
        alarms: list[CloudwatchMetricAlarm],
    ) -> SagemakerEndpoint:
        """An immutable configuration of the variants, and the endpoint that deploys it blue/green."""
        plan = self._plan
        volume_key = self._registry.key_arn if plan.volume_encryption else None
        model_names = {variant: model.name for variant, model in models.items()}
        config = SagemakerEndpointConfiguration(
            self,
            "config",
            name=_with_apply_time_digest(
                plan.config_name,
                plan.configuration_digest_inputs(model_names, capture_inputs, volume_key),
            ),
            production_variants=[
                _production_variant(fields) for fields in plan.production_variants(model_names)
            ],
            data_capture_config=capture,
            # Types with local NVMe storage refuse a volume key (their storage is hardware-encrypted).
            kms_key_arn=volume_key,
            lifecycle=configuration_lifecycle(plan),
        )
        self._config = config
        if plan.rollout is None:  # serverless: no fleet to shift between
            return SagemakerEndpoint(
                self, "endpoint", name=plan.endpoint_name, endpoint_config_name=config.name
            )
        return SagemakerEndpoint(
            self,
            "endpoint",
            name=plan.endpoint_name,
            endpoint_config_name=config.name,
            deployment_config=deployment_config(plan.rollout, alarms),
            lifecycle=endpoint_lifecycle(),
        )

    # ----------------------------------------------------------------- 5. autoscaling
    def _autoscaling(self) -> None:
        """Target tracking of the primary, between its min and max instances.

        Target and policy are replaced, deregistered before the endpoint
        switches, when the variant's instance type changes (AWS requires it).
        """
        for index, variant in enumerate(self._plan.variants):
            if variant.scaling is None:
                continue
            scaling = variant.scaling
            target = AppautoscalingTarget(
                self,
                f"scaling-target-{variant.name}",
                service_namespace="sagemaker",
                resource_id=scaling.resource_id,
                scalable_dimension=scaling.scalable_dimension,
                min_capacity=scaling.min_capacity,
                max_capacity=scaling.max_capacity,
                depends_on=[self._endpoint],
                lifecycle=scaling_lifecycle(self._endpoint, self._config, index),
            )
            AppautoscalingPolicy(
                self,
                f"scaling-policy-{variant.name}",
                name=scaling.policy_name,
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension,
                target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                    target_value=scaling.target_value,
                    predefined_metric_specification=AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=scaling.predefined_metric
                    ),
                    scale_in_cooldown=scaling.scale_in_cooldown,
                    scale_out_cooldown=scaling.scale_out_cooldown,
                ),
                lifecycle=policy_lifecycle(target),
            )

    # ----------------------------------------------------------------- 6. alarms
    def _alarms(self, topic_arn: str | None) -> None:
        """The plan's alarms, notifying ``topic_arn`` on alarm and on recovery."""
        for index, alarm in enumerate(self._plan.alarms):
            Alarm(
                self,
                f"alarm-{index}",
                **alarm.arguments(),
                topic=topic_arn,
                depends_on=[self._endpoint],
            )

    def _security_group(self, plan: EndpointPlan, placement: VpcPlacement) -> str:
        """No ingress (SageMaker invokes the model itself); egress HTTPS to S3 and the VPC's endpoints."""
        return security_group(self, endpoint_security_group(plan.endpoint_name), placement).id

    # ----------------------------------------------------------------- properties
    @property
    def endpoint_name(self) -> str:
        """The endpoint's name: stable through every rollout, the one callers invoke."""
        return self._endpoint.name

    @property
    def endpoint_arn(self) -> str:
        """ARN of the endpoint, for ``sagemaker:InvokeEndpoint`` grants."""
        return self._endpoint.arn

    @property
    def security_group_id(self) -> str | None:
        """The instances' security group (``None`` without a placement): what a store the model
        reads from, such as the online feature store, admits."""
        return self._security_group_id

    @property
    def execution_role(self) -> IamRole:
        """The role SageMaker runs the model as, for further grants (a feature store, say)."""
        return self._role

    @property
    def execution_role_arn(self) -> str:
        """ARN of the execution role."""
        return self._role.arn

    @property
    def variant_names(self) -> tuple[str, ...]:
        """Production variants in the order of the configuration."""
        return tuple(v.name for v in self._plan.variants)

    @property
    def uses_gpu(self) -> bool:
        """Whether any variant runs on GPU instances."""
        return self._plan.uses_gpu

    @property
    def alarm_names(self) -> tuple[str, ...]:
        """Names of the endpoint's CloudWatch alarms: per variant, then the rollback alarms."""
        return (*(a.name for a in self._plan.alarms), *self.rollback_alarm_names)

    @property
    def rollback_alarm_names(self) -> tuple[str, ...]:
        """Alarms that roll a deployment back while it bakes (none for a serverless endpoint)."""
        rollout = self._plan.rollout
        return tuple(a.name for a in rollout.rollback_alarms) if rollout else ()

    @property
    def plan(self) -> EndpointPlan:
        """The decisions the endpoint was built from (names, variants, scaling, alarms)."""
        return self._plan

    # ----------------------------------------------------------------- metrics
    # metric(), metric_invocations(), ... come from EndpointMetricMethods (both engines').
    def _endpoint_metrics(self) -> EndpointMetrics:
        return EndpointMetrics(self._plan.key, self._plan.endpoint_name, self.variant_names)

    def _refused(self, error: ValueError) -> Exception:
        """No such variant, as this package's error."""
        return ConstructError(str(error))


def _check(
    id: str,
    registry: IModelRegistry,
    props: ServingEndpointProps,
    plan: EndpointPlan,
    data_capture: DataCaptureDestination | None,
    placement: VpcPlacement | None,
) -> None:
    """Refuse what the endpoint cannot be built from, naming the endpoint and the fix."""
    try:
        # The registry refuses a family it does not have; one read from the platform contract
        # knows its families at plan time only, and the plan fails on a missing family.
        registry.repository_arn(props.model_package_group)
        families: Sequence[str] | None = None
    except (ValueError, KeyError):
        families = registry.model_families
    refusal = endpoint_refusal(
        id,
        props,
        plan,
        registry_families=families,
        data_capture=data_capture is not None,
        placement=placement is not None,
    )
    if refusal is not None:
        raise ConstructError(refusal)


def _with_apply_time_digest(name: str, values: list[str]) -> str:
    """``name-xxxx``: four hex digits of values known only at apply (see serving_plan).

    Pass whole references, not strings with references inside: the engine's
    functions cannot take the latter reliably.
    """
    # apply_time_digest, as Terraform functions: the values are only known at apply.
    digits = APPLY_TIME_SUFFIX - 1
    return f"{name}-{Fn.substr(Fn.sha1(Fn.join(',', values)), 0, digits)}"


def _production_variant(fields: dict[str, Any]) -> SagemakerEndpointConfigurationProductionVariants:
    """A planned variant's fields in the binding's structs."""
    serverless = fields.pop("serverless_config", None)
    return SagemakerEndpointConfigurationProductionVariants(
        **fields,
        serverless_config=(
            SagemakerEndpointConfigurationProductionVariantsServerlessConfig(**serverless)
            if serverless is not None
            else None
        ),
    )
