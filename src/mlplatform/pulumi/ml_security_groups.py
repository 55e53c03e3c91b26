"""The data and ML layers' security groups and port rules, as Pulumi resources.

The plans come from :mod:`mlplatform.decisions.ml_security_groups`, as the cdktf
constructs' (:mod:`mlplatform.constructs.ml_security_groups`); this only makes the
resources, children of the component that owns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pulumi
import pulumi_aws as aws

from mlplatform.decisions import ml_security_groups as plans
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.network import NetworkPlacement

__all__ = ["port_rules", "security_group"]


def port_rules(
    owner: PlatformComponent, rules: Iterable[plans.PortRule], targets: plans.RuleTargets
) -> None:
    """Each rule as a VPC security group ingress or egress rule, a child of ``owner``."""
    for rule, settings in plans.rule_settings(rules, targets):
        opts = owner.options()
        if rule.direction == "ingress":
            aws.vpc.SecurityGroupIngressRule(owner.child(rule.id), **settings, opts=opts)
        else:
            aws.vpc.SecurityGroupEgressRule(owner.child(rule.id), **settings, opts=opts)


def security_group(
    owner: PlatformComponent,
    plan: plans.SecurityGroupPlan,
    placement: NetworkPlacement,
    clients: Mapping[str, pulumi.Input[str]] | None = None,
) -> aws.ec2.SecurityGroup:
    """``plan``'s group in ``placement``'s VPC, with its rules (``clients``: groups by label)."""
    group = aws.ec2.SecurityGroup(
        owner.child(plan.id), **plan.settings(placement.vpc_id), opts=owner.options()
    )
    port_rules(owner, plan.rules, plans.RuleTargets(placement, clients or {}, group.id))
    return group
