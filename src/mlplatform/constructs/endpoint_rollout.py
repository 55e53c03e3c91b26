"""The parts of a serving endpoint that make a rollout safe, as resources.

:class:`~mlplatform.constructs.serving_endpoint.ServingEndpoint` calls these
for an instance-backed endpoint; the decisions (names, thresholds, traffic
steps) come from :mod:`mlplatform.decisions.rollout_plan`. Three things make
a new configuration safe to deploy on a busy endpoint:

- the rollback alarms and the ``deployment_config`` that names them
  (:func:`rollback_alarms`, :func:`deployment_config`): SageMaker's blue/green
  deployment keeps the old fleet serving until the new one has baked;
- :func:`endpoint_lifecycle`: terraform never replaces the endpoint over its
  rollback alarm list (the provider would delete and recreate it);
- :func:`configuration_lifecycle` and :func:`scaling_lifecycle`: an
  autoscaled count is autoscaling's, and a variant that changes instance type
  is deregistered from autoscaling before the endpoint switches, as AWS
  requires, then registered again.
"""

from __future__ import annotations

from cdktf import TerraformResource, TerraformResourceLifecycle
from constructs import Construct

from mlplatform.bindings.aws.appautoscaling_target import AppautoscalingTarget
from mlplatform.bindings.aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from mlplatform.bindings.aws.sagemaker_endpoint import (
    SagemakerEndpoint,
    SagemakerEndpointDeploymentConfig,
    SagemakerEndpointDeploymentConfigAutoRollbackConfiguration,
    SagemakerEndpointDeploymentConfigAutoRollbackConfigurationAlarms,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicy,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationCanarySize,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationLinearStepSize,
)
from mlplatform.bindings.aws.sagemaker_endpoint_configuration import (
    SagemakerEndpointConfiguration,
)
from mlplatform.constructs.alarm import metric_query
from mlplatform.decisions.rollout_plan import RolloutPlan
from mlplatform.decisions.serving_plan import EndpointPlan

__all__ = [
    "configuration_lifecycle",
    "deployment_config",
    "endpoint_lifecycle",
    "policy_lifecycle",
    "rollback_alarms",
    "scaling_lifecycle",
]

CAPACITY_PERCENT = "CAPACITY_PERCENT"


def rollback_alarms(
    scope: Construct, rollout: RolloutPlan, topic_arn: str | None
) -> list[CloudwatchMetricAlarm]:
    """The endpoint-wide alarms SageMaker watches while a deployment bakes; they notify too.

    They exist before the endpoint (SageMaker reads them when a deployment
    starts), so unlike the per-variant alarms they do not depend on it.
    """
    alarms = []
    for index, alarm in enumerate(rollout.rollback_alarms):
        alarms.append(
            CloudwatchMetricAlarm(
                scope,
                f"rollback-alarm-{index}",
                alarm_name=alarm.name,
                metric_query=[metric_query(query) for query in alarm.metric_queries()],
                **alarm.settings(topic_arn or None),
            )
        )
    return alarms


def deployment_config(
    rollout: RolloutPlan, alarms: list[CloudwatchMetricAlarm]
) -> SagemakerEndpointDeploymentConfig:
    """Blue/green with the plan's traffic shifting, rolled back by ``alarms``."""
    canary = linear = None
    if rollout.canary_percent is not None:
        canary = SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationCanarySize(
            type=CAPACITY_PERCENT, value=rollout.canary_percent
        )
    if rollout.linear_step_percent is not None:
        linear = SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationLinearStepSize(
            type=CAPACITY_PERCENT, value=rollout.linear_step_percent
        )
    return SagemakerEndpointDeploymentConfig(
        blue_green_update_policy=SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicy(
            traffic_routing_configuration=SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration(
                type=rollout.traffic_routing,
                wait_interval_in_seconds=rollout.wait_interval_seconds,
                canary_size=canary,
                linear_step_size=linear,
            ),
            termination_wait_in_seconds=rollout.termination_wait_seconds,
            maximum_execution_timeout_in_seconds=rollout.maximum_execution_timeout_seconds,
        ),
        auto_rollback_configuration=SagemakerEndpointDeploymentConfigAutoRollbackConfiguration(
            alarms=[
                SagemakerEndpointDeploymentConfigAutoRollbackConfigurationAlarms(
                    alarm_name=alarm.alarm_name
                )
                for alarm in alarms
            ]
        ),
    )


def endpoint_lifecycle() -> TerraformResourceLifecycle:
    """Keep the rollback alarm list the endpoint was created with.

    The provider replaces an endpoint (deletes it, then creates it: an
    outage) when that list changes. It is set when the endpoint is created
    and never changed afterwards; the alarms' names are fixed for that reason
    (see :mod:`mlplatform.decisions.rollout_plan`). An endpoint created
    before the platform had rollback alarms gets the blue/green policy in
    place and no alarm list (see "Roll out a model" in the README).
    """
    return TerraformResourceLifecycle(
        ignore_changes=["deployment_config[0].auto_rollback_configuration"]
    )


def configuration_lifecycle(plan: EndpointPlan) -> TerraformResourceLifecycle:
    """Create-before-destroy; an autoscaled variant's count is left to autoscaling.

    The count is not in the configuration's name either (see
    :mod:`mlplatform.decisions.serving_plan`): raising ``max_instances`` must
    not replace the configuration under the same name. The next configuration
    (a new model, say) starts at the new count.
    """
    return TerraformResourceLifecycle(
        create_before_destroy=True,
        ignore_changes=[
            f"production_variants[{index}].initial_instance_count"
            for index, variant in enumerate(plan.variants)
            if variant.scaling is not None
        ]
        or None,
    )


def scaling_lifecycle(
    endpoint: SagemakerEndpoint, config: SagemakerEndpointConfiguration, variant_index: int
) -> TerraformResourceLifecycle:
    """Replace the scaling target when its variant's instance type changes, or its endpoint is replaced.

    AWS refuses to switch an endpoint to a configuration that changes the
    instance type of a variant registered with Application Auto Scaling. A
    replaced target depends on the endpoint, so terraform deregisters it
    (and its policy, replaced with it) before the endpoint switches, and
    registers it again after: AWS's documented two steps, in one apply. A
    new model on the same type keeps the target as it is.

    Deleting an endpoint deregisters its targets in AWS, so a replaced
    endpoint gets its target registered again in the same apply.
    """
    path = f"production_variants[{variant_index}].instance_type"
    return TerraformResourceLifecycle(
        replace_triggered_by=[
            f"{_address(config)}.{path}",
            # The ARN changes only when the endpoint is replaced, not on a rollout.
            f"{_address(endpoint)}.arn",
        ]
    )


def policy_lifecycle(target: AppautoscalingTarget) -> TerraformResourceLifecycle:
    """Replace a scaling policy with its target: deregistering a target deletes its policies in AWS.

    The target's ARN changes only when it is replaced, not when its min or max change.
    """
    return TerraformResourceLifecycle(replace_triggered_by=[f"{_address(target)}.arn"])


def _address(resource: TerraformResource) -> str:
    """``type.name``: terraform refuses ``${...}`` templates in ``replace_triggered_by``."""
    return f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"
