"""Rollouts on a busy endpoint: blue/green with auto-rollback, capacity kept, instance types changeable.

The plan (pure Python) and the synthesized resources. The end-to-end test
applies a rollout with an instance type change in the emulator, which refuses
the update unless the variant was deregistered from autoscaling first.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack, Testing

from mlplatform.config import ModelRegistryProps, ServingEndpointProps
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.serving_plan import plan_endpoint
from mlplatform.interfaces import DataCaptureDestination

NAMING = Naming("acme", "test")
TOPIC = "arn:aws:sns:us-east-1:123456789012:acme-test-ml-alarms"
LAKE = DataCaptureDestination(
    bucket_name="acme-test-datalake-raw",
    bucket_arn="arn:aws:s3:::acme-test-datalake-raw",
    key_arn="arn:aws:kms:us-east-1:123456789012:key/lake",
)
PRIMARY = {"name": "primary", "model_version": "7", "image_tag": "1.4.2"}
CANARY = {"name": "canary", "model_version": "8", "image_tag": "1.5.0", "weight": 10}


def _props(**overrides: Any) -> ServingEndpointProps:
    data: dict[str, Any] = {
        "model_package_group": "ranker",
        "instance_type": "ml.g5.xlarge",
        "min_instances": 2,
        "max_instances": 20,
        "variants": [PRIMARY],
    }
    data.update(overrides)
    return ServingEndpointProps.model_validate(data)


def _synth(stack: TerraformStack, props: ServingEndpointProps) -> dict[str, Any]:
    registry = ModelRegistry(
        stack, "registry", naming=NAMING, props=ModelRegistryProps(model_families=("ranker",))
    )
    ServingEndpoint(
        stack,
        "ranker",
        registry=registry,
        props=props,
        data_capture=LAKE if props.data_capture_percent else None,
        alarm_topic_arn=TOPIC,
    )
    resources: dict[str, Any] = json.loads(Testing.synth(stack))["resource"]
    return resources


def _one(resources: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    [(name, resource)] = resources[kind].items()
    return f"{kind}.{name}", resource


def _rollback_alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    alarms = resources["aws_cloudwatch_metric_alarm"].values()
    return {a["alarm_name"]: a for a in alarms if "metric_query" in a}


# --------------------------------------------------------------------------- capacity


def test_raising_min_or_max_instances_deploys_no_new_configuration() -> None:
    base = plan_endpoint(NAMING, "ranker", _props())
    more = plan_endpoint(NAMING, "ranker", _props(min_instances=4, max_instances=30))

    assert base.config_name == more.config_name
    assert base.variants[0].initial_instance_count == 20
    assert more.variants[0].initial_instance_count == 30
    assert more.variants[0].scaling is not None
    assert (more.variants[0].scaling.min_capacity, more.variants[0].scaling.max_capacity) == (4, 30)


def test_a_fixed_count_is_the_capacity_so_it_is_a_new_configuration() -> None:
    pinned = plan_endpoint(NAMING, "ranker", _props(autoscaling=False, min_instances=2))
    more = plan_endpoint(NAMING, "ranker", _props(autoscaling=False, min_instances=3))
    canary = plan_endpoint(NAMING, "ranker", _props(variants=[PRIMARY, CANARY]))
    bigger_canary = plan_endpoint(
        NAMING, "ranker", _props(variants=[PRIMARY, CANARY], min_instances=3)
    )

    assert pinned.config_name != more.config_name
    assert canary.config_name != bigger_canary.config_name


def test_the_configuration_leaves_the_autoscaled_count_to_autoscaling(
    stack: TerraformStack,
) -> None:
    resources = _synth(stack, _props(variants=[PRIMARY, CANARY]))

    _, config = _one(resources, "aws_sagemaker_endpoint_configuration")
    counts = {v["variant_name"]: v["initial_instance_count"] for v in config["production_variants"]}
    assert counts == {"primary": 20, "canary": 2}
    # Index 0 is the autoscaled primary; the canary's fixed count stays managed.
    assert config["lifecycle"] == {
        "create_before_destroy": True,
        "ignore_changes": ["production_variants[0].initial_instance_count"],
    }


def test_without_autoscaling_the_count_is_managed(stack: TerraformStack) -> None:
    resources = _synth(stack, _props(autoscaling=False))

    _, config = _one(resources, "aws_sagemaker_endpoint_configuration")
    assert config["lifecycle"] == {"create_before_destroy": True}
    assert config["production_variants"][0]["initial_instance_count"] == 2


# --------------------------------------------------------------------------- blue/green


def test_the_endpoint_deploys_a_canary_and_rolls_back_on_its_alarms(
    stack: TerraformStack,
) -> None:
    resources = _synth(stack, _props())

    _, endpoint = _one(resources, "aws_sagemaker_endpoint")
    deployment = endpoint["deployment_config"]
    policy = deployment["blue_green_update_policy"]
    assert policy["traffic_routing_configuration"] == {
        "type": "CANARY",
        "canary_size": {"type": "CAPACITY_PERCENT", "value": 10},
        "wait_interval_in_seconds": 600,
    }
    assert policy["termination_wait_in_seconds"] == 300
    assert policy["maximum_execution_timeout_in_seconds"] == 3600
    alarm_refs = [a["alarm_name"] for a in deployment["auto_rollback_configuration"]["alarms"]]
    alarm_ids = [
        name for name, a in resources["aws_cloudwatch_metric_alarm"].items() if "metric_query" in a
    ]
    assert sorted(alarm_refs) == sorted(
        f"${{aws_cloudwatch_metric_alarm.{name}.alarm_name}}" for name in alarm_ids
    )
    # The provider would replace the endpoint (an outage) if the alarm list changed.
    assert endpoint["lifecycle"] == {
        "ignore_changes": ["deployment_config[0].auto_rollback_configuration"]
    }


@pytest.mark.parametrize(
    ("rollout", "routing"),
    [
        (
            {"strategy": "linear", "linear_step_percent": 25, "bake_seconds": 300},
            {
                "type": "LINEAR",
                "linear_step_size": {"type": "CAPACITY_PERCENT", "value": 25},
                "wait_interval_in_seconds": 300,
            },
        ),
        (
            {"strategy": "all_at_once", "bake_seconds": 900},
            {"type": "ALL_AT_ONCE", "wait_interval_in_seconds": 900},
        ),
    ],
)
def test_the_environment_file_chooses_the_traffic_shifting(
    stack: TerraformStack, rollout: dict[str, Any], routing: dict[str, Any]
) -> None:
    resources = _synth(stack, _props(rollout=rollout))

    _, endpoint = _one(resources, "aws_sagemaker_endpoint")
    policy = endpoint["deployment_config"]["blue_green_update_policy"]
    assert policy["traffic_routing_configuration"] == routing


def test_rollback_alarms_watch_every_variant_and_notify(stack: TerraformStack) -> None:
    resources = _synth(stack, _props(variants=[PRIMARY, CANARY]))

    alarms = _rollback_alarms(resources)
    assert set(alarms) == {
        "acme-test-serving-ranker-rollback-5xx-errors",
        "acme-test-serving-ranker-rollback-p99-latency",
    }
    errors = alarms["acme-test-serving-ranker-rollback-5xx-errors"]
    queries = {q["id"]: q for q in errors["metric_query"]}
    assert queries["endpoint"]["expression"] == "SUM([e0, e1])"
    assert queries["endpoint"]["return_data"] is True
    assert {
        q["metric"]["dimensions"]["VariantName"] for q in queries.values() if "metric" in q
    } == {
        "primary",
        "canary",
    }
    assert {q["metric"]["metric_name"] for q in queries.values() if "metric" in q} == {
        "Invocation5XXErrors"
    }
    latency = alarms["acme-test-serving-ranker-rollback-p99-latency"]
    assert {q["id"]: q.get("expression") for q in latency["metric_query"]}["endpoint"] == (
        "MAX([l0, l1])"
    )
    assert {q["metric"]["stat"] for q in latency["metric_query"] if "metric" in q} == {"p99"}
    assert latency["threshold"] == 1_000_000  # microseconds
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [TOPIC]
        # Two bad minutes of three: they fire well within a ten-minute bake.
        assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (3, 2)
        # SageMaker reads them when a deployment starts: they exist before the endpoint.
        assert "depends_on" not in alarm


def test_rollback_alarm_names_survive_a_canary_and_a_renamed_primary() -> None:
    def names(*variants: dict[str, Any]) -> tuple[str, ...]:
        rollout = plan_endpoint(NAMING, "ranker", _props(variants=list(variants))).rollout
        assert rollout is not None
        return tuple(a.name for a in rollout.rollback_alarms)

    renamed = {**PRIMARY, "name": "blue"}
    assert names(PRIMARY) == names(PRIMARY, CANARY) == names(renamed)
    assert not any("primary" in name for name in names(PRIMARY))


def test_the_execution_role_may_read_only_the_rollback_alarms(stack: TerraformStack) -> None:
    resources = _synth(stack, _props())

    policies = {p["name"]: p for p in resources["aws_iam_role_policy"].values()}
    [statement] = json.loads(policies["endpoint-rollback-alarms"]["policy"])["Statement"]
    assert statement["Action"] == "cloudwatch:DescribeAlarms"
    alarm_ids = sorted(
        name for name, a in resources["aws_cloudwatch_metric_alarm"].items() if "metric_query" in a
    )
    assert sorted(statement["Resource"]) == [
        f"${{aws_cloudwatch_metric_alarm.{name}.arn}}" for name in alarm_ids
    ]
    # The models (and so the endpoint) wait for the permission.
    _, model = _one(resources, "aws_sagemaker_model")
    [rollback_policy] = [
        name
        for name, p in resources["aws_iam_role_policy"].items()
        if p["name"] == "endpoint-rollback-alarms"
    ]
    assert f"aws_iam_role_policy.{rollback_policy}" in model["depends_on"]


def test_a_serverless_endpoint_has_no_deployment_config(stack: TerraformStack) -> None:
    props = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "serverless": {},
            "variants": [PRIMARY],
        }
    )
    resources = _synth(stack, props)

    _, endpoint = _one(resources, "aws_sagemaker_endpoint")
    assert "deployment_config" not in endpoint
    assert "lifecycle" not in endpoint
    assert _rollback_alarms(resources) == {}
    assert plan_endpoint(NAMING, "ranker", props).rollout is None


# --------------------------------------------------------------------------- instance type changes


def test_an_instance_type_change_deregisters_the_variant_first(stack: TerraformStack) -> None:
    """AWS refuses the type change of an autoscaled variant: the target is replaced around it.

    A replaced target depends on the endpoint, so terraform destroys (deregisters)
    it before the endpoint switches and creates it again after. The end-to-end
    test applies such a change in the emulator, which refuses it otherwise.
    """
    resources = _synth(stack, _props())

    config, _ = _one(resources, "aws_sagemaker_endpoint_configuration")
    endpoint, _ = _one(resources, "aws_sagemaker_endpoint")
    target_address, target = _one(resources, "aws_appautoscaling_target")
    assert target["depends_on"] == [endpoint]
    assert target["lifecycle"]["replace_triggered_by"] == [
        f"{config}.production_variants[0].instance_type",
        f"{endpoint}.arn",
    ]
    _, policy = _one(resources, "aws_appautoscaling_policy")
    # Deregistering deletes the policy in AWS; its ARN-triggered replacement recreates it.
    # (Not the whole target: raising max_instances updates the target and keeps the policy.)
    assert policy["lifecycle"]["replace_triggered_by"] == [f"{target_address}.arn"]
