"""EKS managed node groups: the cluster's system and general CPU groups.

Each group's sizes, instance and capacity types, AMI, labels, taints and
hardened launch template are compared with what the environment file says,
with the same decisions (:mod:`mlplatform.catalogs.gpu`'s ``cpu_ami_type``) the
constructs used. The desired size is not compared: whoever scales the group
owns it. GPU pools have no node group: Karpenter launches their nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlplatform.catalogs.gpu import cpu_ami_type
from mlplatform.config import CpuNodeGroupProps
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.reads import read_or_none

__all__ = ["NodeGroupChecker"]

# The root device of the EKS-optimized AL2023 AMIs (as the node group construct sets it).
_ROOT_DEVICE = "/dev/xvda"


@dataclass(frozen=True)
class _Expected:
    name: str
    instance_types: tuple[str, ...]
    capacity_type: str
    ami_type: str
    min_size: int
    max_size: int
    labels: Mapping[str, str]
    taints: tuple[tuple[str, str, str], ...]
    launch_template: bool
    root_volume_gib: int
    imds_hop_limit: int


def _capacity(capacity: str) -> str:
    return "SPOT" if capacity == "spot" else "ON_DEMAND"


class NodeGroupChecker:
    """Compares one node group of the cluster with its CPU group's config."""

    def __init__(self, context: VerifyContext, cluster_name: str) -> None:
        self.context = context
        self.cluster_name = cluster_name
        self.eks = context.client("eks")

    def check_cpu(self, group: str, props: CpuNodeGroupProps) -> None:
        """The system group or a general CPU group: no taints, labelled with its name."""
        self._check(
            _Expected(
                name=self.context.naming.resource("cpu", group),
                instance_types=props.instance_types,
                capacity_type=_capacity(props.capacity),
                ami_type=cpu_ami_type(props.instance_types),
                min_size=props.min_nodes,
                max_size=props.max_nodes,
                labels={"mlplatform/node-group": group},
                taints=(),
                launch_template=props.launch_template,
                root_volume_gib=props.root_volume_gib,
                imds_hop_limit=props.imds_hop_limit,
            )
        )

    def _check(self, expected: _Expected) -> None:
        findings = self.context.findings
        resource = f"EKS node group {expected.name}"
        found = read_or_none(
            self.eks.describe_nodegroup, clusterName=self.cluster_name, nodegroupName=expected.name
        )
        if found is None:
            findings.missing(resource, f"in cluster {self.cluster_name}")
            return
        group = found["nodegroup"]
        scaling = group.get("scalingConfig", {})
        findings.compare(resource, "min size", scaling.get("minSize"), expected.min_size)
        findings.compare(resource, "max size", scaling.get("maxSize"), expected.max_size)
        findings.compare(
            resource,
            "instance types",
            sorted(group.get("instanceTypes") or []),
            sorted(expected.instance_types),
        )
        findings.compare(
            resource, "capacity type", group.get("capacityType"), expected.capacity_type
        )
        findings.compare(resource, "AMI type", group.get("amiType"), expected.ami_type)
        self._labels(resource, group.get("labels") or {}, expected.labels)
        taints = sorted(
            (t["key"], t.get("value", ""), t["effect"]) for t in group.get("taints") or []
        )
        findings.compare(
            resource,
            "taints",
            [f"{k}={v}:{e}" for k, v, e in taints],
            [f"{k}={v}:{e}" for k, v, e in sorted(expected.taints)],
        )
        if expected.launch_template:
            self._launch_template(resource, group, expected)
        else:
            findings.compare(
                resource, "disk size GiB", group.get("diskSize"), expected.root_volume_gib
            )

    def _labels(self, resource: str, found: Mapping[str, str], expected: Mapping[str, str]) -> None:
        findings = self.context.findings
        for key in sorted(set(found) | set(expected)):
            if found.get(key) != expected.get(key):
                findings.compare(resource, f"label {key}", found.get(key), expected.get(key))
        if dict(found) == dict(expected):
            findings.ok(f"{resource}: labels {', '.join(f'{k}={v}' for k, v in expected.items())}")

    def _launch_template(self, resource: str, group: dict[str, Any], expected: _Expected) -> None:
        """The hardened template: IMDSv2 required with the hop limit, an encrypted gp3 root."""
        findings = self.context.findings
        template = group.get("launchTemplate")
        if not template:
            findings.problem(f"{resource}: launch template is not set, expected {expected.name}")
            return
        findings.compare(resource, "launch template", template.get("name"), expected.name)
        versions = self.context.client("ec2").describe_launch_template_versions(
            LaunchTemplateId=template["id"], Versions=[str(template.get("version", "$Default"))]
        )["LaunchTemplateVersions"]
        data = versions[0].get("LaunchTemplateData", {}) if versions else {}
        metadata = data.get("MetadataOptions", {})
        where = f"{resource}: launch template"
        findings.compare(where, "IMDS tokens", metadata.get("HttpTokens"), "required")
        findings.compare(
            where,
            "IMDS hop limit",
            metadata.get("HttpPutResponseHopLimit"),
            expected.imds_hop_limit,
        )
        mappings = data.get("BlockDeviceMappings", [])
        root: dict[str, Any] = next(
            (m.get("Ebs", {}) for m in mappings if m.get("DeviceName") == _ROOT_DEVICE), {}
        )
        findings.compare(where, "root volume encrypted", root.get("Encrypted"), True)
        findings.compare(where, "root volume type", root.get("VolumeType"), "gp3")
        findings.compare(where, "root volume GiB", root.get("VolumeSize"), expected.root_volume_gib)
