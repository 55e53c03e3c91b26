"""Offline schema checks for what the ``<env>-cluster`` layer renders.

No helm or kubernetes provider binary can be installed here, so the objects
and chart values the cluster layer produces are checked against schemas of
the pinned releases, vendored under ``tests/fixtures/charts/<chart>-<version>/``:

- built-in kinds with ``kubernetes-validate`` in strict mode (unknown fields
  are errors);
- Karpenter's NodePool and EC2NodeClass against the ``openAPIV3Schema`` of the
  pinned release's CRDs, made strict the same way (an object schema that
  does not preserve unknown fields rejects them, as the API server's pruning
  would silently drop them), and then against the CRDs' CEL rules
  (``x-kubernetes-validations``: restricted label domains, exactly one of
  ``role``/``instanceProfile``, ...) with ``cel-python``, plus the two
  Kubernetes string functions those rules use (``find``, ``split``). Transition
  rules (``oldSelf``) need a previous object and are left to the API server;
- chart values: every key the platform sets exists in the pinned chart's
  ``values.yaml``, down to where the chart takes free-form maps.

To pin a new version, vendor its files (see ``tests/fixtures/charts/README.md``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import kubernetes_validate
import yaml
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError

CHARTS = Path(__file__).parent / "fixtures" / "charts"
KUBERNETES_SCHEMA_VERSION = "1.33.0"
# Kubernetes maps a chart passes through as they are (label keys, resource names, ...).
_FREE_FORM = {"nodeSelector", "annotations", "resources", "affinity", "tolerations", "podLabels"}
_CRD_FILES = {
    "NodePool": "karpenter.sh_nodepools.yaml",
    "EC2NodeClass": "karpenter.k8s.aws_ec2nodeclasses.yaml",
}


def chart_dir(chart: str, version: str) -> Path:
    """The vendored files of ``chart`` at ``version``; a clear failure if not vendored."""
    path = CHARTS / f"{chart}-{version}"
    if not path.is_dir():
        raise AssertionError(
            f"{chart} {version} is pinned but its schema is not vendored: add {path} "
            "(see tests/fixtures/charts/README.md)"
        )
    return path


@cache
def _strict_crd_schema(karpenter: str, kind: str) -> dict[str, Any]:
    return _forbid_unknown_fields(copy.deepcopy(_crd_schema(karpenter, kind)))


@cache
def _crd_schema(karpenter: str, kind: str) -> dict[str, Any]:
    crd = yaml.safe_load((chart_dir("karpenter", karpenter) / _CRD_FILES[kind]).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v.get("storage")]
    return dict(version["schema"]["openAPIV3Schema"])


def _find(value: Any, pattern: Any) -> celpy.celtypes.StringType:
    """Kubernetes' CEL ``<string>.find(<regex>)``: the first match, or ''."""
    match = re.search(str(pattern), str(value))
    return celpy.celtypes.StringType(match.group(0) if match else "")


def _split(value: Any, separator: Any) -> celpy.celtypes.ListType:
    """Kubernetes' CEL ``<string>.split(<separator>)``."""
    return celpy.celtypes.ListType(
        [celpy.celtypes.StringType(part) for part in str(value).split(str(separator))]
    )


_CEL = celpy.Environment()
_CEL_FUNCTIONS: dict[str, Any] = {"find": _find, "split": _split}


def _rules_with_values(
    schema: dict[str, Any], value: Any, path: str
) -> Iterator[tuple[str, str, str, Any]]:
    """``(path, rule, message, value)`` for every CEL rule whose node ``value`` has."""
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" not in rule["rule"]:
            yield path, rule["rule"], rule.get("message", rule["rule"]), value
    if isinstance(value, dict):
        for key, child in value.items():
            if key in schema.get("properties", {}):
                yield from _rules_with_values(schema["properties"][key], child, f"{path}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                yield from _rules_with_values(
                    schema["additionalProperties"], child, f"{path}.{key}"
                )
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, child in enumerate(value):
            yield from _rules_with_values(schema["items"], child, f"{path}[{index}]")


def _cel_violations(schema: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    violations = []
    for path, rule, message, value in _rules_with_values(schema, manifest, ""):
        program = _CEL.program(_CEL.compile(rule), functions=_CEL_FUNCTIONS)
        result = program.evaluate({"self": json_to_cel(value)})
        # A rule holds only when it evaluates to true; an evaluation error counts as broken.
        if not (isinstance(result, celpy.celtypes.BoolType) and bool(result)):
            violations.append(f"{path.lstrip('.')}: {message}")
    return violations


def _forbid_unknown_fields(schema: dict[str, Any]) -> dict[str, Any]:
    preserves = schema.get("x-kubernetes-preserve-unknown-fields")
    if schema.get("type") == "object" and "properties" in schema and not preserves:
        schema.setdefault("additionalProperties", False)
    for key, value in schema.items():
        if key == "properties":
            for child in value.values():
                _forbid_unknown_fields(child)
        elif isinstance(value, dict):
            _forbid_unknown_fields(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _forbid_unknown_fields(item)
    return schema


def validate_manifest(manifest: dict[str, Any], *, karpenter: str) -> None:
    """Raise ``AssertionError`` naming the object and the field if ``manifest`` is invalid."""
    kind = manifest["kind"]
    where = f"{kind} {manifest['metadata'].get('name')!r}"
    if kind in _CRD_FILES:
        schema = _strict_crd_schema(karpenter, kind)
        metadata_free = {
            **manifest,
            "metadata": {},
        }  # ObjectMeta is the API server's, not the CRD's
        errors = sorted(
            jsonschema.Draft7Validator(schema).iter_errors(metadata_free), key=lambda e: e.path
        )
        if errors:
            first = errors[0]
            path = ".".join(str(p) for p in first.absolute_path)
            raise AssertionError(f"{where}: {path}: {first.message}")
        violations = _cel_violations(_crd_schema(karpenter, kind), metadata_free)
        if violations:
            raise AssertionError(f"{where}: {violations[0]}")
        return
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_SCHEMA_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        raise AssertionError(f"{where}: {error.message}") from error


def unknown_value_keys(chart: str, version: str, values: dict[str, Any]) -> list[str]:
    """Dotted paths of ``values`` that the pinned chart's ``values.yaml`` does not have."""
    defaults = yaml.safe_load((chart_dir(chart, version) / "values.yaml").read_text()) or {}
    unknown: list[str] = []

    def walk(ours: dict[str, Any], theirs: Any, prefix: str) -> None:
        for key, value in ours.items():
            path = f"{prefix}{key}"
            if not isinstance(theirs, dict) or key not in theirs:
                unknown.append(path)
                continue
            # Descend only where the chart documents sub-keys; an empty map is free-form.
            free_form = key in _FREE_FORM
            if (
                isinstance(value, dict)
                and isinstance(theirs[key], dict)
                and theirs[key]
                and not free_form
            ):
                walk(value, theirs[key], f"{path}.")

    walk(values, defaults, "")
    return unknown


def admission_denials(
    policy: dict[str, Any], request: dict[str, Any], obj: dict[str, Any] | None
) -> list[str] | None:
    """What a ``ValidatingAdmissionPolicy`` says to an admission ``request`` for ``obj``
    (``None`` for a DELETE): ``None`` when the policy does not apply (no resource rule or
    match condition selects the request), else the messages of the validations that do not
    hold (an evaluation error counts as not holding: ``failurePolicy: Fail``)."""
    spec = policy["spec"]
    resource = request["resource"]
    selected = any(
        resource["group"] in rule["apiGroups"]
        and resource["resource"] in rule["resources"]
        and request["operation"] in rule["operations"]
        for rule in spec["matchConstraints"]["resourceRules"]
    )
    activation = {"request": json_to_cel(request), "object": json_to_cel(obj)}

    def holds(expression: str) -> bool:
        try:
            result = _CEL.program(_CEL.compile(expression)).evaluate(activation)
        except CELEvalError:
            return False
        return isinstance(result, celpy.celtypes.BoolType) and bool(result)

    if not selected or not all(holds(c["expression"]) for c in spec.get("matchConditions", [])):
        return None
    return [v["message"] for v in spec["validations"] if not holds(v["expression"])]
