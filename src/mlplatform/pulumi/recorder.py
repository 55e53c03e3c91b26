"""Run a Pulumi program in-process under Pulumi's mocks and record every resource it registers.

Neither the Pulumi CLI nor a provider plugin is needed: the program's
resources go to a mock monitor, which records each one's type, name, inputs,
parent and ``protect`` option. What the mocks hand back as a resource's
outputs are Terraform-style references, ``${<terraform type>.<name>.<attribute>}``,
so a policy document that names a bucket's ARN reads exactly as the cdktf
synth writes it, and the parity tests and guardrails can follow references.

Users can record their own programs the same way in their tests::

    recording = Recorder.run(lambda: PlatformEnvironment(config))

A program that reads the platform contract (``DataLake.from_environment``) is given
the parameters' values, ``Recorder.run(program, parameters={name: value})``; the
parity tests take them from a cdktf-synthesized environment
(:func:`mlplatform.pulumi.parity.contract_values`).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import keyword
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pulumi
from google.protobuf import json_format  # type: ignore[import-untyped]  # no stubs installed
from pulumi.runtime import mocks as pulumi_mocks

from mlplatform.pulumi.types import ATTRIBUTE_RENAMES, PROVIDER_TOKEN, terraform_type

__all__ = ["RecordedResource", "Recorder", "Recording"]


@dataclass(frozen=True)
class RecordedResource:
    """One resource the program registered, as the engine would have received it."""

    token: str
    """Pulumi type token (``aws:s3/bucketV2:BucketV2``, ``mlplatform:data:DataLake``)."""
    name: str
    inputs: dict[str, Any]
    """Inputs as sent to the engine: camelCase names, outputs resolved."""
    parent: str
    """The parent's URN ('' for the stack's direct children)."""
    urn: str
    protect: bool
    custom: bool
    """False for component resources."""
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False
    replacement_trigger: Any = None
    """The ``replacement_trigger`` option's value, resolved (``None`` without one)."""
    provider: str = ""
    """The provider reference (``<urn>::<id>``) the resource is made with, its own or the one
    it inherits from its parent ('' for the default provider)."""


@dataclass
class Recording:
    """Every resource one program registered, in registration order."""

    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    """The program's ``outputs`` (``{stack: {name: value}}``), resolved, if it returned any."""

    def custom(self) -> list[RecordedResource]:
        """The resources a provider would create (components and providers left out)."""
        return [
            r for r in self.resources if r.custom and not r.token.startswith("pulumi:providers:")
        ]

    def providers(self) -> list[RecordedResource]:
        return [r for r in self.resources if r.token == PROVIDER_TOKEN]

    def components(self) -> list[RecordedResource]:
        return [r for r in self.resources if not r.custom]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}


DATA_SOURCE_RESULTS: dict[str, dict[str, str]] = {
    # What the stack's account lookups return, written as the cdktf synth references them.
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": "${data.aws_caller_identity.account_id}",
        "arn": "${data.aws_caller_identity.arn}",
        "userId": "${data.aws_caller_identity.user_id}",
        "id": "${data.aws_caller_identity.id}",
    },
    "aws:index/getPartition:getPartition": {
        "partition": "${data.aws_partition.partition}",
        "dnsSuffix": "${data.aws_partition.dns_suffix}",
        "reverseDnsPrefix": "${data.aws_partition.reverse_dns_prefix}",
        "id": "${data.aws_partition.id}",
    },
    "aws:secretsmanager/getRandomPassword:getRandomPassword": {
        "randomPassword": "${data.aws_secretsmanager_random_password.random_password}",
        "id": "${data.aws_secretsmanager_random_password.id}",
    },
    "aws:secretsmanager/getSecretVersion:getSecretVersion": {
        "secretString": "${data.aws_secretsmanager_secret_version.secret_string}",
        "arn": "${data.aws_secretsmanager_secret_version.arn}",
        "id": "${data.aws_secretsmanager_secret_version.id}",
        "versionId": "${data.aws_secretsmanager_secret_version.version_id}",
    },
    "aws:kms/getAlias:getAlias": {
        "targetKeyArn": "${data.aws_kms_alias.target_key_arn}",
        "targetKeyId": "${data.aws_kms_alias.target_key_id}",
        "arn": "${data.aws_kms_alias.arn}",
        "id": "${data.aws_kms_alias.id}",
        "name": "${data.aws_kms_alias.name}",
    },
    "aws:index/getRegion:getRegion": {
        "name": "${data.aws_region.name}",
        "id": "${data.aws_region.id}",
    },
}


def _eks_cluster_outputs(reference: Callable[[str], str], inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "identities": [{"oidcs": [{"issuer": reference("identity[0].oidc[0].issuer")}]}],
        "certificateAuthority": {"data": reference("certificate_authority[0].data")},
        "vpcConfig": {
            **(inputs.get("vpcConfig") or {}),
            "clusterSecurityGroupId": reference("vpc_config[0].cluster_security_group_id"),
        },
    }


def _endpoint_configuration_outputs(
    reference: Callable[[str], str], inputs: dict[str, Any]
) -> dict[str, Any]:
    variants = inputs.get("productionVariants") or []
    return {
        "productionVariants": [
            {**variant, "instanceType": reference(f"production_variants[{index}].instance_type")}
            for index, variant in enumerate(variants)
        ]
    }


NESTED_OUTPUTS: dict[str, Callable[[Callable[[str], str], dict[str, Any]], dict[str, Any]]] = {
    # Attributes inside blocks, referenced as cdktf writes them (``identity[0].oidc[0].issuer``).
    "aws:eks/cluster:Cluster": _eks_cluster_outputs,
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": _endpoint_configuration_outputs,
}


@cache
def _string_outputs(token: str) -> tuple[tuple[str, str], ...]:
    """``(engine name, python name)`` of every string or number output of a pulumi-aws class."""
    package, module_path, class_name = token.split(":")
    if package != "aws":
        return ()
    module = module_path.split("/")[0]
    if keyword.iskeyword(module):
        module += "_"  # pulumi-aws's Python module of `lambda` is `lambda_`
    cls = getattr(
        importlib.import_module("pulumi_aws" if module == "index" else f"pulumi_aws.{module}"),
        class_name,
    )
    found = []
    for python_name, value in vars(cls).items():
        if not isinstance(value, property):
            continue
        engine_name = getattr(value.fget, "_pulumi_name", None)
        returns = typing.get_type_hints(value.fget).get("return")
        inner = typing.get_args(returns)
        if engine_name and inner and inner[0] in (str, str | None, int, int | None):
            found.append((engine_name, python_name))
    return tuple(found)


SSM_GET_PARAMETER = "aws:ssm/getParameter:getParameter"


class _RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, parameters: Mapping[str, str] | None = None) -> None:
        self.parameters = dict(parameters or {})

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if not args.custom or args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-id", dict(args.inputs)
        kind = terraform_type(args.typ)
        state = dict(args.inputs)
        renames = ATTRIBUTE_RENAMES.get(kind, {})
        for engine_name, python_name in _string_outputs(args.typ):
            attribute = renames.get(python_name, python_name)
            state[engine_name] = f"${{{kind}.{args.name}.{attribute}}}"
        nested = NESTED_OUTPUTS.get(args.typ)
        if nested is not None:
            state.update(nested(lambda attribute: f"${{{kind}.{args.name}.{attribute}}}", state))
        return f"${{{kind}.{args.name}.id}}", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == SSM_GET_PARAMETER:
            return self._parameter(str(args.args.get("name"))), []
        if args.token not in DATA_SOURCE_RESULTS:
            raise KeyError(f"the recorder has no mock result for Pulumi function {args.token!r}")
        return dict(DATA_SOURCE_RESULTS[args.token]), []

    def _parameter(self, name: str) -> dict[str, Any]:
        """What SSM answers for parameter ``name``: the value the recording was given."""
        if name not in self.parameters:
            raise KeyError(
                f"the recorder has no value for SSM parameter {name!r}: pass it in "
                "Recorder.run(..., parameters={name: value})"
            )
        value = self.parameters[name]
        return {
            "name": name,
            "id": name,
            "arn": "${data.aws_ssm_parameter.arn}",
            "type": "String",
            "value": value,
            "insecureValue": value,
            "version": 1,
            "withDecryption": True,
        }


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping what the mocks do not see (parent, protect)."""

    def __init__(self, mocks: pulumi.runtime.Mocks, recording: Recording) -> None:
        super().__init__(mocks)
        self.recording = recording

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            self.recording.resources.append(
                RecordedResource(
                    token=request.type,
                    name=request.name,
                    inputs=dict(inputs),
                    parent=request.parent,
                    urn=response.urn,
                    protect=bool(request.protect),
                    custom=bool(request.custom),
                    ignore_changes=tuple(request.ignoreChanges),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    replacement_trigger=(
                        json_format.MessageToDict(request.replacement_trigger)
                        if request.HasField("replacement_trigger")
                        else None
                    ),
                    provider=request.provider,
                )
            )
        return response


class Recorder:
    """Runs programs under the recording mocks."""

    @staticmethod
    def run(
        program: Callable[[], object],
        *,
        project: str = "mlplatform",
        stack: str = "test",
        parameters: Mapping[str, str] | None = None,
    ) -> Recording:
        """Run ``program`` (which declares resources) and return what it registered.

        ``parameters`` (``{full name: value}``) answer the program's SSM parameter reads.

        Every output is awaited, so an error inside an ``apply`` surfaces here. A program
        that returns ``{stack: {name: value}}``, or an object with such ``outputs``
        (``PlatformEnvironment``), has them resolved into ``Recording.outputs``.
        """
        recording = Recording()
        mocks = _RecordingMocks(parameters)
        monitor = _RecordingMonitor(mocks, recording)
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=False, monitor=monitor
        )

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def declare() -> pulumi.Output[Any] | None:
            result = program()
            outputs = result if isinstance(result, dict) else getattr(result, "outputs", None)
            if isinstance(outputs, dict):
                return pulumi.Output.from_input(outputs).apply(recording.outputs.update)
            return None

        try:
            declare()
        except BaseException:
            _retrieve_failed_futures()
            raise
        return recording


def _retrieve_failed_futures() -> None:
    """Mark every failed future of the program as seen, so a failing run prints nothing more.

    When a resource's registration fails (an input's ``apply`` raised, a mock refused a
    type), Pulumi sets that error on each of the resource's output futures (its URN, id
    and every property) and on whatever awaited them; ``Recorder.run`` raises it once.
    The others are never awaited, and asyncio logs each one, traceback and all, as
    "Future exception was never retrieved" when it is garbage-collected: at exit, long
    after the error was handled. Asking each for its exception is what retrieving means
    (it stops the log); it runs only after a failure, so a passing run pays nothing, and
    only over the futures of the loop the program ran on.
    """
    # Pulumi runs the program on this thread's event loop; other loops' futures are not ours.
    loop = asyncio.get_event_loop_policy().get_event_loop()
    for candidate in gc.get_objects():
        if (
            isinstance(candidate, asyncio.Future)
            and candidate.get_loop() is loop
            and candidate.done()
            and not candidate.cancelled()
        ):
            candidate.exception()
