"""The data and ML layers' security groups and port rules, as cdktf resources.

What each group admits and reaches is decided in
:mod:`mlplatform.decisions.ml_security_groups` (the Pulumi components render the
same plans in :mod:`mlplatform.pulumi.ml_security_groups`); this only makes the
resources, under the construct that owns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from constructs import Construct

from mlplatform.bindings.aws.security_group import SecurityGroup
from mlplatform.bindings.aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from mlplatform.bindings.aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from mlplatform.decisions import ml_security_groups as plans
from mlplatform.interfaces import VpcPlacement

__all__ = ["port_rules", "security_group"]


def port_rules(
    scope: Construct, rules: Iterable[plans.PortRule], targets: plans.RuleTargets
) -> None:
    """Each rule as a VPC security group ingress or egress rule under ``scope``."""
    for rule, settings in plans.rule_settings(rules, targets):
        if rule.direction == "ingress":
            VpcSecurityGroupIngressRule(scope, rule.id, **settings)
        else:
            VpcSecurityGroupEgressRule(scope, rule.id, **settings)


def security_group(
    scope: Construct,
    plan: plans.SecurityGroupPlan,
    placement: VpcPlacement,
    clients: Mapping[str, str] | None = None,
) -> SecurityGroup:
    """``plan``'s group in ``placement``'s VPC, with its rules (``clients``: groups by label)."""
    group = SecurityGroup(scope, plan.id, **plan.settings(placement.vpc_id))
    port_rules(scope, plan.rules, plans.RuleTargets(placement, clients or {}, group.id))
    return group
