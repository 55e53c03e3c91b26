"""``ManagedNodeGroup`` on Pulumi: a hardened launch template and the EKS node group using it.

The same protections as the cdktf construct: encrypted gp3 root volume,
IMDSv2 required with a small hop limit, no SSH key, the layer's tags on what
the nodes launch, and the desired size left to whoever scales the group
(``ignore_changes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions import cluster_node_groups
from mlplatform.decisions.cluster_node_groups import ROOT_DEVICE, NodeGroupSettings
from mlplatform.decisions.tagging import LAUNCHED_RESOURCE_KINDS
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["ManagedNodeGroup", "ManagedNodeGroupProps"]


@dataclass(frozen=True, kw_only=True)
class ManagedNodeGroupProps(NodeGroupSettings):
    """As the cdktf ``ManagedNodeGroupProps``: the group's settings and where it runs."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]] | pulumi.Output[list[str]]
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
            scaling_config=cluster_node_groups.scaling_settings(props),
            launch_template=launch,
            disk_size=None if template else props.root_volume_gib,
            labels=dict(props.labels) or None,
            taints=cluster_node_groups.taint_settings(props.taints) or None,
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
            description=cluster_node_groups.launch_template_description(props.node_group_name),
            update_default_version=True,
            block_device_mappings=[
                {
                    "device_name": ROOT_DEVICE,
                    "ebs": cluster_node_groups.root_volume_settings(props.root_volume_gib),
                }
            ],
            metadata_options=cluster_node_groups.metadata_options_settings(props.imds_hop_limit),
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
