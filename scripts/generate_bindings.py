"""Generate typed Python bindings for the AWS resource types the platform uses.

Why: the prebuilt ``cdktf-cdktf-provider-aws`` bindings make node load ~1,500
JavaScript classes before anything synthesizes (13 s, 540 MB here). The
platform uses about sixty types. For each, this script writes a small module
of plain Python subclasses of cdktf's own ``TerraformResource`` (see
``mlplatform.bindings._runtime``): synth then loads cdktf core only.

The input is the real provider schema (``terraform providers schema -json``
with the project's offline mirror); class and block names follow cdktf's own
generator, so ``from mlplatform.bindings.aws.s3_bucket import S3Bucket``
becomes ``from mlplatform.bindings.aws.s3_bucket import S3Bucket`` with the
same arguments. The output is deterministic: ``tests/test_bindings.py`` fails
when the committed modules differ from a fresh run, and
``tests/test_bindings_parity.py`` shows that both bindings synthesize the
same JSON.

Usage:
    python scripts/generate_bindings.py [--schema schema.json] [--check]

To add a type, append it to ``RESOURCES`` or ``DATA_SOURCES`` and run again.
"""

from __future__ import annotations

import argparse
import json
import keyword
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "mlplatform" / "bindings" / "aws"
PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"
# What the prebuilt bindings 20.1.0 record as their constraint; cdktf keeps it as metadata.
PROVIDER_CONSTRAINT = "~> 5.0"
DOCS = f"https://registry.terraform.io/providers/hashicorp/aws/{PROVIDER_VERSION}/docs"

RESOURCES = (
    "aws_appautoscaling_policy",
    "aws_appautoscaling_target",
    "aws_athena_workgroup",
    "aws_budgets_budget",
    "aws_cloudwatch_dashboard",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_default_security_group",
    "aws_dynamodb_table",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository",
    "aws_eip",
    "aws_eks_access_entry",
    "aws_eks_access_policy_association",
    "aws_eks_addon",
    "aws_eks_cluster",
    "aws_eks_node_group",
    "aws_flow_log",
    "aws_fsx_lustre_file_system",
    "aws_glue_catalog_database",
    "aws_glue_connection",
    "aws_iam_instance_profile",
    "aws_iam_openid_connect_provider",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_internet_gateway",
    "aws_kms_alias",
    "aws_kms_key",
    "aws_launch_template",
    "aws_nat_gateway",
    "aws_placement_group",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    "aws_s3_bucket",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_object_lock_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_replication_configuration",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_sagemaker_endpoint",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_model",
    "aws_sagemaker_model_package_group",
    "aws_security_group",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_sns_topic_subscription",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_endpoint",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
    # The feature store (issue 10): offline tables, the Redis/Valkey online store and its AUTH.
    "aws_elasticache_parameter_group",
    "aws_elasticache_replication_group",
    "aws_elasticache_subnet_group",
    "aws_elasticache_user",
    "aws_elasticache_user_group",
    "aws_glue_catalog_table",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_version",
    # Rotating the online store's AUTH passwords.
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_secretsmanager_secret_rotation",
    # The platform contract (issue 12): each layer publishes what team repos read.
    "aws_ssm_parameter",
)
DATA_SOURCES = (
    "aws_caller_identity",
    "aws_kms_alias",
    "aws_partition",
    "aws_region",
    "aws_secretsmanager_random_password",
    "aws_secretsmanager_secret_version",
    "aws_ssm_parameter",
)

# cdktf's generator keeps one namespace of names for the whole provider and
# appends "A" to a name already taken by a type it generated earlier (a block
# of aws_s3_bucket takes "S3BucketVersioning" before the resource
# aws_s3_bucket_versioning comes). These are the names among our types where
# that happened, with the type that keeps the plain name.
# tests/test_bindings_parity.py checks every generated name against the
# prebuilt package, so a missing entry fails there.
TAKEN_NAMES = {
    "S3BucketLogging": "aws_s3_bucket",
    "S3BucketObjectLockConfiguration": "aws_s3_bucket",
    "S3BucketObjectLockConfigurationRule": "aws_s3_bucket",
    "S3BucketObjectLockConfigurationRuleDefaultRetention": "aws_s3_bucket",
    "S3BucketReplicationConfiguration": "aws_s3_bucket",
    "S3BucketServerSideEncryptionConfiguration": "aws_s3_bucket",
    "S3BucketServerSideEncryptionConfigurationRule": "aws_s3_bucket",
    "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault": (
        "aws_s3_bucket"
    ),
    "S3BucketVersioning": "aws_s3_bucket",
}
# Names the resource classes own in Python (cdktf's TerraformResource and
# Construct members): an attribute of the same name gets an ``_attribute`` suffix.
RESERVED = frozenset(
    {
        "add_move_target",
        "add_override",
        "cdktf_stack",
        "connection",
        "count",
        "depends_on",
        "for_each",
        "fqn",
        "friendly_unique_id",
        "get_any_map_attribute",
        "get_boolean_attribute",
        "get_boolean_map_attribute",
        "get_list_attribute",
        "get_number_attribute",
        "get_number_list_attribute",
        "get_number_map_attribute",
        "get_string_attribute",
        "get_string_map_attribute",
        "has_resource_move",
        "import_from",
        "interpolation_for_attribute",
        "lifecycle",
        "move_from_id",
        "move_to",
        "move_to_id",
        "node",
        "provider",
        "provisioners",
        "raw_overrides",
        "terraform_arguments",
        "terraform_generator_metadata",
        "terraform_meta_arguments",
        "terraform_resource_type",
        "to_hcl_terraform",
        "to_metadata",
        "to_string",
        "to_terraform",
    }
)


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def unique(name: str, terraform_type: str) -> str:
    """cdktf's name for a class of ``terraform_type``: "A" appended where another type has it.

    A block whose name ends in "List" gets "Struct" appended, as cdktf's generator does, so
    its class cannot clash with the ``<name>List`` class of a repeated block.
    """
    if name.endswith("List"):
        name += "Struct"
    owner = TAKEN_NAMES.get(name)
    return f"{name}A" if owner is not None and owner != terraform_type else name


def python_name(terraform: str, *, reserved: frozenset[str] = frozenset()) -> str:
    if terraform in reserved or terraform == "self":
        return f"{terraform}_attribute"
    if keyword.iskeyword(terraform):
        return f"{terraform}_"
    return terraform


ARGUMENT_TYPES = {
    "string": "str",
    "number": "float",
    "bool": "bool | IResolvable",
    '["list", "string"]': "Sequence[str]",
    '["set", "string"]': "Sequence[str]",
    '["list", "number"]': "Sequence[float]",
    '["set", "number"]': "Sequence[float]",
    '["map", "string"]': "Mapping[str, str]",
    '["map", "number"]': "Mapping[str, float]",
    '["map", "bool"]': "Mapping[str, bool | IResolvable]",
}
# Terraform type -> the runtime's attribute factory that reads it as a reference.
ATTRIBUTES = {
    "string": "string_attribute",
    "number": "number_attribute",
    "bool": "boolean_attribute",
    '["list", "string"]': "list_attribute",
    '["set", "string"]': "list_attribute",
    '["map", "string"]': "string_map_attribute",
}


def type_key(terraform_type: Any) -> str:
    return terraform_type if isinstance(terraform_type, str) else json.dumps(terraform_type)


@dataclass
class Argument:
    terraform: str
    python: str
    annotation: str
    required: bool


@dataclass
class StructModel:
    """A nested block: its dataclass, and the reference classes that read it."""

    name: str
    path: str
    arguments: list[Argument] = field(default_factory=list)


@dataclass
class Getter:
    """One attribute read as a reference: a one-line descriptor, or a property returning an
    object or list reader (those classes come later in the module, so only a method can
    name them)."""

    python: str
    code: str
    annotation: str = ""

    def render(self) -> list[str]:
        if not self.annotation:
            return [f"    {self.python} = {self.code}"]
        return [
            "",
            "    @property",
            f"    def {self.python}(self) -> {self.annotation}:",
            f"        return {self.code}",
            "",
        ]


@dataclass
class ReferenceModel:
    """A class that reads one computed object: ``<Name>OutputReference`` and ``<Name>List``."""

    name: str
    getters: list[Getter] = field(default_factory=list)
    listed: bool = True


class ModuleWriter:
    """Turns one schema entry into the source of one module."""

    def __init__(self, kind: str, terraform_type: str, schema: dict[str, Any]) -> None:
        self.kind = kind
        self.terraform_type = terraform_type
        self.schema = schema["block"]
        short = terraform_type.removeprefix("aws_")
        if kind == "provider":
            self.base = "AwsProvider"
        elif kind == "data":
            self.base = f"DataAws{pascal(short)}"
        else:
            self.base = pascal(short)
        self.class_name = unique(self.base, terraform_type)
        self.structs: list[StructModel] = []
        self.references: list[ReferenceModel] = []

    # -- models -------------------------------------------------------------------------------
    def _arguments(self, block: dict[str, Any], prefix: str, path: str) -> list[Argument]:
        arguments: list[Argument] = []
        reserved = RESERVED if not prefix or prefix == self.base else frozenset()
        for name, attribute in sorted(block.get("attributes", {}).items()):
            if not (attribute.get("required") or attribute.get("optional")):
                continue
            annotation = ARGUMENT_TYPES.get(type_key(attribute["type"]), "Any")
            arguments.append(
                Argument(
                    name,
                    python_name(name, reserved=reserved),
                    annotation,
                    bool(attribute.get("required")),
                )
            )
        for name, block_type in sorted(block.get("block_types", {}).items()):
            struct = self._struct(block_type["block"], prefix + pascal(name), f"{path}.{name}")
            single = block_type["nesting_mode"] == "single" or block_type.get("max_items") == 1
            annotation = struct if single else f"Sequence[{struct}] | IResolvable"
            arguments.append(
                Argument(
                    name,
                    python_name(name, reserved=reserved),
                    annotation,
                    block_type.get("min_items", 0) >= 1,
                )
            )
        return arguments

    def _struct(self, block: dict[str, Any], base: str, path: str) -> str:
        model = StructModel(unique(base, self.terraform_type), path.lstrip("."))
        self.structs.append(model)
        model.arguments = self._arguments(block, base, path)
        return model.name

    def _getters(self, block: dict[str, Any], base: str, *, on_reference: bool) -> Iterator[Getter]:
        reserved = RESERVED if not on_reference else frozenset()
        for name, attribute in sorted(block.get("attributes", {}).items()):
            python = python_name(name, reserved=reserved)
            key = type_key(attribute["type"])
            if key in ATTRIBUTES:
                yield Getter(python, f'{ATTRIBUTES[key]}("{name}")')
                continue
            element = _object_element(attribute["type"])
            if element is not None:
                from_set = attribute["type"][0] == "set"
                reference = self._reference(element, base + pascal(name), listed=True)
                yield Getter(
                    python,
                    self._list_call(reference, name, from_set=from_set, on_reference=on_reference),
                    f"{reference}List",
                )
                continue
            yield Getter(python, f'resolvable_attribute("{name}")')
        for name, block_type in sorted(block.get("block_types", {}).items()):
            python = python_name(name, reserved=reserved)
            single = block_type["nesting_mode"] == "single" or block_type.get("max_items") == 1
            reference = self._reference(block_type["block"], base + pascal(name), listed=not single)
            if single:
                index = "None" if block_type["nesting_mode"] == "single" else "0"
                code = (
                    f'self._child_object({reference}OutputReference, "{name}", {index})'
                    if on_reference
                    else f'{reference}OutputReference(self, "{name}", index={index})'
                )
                yield Getter(python, code, f"{reference}OutputReference")
            else:
                from_set = block_type["nesting_mode"] == "set"
                yield Getter(
                    python,
                    self._list_call(reference, name, from_set=from_set, on_reference=on_reference),
                    f"{reference}List",
                )

    def _list_call(self, reference: str, name: str, *, from_set: bool, on_reference: bool) -> str:
        if on_reference:
            return f'self._child_list({reference}List, "{name}", from_set={from_set})'
        return f'{reference}List(self, "{name}", from_set={from_set})'

    def _reference(self, block: dict[str, Any], base: str, *, listed: bool) -> str:
        name = unique(base, self.terraform_type)
        model = ReferenceModel(name, listed=listed)
        self.references.append(model)
        model.getters = list(self._getters(block, base, on_reference=True))
        return name

    # -- rendering ----------------------------------------------------------------------------
    def render(self) -> str:
        arguments = self._arguments(self.schema, self.base, "")
        getters = (
            []
            if self.kind == "provider"
            else list(self._getters(self.schema, self.base, on_reference=False))
        )
        kind_doc = {"provider": "provider", "data": "data source", "resource": "resource"}[
            self.kind
        ]
        docs = (
            f"{DOCS}/index"
            if self.kind == "provider"
            else f"{DOCS}/{'data-sources' if self.kind == 'data' else 'resources'}/"
            f"{self.terraform_type.removeprefix('aws_')}"
        )
        exported = sorted(
            [self.class_name]
            + [s.name for s in self.structs]
            + [f"{r.name}OutputReference" for r in self.references]
            + [f"{r.name}List" for r in self.references if r.listed]
        )
        body = self._render_class(arguments, getters)
        for struct in self.structs:
            body += self._render_struct(struct)
        for reference in self.references:
            body += self._render_reference(reference)
        text = "\n".join(body)
        lines = [
            f'"""The ``{self.terraform_type}`` {kind_doc} of hashicorp/aws {PROVIDER_VERSION}.',
            "",
            "Generated by scripts/generate_bindings.py from the provider schema; do not edit.",
            f"Docs: {docs}",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            *_imports(text),
            "",
            "__all__ = [",
            *[f'    "{name}",' for name in exported],
            "]",
            "",
            "",
            *body,
        ]
        text = "\n".join(lines).rstrip() + "\n"
        return text

    def _render_class(self, arguments: list[Argument], getters: list[Getter]) -> list[str]:
        base = {
            "provider": "GeneratedProvider",
            "data": "GeneratedDataSource",
            "resource": "GeneratedResource",
        }[self.kind]
        lines: list[str] = []
        if self.kind != "provider":
            readers = f"_{self.class_name}Attributes"
            lines += [
                f"class {readers}(References):",
                f'    """What ``{self.terraform_type}`` exports, read as references: a base of',
                f"    :class:`{self.class_name}` that comes after cdktf's classes in its MRO (see",
                '    :class:`~mlplatform.bindings._runtime.References`)."""',
                "",
                *_getter_lines(getters),
                "",
                "",
            ]
            base = f"{base}, {readers}"
        lines += [
            f"class {self.class_name}({base}):",
            f'    """``{self.terraform_type}``: typed arguments, attributes as references."""',
            "",
            f'    TERRAFORM_TYPE: ClassVar[str] = "{self.terraform_type}"',
        ]
        if self.kind == "provider":
            lines.append('    SOURCE: ClassVar[str] = "aws"')
        lines += [
            f'    GENERATOR = generator_metadata("aws", "{PROVIDER_VERSION}", "{PROVIDER_CONSTRAINT}")',
            "",
            "    def __init__(",
            "        self,",
            "        scope: Construct,",
            "        id_: str,",
            "        *,",
        ]
        ordered = [a for a in arguments if a.required] + [a for a in arguments if not a.required]
        for argument in ordered:
            default = "" if argument.required else " | None = None"
            lines.append(f"        {argument.python}: {argument.annotation}{default},")
        if self.kind == "provider":
            lines.append("        alias: str | None = None,")
        else:
            lines += [
                "        connection: Connection | None = None,",
                "        count: int | float | TerraformCount | None = None,",
                "        depends_on: Sequence[ITerraformDependable] | None = None,",
                "        for_each: ITerraformIterator | None = None,",
                "        lifecycle: TerraformResourceLifecycle | Mapping[str, Any] | None = None,",
                "        provider: TerraformProvider | None = None,",
                "        provisioners: Sequence[Provisioner] | None = None,",
            ]
        lines += [
            "    ) -> None:",
            "        super().__init__(",
            "            scope,",
            "            id_,",
        ]
        lines.append("            {")
        for argument in arguments:
            lines.append(f'                "{argument.terraform}": {argument.python},')
        lines.append("            },")
        if self.kind == "provider":
            lines.append("            alias=alias,")
        else:
            lines += [
                "            connection=connection,",
                "            count=count,",
                "            depends_on=depends_on,",
                "            for_each=for_each,",
                "            lifecycle=lifecycle,",
                "            provider=provider,",
                "            provisioners=provisioners,",
            ]
        lines += ["        )", ""]
        return [*lines, ""]

    def _render_struct(self, struct: StructModel) -> list[str]:
        lines = [
            f"class {struct.name}(Block):",
            f'    """The ``{struct.path}`` block of ``{self.terraform_type}``."""',
            "",
            f'    TERRAFORM_BLOCK: ClassVar[str] = "{struct.path}"',
        ]
        ordered = [a for a in struct.arguments if a.required] + [
            a for a in struct.arguments if not a.required
        ]
        for argument in ordered:
            renamed = argument.python != argument.terraform
            if argument.required and not renamed:
                lines.append(f"    {argument.python}: {argument.annotation}")
            elif argument.required:
                lines.append(
                    f"    {argument.python}: {argument.annotation} = "
                    f'renamed("{argument.terraform}")'
                )
            elif renamed:
                lines.append(
                    f"    {argument.python}: {argument.annotation} | None = "
                    f'renamed("{argument.terraform}", default=None)'
                )
            else:
                lines.append(f"    {argument.python}: {argument.annotation} | None = None")
        return [*lines, "", ""]

    def _render_reference(self, reference: ReferenceModel) -> list[str]:
        lines = [
            f"class {reference.name}OutputReference(ComputedObject):",
            '    """Reads the attributes of one object as references."""',
            "",
        ]
        lines += _getter_lines(reference.getters) if reference.getters else ["    pass"]
        lines += ["", ""]
        if reference.listed:
            lines += [
                f"class {reference.name}List(ComputedList):",
                '    """Reads the objects of a list or set by index."""',
                "",
                f"    def get(self, index: int) -> {reference.name}OutputReference:",
                f"        return self._item({reference.name}OutputReference, index)",
                "",
                "",
            ]
        return lines


def _getter_lines(getters: list[Getter]) -> list[str]:
    """A class's attribute readers, one blank line around each property and none between
    descriptors."""
    lines: list[str] = []
    for getter in getters:
        for line in getter.render():
            if line or (lines and lines[-1]):
                lines.append(line)
    return lines if not lines or lines[-1] else lines[:-1]


# (section, module, names): what a generated module may import, in isort's order.
IMPORTS = (
    ("stdlib", "collections.abc", ("Mapping", "Sequence")),
    ("stdlib", "typing", ("Any", "ClassVar")),
    (
        "third",
        "cdktf",
        (
            "IResolvable",
            "ITerraformDependable",
            "ITerraformIterator",
            "TerraformCount",
            "TerraformProvider",
            "TerraformResourceLifecycle",
        ),
    ),
    ("third", "constructs", ("Construct",)),
    (
        "first",
        "mlplatform.bindings._runtime",
        (
            "Block",
            "ComputedList",
            "ComputedObject",
            "Connection",
            "GeneratedDataSource",
            "GeneratedProvider",
            "GeneratedResource",
            "Provisioner",
            "References",
            "boolean_attribute",
            "generator_metadata",
            "list_attribute",
            "number_attribute",
            "renamed",
            "resolvable_attribute",
            "string_attribute",
            "string_map_attribute",
        ),
    ),
)


def _imports(body: str) -> list[str]:
    """The import lines a module body needs, grouped and sorted as ruff's isort wants."""
    lines: list[str] = []
    section = ""
    for group, module, names in IMPORTS:
        if not names:
            if f"{module}." not in body:
                continue
            statement = [f"import {module}"]
        else:
            used = [n for n in names if re.search(rf"\b{n}\b", body)]
            if not used:
                continue
            joined = f"from {module} import {', '.join(used)}"
            statement = (
                [joined]
                if len(joined) <= 100
                else [f"from {module} import (", *[f"    {n}," for n in used], ")"]
            )
        if section and group != section:
            lines.append("")
        section = group
        lines += statement
    return lines


def _object_element(terraform_type: Any) -> dict[str, Any] | None:
    """The attribute types of ``list(object)``/``set(object)``, as a block; else None."""
    if (
        isinstance(terraform_type, list)
        and terraform_type[0] in ("list", "set")
        and isinstance(terraform_type[1], list)
        and terraform_type[1][0] == "object"
    ):
        return {
            "attributes": {name: {"type": member} for name, member in terraform_type[1][1].items()}
        }
    return None


def module_name(kind: str, terraform_type: str) -> str:
    if kind == "provider":
        return "provider"
    short = terraform_type.removeprefix("aws_")
    return f"data_aws_{short}" if kind == "data" else short


def render_all(schema: dict[str, Any]) -> dict[str, str]:
    """Every generated file, by name, from the provider schema."""
    provider = schema["provider_schemas"][PROVIDER_ADDRESS]
    files: dict[str, str] = {}
    entries = [("provider", "aws", provider["provider"])]
    entries += [("resource", t, provider["resource_schemas"][t]) for t in RESOURCES]
    entries += [("data", t, provider["data_source_schemas"][t]) for t in DATA_SOURCES]
    for kind, terraform_type, entry in entries:
        files[f"{module_name(kind, terraform_type)}.py"] = ModuleWriter(
            kind, terraform_type, entry
        ).render()
    names = sorted(name.removesuffix(".py") for name in files)
    taggable = sorted(
        t
        for kind, t, entry in entries
        if kind == "resource" and "tags" in entry["block"]["attributes"]
    )
    files["__init__.py"] = (
        f'"""Typed bindings for the hashicorp/aws {PROVIDER_VERSION} types the platform uses.\n\n'
        "Generated by scripts/generate_bindings.py; do not edit. Import a module, not this\n"
        "package (``from mlplatform.bindings.aws.s3_bucket import S3Bucket``): each module\n"
        "loads on its own, so a program pays only for the types it uses. This package itself\n"
        "imports nothing: the guardrails read :data:`TAGGABLE_TYPES` from it on either engine.\n"
        '"""\n\n'
        "MODULES = (\n" + "".join(f'    "{n}",\n' for n in names) + ")\n\n"
        "TAGGABLE_TYPES = frozenset(\n    {\n"
        + "".join(f'        "{t}",\n' for t in taggable)
        + "    }\n)\n"
        '"""The resource types whose schema has a ``tags`` argument (guardrail MLP-TAG-1)."""\n'
    )
    return files


def provider_schema(terraform_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``terraform providers schema -json`` against the offline mirror."""
    env = dict(terraform_env or os.environ)
    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch, "main.tf.json").write_text(
            json.dumps(
                {
                    "terraform": {
                        "required_providers": {
                            "aws": {"source": "hashicorp/aws", "version": PROVIDER_VERSION}
                        }
                    }
                }
            )
        )
        for command in (
            ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
            ["terraform", "providers", "schema", "-json"],
        ):
            done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"error: {' '.join(command)} failed:\n{done.stderr}")
        schema: dict[str, Any] = json.loads(done.stdout)
        return schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", type=Path, help="a saved `terraform providers schema -json`")
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is stale")
    args = parser.parse_args()
    schema = json.loads(args.schema.read_text()) if args.schema else provider_schema()
    files = render_all(schema)
    stale = sorted(
        name
        for name, text in files.items()
        if not (OUTPUT / name).is_file() or (OUTPUT / name).read_text() != text
    )
    extra = sorted(p.name for p in OUTPUT.glob("*.py") if p.name not in files)
    if args.check:
        if stale or extra:
            sys.exit(
                f"stale bindings: {', '.join(stale + extra)}; run scripts/generate_bindings.py"
            )
        return
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (OUTPUT / name).write_text(files[name])
    for name in extra:
        (OUTPUT / name).unlink()
    print(f"{len(files)} files in {OUTPUT.relative_to(ROOT)}; {len(stale)} written")


if __name__ == "__main__":
    main()
