"""Both engines' resources in one comparable form, keyed by (Terraform type, physical name).

The cdktf synth (Terraform JSON, one document per stack) and a recorded Pulumi
program (camelCase inputs of pulumi-aws types) become the same shape:

- keys: the Terraform type and the resource's physical name (``bucket`` of a
  bucket, else a literal ``name``); a resource with neither is keyed by its
  construct path, which both engines share (``<env>-<layer>/<construct>/<id>``);
- values: Terraform attribute names in snake_case, references written
  ``${<type>.<construct path>.<attribute>}`` (cdktf's logical ids and
  cross-stack remote-state outputs resolved to the resource they name),
  policy documents parsed, one-element block lists unwrapped, whole floats
  made ints, ``prevent_destroy``/``protect`` as ``lifecycle.prevent_destroy``;
- each layer's AWS provider (region, default tags, allowed accounts) under
  ``("provider.aws", "<env>-<layer>")``, and one for another region (the lake's
  replicas) under ``("provider.aws", "<env>-<layer>/aws-<region>")``.

What only one engine needs is set aside in :data:`ENGINE_ONLY` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime import rpc

from mlplatform.decisions.contract import LIST_SEPARATOR
from mlplatform.decisions.metrics import IN_LIST_ITEM, IN_LIST_SEPARATOR, in_list
from mlplatform.decisions.serving_plan import apply_time_digest
from mlplatform.pulumi.recorder import Recording
from mlplatform.pulumi.types import ATTRIBUTE_RENAMES, terraform_type

__all__ = [
    "ENGINE_ONLY",
    "OUTPUT_KIND",
    "PROVIDER_KIND",
    "Key",
    "Normalised",
    "Resource",
    "from_cdktf",
    "from_pulumi",
    "terraform_attributes",
]

Key = tuple[str, str]
"""``(terraform type, physical name)``."""

PROVIDER_KIND = "provider.aws"
OUTPUT_KIND = "output"
"""One stack's outputs, keyed ``("output", "<env>-<layer>")``."""

ENGINE_ONLY: dict[str, str] = {
    "data.terraform_remote_state": "cdktf's cross-stack plumbing: each layer reads the one before "
    "from its S3 state; one Pulumi stack holds every layer and passes outputs directly (the "
    "references it carried are resolved to the resources they name before comparing)",
    "data.aws_caller_identity": "a lookup, not a resource; Pulumi calls aws.get_caller_identity "
    "(references to either read ${data.aws_caller_identity.<attribute>})",
    "data.aws_partition": "a lookup, not a resource; Pulumi calls aws.get_partition",
    "data.aws_region": "a lookup, not a resource; Pulumi calls aws.get_region",
    "data.aws_secretsmanager_random_password": "a lookup, not a resource; Pulumi calls "
    "aws.secretsmanager.get_random_password (both keep the first answer: ignore_changes)",
    "data.aws_secretsmanager_secret_version": "a lookup, not a resource; Pulumi calls "
    "aws.secretsmanager.get_secret_version (a Redis user is made with its secret's current "
    "password)",
    "moved": "Terraform state moves of earlier reshapings; a Pulumi stack starts with none",
    "removed": "Terraform state handovers between layers (the pools' lake grants left the "
    "compute layer's state for the ml layer's); one Pulumi stack holds every layer",
    "output.cross-stack-output-*": "the outputs cdktf adds for remote state between layers "
    "(every other output is compared: PlatformEnvironment.outputs has them by stack)",
    "provider.helm": "the cluster layer's Helm provider (cluster endpoint, CA, aws eks "
    "get-token); Pulumi's kubernetes Provider takes the same as a kubeconfig",
    "terraform.backend": "Terraform state in the environment's S3 bucket; Pulumi keeps its own "
    "state in the backend the user logged in to",
}
"""What only one engine needs, with the reason: never compared."""

_POLICY_FIELDS = frozenset({"policy", "assume_role_policy", "dashboard_body", "event_pattern"})
_MAP_FIELDS = frozenset(
    {"tags", "tags_all", "parameters", "labels", "dimensions", "values", "variables"}
)
_PULUMI_RENAMES = {
    # pulumi-aws pluralises the names of list blocks and list attributes.
    "rules": "rule",
    "transitions": "transition",
    "noncurrent_version_transitions": "noncurrent_version_transition",
    "security_group_id_lists": "security_group_id_list",
    "taints": "taint",
    "client_id_lists": "client_id_list",
    "attributes": "attribute",
    "global_secondary_indexes": "global_secondary_index",
    "encryption_configurations": "encryption_configuration",
    "cost_filters": "cost_filter",
    "notifications": "notification",
    "metric_queries": "metric_query",
    "ingress": "ingress",
}
_SECRET_SIG = rpc._special_sig_key
_SECRET_VALUE = rpc._special_secret_sig
"""Pulumi's wire form of a secret: ``{<sig key>: <secret sig>, "value": ...}``."""
_LISTS_AS_SCALARS: dict[str, tuple[str, ...]] = {
    # One-item Terraform lists that pulumi-aws types as a single value.
    "aws_fsx_lustre_file_system": ("subnet_ids",),
}
_ENGINE_FIELDS = frozenset({"//", "depends_on", "provider", "count", "for_each", "lifecycle"})
_REFERENCE = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_\-]+)\.([A-Za-z0-9_.\[\]\"]+)\}")
_DATA_REFERENCE = re.compile(r"\$\{data\.([a-z0-9_]+)\.([A-Za-z0-9_\-]+)\.([A-Za-z0-9_]+)\}")
_ISSUER_HOST = re.compile(
    # Fn.replace(issuer, "https://", ""): the OIDC issuer's host, which Pulumi computes with
    # str.removeprefix once the issuer is known; both read as the issuer's reference (or as
    # the contract's ``compute/oidc-issuer-url``, read by a data source).
    r'\$\{replace\(([a-z0-9_]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_.\[\]\-]+), "https://", ""\)\}'
)
_FUNCTIONS = (
    # substr(sha1(join(",", [values])), 0, 4): the apply-time digest, evaluated over the
    # normalised references as Pulumi evaluates apply_time_digest over the mocks' references.
    ('${substr(sha1(join(",", ', ")), 0, 4)}", apply_time_digest),
    # join("", [parts]): a string cdktf builds at apply from literals and references (an
    # imported registry's repository URL).
    ('${join("", ', ")}", "".join),
    # join(",", [items]): a StringList contract parameter's value (LIST_SEPARATOR), which the
    # Pulumi writer joins once the items are known.
    ('${join(",", ', ")}", ",".join),
)
_SSM_LIST = r'split\(",", (data\.aws_ssm_parameter\.[A-Za-z0-9_\-]+\.insecure_value)\)'
_LIST_ELEMENT = re.compile(
    # element(split(",", subnets), index(split(",", zones), "<zone>")) or element(..., <n>): an
    # item cdktf picks at plan time from contract lists (a GPU pool's pinned zone's subnet, the
    # first subnet), which Pulumi picks from the same lists once they are known.
    rf'\$\{{element\({_SSM_LIST}, (?:index\({_SSM_LIST}, "([^"]+)"\)|([0-9]+))\)\}}'
)
_QUOTED_LIST = re.compile(
    # join(", ", formatlist("'%s'", split(",", ids))): a contract list quoted for a Metrics
    # Insights IN (...) list at plan time (a Redis store's nodes), which Pulumi quotes with
    # decisions.metrics.in_list once the list is known.
    rf"\$\{{join\({re.escape(json.dumps(IN_LIST_SEPARATOR))}, "
    rf"formatlist\({re.escape(json.dumps(IN_LIST_ITEM))}, {_SSM_LIST}\)\)\}}"
)
_SSM_LIST_WHOLE = re.compile(rf"^\$\{{{_SSM_LIST}\}}$")
"""A whole field that is a StringList contract parameter's items (a placement's subnets)."""
_SSM_READ = re.compile(r"\$\{data\.aws_ssm_parameter\.([A-Za-z0-9_\-]+)\.insecure_value\}")
"""A team stack's read of a contract parameter (``ContractReader``), by its data source."""
_REMOTE_STATE = re.compile(
    r"\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_\-]+)"
    r"\.outputs\.([A-Za-z0-9_\-]+)\}"
)


def _source_id(reference: str) -> str:
    """The data source's id in ``data.aws_ssm_parameter.<id>.insecure_value``."""
    return reference.split(".")[2]


@dataclass(frozen=True)
class Resource:
    """One resource in the comparable form."""

    kind: str
    path: str
    """The construct path (cdktf) or Pulumi name: ``<env>-<layer>/<construct>/<id>``."""
    config: dict[str, Any]


@dataclass(frozen=True)
class Normalised:
    """One engine's resources of one environment: ``{(type, physical name): Resource}``."""

    resources: dict[Key, Resource]

    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.resources}

    def without(self, path_prefixes: Iterable[str]) -> Normalised:
        """These resources less the ones below any of ``path_prefixes`` (set-aside parts), and
        less the ones that refer to those (a registry's read grant to a set-aside endpoint)."""
        prefixes = tuple(f"{p.rstrip('/')}/" for p in path_prefixes)
        references = tuple(f".{p}" for p in prefixes)

        def refers(value: Any) -> bool:
            text = json.dumps(value)
            return any(ref in text for ref in references)

        return Normalised(
            {
                k: r
                for k, r in self.resources.items()
                if not f"{r.path}/".startswith(prefixes) and not refers(r.config)
            }
        )


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _value(value: Any, field: str | None = None) -> Any:
    """The engine-neutral form of one attribute value."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value in ("true", "false"):
        # Terraform converts between bool and string; the bindings type some flags as strings.
        return value == "true"
    if isinstance(value, str) and field in _POLICY_FIELDS:
        # Policy documents compare as parsed JSON, exactly (no unwrapping inside them).
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if isinstance(value, list):
        items = [_value(v) for v in value]
        if len(items) == 1 and isinstance(items[0], dict):
            return items[0]
        return items
    if isinstance(value, dict):
        return {k: _value(v, k) for k, v in value.items() if v is not None}
    return value


_NAME_FIELDS = {
    "aws_s3_bucket": ("bucket",),
    "aws_cloudwatch_metric_alarm": ("alarm_name",),
    "aws_cloudwatch_dashboard": ("dashboard_name",),
    "aws_eks_node_group": ("node_group_name",),
    "aws_sagemaker_model_package_group": ("model_package_group_name",),
}


def _physical(kind: str, path: str, config: Mapping[str, Any]) -> str:
    if kind == "aws_iam_role_policy":
        # AWS knows an inline policy by its role and name.
        return f"{config.get('name')} on {config.get('role')}"
    for field in _NAME_FIELDS.get(kind, ("name",)):
        value = config.get(field)
        if isinstance(value, str) and "${" not in value:
            return value
    return path


def _keyed(resources: Iterable[Resource]) -> Normalised:
    """Key by physical name; a name two resources of a type share (a role policy's) gets
    each one's construct path beside it, whichever engine registered it first."""
    named = [(r, (r.kind, _physical(r.kind, r.path, r.config))) for r in resources]
    counts: dict[Key, int] = {}
    for _, key in named:
        counts[key] = counts.get(key, 0) + 1
    found: dict[Key, Resource] = {}
    for resource, key in named:
        if counts[key] > 1:
            key = (resource.kind, f"{key[1]} ({resource.path})")
        found[key] = resource
    return Normalised(found)


def _change_path(path: str) -> str:
    """An ``ignore_changes`` path in one form: snake_case, without the ``[0]`` of a block."""
    return ".".join(_snake(part) for part in path.replace("[0]", "").split("."))


def _lifecycle(
    *,
    protected: bool,
    create_before_destroy: bool,
    ignore_changes: Iterable[str],
    replace_triggered_by: Iterable[str],
) -> dict[str, Any]:
    """Terraform's lifecycle block, from either engine (Pulumi: protect, deleteBeforeReplace,
    ignoreChanges, replacement_trigger)."""
    found: dict[str, Any] = {}
    if protected:
        found["prevent_destroy"] = True
    if create_before_destroy:
        found["create_before_destroy"] = True
    ignored = sorted(_change_path(p) for p in ignore_changes)
    if ignored:
        found["ignore_changes"] = ignored
    triggers = list(replace_triggered_by)
    if triggers:
        found["replace_triggered_by"] = triggers
    return {"lifecycle": found} if found else {}


# ---------------------------------------------------------------------------- Lambda
LOCAL_CODE = "local:function-code"
"""A function's code shipped in the package: a cdktf asset's zip path, a Pulumi archive."""


def _cdktf_function(config: dict[str, Any]) -> dict[str, Any]:
    if str(config.get("filename", "")).startswith("assets/"):
        return {**config, "filename": LOCAL_CODE}
    return config


def _pulumi_function(config: dict[str, Any]) -> dict[str, Any]:
    config = dict(config)
    if "code" in config:
        del config["code"]
        config["filename"] = LOCAL_CODE
    return config


# ---------------------------------------------------------------------------- Helm
LOCAL_CHART = "local:platform-manifests"
"""The chart shipped in the package: a cdktf asset path, a directory path in Pulumi."""


def _closing_parenthesis(text: str, at: int) -> int:
    """Where the parenthesis opened at ``at`` closes (strings skipped)."""
    depth, quoted = 0, False
    while at < len(text):
        char = text[at]
        if quoted:
            quoted = char != '"'
            at += 2 if char == "\\" else 1
            continue
        if char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return at
        at += 1
    raise ValueError(f"jsonencode: unclosed '(' in {text[:40]!r}")


def _skip(text: str, at: int, characters: str) -> int:
    """Where the first character of ``text`` from ``at`` on that is not in ``characters`` is."""
    while text[at] in characters:
        at += 1
    return at


def _hcl_arguments(text: str, at: int, function: str) -> tuple[tuple[Any, Any], int]:
    """The two arguments of ``function(a, b)`` from just after its ``(``, and where its ``)`` ends."""
    first, at = _hcl_value(text, at)
    second, at = _hcl_value(text, at)
    at = _skip(text, at, " \n\t")
    if text[at] != ")":
        raise ValueError(f"{function}: expected ')' at {at}: {text[at : at + 40]!r}")
    return (first, second), at + 1


def _hcl_value(text: str, at: int) -> tuple[Any, int]:
    """One value of the HCL object syntax cdktf writes inside ``jsonencode(...)``.

    Strings, numbers, booleans, null, lists, objects (``"key" = value``) and bare
    references (returned as ``${reference}``, to be resolved like any other).
    """
    at = _skip(text, at, " \n\t,")
    char = text[at]
    if char == "{":
        return _hcl_object(text, at + 1)
    if char == "[":
        return _hcl_list(text, at + 1)
    if char == '"':
        end = at + 1
        while text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        return json.loads(text[at : end + 1]), end + 1
    return _hcl_word(text, at)


def _hcl_object(text: str, at: int) -> tuple[dict[str, Any], int]:
    """``{"key" = value, ...}`` from just after its ``{``, and where its ``}`` ends."""
    found: dict[str, Any] = {}
    while True:
        at = _skip(text, at, " \n\t,")
        if text[at] == "}":
            return found, at + 1
        key, at = _hcl_value(text, at)
        at = _skip(text, at, " \n\t")
        if text[at] != "=":
            raise ValueError(f"jsonencode: expected '=' at {at}: {text[at : at + 40]!r}")
        value, at = _hcl_value(text, at + 1)
        found[str(key)] = value


def _hcl_list(text: str, at: int) -> tuple[list[Any], int]:
    """``[value, ...]`` from just after its ``[``, and where its ``]`` ends."""
    items: list[Any] = []
    while True:
        at = _skip(text, at, " \n\t,")
        if text[at] == "]":
            return items, at + 1
        item, at = _hcl_value(text, at)
        items.append(item)


def _hcl_word(text: str, at: int) -> tuple[Any, int]:
    """A bare word: a function the platform writes (``element``, ``join``, ``split``), a
    literal (number, boolean, null), or a reference (``${reference}``)."""
    end = at
    while end < len(text) and text[end] not in ",}]() \n\t":
        end += 1
    word = text[at:end]
    if word == "element" and text[end : end + 1] == "(":
        # element(split(...), index(split(...), "<zone>")): a team pool's pinned zone's subnet
        # in its node class, kept as the expression it is, for resolve() to evaluate.
        close = _closing_parenthesis(text, end)
        return f"${{{text[at : close + 1]}}}", close + 1
    if word == "join" and text[end : end + 1] == "(":
        # join("<separator>", [parts]): the only function the platform nests in these.
        (separator, parts), at = _hcl_arguments(text, end + 1, "join")
        if isinstance(parts, _Split):
            return _joined(parts, str(separator)), at
        return str(separator).join(_joined(part, str(separator)) for part in parts), at
    if word == "split" and text[end : end + 1] == "(":
        # split(",", <StringList parameter>): a contract list (a placement's subnets), only
        # ever joined back with the same separator: the parameter's value itself.
        (separator, value), at = _hcl_arguments(text, end + 1, "split")
        return _Split(str(separator), str(value)), at
    if word in ("true", "false", "null"):
        return json.loads(word), end
    try:
        return json.loads(word), end
    except json.JSONDecodeError:
        return f"${{{word}}}", end


@dataclass(frozen=True)
class _Split:
    """``split(separator, value)``, kept whole until a ``join`` with the same separator."""

    separator: str
    value: str


def _joined(part: Any, separator: str) -> str:
    if isinstance(part, _Split):
        if part.separator != separator:
            raise ValueError(f"join({separator!r}) of split({part.separator!r}, {part.value})")
        return part.value
    return str(part)


_JSONENCODE = re.compile(r"^\$\{jsonencode\((.*)\)\}$", re.DOTALL)


def _cdktf_helm(config: dict[str, Any]) -> dict[str, Any]:
    config = dict(config)
    if str(config.get("chart", "")).startswith("assets/"):
        config["chart"] = LOCAL_CHART
    values = config.get("values")
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
        match = _JSONENCODE.match(values[0])
        if match:
            config["values"] = _hcl_value(match.group(1), 0)[0]
    return config


def _pulumi_helm(config: dict[str, Any]) -> dict[str, Any]:
    config = dict(config)
    # pulumi-kubernetes marks its own Release inputs for the engine; Terraform has no such field.
    config.pop("compat", None)
    chart = str(config.get("chart", ""))
    if chart.startswith("oci://"):
        config["repository"], config["chart"] = chart.rsplit("/", 1)
    elif chart.endswith("/platform-manifests"):
        config["chart"] = LOCAL_CHART
    repository = (config.pop("repository_opts", None) or {}).get("repo")
    if repository:
        config["repository"] = repository
    if config.pop("skip_await", False) is False:
        config["wait"] = True
    return config


# ---------------------------------------------------------------------------- cdktf
def from_cdktf(
    stacks: Mapping[str, Mapping[str, Any]], *, parameters: Mapping[str, str] | None = None
) -> Normalised:
    """Every stack of one environment (``{stack name: Terraform JSON}``, metadata kept).

    ``parameters`` (``{full name: value}``, the platform's contract) resolve a team stack's
    reads of SSM parameters to the values the platform wrote, as the Pulumi recording's
    reads are answered with them (``Recorder.run(..., parameters=...)``).
    """
    references = _CdktfReferences.of(stacks, parameters or {})
    resources: list[Resource] = []
    for stack, document in stacks.items():
        resources += _cdktf_resources(references, stack, document)
        for provider in document.get("provider", {}).get("aws", []):
            # A second configuration (another region) is ``<stack>/<alias>``, as Pulumi's
            # ``Layer.regional_provider`` names its provider.
            alias = provider.get("alias")
            name = f"{stack}/{alias}" if alias else stack
            resources.append(Resource(PROVIDER_KIND, name, _provider_config(provider)))
        outputs = {
            name: output["value"]
            for name, output in document.get("output", {}).items()
            if not name.startswith("cross-stack-output-")
        }
        if outputs:
            resources.append(Resource(OUTPUT_KIND, stack, _value(references.walk(outputs, stack))))
    return _keyed(resources)


def _cdktf_resources(
    references: _CdktfReferences, stack: str, document: Mapping[str, Any]
) -> list[Resource]:
    """One stack's resources by construct path, references read, lifecycle as Pulumi's options."""
    resources: list[Resource] = []
    for kind, named in document.get("resource", {}).items():
        for config in named.values():
            path = config["//"]["metadata"]["path"]
            body = {k: v for k, v in config.items() if k not in _ENGINE_FIELDS}
            if kind == "helm_release":
                body = _cdktf_helm(body)
            if kind == "aws_lambda_function":
                body = _cdktf_function(body)
            lifecycle = config.get("lifecycle") or {}
            resources.append(
                Resource(
                    kind,
                    path,
                    {
                        **_value(references.walk(body, stack)),
                        **_lifecycle(
                            protected=lifecycle.get("prevent_destroy") is True,
                            create_before_destroy=lifecycle.get("create_before_destroy") is True,
                            ignore_changes=lifecycle.get("ignore_changes") or (),
                            replace_triggered_by=[
                                references.resolve(f"${{{address}}}", stack)
                                for address in lifecycle.get("replace_triggered_by") or ()
                            ],
                        ),
                    },
                )
            )
    return resources


@dataclass(frozen=True)
class _CdktfReferences:
    """The references in one environment's Terraform JSON, read as the Pulumi recording has
    them: functions evaluated, remote state followed to the stack whose output it is,
    contract reads answered with ``parameters``, logical ids replaced by construct paths."""

    stacks: Mapping[str, Mapping[str, Any]]
    parameters: Mapping[str, str]
    reads: dict[str, dict[str, str]]
    """Each stack's SSM parameter reads: ``{stack: {data source id: parameter name}}``."""
    paths: dict[str, dict[str, str]]
    """Each stack's resources' construct paths: ``{stack: {"<type>.<logical id>": path}}``."""

    @classmethod
    def of(
        cls, stacks: Mapping[str, Mapping[str, Any]], parameters: Mapping[str, str]
    ) -> _CdktfReferences:
        reads: dict[str, dict[str, str]] = {
            stack: {
                id: source["name"]
                for id, source in document.get("data", {}).get("aws_ssm_parameter", {}).items()
            }
            for stack, document in stacks.items()
        }
        paths: dict[str, dict[str, str]] = {}
        for stack, document in stacks.items():
            paths[stack] = {
                f"{kind}.{name}": config["//"]["metadata"]["path"]
                for kind, named in document.get("resource", {}).items()
                for name, config in named.items()
            }
        return cls(stacks, parameters, reads, paths)

    def walk(self, value: Any, stack: str) -> Any:
        """``value`` (a resource's body, a stack's outputs) with every string in it resolved."""
        if isinstance(value, str):
            whole = _SSM_LIST_WHOLE.match(value)
            listed = (
                self.parameters.get(self.reads[stack].get(_source_id(whole.group(1)), ""))
                if whole
                else None
            )
            if listed is not None:
                # A contract list given whole (a placement's subnets): its items, as Pulumi has.
                return [self.resolve(item, stack) for item in listed.split(LIST_SEPARATOR)]
            return self.resolve(value, stack)
        if isinstance(value, list):
            return [self.walk(v, stack) for v in value]
        if isinstance(value, dict):
            return {k: self.walk(v, stack) for k, v in value.items()}
        return value

    def resolve(self, text: str, stack: str) -> str:
        """``text`` of ``stack`` with its references read, in this order (each step reads
        what the one before left)."""
        text = self._evaluate_functions(text, stack)
        text = _ISSUER_HOST.sub(lambda m: f"${{{m.group(1)}}}", text)
        text = _REMOTE_STATE.sub(self._remote, text)
        text = _LIST_ELEMENT.sub(lambda m: self._element(m, stack), text)
        text = _QUOTED_LIST.sub(lambda m: self._quoted(m, stack), text)
        text = _SSM_READ.sub(lambda m: self._read(m, stack), text)
        text = _DATA_REFERENCE.sub(lambda m: f"${{data.{m.group(1)}.{m.group(3)}}}", text)
        # "$${" is Terraform's escape for a literal "${" (Pulumi passes it through as written).
        return _REFERENCE.sub(lambda m: self._local(m, stack), text).replace("$${", "${")

    def _evaluate_functions(self, text: str, stack: str) -> str:
        """The Terraform functions in ``text`` (:data:`_FUNCTIONS`), evaluated on read items."""
        for prefix, suffix, evaluate in _FUNCTIONS:
            start = text.find(prefix)
            while start != -1:
                items, end = _hcl_value(text, start + len(prefix))
                if not text.startswith(suffix, end):
                    raise ValueError(f"cannot read the Terraform expression in {text!r}")
                value = evaluate([self.resolve(str(item), stack) for item in items])
                text = text[:start] + value + text[end + len(suffix) :]
                # On after the value: a value holding the call again (a contract value that
                # is not this environment's) would otherwise be evaluated for ever.
                start = text.find(prefix, start + len(value))
        return text

    def _remote(self, match: re.Match[str]) -> str:
        """A remote-state output: the value the other stack gives it, read in that stack."""
        source, output = match.group(1), match.group(2)
        value = self.stacks[source]["output"][output]["value"]
        return self.resolve(value, source)

    def _element(self, match: re.Match[str], stack: str) -> str:
        """One item of a contract list, by position or by its key in another contract list."""
        items, keys, key, position = match.groups()
        listed = self.parameters.get(self.reads[stack].get(_source_id(items), ""))
        if listed is None:
            return match.group(0)
        if position is not None:
            return listed.split(LIST_SEPARATOR)[int(position)]
        among = self.parameters.get(self.reads[stack].get(_source_id(keys), ""))
        if among is None or key not in among.split(LIST_SEPARATOR):
            return match.group(0)  # Terraform fails the plan here; so does the comparison
        return listed.split(LIST_SEPARATOR)[among.split(LIST_SEPARATOR).index(key)]

    def _quoted(self, match: re.Match[str], stack: str) -> str:
        """A contract list's items quoted for an ``IN (...)`` list, where the list is known."""
        listed = self.parameters.get(self.reads[stack].get(_source_id(match.group(1)), ""))
        return match.group(0) if listed is None else in_list(listed.split(LIST_SEPARATOR))

    def _read(self, match: re.Match[str], stack: str) -> str:
        """A contract parameter's value, where ``parameters`` has it."""
        name = self.reads[stack].get(match.group(1))
        if name is not None and name in self.parameters:
            return self.parameters[name]
        return match.group(0)

    def _local(self, match: re.Match[str], stack: str) -> str:
        """A reference to a resource of ``stack``, by its construct path."""
        kind, name, attribute = match.groups()
        path = self.paths[stack].get(f"{kind}.{name}")
        return f"${{{kind}.{path}.{attribute}}}" if path else match.group(0)


def _provider_config(provider: Mapping[str, Any]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for block in provider.get("default_tags") or []:
        tags.update(block.get("tags") or {})
    return {
        "region": provider.get("region"),
        "default_tags": tags,
        "allowed_account_ids": provider.get("allowed_account_ids"),
    }


# ---------------------------------------------------------------------------- Pulumi
def terraform_attributes(value: Any, field: str | None = None, *, kind: str = "") -> Any:
    """Pulumi inputs with Terraform's attribute names (snake_case, list blocks singular).

    ``kind``, the Terraform type, is given for a resource's top-level inputs.
    """
    if isinstance(value, list):
        return [terraform_attributes(v) for v in value]
    if isinstance(value, dict) and value.get(_SECRET_SIG) == _SECRET_VALUE:
        # A secret output (pulumi.Output.secret) as the engine receives it: its value compares.
        return terraform_attributes(value.get("value"), field)
    if isinstance(value, dict):
        if field in _MAP_FIELDS:
            return dict(value)
        renames = ATTRIBUTE_RENAMES.get(kind, {})
        converted: dict[str, Any] = {}
        for key, item in value.items():
            name = _snake(key)
            name = renames.get(name) or _PULUMI_RENAMES.get(name, name)
            converted[name] = terraform_attributes(item, name)
        return converted
    return value


def from_pulumi(recording: Recording) -> Normalised:
    """Every custom resource and AWS provider a Pulumi program registered."""
    resources: list[Resource] = []
    for recorded in recording.custom():
        kind = terraform_type(recorded.token)
        inputs = dict(recorded.inputs)
        if kind == "aws_lambda_function" and not isinstance(inputs.get("code"), (str, type(None))):
            inputs["code"] = LOCAL_CODE  # an archive object, not JSON
        attributes = terraform_attributes(inputs, kind=kind)
        if kind == "helm_release":
            attributes = _pulumi_helm(attributes)
        if kind == "aws_lambda_function":
            attributes = _pulumi_function(attributes)
        for field in _LISTS_AS_SCALARS.get(kind, ()):
            if isinstance(attributes.get(field), str):
                attributes[field] = [attributes[field]]
        config = _value(attributes)
        trigger = recorded.replacement_trigger
        resources.append(
            Resource(
                kind,
                recorded.name,
                {
                    **config,
                    **_lifecycle(
                        protected=recorded.protect,
                        create_before_destroy=not recorded.delete_before_replace,
                        ignore_changes=recorded.ignore_changes,
                        replace_triggered_by=(
                            trigger if isinstance(trigger, list) else [trigger] if trigger else []
                        ),
                    ),
                },
            )
        )
    for stack, outputs in recording.outputs.items():
        if outputs:
            resources.append(Resource(OUTPUT_KIND, stack, _value(dict(outputs))))
    for provider in recording.providers():
        inputs = {
            k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
            for k, v in provider.inputs.items()
        }
        resources.append(
            Resource(
                PROVIDER_KIND,
                provider.name,
                _provider_config(
                    {
                        "region": inputs.get("region"),
                        "default_tags": [inputs.get("defaultTags") or {}],
                        "allowed_account_ids": inputs.get("allowedAccountIds"),
                    }
                ),
            )
        )
    return _keyed(resources)
