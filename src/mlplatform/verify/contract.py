"""The platform contract: every parameter the layers publish for team repos, with its value.

Team repos read the platform only through these SSM parameters
(:mod:`mlplatform.decisions.contract`), so a missing one breaks every team's
plan, and a stale one points teams at the wrong bucket or cluster. This checks
that each parameter the environment file implies exists, that its value is the
one the file determines (names, lists, kinds), and, for the VPC and Karpenter's
node role, that it names the VPC the network checker found and the role
Karpenter's nodes run with (a team's node classes launch with it).
"""

from __future__ import annotations

from mlplatform.decisions.contract import PlatformContract, expected_parameters
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.reads import read_or_none

__all__ = ["ContractChecker"]


class ContractChecker:
    """Reads every parameter under ``/<org>/<env>/platform`` and compares it with the file."""

    def __init__(self, context: VerifyContext) -> None:
        self.context = context

    def check(self) -> None:
        config, findings = self.context.config, self.context.findings
        contract = PlatformContract(config.org, config.environment)
        pages = self.context.client("ssm").get_paginator("get_parameters_by_path")
        found = {
            p["Name"]: p["Value"]
            for page in pages.paginate(Path=contract.prefix, Recursive=True)
            for p in page["Parameters"]
        }
        expected = expected_parameters(config)
        if not found:
            findings.missing(
                f"SSM parameters {contract.prefix}/...",
                f"the platform contract team repos read: {len(expected)} parameters",
            )
            return
        for name, value in expected.items():
            resource = f"SSM parameter {name}"
            if name not in found:
                findings.missing(resource, "the platform contract team repos read")
            elif value is not None:
                findings.compare(resource, "value", found[name], value)
            else:
                findings.ok(f"{resource}: written")
        vpc = found.get(contract.name("network/vpc-id"))
        if vpc is not None:
            ec2 = self.context.client("ec2")
            name = self.context.naming.resource("vpc")
            vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
            findings.compare(
                f"SSM parameter {contract.name('network/vpc-id')}",
                f"value (the VPC {name})",
                vpc,
                vpcs[0]["VpcId"] if vpcs else None,
            )
        karpenter_role = found.get(contract.name("compute/karpenter/node-role-arn"))
        if karpenter_role is not None:
            name = self.context.naming.iam("karpenter", "node")
            role = read_or_none(self.context.client("iam").get_role, RoleName=name)
            findings.compare(
                f"SSM parameter {contract.name('compute/karpenter/node-role-arn')}",
                f"value (the role {name})",
                karpenter_role,
                role["Role"]["Arn"] if role else None,
            )
