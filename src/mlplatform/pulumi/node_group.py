"""``ManagedNodeGroup`` on Pulumi: a hardened launch template and the EKS node group using it.

The same protections as the cdktf construct: encrypted gp3 root volume,
IMDSv2 required with a small hop limit, no SSH key, the layer's tags on what
the nodes launch, and the desired size left to whoever scales the group
(``ignore_changes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.scheduling import Taint
from mlplatform.decisions.tagging import LAUNCHED_RESOURCE_KINDS
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["ManagedNodeGroup", "ManagedNodeGroupProps"]

ROOT_DEVICE = "/dev/xvda"


@dataclass(frozen=True)
class ManagedNodeGroupProps:
    """As the cdktf ``ManagedNodeGroupProps``."""

    node_group_name: str
    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]] | pulumi.Output[list[str]]
    instance_types: Sequence[str]
    ami_type: str
    capacity_type: Literal["ON_DEMAND", "SPOT"]
    min_size: int
    max_size: int
    desired_size: int
    root_volume_gib: int
    imds_hop_limit: int = 1
    launch_template: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: Sequence[Taint] = ()
    depends_on: Sequence[pulumi.Resource] = ()


class ManagedNodeGroup(PlatformComponent):
    """``mlplatform:compute:ManagedNodeGroup``."""

    def __init__(
        self, layer: Layer, parent: PlatformComponent, id: str, *, props: ManagedNodeGroupProps
    ) -> None:
        super().__init__(layer.layer, "ManagedNodeGroup", parent.child(id), parent=parent)
        template = self._launch_template(layer, props) if props.launch_template else None
        launch: dict[str, Any] | None = (
            {"id": template.id, "version": template.latest_version.apply(str)} if template else None
        )
        self.node_group = aws.eks.NodeGroup(
            self.child("node-group"),
            cluster_name=props.cluster_name,
            node_group_name=props.node_group_name,
            node_role_arn=props.node_role_arn,
            subnet_ids=(
                props.subnet_ids
                if isinstance(props.subnet_ids, pulumi.Output)
                else list(props.subnet_ids)
            ),
            instance_types=list(props.instance_types),
            ami_type=props.ami_type,
            capacity_type=props.capacity_type,
            scaling_config={
                "min_size": props.min_size,
                "max_size": props.max_size,
                "desired_size": props.desired_size,
            },
            launch_template=launch,
            disk_size=None if template else props.root_volume_gib,
            labels=dict(props.labels) or None,
            taints=[{"key": t.key, "value": t.value, "effect": t.eks_effect} for t in props.taints]
            or None,
            opts=pulumi.ResourceOptions.merge(
                self.options(depends_on=list(props.depends_on) or None),
                pulumi.ResourceOptions(ignore_changes=["scalingConfig.desiredSize"]),
            ),
        )
        self.register_outputs({})

    def _launch_template(
        self, layer: Layer, props: ManagedNodeGroupProps
    ) -> aws.ec2.LaunchTemplate:
        return aws.ec2.LaunchTemplate(
            self.child("launch-template"),
            name=props.node_group_name,
            description=f"Nodes of {props.node_group_name}: encrypted gp3 root, IMDSv2 only",
            update_default_version=True,
            block_device_mappings=[
                {
                    "device_name": ROOT_DEVICE,
                    "ebs": {
                        "volume_size": props.root_volume_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": props.imds_hop_limit,
                "instance_metadata_tags": "disabled",
            },
            # Provider default tags do not reach what the template launches; these do.
            tag_specifications=[
                {"resource_type": kind, "tags": dict(layer.tags)}
                for kind in LAUNCHED_RESOURCE_KINDS
            ],
            opts=self.options(),
        )

    @property
    def ready(self) -> pulumi.Resource:
        """Depend on this to wait until the group exists and its first nodes have joined."""
        return self.node_group
