"""``ServingEndpoint`` on Pulumi: a SageMaker endpoint with weighted variants, autoscaling,
data capture, rollback alarms and per-variant alarms.

Every decision comes from :func:`mlplatform.decisions.serving_plan.plan_endpoint`
(names, variants, scaling, alarms, rollout) and the policy modules, as for
:class:`mlplatform.constructs.serving_endpoint.ServingEndpoint`. Models and
configurations are named with the apply-time digest
(:func:`~mlplatform.decisions.serving_plan.apply_time_digest`) of the same
values, which Pulumi computes once they are known. Terraform's lifecycle
settings of the cdktf construct (create-before-destroy, ignored counts,
replacement triggers) become Pulumi resource options where Pulumi has them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import ServingEndpointProps
from mlplatform.decisions.ml_security_groups import endpoint_security_group
from mlplatform.decisions.policies.cloudwatch import (
    endpoint_logging_statements,
    rollback_alarm_statements,
)
from mlplatform.decisions.policies.documents import Statement, policy_document, service_trust_policy
from mlplatform.decisions.policies.ec2 import vpc_access_statements
from mlplatform.decisions.policies.s3 import data_capture_statements
from mlplatform.decisions.resource_metrics import EndpointMetricMethods, EndpointMetrics
from mlplatform.decisions.rollout_plan import RolloutPlan
from mlplatform.decisions.serving_plan import (
    EndpointPlan,
    apply_time_digest,
    artifact_key,
    endpoint_refusal,
    plan_endpoint,
)
from mlplatform.errors import ConstructError
from mlplatform.pulumi.alarm import alarm
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.ml_security_groups import security_group
from mlplatform.pulumi.model_registry import ModelRegistryGrants
from mlplatform.pulumi.network import NetworkPlacement

__all__ = ["DataCapture", "ServingEndpoint"]

CAPACITY_PERCENT = "CAPACITY_PERCENT"


class DataCapture:
    """Where an endpoint captures sampled requests: a lake zone's bucket and the lake key."""

    def __init__(
        self,
        bucket_name: pulumi.Input[str],
        bucket_arn: pulumi.Input[str],
        key_arn: pulumi.Input[str],
    ) -> None:
        self.bucket_name = bucket_name
        self.bucket_arn = bucket_arn
        self.key_arn = key_arn


def _named(
    name: str, values: Sequence[pulumi.Input[str] | pulumi.Output[list[str]]]
) -> pulumi.Output[str]:
    """``name-<digest of values>``; a list among them (subnets read from the contract) counts
    as its items, in place, as the known subnets do."""

    def flat(resolved: list[Any]) -> list[str]:
        return [v for item in resolved for v in (item if isinstance(item, list) else [item])]

    return pulumi.Output.all(*values).apply(lambda v: f"{name}-{apply_time_digest(flat(v))}")


class ServingEndpoint(EndpointMetricMethods, PlatformComponent):
    """``mlplatform:ml:ServingEndpoint``."""

    def __init__(
        self,
        layer: Layer,
        parent: PlatformComponent,
        id: str,
        *,
        registry: ModelRegistryGrants,
        props: ServingEndpointProps,
        data_capture: DataCapture | None = None,
        alarm_topic_arn: pulumi.Input[str] | None = None,
        placement: NetworkPlacement | None = None,
    ) -> None:
        super().__init__(layer.layer, "ServingEndpoint", parent.child(id), parent=parent)
        plan = plan_endpoint(layer.naming, id, props)
        _check(id, registry, props, plan, data_capture, placement)
        self.plan = plan
        self._layer = layer
        self._registry = registry
        self._family = props.model_package_group
        self.execution_role = self._execution_role()
        log_group = self._container_logs(props.log_retention_days)
        policies: list[pulumi.Resource] = [
            registry.grant_read(self.execution_role, self._family),
            self._logging(log_group),
        ]
        network: list[pulumi.Input[str] | pulumi.Output[list[str]]] = []
        vpc_config: dict[str, Any] | None = None
        self.security_group_id: pulumi.Output[str] | None = None
        if placement is not None:
            network, vpc_config = self._network(placement)
            policies.append(
                self._role_policy("network-policy", "endpoint-network", vpc_access_statements)
            )
        capture: dict[str, Any] | None = None
        capture_inputs: list[pulumi.Input[str]] = []
        if plan.data_capture_prefix is not None and data_capture is not None:
            prefix = plan.data_capture_prefix
            capture = self._data_capture(data_capture, prefix)
            capture_inputs = [data_capture.bucket_name, data_capture.key_arn]
            policies.append(
                self._role_policy(
                    "data-capture-policy",
                    "endpoint-data-capture",
                    lambda bucket, key: data_capture_statements(bucket, prefix, key),
                    data_capture.bucket_arn,
                    data_capture.key_arn,
                )
            )
        rollback = self._rollback_alarms(policies, alarm_topic_arn)
        models = self._models(policies, network, vpc_config)
        self.endpoint = self._endpoint_with_configuration(models, capture, capture_inputs, rollback)
        self._autoscaling()
        self._alarms(alarm_topic_arn)
        self.register_outputs({"endpoint_name": self.endpoint.name})

    # ----------------------------------------------------------------- 1. role
    def _execution_role(self) -> aws.iam.Role:
        """The role SageMaker runs the model as; grants come separately."""
        return aws.iam.Role(
            self.child("execution-role"),
            name=self.plan.role_name,
            description=f"SageMaker runs endpoint {self.plan.endpoint_name} as this role",
            assume_role_policy=self._layer.document(
                lambda account, _partition: service_trust_policy("sagemaker.amazonaws.com", account)
            ),
            opts=self.options(),
        )

    def _role_policy(
        self, id: str, name: str, statements: Any, *inputs: pulumi.Input[Any]
    ) -> aws.iam.RolePolicy:
        """Policy ``name`` of the execution role: ``statements`` of ``inputs``, once known."""

        def document(values: list[Any]) -> str:
            built: list[Statement] = statements(*values)
            return json.dumps(policy_document(built))

        return aws.iam.RolePolicy(
            self.child(id),
            name=name,
            role=self.execution_role.name,
            policy=pulumi.Output.all(*inputs).apply(document),
            opts=self.options(),
        )

    # ----------------------------------------------------------------- 2. logs, network, capture
    def _container_logs(self, retention_days: int) -> aws.cloudwatch.LogGroup:
        """Container logs, encrypted and expiring, created before SageMaker would."""
        return aws.cloudwatch.LogGroup(
            self.child("logs"),
            name=self.plan.log_group_name,
            retention_in_days=retention_days,
            kms_key_id=self._registry.key_arn,
            opts=self.options(),
        )

    def _logging(self, log_group: aws.cloudwatch.LogGroup) -> aws.iam.RolePolicy:
        """The role's leave to write the container logs."""
        return self._role_policy(
            "logging-policy", "endpoint-logging", endpoint_logging_statements, log_group.arn
        )

    def _network(
        self, placement: NetworkPlacement
    ) -> tuple[list[pulumi.Input[str] | pulumi.Output[list[str]]], dict[str, Any]]:
        """The security group and subnets the instances use, and the model's VPC config."""
        self.security_group_id = self._security_group(self.plan, placement)
        subnets = placement.subnets()
        network = [
            self.security_group_id,
            *([subnets] if isinstance(subnets, pulumi.Output) else subnets),
        ]
        vpc_config = {
            "security_group_ids": [self.security_group_id],
            "subnets": subnets,
        }
        return network, vpc_config

    def _data_capture(self, destination: DataCapture, prefix: str) -> dict[str, Any]:
        """Sampled requests and responses, under the endpoint's own prefix, with the lake's key."""
        return {
            "enable_capture": True,
            "initial_sampling_percentage": self.plan.data_capture_percent,
            "destination_s3_uri": pulumi.Output.concat(
                "s3://", destination.bucket_name, "/", prefix
            ),
            "kms_key_id": destination.key_arn,
            "capture_options": [{"capture_mode": mode} for mode in ("Input", "Output")],
        }

    # ----------------------------------------------------------------- 3. rollback alarms
    def _rollback_alarms(
        self, policies: list[pulumi.Resource], topic_arn: pulumi.Input[str] | None
    ) -> list[aws.cloudwatch.MetricAlarm]:
        """The alarms a deployment rolls back on, and the role's leave to read them (AWS needs it)."""
        if self.plan.rollout is None:
            return []
        alarms = []
        for index, planned in enumerate(self.plan.rollout.rollback_alarms):
            alarms.append(
                aws.cloudwatch.MetricAlarm(
                    self.child(f"rollback-alarm-{index}"),
                    name=planned.name,
                    metric_queries=planned.metric_queries(),
                    **planned.settings(topic_arn),
                    opts=self.options(),
                )
            )
        policies.append(
            self._role_policy(
                "rollback-alarms-policy",
                "endpoint-rollback-alarms",
                lambda *arns: rollback_alarm_statements(list(arns)),
                *[a.arn for a in alarms],
            )
        )
        return alarms

    # ----------------------------------------------------------------- 4. models, endpoint
    def _models(
        self,
        policies: list[pulumi.Resource],
        network: list[pulumi.Input[str] | pulumi.Output[list[str]]],
        vpc_config: dict[str, Any] | None,
    ) -> dict[str, aws.sagemaker.Model]:
        """One immutable model per variant, named by what it runs, replaced create-before-destroy."""
        registry, family = self._registry, self._family
        repository_url = registry.repository_url(family)
        models: dict[str, aws.sagemaker.Model] = {}
        for variant in self.plan.variants:
            models[variant.name] = aws.sagemaker.Model(
                self.child(f"model-{variant.name}"),
                name=_named(
                    variant.model.name,
                    [self.execution_role.arn, repository_url, registry.bucket_name, *network],
                ),
                execution_role_arn=self.execution_role.arn,
                enable_network_isolation=variant.model.network_isolation,
                primary_container={
                    "image": pulumi.Output.concat(repository_url, ":", variant.model.image_tag),
                    "model_data_url": pulumi.Output.concat(
                        "s3://",
                        registry.bucket_name,
                        "/",
                        artifact_key(family, variant.model.version),
                    ),
                },
                vpc_config=vpc_config,
                tags={"model-family": family, "model-version": variant.model.version},
                # SageMaker checks the role's access when the endpoint starts the model.
                opts=self.options(depends_on=list(policies), create_before_destroy=True),
            )
        return models

    def _endpoint_with_configuration(
        self,
        models: dict[str, aws.sagemaker.Model],
        capture: dict[str, Any] | None,
        capture_inputs: list[pulumi.Input[str]],
        alarms: list[aws.cloudwatch.MetricAlarm],
    ) -> aws.sagemaker.Endpoint:
        """An immutable configuration of the variants, and the endpoint that deploys it blue/green."""
        plan = self.plan
        volume_key = self._registry.key_arn if plan.volume_encryption else None
        model_names = {variant: model.name for variant, model in models.items()}
        self.config = aws.sagemaker.EndpointConfiguration(
            self.child("config"),
            name=_named(
                plan.config_name,
                plan.configuration_digest_inputs(model_names, capture_inputs, volume_key),
            ),
            production_variants=plan.production_variants(model_names),
            data_capture_config=capture,
            kms_key_arn=volume_key,
            opts=pulumi.ResourceOptions.merge(
                self.options(create_before_destroy=True),
                pulumi.ResourceOptions(
                    ignore_changes=[
                        f"productionVariants[{index}].initialInstanceCount"
                        for index, variant in enumerate(plan.variants)
                        if variant.scaling is not None
                    ]
                ),
            ),
        )
        if plan.rollout is None:
            return aws.sagemaker.Endpoint(
                self.child("endpoint"),
                name=plan.endpoint_name,
                endpoint_config_name=self.config.name,
                opts=self.options(),
            )
        return aws.sagemaker.Endpoint(
            self.child("endpoint"),
            name=plan.endpoint_name,
            endpoint_config_name=self.config.name,
            deployment_config=_deployment_config(plan.rollout, alarms),
            opts=pulumi.ResourceOptions.merge(
                self.options(),
                pulumi.ResourceOptions(
                    ignore_changes=["deploymentConfig.autoRollbackConfiguration"]
                ),
            ),
        )

    # ----------------------------------------------------------------- 5. autoscaling
    def _autoscaling(self) -> None:
        """Target tracking of each autoscaled variant, between its min and max instances."""
        for index, variant in enumerate(self.plan.variants):
            if variant.scaling is None:
                continue
            scaling = variant.scaling
            # Replaced (deregistered first) when the variant's instance type changes, as AWS
            # requires, or when the endpoint is replaced (see endpoint_rollout.scaling_lifecycle).
            instance_type = self.config.production_variants.apply(partial(_instance_type, index))
            target = aws.appautoscaling.Target(
                self.child(f"scaling-target-{variant.name}"),
                service_namespace="sagemaker",
                resource_id=scaling.resource_id,
                scalable_dimension=scaling.scalable_dimension,
                min_capacity=scaling.min_capacity,
                max_capacity=scaling.max_capacity,
                opts=pulumi.ResourceOptions.merge(
                    self.options(depends_on=[self.endpoint]),
                    pulumi.ResourceOptions(
                        replacement_trigger=pulumi.Output.all(instance_type, self.endpoint.arn)
                    ),
                ),
            )
            aws.appautoscaling.Policy(
                self.child(f"scaling-policy-{variant.name}"),
                name=scaling.policy_name,
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension,
                target_tracking_scaling_policy_configuration={
                    "target_value": scaling.target_value,
                    "predefined_metric_specification": {
                        "predefined_metric_type": scaling.predefined_metric
                    },
                    "scale_in_cooldown": scaling.scale_in_cooldown,
                    "scale_out_cooldown": scaling.scale_out_cooldown,
                },
                # Deregistering a target deletes its policies in AWS: replaced with it.
                opts=pulumi.ResourceOptions.merge(
                    self.options(),
                    pulumi.ResourceOptions(replacement_trigger=pulumi.Output.all(target.arn)),
                ),
            )

    # ----------------------------------------------------------------- 6. alarms
    def _alarms(self, topic_arn: pulumi.Input[str] | None) -> None:
        """The plan's alarms, notifying ``topic_arn`` on alarm and on recovery."""
        for index, planned in enumerate(self.plan.alarms):
            alarm(
                self.child(f"alarm-{index}"),
                **planned.arguments(),
                topic=topic_arn,
                opts=self.options(depends_on=[self.endpoint]),
            )

    def _security_group(
        self, plan: EndpointPlan, placement: NetworkPlacement
    ) -> pulumi.Output[str]:
        """No ingress (SageMaker invokes the model itself); egress HTTPS to S3 and the VPC's endpoints."""
        return security_group(self, endpoint_security_group(plan.endpoint_name), placement).id

    # ----------------------------------------------------------------- properties
    @property
    def endpoint_name(self) -> pulumi.Output[str]:
        return self.endpoint.name

    @property
    def variant_names(self) -> tuple[str, ...]:
        """Production variants in the order of the configuration."""
        return tuple(v.name for v in self.plan.variants)

    # ----------------------------------------------------------------- metrics
    # The endpoint's name is the platform's (``plan.endpoint_name``), so metric(),
    # metric_invocations(), ... (EndpointMetricMethods) answer cdktf's specs.
    def _endpoint_metrics(self) -> EndpointMetrics:
        return EndpointMetrics(self.plan.key, self.plan.endpoint_name, self.variant_names)


def _check(
    id: str,
    registry: ModelRegistryGrants,
    props: ServingEndpointProps,
    plan: EndpointPlan,
    data_capture: DataCapture | None,
    placement: NetworkPlacement | None,
) -> None:
    """Refuse what the endpoint cannot be built from, in the cdktf endpoint's words."""
    refusal = endpoint_refusal(
        id,
        props,
        plan,
        registry_families=registry.model_families,
        data_capture=data_capture is not None,
        placement=placement is not None,
    )
    if refusal is not None:
        raise ConstructError(refusal)


def _instance_type(
    index: int, variants: Sequence[aws.sagemaker.outputs.EndpointConfigurationProductionVariant]
) -> str:
    return str(variants[index].instance_type)


def _deployment_config(
    rollout: RolloutPlan, alarms: list[aws.cloudwatch.MetricAlarm]
) -> dict[str, Any]:
    routing: dict[str, Any] = {
        "type": rollout.traffic_routing,
        "wait_interval_in_seconds": rollout.wait_interval_seconds,
    }
    if rollout.canary_percent is not None:
        routing["canary_size"] = {"type": CAPACITY_PERCENT, "value": rollout.canary_percent}
    if rollout.linear_step_percent is not None:
        routing["linear_step_size"] = {
            "type": CAPACITY_PERCENT,
            "value": rollout.linear_step_percent,
        }
    return {
        "blue_green_update_policy": {
            "traffic_routing_configuration": routing,
            "termination_wait_in_seconds": rollout.termination_wait_seconds,
            "maximum_execution_timeout_in_seconds": rollout.maximum_execution_timeout_seconds,
        },
        "auto_rollback_configuration": {
            "alarms": [{"alarm_name": a.name} for a in alarms],
        },
    }
