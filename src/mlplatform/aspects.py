"""Aspects that every platform stack carries: tags where default_tags cannot reach, and guardrails.

``GuardrailAspect`` runs the rules of :mod:`mlplatform.guardrails` over a
stack and adds an error annotation per finding (``MLP-S3-1: ...``), which
makes ``synth`` fail with a message a person can act on. A deviation is an
explicit, reviewed suppression: ``suppress(construct, "MLP-S3-2", reason)``
stores the rule and the reason as construct metadata, and covers every
resource below that construct.
"""

from __future__ import annotations

from typing import Any

import jsii
from cdktf import (
    Annotations,
    DefaultTokenResolver,
    IAspect,
    StringConcat,
    TerraformResource,
    TerraformStack,
    Tokenization,
)
from constructs import IConstruct

from mlplatform.guardrails import RULES, Resources

__all__ = ["SUPPRESSION_METADATA", "GuardrailAspect", "TaggingAspect", "suppress"]

SUPPRESSION_METADATA = "mlplatform:suppress"

# Resources whose children AWS creates later and which provider default_tags do
# not reach: instances and volumes launched from a launch template.
_LAUNCH_TEMPLATE_TAGGED = ("instance", "volume", "network-interface")


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Exempt ``construct`` and everything below it from one guardrail rule, with a reason."""
    if not reason.strip():
        raise ValueError(f"suppressing {rule_id} needs a reason a reviewer can judge")
    construct.node.add_metadata(SUPPRESSION_METADATA, {"rule": rule_id, "reason": reason})


def _suppressed_rules(construct: IConstruct) -> set[str]:
    rules: set[str] = set()
    for scope in construct.node.scopes:
        for entry in scope.node.metadata:
            if entry.type == SUPPRESSION_METADATA:
                rules.add(str(entry.data["rule"]))
    return rules


@jsii.implements(IAspect)
class TaggingAspect:
    """Puts the platform tags where provider ``default_tags`` do not reach.

    Default tags cover resources the provider creates, but not instances and
    volumes that EC2 Auto Scaling later launches from a launch template; those
    get the tags through ``tag_specifications``.
    """

    def __init__(self, tags: dict[str, str]) -> None:
        self.tags = dict(tags)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource):
            return
        if node.terraform_resource_type == "aws_launch_template":
            node.add_override(
                "tag_specifications",
                [{"resource_type": kind, "tags": self.tags} for kind in _LAUNCH_TEMPLATE_TAGGED],
            )


@jsii.implements(IAspect)
class GuardrailAspect:
    """Fails synth for every unsuppressed guardrail finding in a stack."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformStack):
            return
        resources: Resources = {}
        constructs: dict[str, TerraformResource] = {}
        resolver = DefaultTokenResolver(StringConcat())
        for child in node.node.find_all():
            if not isinstance(child, TerraformResource):
                continue
            rendered: dict[str, Any] = Tokenization.resolve(
                child.to_terraform(), scope=node, resolver=resolver
            )
            for kind, named in rendered.get("resource", {}).items():
                for name, config in named.items():
                    resources.setdefault(kind, {})[name] = config
                    constructs[f"{kind}.{name}"] = child
        for rule in RULES:
            for finding in rule.check(resources):
                construct = constructs[finding.resource]
                if rule.id in _suppressed_rules(construct):
                    continue
                Annotations.of(construct).add_error(
                    f"{rule.id}: {rule.info}. {finding.resource} {finding.message}; fix: {rule.fix}"
                )
