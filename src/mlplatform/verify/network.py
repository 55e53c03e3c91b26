"""The network layer: VPC, subnets per zone, NAT, endpoints, the empty default security group
and the encrypted flow log.

Checks that workloads still run in private subnets that reach AWS services
privately, and that every flow is still logged: the settings whose loss
opens the network or blinds it, and that console edits change most often.
"""

from __future__ import annotations

from typing import Any

from mlplatform.verify.context import VerifyContext
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.log_groups import LogGroupChecker

__all__ = ["NetworkChecker"]


def _tag(resource: dict[str, Any], key: str) -> str | None:
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == key), None)


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


class NetworkChecker:
    """The ``<env>-network`` stack's resources, found by the VPC's ``Name`` tag."""

    def __init__(self, context: VerifyContext, keys: KeyChecker) -> None:
        self.context = context
        self.keys = keys
        self.ec2 = context.client("ec2")

    def check(self) -> None:
        findings = self.context.findings
        config = self.context.config
        naming = self.context.naming
        name = naming.resource("vpc")
        vpcs = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
        if not vpcs:
            findings.missing(f"VPC {name}", f"no VPC has the tag Name={name}")
        else:
            if len(vpcs) > 1:
                ids = ", ".join(v["VpcId"] for v in vpcs)
                findings.problem(
                    f"VPC {name}: {len(vpcs)} VPCs carry this name ({ids}); checking the first"
                )
            self._check_vpc(name, vpcs[0])
        # The flow log group and its key exist whether or not the VPC does.
        alias = naming.kms_alias("network-logs")
        self.keys.arn(alias)
        LogGroupChecker(self.context, self.keys.arn).check(
            naming.log_group("network", "flow-logs"), config.network.flow_logs_retention_days, alias
        )

    def _check_vpc(self, name: str, vpc: dict[str, Any]) -> None:
        vpc_id = vpc["VpcId"]
        resource = f"VPC {name}"
        cidr = self.context.config.network.cidr
        self.context.findings.expect(
            vpc["CidrBlock"] == cidr,
            f"{resource} ({vpc_id}): CIDR {cidr}",
            f"{resource} ({vpc_id}): CIDR is {vpc['CidrBlock']}, expected {cidr}",
        )
        self.context.expect_tags(resource, "network", _tags(vpc))
        by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        self._subnets(resource, by_vpc)
        self._nat_gateways(resource, by_vpc)
        self._endpoints(resource, by_vpc)
        self._default_security_group(resource, by_vpc)
        self._flow_log(resource, vpc_id)

    def _subnets(self, resource: str, by_vpc: list[dict[str, Any]]) -> None:
        """One public and one private subnet in each used zone, and nowhere else."""
        findings = self.context.findings
        pages = self.ec2.get_paginator("describe_subnets").paginate(Filters=by_vpc)
        subnets: list[dict[str, Any]] = pages.build_full_result()["Subnets"]
        zones = self.context.config.used_availability_zones
        expected = 2 * len(zones)
        findings.expect(
            len(subnets) == expected,
            f"{resource}: {expected} subnets",
            f"{resource}: {len(subnets)} subnets, expected {expected} "
            f"({len(zones)} private + {len(zones)} public)",
        )
        stray = sorted({s["AvailabilityZone"] for s in subnets} - set(zones))
        if stray:
            findings.problem(
                f"{resource}: subnets in {', '.join(stray)}, outside the configured zones "
                f"{', '.join(zones)}"
            )
        for zone in zones:
            tiers = sorted(
                _tag(s, "tier") or "untagged" for s in subnets if s["AvailabilityZone"] == zone
            )
            findings.expect(
                tiers == ["private", "public"],
                f"{resource}: a private and a public subnet in {zone}",
                f"{resource}: subnets in {zone} have tiers {tiers or 'none'}, "
                "expected one private and one public",
            )
        public = [
            s for s in subnets if _tag(s, "tier") == "public" and s.get("MapPublicIpOnLaunch")
        ]
        for subnet in public:
            findings.problem(
                f"{resource}: public subnet {subnet['SubnetId']} gives instances public IPs on "
                "launch, expected false"
            )

    def _nat_gateways(self, resource: str, by_vpc: list[dict[str, Any]]) -> None:
        strategy = self.context.config.network.nat_strategy
        expected = self.context.config.network.az_count if strategy == "one_per_az" else 1
        filters = [*by_vpc, {"Name": "state", "Values": ["available"]}]
        pages = self.ec2.get_paginator("describe_nat_gateways").paginate(Filter=filters)
        count = len(pages.build_full_result()["NatGateways"])
        self.context.findings.expect(
            count == expected,
            f"{resource}: {count} available NAT gateway(s) for nat_strategy {strategy}",
            f"{resource}: {count} available NAT gateway(s), expected {expected} "
            f"for nat_strategy {strategy}",
        )

    def _endpoints(self, resource: str, by_vpc: list[dict[str, Any]]) -> None:
        """The S3 and DynamoDB gateway endpoints always; an interface endpoint per service."""
        config = self.context.config
        pages = self.ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=by_vpc)
        present = {
            (e["ServiceName"], e["VpcEndpointType"])
            for e in pages.build_full_result()["VpcEndpoints"]
            if e.get("State", "").lower() == "available"
        }
        prefix = f"com.amazonaws.{config.region}"
        wanted = [(f"{prefix}.s3", "Gateway"), (f"{prefix}.dynamodb", "Gateway")]
        wanted += [
            (f"{prefix}.{service}", "Interface") for service in config.network.interface_endpoints
        ]
        for service, kind in wanted:
            self.context.findings.expect(
                (service, kind) in present,
                f"{resource}: {kind} endpoint {service}",
                f"{resource}: no available {kind} endpoint for {service}",
            )

    def _default_security_group(self, resource: str, by_vpc: list[dict[str, Any]]) -> None:
        """The default group would let its members talk freely; the platform empties it."""
        groups = self.ec2.describe_security_groups(
            Filters=[*by_vpc, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"]
        for group in groups:
            rules = len(group.get("IpPermissions", [])) + len(group.get("IpPermissionsEgress", []))
            self.context.findings.compare(
                f"{resource}: default security group {group['GroupId']}", "rules", rules, 0
            )

    def _flow_log(self, resource: str, vpc_id: str) -> None:
        logs = self.ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])
        active = [f for f in logs["FlowLogs"] if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
        findings = self.context.findings
        if not findings.expect(
            bool(active), f"{resource}: active flow log", f"{resource}: no active flow log"
        ):
            return
        findings.compare(
            f"{resource}: flow log {active[0].get('FlowLogId', '')}".rstrip(),
            "traffic type",
            active[0].get("TrafficType"),
            "ALL",
        )
