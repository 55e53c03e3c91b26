"""UpdateEndpoint in the emulator refuses what AWS refuses, and keeps what AWS keeps.

Run against the emulator's own server process (``LocalAws``), exactly as
``make up`` and the end-to-end test reach it, so nothing is patched in the
pytest process. See ``mlplatform.emulator.server._add_endpoint_updates``.

AWS refuses an UpdateEndpoint that changes the instance type of, or removes, a
variant registered with Application Auto Scaling; the variant must be
deregistered first. A new model on the same instance type is allowed. If the
emulator accepted the update, a plan that forgets to deregister would pass the
end-to-end test and fail in a real account. The first of AWS's two steps,
deregistering the variant, deletes its scaling policies as AWS does, and a
delete of what is already gone answers ObjectNotFoundException, which the
provider takes as done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.local_aws import LocalAws

ROLE = "arn:aws:iam::123456789012:role/serving"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:1.0.0"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
DEPLOYMENT: dict[str, Any] = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "WaitIntervalInSeconds": 600,
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
        },
        "TerminationWaitInSeconds": 300,
        "MaximumExecutionTimeoutInSeconds": 3600,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "ranker-rollback-5xx-errors"}]},
}

Client = Callable[[str], Any]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    log = Path(tmp_path_factory.mktemp("emulator")) / "moto.log"
    with LocalAws(log_file=log) as emulator:

        def make(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=emulator.endpoint,
                region_name="us-east-1",
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )

        yield make


def _config(sagemaker: Any, name: str, *variants: tuple[str, str, str, int]) -> str:
    """An endpoint configuration of (variant, model, instance type, count) variants."""
    known = {m["ModelName"] for m in sagemaker.list_models()["Models"]}
    for _, model, _, _ in variants:
        if model not in known:
            known.add(model)
            sagemaker.create_model(
                ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE}
            )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InstanceType": instance_type,
                "InitialInstanceCount": count,
                "InitialVariantWeight": 1,
            }
            for variant, model, instance_type, count in variants
        ],
    )
    return name


def _autoscale(client: Client, endpoint: str, variant: str) -> None:
    client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=f"endpoint/{endpoint}/variant/{variant}",
        ScalableDimension=DIMENSION,
        MinCapacity=2,
        MaxCapacity=20,
    )


def _deregister(client: Client, endpoint: str, variant: str) -> None:
    client("application-autoscaling").deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=f"endpoint/{endpoint}/variant/{variant}",
        ScalableDimension=DIMENSION,
    )


def _counts(sagemaker: Any, endpoint: str) -> dict[str, int]:
    variants = sagemaker.describe_endpoint(EndpointName=endpoint)["ProductionVariants"]
    return {v["VariantName"]: v["CurrentInstanceCount"] for v in variants}


def test_an_autoscaled_variant_cannot_change_instance_type_until_deregistered(
    client: Client,
) -> None:
    sagemaker = client("sagemaker")
    before = _config(sagemaker, "type-before", ("primary", "m1", "ml.m5.large", 2))
    after = _config(sagemaker, "type-after", ("primary", "m1", "ml.m5.xlarge", 2))
    sagemaker.create_endpoint(EndpointName="type-change", EndpointConfigName=before)
    _autoscale(client, "type-change", "primary")

    with pytest.raises(ClientError) as refused:
        sagemaker.update_endpoint(EndpointName="type-change", EndpointConfigName=after)

    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert '"[primary]" must be deregistered as scalable targets' in error["Message"]
    assert "instance type" in error["Message"]
    assert sagemaker.describe_endpoint(EndpointName="type-change")["EndpointConfigName"] == before

    # AWS's two steps: deregister, update; then register the variant again.
    _deregister(client, "type-change", "primary")
    sagemaker.update_endpoint(EndpointName="type-change", EndpointConfigName=after)
    assert sagemaker.describe_endpoint(EndpointName="type-change")["EndpointConfigName"] == after
    _autoscale(client, "type-change", "primary")


def test_an_autoscaled_variant_cannot_be_removed_until_deregistered(client: Client) -> None:
    sagemaker = client("sagemaker")
    before = _config(sagemaker, "remove-before", ("primary", "m1", "ml.m5.large", 2))
    renamed = _config(sagemaker, "remove-after", ("blue", "m1", "ml.m5.large", 2))
    sagemaker.create_endpoint(EndpointName="remove", EndpointConfigName=before)
    _autoscale(client, "remove", "primary")

    with pytest.raises(ClientError, match=r'"\[primary\]" must be deregistered'):
        sagemaker.update_endpoint(EndpointName="remove", EndpointConfigName=renamed)


def test_a_new_model_on_the_same_instance_type_is_allowed_while_autoscaled(
    client: Client,
) -> None:
    sagemaker = client("sagemaker")
    v1 = _config(sagemaker, "model-v1", ("primary", "m1", "ml.m5.large", 2))
    canary = _config(
        sagemaker,
        "model-canary",
        ("primary", "m1", "ml.m5.large", 2),
        ("canary", "m2", "ml.m5.xlarge", 1),
    )
    v2 = _config(sagemaker, "model-v2", ("primary", "m2", "ml.m5.large", 2))
    sagemaker.create_endpoint(EndpointName="model", EndpointConfigName=v1)
    _autoscale(client, "model", "primary")

    # A canary variant (not autoscaled) comes and goes; the autoscaled primary changes model.
    sagemaker.update_endpoint(EndpointName="model", EndpointConfigName=canary)
    sagemaker.update_endpoint(EndpointName="model", EndpointConfigName=v2)

    assert sagemaker.describe_endpoint(EndpointName="model")["EndpointConfigName"] == v2


def test_the_new_configuration_sets_the_instance_count(client: Client) -> None:
    """Without RetainAllVariantProperties (the provider never sends it) the new count wins.

    This is why the platform's configurations start an autoscaled variant at its
    ``max_instances``: a rollout must not drop what autoscaling added.
    """
    sagemaker = client("sagemaker")
    small = _config(sagemaker, "count-small", ("primary", "m1", "ml.m5.large", 2))
    large = _config(sagemaker, "count-large", ("primary", "m2", "ml.m5.large", 20))
    sagemaker.create_endpoint(EndpointName="count", EndpointConfigName=small)
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="count",
        DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredInstanceCount": 20}],
    )
    assert _counts(sagemaker, "count") == {"primary": 20}

    sagemaker.update_endpoint(EndpointName="count", EndpointConfigName=small)
    assert _counts(sagemaker, "count") == {"primary": 2}
    sagemaker.update_endpoint(EndpointName="count", EndpointConfigName=large)
    assert _counts(sagemaker, "count") == {"primary": 20}


def test_the_endpoint_reports_its_last_deployment_config(client: Client) -> None:
    sagemaker = client("sagemaker")
    first = _config(sagemaker, "deploy-v1", ("primary", "m1", "ml.m5.large", 2))
    second = _config(sagemaker, "deploy-v2", ("primary", "m2", "ml.m5.large", 2))
    sagemaker.create_endpoint(
        EndpointName="deploy", EndpointConfigName=first, DeploymentConfig=DEPLOYMENT
    )
    assert sagemaker.describe_endpoint(EndpointName="deploy")["LastDeploymentConfig"] == DEPLOYMENT

    linear = {
        **DEPLOYMENT,
        "BlueGreenUpdatePolicy": {
            **DEPLOYMENT["BlueGreenUpdatePolicy"],
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "WaitIntervalInSeconds": 300,
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
            },
        },
    }
    sagemaker.update_endpoint(
        EndpointName="deploy", EndpointConfigName=second, DeploymentConfig=linear
    )
    described = sagemaker.describe_endpoint(EndpointName="deploy")
    assert described["EndpointConfigName"] == second
    assert described["LastDeploymentConfig"] == linear


def test_deregistering_a_target_deletes_its_policies(client: Client) -> None:
    """AWS's first step deletes the policies too; the provider then finds them gone."""
    sagemaker = client("sagemaker")
    scaling = client("application-autoscaling")
    sagemaker.create_endpoint(
        EndpointName="policies",
        EndpointConfigName=_config(sagemaker, "policies", ("primary", "m1", "ml.m5.large", 2)),
    )
    _autoscale(client, "policies", "primary")
    resource = "endpoint/policies/variant/primary"
    scaling.put_scaling_policy(
        PolicyName="invocations",
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 100.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )

    _deregister(client, "policies", "primary")

    found = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource)
    assert found["ScalingPolicies"] == []


def test_deleting_what_is_gone_answers_object_not_found(client: Client) -> None:
    """The provider takes ObjectNotFoundException as "already deleted" (a retried delete)."""
    scaling = client("application-autoscaling")
    resource = "endpoint/gone/variant/primary"
    with pytest.raises(ClientError) as policy:
        scaling.delete_scaling_policy(
            PolicyName="invocations",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
        )
    with pytest.raises(ClientError) as target:
        scaling.deregister_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=DIMENSION
        )

    assert policy.value.response["Error"]["Code"] == "ObjectNotFoundException"
    assert "No scaling policy found" in policy.value.response["Error"]["Message"]
    assert target.value.response["Error"]["Code"] == "ObjectNotFoundException"
    assert "No scalable target registered" in target.value.response["Error"]["Message"]


def test_unknown_endpoints_and_configurations_are_refused(client: Client) -> None:
    sagemaker = client("sagemaker")
    known = _config(sagemaker, "known", ("primary", "m1", "ml.m5.large", 1))
    with pytest.raises(ClientError, match="Could not find endpoint"):
        sagemaker.update_endpoint(EndpointName="nope", EndpointConfigName=known)
    sagemaker.create_endpoint(EndpointName="known", EndpointConfigName=known)
    with pytest.raises(ClientError, match="Could not find endpoint"):
        sagemaker.update_endpoint(EndpointName="known", EndpointConfigName="missing")
