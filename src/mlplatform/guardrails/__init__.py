"""Guardrails: cdk-nag style rules with ids, run once per stack at synth.

``rules`` holds the rules as plain Python over Terraform JSON (no engine, so a
second engine can run the same ones); ``stack_check.Guardrails`` runs them on
a cdktf stack; ``suppressions.suppress`` records a reviewed exemption.
"""

from mlplatform.guardrails.rules import RULES, Finding, Resources, Rule

__all__ = ["RULES", "Finding", "Resources", "Rule"]
