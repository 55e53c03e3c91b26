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

import json
import sys
from typing import Any

from mlplatform.emulator.fixes import once as _once

__all__ = ["main"]


def _apply_fidelity_fixes() -> None:
    """Patch moto's models in this process, before the server handles a request."""
    import moto.eks.models as eks_models

    # AWS returns no remoteAccess for a node group created without SSH access; moto
    # invents {"ec2SshKey": "eksKeypair"}, which makes every plan replace node groups.
    if _once(eks_models, "_mlplatform_no_invented_remote_access"):
        eks_models.DEFAULT_REMOTE_ACCESS = None  # type: ignore[assignment]
    _fix_sagemaker_models()
    _add_endpoint_updates()
    _add_scalable_target_tags()
    _add_model_package_group_deletion()
    from mlplatform.emulator.fixes import athena, autoscaling, ec2, eks, glue, kms

    for service in (athena, autoscaling, ec2, eks, glue, kms):
        service.apply()


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

    Every model rollout (a canary, its promotion) is an UpdateEndpoint.
    """
    import moto.sagemaker.responses as sagemaker
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow

    response = sagemaker.SageMakerResponse
    if not _once(response, "_mlplatform_update_endpoint"):
        return

    def update_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        backend.describe_endpoint(name)  # an unknown endpoint is a ValidationException
        config = backend.describe_endpoint_config(config_name)  # so is an unknown configuration
        endpoint = backend.endpoints[name]
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(
            config["ProductionVariants"]
        )
        endpoint.data_capture_config = config.get("DataCaptureConfig")
        endpoint.last_modified_time = utcnow()
        return ActionResult({"EndpointArn": endpoint.arn})

    response.update_endpoint = update_endpoint  # type: ignore[attr-defined]


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
    tags: dict[str, dict[str, str]] = {}
    register = response.register_scalable_target

    def register_keeping_tags(self: Any) -> str:
        body: str = register(self)
        arn = json.loads(body)["ScalableTargetARN"]
        tags.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return body

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": tags.get(self._get_param("ResourceARN"), {})})

    def tag_resource(self: Any) -> str:
        tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        current = tags.get(self._get_param("ResourceARN"), {})
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
