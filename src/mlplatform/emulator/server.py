"""Runs moto server with the few fixes that make it answer the way AWS does.

The ``local`` environment must converge: a second plan after deploy proposes
nothing. Where moto invents state AWS never returns, the fix belongs here, in
the emulator, never in a construct (a construct that ignored the drift would
also hide it in real accounts). Each fix names what AWS does.

    python -m mlplatform.emulator.server -H 127.0.0.1 -p PORT

The fixes patch moto for the whole process and cannot be undone, so only
:func:`main` applies them, in the emulator's own process: importing this
module changes nothing (tests start the server with
:class:`~mlplatform.emulator.local_aws.LocalAws` and talk to it over HTTP).
The fixes of more involved services live in :mod:`mlplatform.emulator.fixes`.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from mlplatform.emulator.fixes import once as _once
from mlplatform.emulator.fixes import side_table

__all__ = ["main"]


FIXED_SERVICES = (
    "athena",
    "budgets",
    "ec2",
    "eks",
    "elasticache",
    "glue",
    "kms",
    "lambda_invoke",
    "s3",
    "s3control",
    "secrets_rotation",
    "sqs",
)
"""The modules of :mod:`mlplatform.emulator.fixes` whose ``apply()`` the server runs."""


def _apply_fidelity_fixes() -> None:
    """Patch moto's models in this process, before the server handles a request."""
    import moto.eks.models as eks_models

    _serve_one_request_at_a_time()
    _list_moto_modules_once()

    # AWS returns no remoteAccess for a node group created without SSH access; moto
    # invents {"ec2SshKey": "eksKeypair"}, which makes every plan replace node groups.
    if _once(eks_models, "_mlplatform_no_invented_remote_access"):
        eks_models.DEFAULT_REMOTE_ACCESS = None  # type: ignore[assignment]
    _fix_sagemaker_models()
    _add_endpoint_updates()
    _fix_scaling_deregistration()
    _add_scalable_target_tags()
    _add_model_package_group_deletion()
    for service in FIXED_SERVICES:
        importlib.import_module(f"mlplatform.emulator.fixes.{service}").apply()


def _serve_one_request_at_a_time() -> None:
    """AWS answers each call whole; moto's threads race over shared state (see the module).

    Saving and restoring the emulator's state (:mod:`mlplatform.emulator.snapshots`) is
    answered inside the same lock, so no request runs beside a restore.

    Every retried call is also written to the log: the trace of a failure like those; and a
    retry of a call already answered with a 2xx gets that answer again instead of running
    twice (:mod:`mlplatform.emulator.replayed_answers`).
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    from mlplatform.emulator.one_at_a_time import one_request_at_a_time
    from mlplatform.emulator.replayed_answers import replaying_answers
    from mlplatform.emulator.retry_log import noting_retries
    from mlplatform.emulator.snapshots import serving_snapshots

    if _once(DomainDispatcherApplication, "_mlplatform_one_request_at_a_time"):
        DomainDispatcherApplication.__call__ = noting_retries(  # type: ignore[method-assign,assignment]
            one_request_at_a_time(
                serving_snapshots(replaying_answers(DomainDispatcherApplication.__call__))
            )
        )


def _list_moto_modules_once() -> None:
    """Speed, not fidelity: moto's server finds the service of every request by listing the
    directories of its own package again (about 170 ``isdir`` calls, a fifth of the time of a
    simple call). The package does not change while the server runs: it is listed once."""
    import moto.backends as backends

    if _once(backends, "_mlplatform_modules_listed_once"):
        modules = tuple(backends.list_of_moto_modules())
        backends.list_of_moto_modules = lambda: modules


def _fix_sagemaker_models() -> None:
    """AWS returns a model's EnableNetworkIsolation, and no VpcConfig outside a VPC.

    moto always answers false and ``{}``, so every plan would replace the model.
    """
    import moto.sagemaker.responses as sagemaker

    response = sagemaker.SageMakerResponse
    if not _once(response, "_mlplatform_model_fix"):
        return
    create_model = response.create_model

    def create_model_as_aws_does(self: Any) -> Any:
        result = create_model(self)
        model = self.sagemaker_backend._models[self._get_param("ModelName")]
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        model.vpc_config = model.vpc_config or None
        return result

    response.create_model = create_model_as_aws_does  # type: ignore[method-assign]


def _add_endpoint_updates() -> None:
    """AWS switches an endpoint to a new configuration in place; moto has no UpdateEndpoint.

    Every model rollout (a canary, its promotion) is an UpdateEndpoint. The fix
    answers as AWS does in the three ways a rollout depends on:

    - the new configuration's ``InitialInstanceCount`` becomes each variant's
      instance count (the provider never sends ``RetainAllVariantProperties``);
    - the endpoint keeps the ``DeploymentConfig`` it was created or updated with
      and returns it as ``LastDeploymentConfig`` (moto drops it, so every plan
      would propose the blue/green policy again);
    - a variant registered with Application Auto Scaling may not be removed or
      change its instance type: AWS refuses the update until the variant is
      deregistered (a model or weight change is allowed). Without this refusal
      a plan that forgets to deregister first would pass here and fail in AWS.
    """
    import moto.sagemaker.responses as sagemaker
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError

    response = sagemaker.SageMakerResponse
    if not _once(response, "_mlplatform_update_endpoint"):
        return
    create_endpoint = response.create_endpoint

    def serving(backend: Any) -> dict[str, dict[str, str | None]]:
        """Instance type of each variant an endpoint serves, by endpoint ARN: DescribeEndpoint
        does not report it, and the configuration it came from may already be deleted."""
        return side_table(backend, "serving_instance_types")

    def create_endpoint_keeping_deployment_config(self: Any) -> Any:
        result = create_endpoint(self)
        backend = self.sagemaker_backend
        endpoint = backend.endpoints[self._get_param("EndpointName")]
        config = backend.describe_endpoint_config(self._get_param("EndpointConfigName"))
        serving(backend)[endpoint.arn] = _instance_types(config)
        deployment = self._get_param("DeploymentConfig")
        if deployment:
            endpoint.last_deployment_config = deployment
        return result

    def update_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        backend.describe_endpoint(name)  # an unknown endpoint is a ValidationException
        config = backend.describe_endpoint_config(config_name)  # so is an unknown configuration
        endpoint = backend.endpoints[name]
        wanted = _instance_types(config)
        blocked = [
            variant
            for variant, instance_type in serving(backend).get(endpoint.arn, {}).items()
            if _autoscaled(backend, name, variant)
            and (variant not in wanted or wanted[variant] != instance_type)
        ]
        if blocked:
            raise ValidationError(
                message=f'The variant(s) "[{", ".join(blocked)}]" must be deregistered as '
                "scalable targets with AWS Application Auto Scaling before they can be "
                "removed or have their instance type updated."
            )
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(
            config["ProductionVariants"]
        )
        endpoint.data_capture_config = config.get("DataCaptureConfig")
        deployment = self._get_param("DeploymentConfig")
        if deployment:
            endpoint.last_deployment_config = deployment
        endpoint.last_modified_time = utcnow()
        serving(backend)[endpoint.arn] = wanted
        return ActionResult({"EndpointArn": endpoint.arn})

    response.create_endpoint = create_endpoint_keeping_deployment_config  # type: ignore[method-assign]
    response.update_endpoint = update_endpoint  # type: ignore[attr-defined]


def _instance_types(config: dict[str, Any]) -> dict[str, str | None]:
    """Instance type by variant name of a described endpoint configuration (None: serverless)."""
    return {v["VariantName"]: v.get("InstanceType") for v in config["ProductionVariants"]}


def _autoscaled(backend: Any, endpoint: str, variant: str) -> bool:
    """Whether the endpoint's variant is a registered Application Auto Scaling target."""
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    scaling = applicationautoscaling_backends[backend.account_id][backend.region_name]
    targets = scaling.targets.get("sagemaker:variant:DesiredInstanceCount", {})
    return f"endpoint/{endpoint}/variant/{variant}" in targets


def _fix_scaling_deregistration() -> None:
    """AWS deletes a scalable target's policies with it, and answers ObjectNotFound for what is gone.

    moto keeps the policies of a deregistered target, and answers a delete of
    a missing policy or target with a ValidationException. The provider
    treats AWS's ObjectNotFoundException as "already deleted", so a retried
    delete (or a policy removed with its target) passes in AWS; with moto's
    answer the apply failed. A rollout that changes an instance type
    deregisters and registers the variant's target, so it depends on both.
    """
    import moto.applicationautoscaling.responses as autoscaling
    from moto.core.exceptions import JsonRESTError

    response = autoscaling.ApplicationAutoScalingResponse
    if not _once(response, "_mlplatform_deregistration"):
        return
    delete_scaling_policy = response.delete_scaling_policy
    deregister_scalable_target = response.deregister_scalable_target

    def scope(self: Any) -> tuple[str, str, str]:
        return (
            self._get_param("ServiceNamespace"),
            self._get_param("ResourceId"),
            self._get_param("ScalableDimension"),
        )

    def delete_scaling_policy_as_aws_does(self: Any) -> str:
        namespace, resource, dimension = scope(self)
        policy = self._get_param("PolicyName")
        found = self.applicationautoscaling_backend.policies
        if not any(
            (p.service_namespace, p.resource_id, p.scalable_dimension, p.policy_name)
            == (namespace, resource, dimension, policy)
            for p in found.values()
        ):
            raise JsonRESTError(
                "ObjectNotFoundException",
                f"No scaling policy found for service namespace: {namespace}, resource ID: "
                f"{resource}, scalable dimension: {dimension}, policy name: {policy}",
            )
        result: str = delete_scaling_policy(self)
        return result

    def deregister_scalable_target_as_aws_does(self: Any) -> str:
        namespace, resource, dimension = scope(self)
        backend = self.applicationautoscaling_backend
        if resource not in backend.targets.get(dimension, {}):
            raise JsonRESTError(
                "ObjectNotFoundException",
                f"No scalable target registered for service namespace: {namespace}, resource "
                f"ID: {resource}, scalable dimension: {dimension}",
            )
        for key, policy in list(backend.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
                namespace,
                resource,
                dimension,
            ):
                policy.delete_alarms(backend.account_id, backend.region_name)
                del backend.policies[key]
        result: str = deregister_scalable_target(self)
        return result

    response.delete_scaling_policy = delete_scaling_policy_as_aws_does  # type: ignore[method-assign]
    response.deregister_scalable_target = deregister_scalable_target_as_aws_does  # type: ignore[method-assign]


def _add_model_package_group_deletion() -> None:
    """AWS deletes a model package group; moto has no DeleteModelPackageGroup.

    Without it ``terraform destroy`` retries moto's HTTP 500 until it times out.
    """
    import moto.sagemaker.responses as sagemaker
    from moto.core.responses import ActionResult

    response = sagemaker.SageMakerResponse
    if not _once(response, "_mlplatform_delete_package_group"):
        return

    def delete_model_package_group(self: Any) -> Any:
        name = self._get_param("ModelPackageGroupName")
        backend = self.sagemaker_backend
        backend.describe_model_package_group(name)  # an unknown group is a ValidationException
        del backend.model_package_groups[name]
        return ActionResult({})

    response.delete_model_package_group = delete_model_package_group  # type: ignore[attr-defined]


def _add_scalable_target_tags() -> None:
    """AWS tags Application Auto Scaling targets; moto has no tag operations for them.

    The provider lists a target's tags after every create and refresh, and
    retries moto's HTTP 500 (NotImplementedError) until the apply times out.
    """
    import moto.applicationautoscaling.responses as autoscaling

    response = autoscaling.ApplicationAutoScalingResponse
    if not _once(response, "_mlplatform_tags"):
        return
    register = response.register_scalable_target

    def tags(self: Any) -> dict[str, dict[str, str]]:
        """Each target's tags, by target ARN, kept on the account's and region's backend."""
        return side_table(self.applicationautoscaling_backend, "target_tags")

    def register_keeping_tags(self: Any) -> str:
        body: str = register(self)
        arn = json.loads(body)["ScalableTargetARN"]
        tags(self).setdefault(arn, {}).update(self._get_param("Tags") or {})
        return body

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": tags(self).get(self._get_param("ResourceARN"), {})})

    def tag_resource(self: Any) -> str:
        arn = self._get_param("ResourceARN")
        tags(self).setdefault(arn, {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        current = tags(self).get(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            current.pop(key, None)
        return json.dumps({})

    response.register_scalable_target = register_keeping_tags  # type: ignore[method-assign]
    response.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    response.tag_resource = tag_resource  # type: ignore[attr-defined]
    response.untag_resource = untag_resource  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> None:
    """Apply the fixes to this process's moto, then run moto's own server command line."""
    _apply_fidelity_fixes()
    from moto.server import main as serve

    serve(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
