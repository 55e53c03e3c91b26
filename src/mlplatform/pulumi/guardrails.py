"""The platform's guardrail rules, with the same ids, over the resources of a recorded Pulumi program.

The rules of :mod:`mlplatform.guardrails.rules` read Terraform JSON; a
recorded resource becomes that (its Terraform type, snake_case attributes,
references as ``${<type>.<name>.<attribute>}``, ``protect`` as
``lifecycle.prevent_destroy``), grouped by layer as cdktf groups by stack, with
the layer provider's default tags. Suppressions are the ``mlplatformSuppress``
inputs of the components above a resource
(:class:`~mlplatform.pulumi.component.PlatformComponent`).
"""

from __future__ import annotations

import json
from typing import Any

from mlplatform.guardrails.rules import PROVIDERS, RULES, Resources
from mlplatform.pulumi.component import SUPPRESS_INPUT
from mlplatform.pulumi.normalise import terraform_attributes
from mlplatform.pulumi.recorder import RecordedResource, Recording
from mlplatform.pulumi.types import PROVIDER_TOKEN, terraform_type

__all__ = ["GuardrailError", "check", "guardrail_findings"]


class GuardrailError(RuntimeError):
    """A Pulumi program breaks guardrails; the message has one line per finding."""


def _layer_of(resource: RecordedResource, by_urn: dict[str, RecordedResource]) -> str:
    """The name of the ``mlplatform:<layer>:Layer`` above ``resource`` ('' if none)."""
    current: RecordedResource | None = resource
    while current is not None:
        if current.token.startswith("mlplatform:") and current.token.endswith(":Layer"):
            return current.name
        current = by_urn.get(current.parent)
    return ""


def _suppressed(resource: RecordedResource, by_urn: dict[str, RecordedResource]) -> set[str]:
    rules: set[str] = set()
    current = by_urn.get(resource.parent)
    while current is not None:
        rules.update((current.inputs.get(SUPPRESS_INPUT) or {}).keys())
        current = by_urn.get(current.parent)
    return rules


def _provider_block(provider: RecordedResource) -> dict[str, Any]:
    """The provider as the rules read a stack's ``provider.aws`` (one config, no alias)."""
    tags = provider.inputs.get("defaultTags") or "{}"
    default_tags = json.loads(tags) if isinstance(tags, str) else tags
    return {"default_tags": [default_tags]}


def guardrail_findings(recording: Recording) -> list[str]:
    """One message per unsuppressed finding, layer by layer, in rule order (as cdktf's)."""
    by_urn = recording.by_urn()
    layers: dict[str, Resources] = {}
    records: dict[tuple[str, str], RecordedResource] = {}
    for resource in recording.resources:
        if not resource.custom:
            continue
        group = layers.setdefault(_layer_of(resource, by_urn), {PROVIDERS: {}})
        if resource.token == PROVIDER_TOKEN:
            group[PROVIDERS]["aws"] = _provider_block(resource)
            continue
        if resource.token.startswith("pulumi:providers:"):
            continue
        kind = terraform_type(resource.token)
        config = terraform_attributes(resource.inputs, kind=kind)
        if resource.protect:
            config["lifecycle"] = {"prevent_destroy": True}
        group.setdefault(kind, {})[resource.name] = config
        records[(kind, resource.name)] = resource
    messages: list[str] = []
    for resources in layers.values():
        for rule in RULES:
            for finding in rule.check(resources):
                kind, name = finding.resource.split(".", 1)
                if rule.id in _suppressed(records[(kind, name)], by_urn):
                    continue
                messages.append(
                    f"{rule.id}: {rule.info}. {finding.resource} ({name}) {finding.message}; "
                    f"fix: {rule.fix}"
                )
    return messages


def check(recording: Recording) -> None:
    """Raise :class:`GuardrailError` with every finding, or return quietly."""
    findings = guardrail_findings(recording)
    if findings:
        raise GuardrailError("Pulumi program breaks guardrails:\n  " + "\n  ".join(findings))
