"""An EKS managed node group launched from a hardened launch template.

The building block of the cluster's CPU node groups (the GPU pools' nodes are
launched by Karpenter), so every such node gets the same protections: an
encrypted gp3 root volume, IMDSv2 required with a small hop limit, and no SSH
key. Callers decide what differs between groups (instance types, AMI type,
capacity type, sizes, labels, taints); this module only translates those
decisions into a launch template and a node group.

Whoever scales the group owns the desired size once the group exists, so
Terraform ignores changes to it; otherwise every apply would undo a scale-up.
Updates replace one node at a time, which is EKS's default and so is not restated.

``launch_template=False`` leaves EKS's own default template (the root
volume size still applies). It exists for an emulator that cannot keep a
launch template stable; real environments keep the hardened template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle, TerraformStack, Token
from constructs import Construct

from mlplatform.bindings.aws.eks_node_group import (
    EksNodeGroup,
    EksNodeGroupLaunchTemplate,
    EksNodeGroupScalingConfig,
    EksNodeGroupTaint,
)
from mlplatform.bindings.aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateMetadataOptions,
    LaunchTemplateTagSpecifications,
)
from mlplatform.decisions import cluster_node_groups
from mlplatform.decisions.cluster_node_groups import ROOT_DEVICE, NodeGroupSettings
from mlplatform.decisions.tagging import LAUNCHED_RESOURCE_KINDS, TagsLaunchedResources

__all__ = ["ManagedNodeGroup", "ManagedNodeGroupProps"]


@dataclass(frozen=True, kw_only=True)
class ManagedNodeGroupProps(NodeGroupSettings):
    """A node group's settings (:class:`~mlplatform.decisions.cluster_node_groups.NodeGroupSettings`)
    and where it runs: its cluster, node role and subnets."""

    cluster_name: str
    node_role_arn: str
    subnet_ids: Sequence[str]
    depends_on: Sequence[ITerraformDependable] = ()
    """What must exist before nodes start (node role policies, the CNI add-on)."""


class ManagedNodeGroup(Construct):
    """A launch template with encrypted root volume and IMDSv2, and the node group using it."""

    def __init__(self, scope: Construct, id: str, *, props: ManagedNodeGroupProps) -> None:
        super().__init__(scope, id)
        self._launch_template = (
            self._hardened_launch_template(props) if props.launch_template else None
        )
        template = self._launch_template
        self._node_group = EksNodeGroup(
            self,
            "node-group",
            cluster_name=props.cluster_name,
            node_group_name=props.node_group_name,
            node_role_arn=props.node_role_arn,
            subnet_ids=list(props.subnet_ids),
            instance_types=list(props.instance_types),
            ami_type=props.ami_type,
            capacity_type=props.capacity_type,
            scaling_config=EksNodeGroupScalingConfig(**cluster_node_groups.scaling_settings(props)),
            launch_template=(
                EksNodeGroupLaunchTemplate(
                    id=template.id, version=Token.as_string(template.latest_version)
                )
                if template
                else None
            ),
            # With a launch template the root volume is set there; EKS refuses both.
            disk_size=None if template else props.root_volume_gib,
            labels=dict(props.labels) or None,
            taint=[
                EksNodeGroupTaint(**taint)
                for taint in cluster_node_groups.taint_settings(props.taints)
            ]
            or None,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["scaling_config[0].desired_size"]),
            depends_on=list(props.depends_on) or None,
        )

    def _hardened_launch_template(self, props: ManagedNodeGroupProps) -> LaunchTemplate:
        return LaunchTemplate(
            self,
            "launch-template",
            name=props.node_group_name,
            description=cluster_node_groups.launch_template_description(props.node_group_name),
            update_default_version=True,
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name=ROOT_DEVICE,
                    ebs=LaunchTemplateBlockDeviceMappingsEbs(
                        **cluster_node_groups.root_volume_settings(props.root_volume_gib)
                    ),
                )
            ],
            metadata_options=LaunchTemplateMetadataOptions(
                **cluster_node_groups.metadata_options_settings(props.imds_hop_limit)
            ),
            tag_specifications=self._launched_resource_tags() or None,
        )

    def _launched_resource_tags(self) -> list[LaunchTemplateTagSpecifications]:
        """The stack's tags for the instances, volumes and interfaces the nodes launch with."""
        stack = TerraformStack.of(self)
        if not isinstance(stack, TagsLaunchedResources):
            return []
        tags = dict(stack.launched_resource_tags)
        return [
            LaunchTemplateTagSpecifications(resource_type=kind, tags=tags)
            for kind in LAUNCHED_RESOURCE_KINDS
        ]

    @property
    def ready(self) -> ITerraformDependable:
        """Depend on this to wait until the group exists and its first nodes have joined."""
        return self._node_group

    @property
    def node_group_name(self) -> str:
        """The node group's name (a token: it waits for the group)."""
        return self._node_group.node_group_name

    @property
    def node_group_arn(self) -> str:
        return self._node_group.arn

    @property
    def launch_template_id(self) -> str | None:
        """The hardened launch template, or ``None`` when the group uses EKS's default."""
        return self._launch_template.id if self._launch_template else None
