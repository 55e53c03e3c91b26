"""Generated bindings and the prebuilt ones synthesize the same Terraform JSON.

For every generated type, arguments are made up from its signature (every
argument, every nested block filled), given to both the generated class and
the prebuilt one, and the two stacks' JSON compared. References read through
both (``cluster.identity.get(0).oidc.get(0).issuer``) must render the same
expressions. This is the one test file that imports the prebuilt bindings
(about 13 s, once per session, when its first test runs); the rest of the suite never
does.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import typing
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from cdktf import App, TerraformOutput, TerraformStack, Testing

from mlplatform.bindings._runtime import (
    Attribute,
    Block,
    ComputedList,
    ComputedObject,
    GeneratedDataSource,
    GeneratedResource,
)
from mlplatform.bindings.aws import MODULES
from tests.conftest import prebuilt_binding

META = {"connection", "count", "depends_on", "for_each", "lifecycle", "provider", "provisioners"}


def generated(module: str) -> ModuleType:
    return importlib.import_module(f"mlplatform.bindings.aws.{module}")


def prebuilt(module: str) -> ModuleType:
    return prebuilt_binding(module)


def main_class(module: ModuleType) -> type[Any]:
    base = (GeneratedResource, GeneratedDataSource)
    classes = [
        getattr(module, name)
        for name in module.__all__
        if inspect.isclass(getattr(module, name)) and issubclass(getattr(module, name), base)
    ]
    assert len(classes) == 1, module.__name__
    found: type[Any] = classes[0]
    return found


class Sample:
    """Deterministic arguments for a generated signature, mirrored onto prebuilt structs."""

    def __init__(self, module: str) -> None:
        self.generated = generated(module)
        self.prebuilt = prebuilt(module)
        self.counter = 0

    def value(self, hint: Any, name: str, depth: int) -> Any:
        self.counter += 1
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            options = [a for a in args if a is not type(None)]
            blocks = [a for a in options if typing.get_origin(a) is not None or _is_block(a)]
            return self.value(blocks[0] if blocks else options[0], name, depth)
        if hint is str:
            return f"{name}-{self.counter}"
        if hint is float:
            return self.counter
        if hint is bool:
            return self.counter % 2 == 0
        if origin is not None and origin.__name__ == "Sequence":
            return [self.value(args[0], name, depth), self.value(args[0], name, depth)][
                : 1 if _is_block(args[0]) else 2
            ]
        if origin is not None and origin.__name__ == "Mapping":
            return {f"{name}-key": self.value(args[1], name, depth)}
        if _is_block(hint):
            return self.block(hint, depth + 1)
        return None  # Any: free-form attributes stay unset

    def block(self, block_type: type[Block], depth: int) -> Block | None:
        if depth > 3:
            return None
        hints = typing.get_type_hints(block_type, localns=vars(self.generated))
        values = {}
        for field in block_type.fields():
            value = self.value(hints[field.python], field.python, depth)
            if value is None and field.required:
                return None
            if value is not None:
                values[field.python] = value
        return block_type(**values)

    def arguments(self, cls: type[Any]) -> dict[str, Any]:
        hints = typing.get_type_hints(cls.__init__, vars(self.generated))
        values = {}
        for name, parameter in inspect.signature(cls.__init__).parameters.items():
            if parameter.kind is not parameter.KEYWORD_ONLY or name in META:
                continue
            value = self.value(hints[name], name, 0)
            if value is not None:
                values[name] = value
        return values

    def mirror(self, value: Any) -> Any:
        """The same value for the prebuilt class: blocks become its structs."""
        if isinstance(value, Block):
            struct = getattr(self.prebuilt, type(value).__name__)
            return struct(
                **{
                    f.python: self.mirror(getattr(value, f.python))
                    for f in value.fields()
                    if getattr(value, f.python) is not None
                }
            )
        if isinstance(value, list):
            return [self.mirror(v) for v in value]
        if isinstance(value, dict):
            return {k: self.mirror(v) for k, v in value.items()}
        return value


def synth(build: Callable[[TerraformStack], object]) -> dict[str, Any]:
    app = App()
    stack = TerraformStack(app, "parity")
    build(stack)
    document: dict[str, Any] = json.loads(Testing.synth(stack))
    stripped: dict[str, Any] = _without_metadata(document)
    return stripped


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


def first_difference(mine: Any, reference: Any, path: str = "") -> str:
    """Where two JSON documents first differ, and how."""
    if isinstance(mine, dict) and isinstance(reference, dict):
        for key in sorted(set(mine) | set(reference)):
            if mine.get(key) != reference.get(key):
                return first_difference(mine.get(key), reference.get(key), f"{path}.{key}")
    if isinstance(mine, list) and isinstance(reference, list) and len(mine) == len(reference):
        for index, (a, b) in enumerate(zip(mine, reference, strict=True)):
            if a != b:
                return first_difference(a, b, f"{path}[{index}]")
    return f"{path}: generated {mine!r}, prebuilt {reference!r}"


def _is_block(hint: Any) -> bool:
    return inspect.isclass(hint) and issubclass(hint, Block)


def references(resource: Any, depth: int = 0) -> dict[str, Any]:
    """Every attribute reference a resource offers, walked into nested objects by index 0."""
    found: dict[str, Any] = {}
    cls = type(resource)
    for name, _ in inspect.getmembers(cls, lambda m: isinstance(m, property | Attribute)):
        if name in {"terraform_arguments", "node"} or name.startswith("_"):
            continue
        if depth == 0 and name not in vars(cls):
            continue  # cdktf's own properties (fqn, friendly_unique_id, ...)
        value = getattr(resource, name)
        if isinstance(value, ComputedList) and depth < 3:
            first: Any = value.get(0)  # type: ignore[attr-defined]  # each generated list has get()
            for key, item in references(first, depth + 1).items():
                found[f"{name}.get(0).{key}"] = item
        elif isinstance(value, ComputedObject) and depth < 3:
            for key, item in references(value, depth + 1).items():
                found[f"{name}.{key}"] = item
        elif isinstance(value, str):
            found[name] = value
    return found


def read(resource: Any, path: str) -> Any:
    for part in path.split("."):
        resource = resource.get(0) if part == "get(0)" else getattr(resource, part)
    return resource


@pytest.mark.parametrize("module", MODULES)
def test_generated_names_are_the_prebuilt_names(module: str) -> None:
    assert set(generated(module).__all__) <= set(prebuilt(module).__all__)


@pytest.mark.parametrize("module", [m for m in MODULES if m != "provider"])
def test_generated_and_prebuilt_synthesize_the_same_json(module: str) -> None:
    sample = Sample(module)
    ours = main_class(sample.generated)
    theirs = getattr(sample.prebuilt, ours.__name__)
    arguments = sample.arguments(ours)
    assert arguments, module
    paths = sorted(references(ours(TerraformStack(App(), "probe"), "probe", **arguments)))

    def build(with_class: type[Any], args: dict[str, Any]) -> Callable[[TerraformStack], None]:
        def inner(stack: TerraformStack) -> None:
            prebuilt("provider").AwsProvider(stack, "aws", region="us-east-1")
            first = with_class(stack, "first", **args)
            second = with_class(stack, "second", **args, depends_on=[first], count=2)
            for index, path in enumerate(paths):
                TerraformOutput(stack, f"ref{index}", value=read(second, path))

        return inner

    mine, reference = synth(build(ours, arguments)), synth(build(theirs, sample.mirror(arguments)))
    for output in reference.get("output", {}).values():
        output["value"] = valid_set_path(output["value"])
    assert mine == reference, first_difference(mine, reference)


def valid_set_path(expression: str) -> str:
    """The reference the prebuilt bindings mean below a set element, as Terraform can read it.

    They render ``tolist(x.rule).0["apply_sse_by_default[0].kms_master_key_id"]``: a map
    key that does not exist. The generated bindings render the path the key spells
    (``tolist(x.rule).0.apply_sse_by_default.0.kms_master_key_id``).
    """
    return re.sub(
        r'\["([^"]*[.\[][^"]*)"\]',
        lambda m: "." + m.group(1).replace("[", ".").replace("]", ""),
        expression,
    )


def test_a_reference_below_a_set_element_is_a_path_terraform_can_read() -> None:
    assert (
        valid_set_path('${tolist(a.b.rule).0["apply[0].kms_key"]}')
        == "${tolist(a.b.rule).0.apply.0.kms_key}"
    )
    assert valid_set_path('${a.b.tags["Name"]}') == '${a.b.tags["Name"]}'


def test_provider_synthesizes_the_same_json() -> None:
    from mlplatform.bindings.aws.provider import (
        AwsProvider,
        AwsProviderDefaultTags,
        AwsProviderEndpoints,
    )

    mine = synth(
        lambda stack: AwsProvider(
            stack,
            "aws",
            region="eu-west-1",
            allowed_account_ids=["111111111111"],
            default_tags=[AwsProviderDefaultTags(tags={"env": "test"})],
            endpoints=[AwsProviderEndpoints(s3="http://127.0.0.1:5000")],
            skip_metadata_api_check="true",
            s3_use_path_style=True,
        )
    )
    reference = synth(
        lambda stack: prebuilt("provider").AwsProvider(
            stack,
            "aws",
            region="eu-west-1",
            allowed_account_ids=["111111111111"],
            default_tags=[prebuilt("provider").AwsProviderDefaultTags(tags={"env": "test"})],
            endpoints=[prebuilt("provider").AwsProviderEndpoints(s3="http://127.0.0.1:5000")],
            skip_metadata_api_check="true",
            s3_use_path_style=True,
        )
    )
    assert mine == reference


def test_an_aliased_provider_and_a_resource_it_makes_synthesize_the_same_json() -> None:
    """A second configuration of the provider (another region, as the lake's replicas use)
    and a resource made by it: the alias and the resource's ``provider`` as the prebuilt
    bindings write them."""
    from mlplatform.bindings.aws.provider import AwsProvider
    from mlplatform.bindings.aws.s3_bucket import S3Bucket

    def mine(stack: TerraformStack) -> None:
        AwsProvider(stack, "aws", region="us-east-1")
        replica = AwsProvider(stack, "aws-us-west-2", region="us-west-2", alias="aws-us-west-2")
        S3Bucket(stack, "replica", bucket="replica", provider=replica)

    def reference(stack: TerraformStack) -> None:
        prebuilt("provider").AwsProvider(stack, "aws", region="us-east-1")
        replica = prebuilt("provider").AwsProvider(
            stack, "aws-us-west-2", region="us-west-2", alias="aws-us-west-2"
        )
        prebuilt("s3_bucket").S3Bucket(stack, "replica", bucket="replica", provider=replica)

    document = synth(mine)
    assert document == synth(reference)
    assert document["resource"]["aws_s3_bucket"]["replica"]["provider"] == "aws.aws-us-west-2"
