"""What an EKS managed node group is made of, whichever engine makes it.

The cluster's CPU node groups are managed node groups launched from a
hardened launch template: an encrypted gp3 root volume, IMDSv2 required with a
small hop limit, no SSH key. :class:`NodeGroupSettings` is what may differ
between groups (both engines' ``ManagedNodeGroupProps`` extend it with the
cluster, node role, subnets and dependencies, which are engine values);
:func:`cpu_node_group` decides it for one configured CPU group, and the
``*_settings`` functions are the launch template's and node group's fixed
settings, as plain values both engines pass on.
"""

# No ``from __future__ import annotations``: both engines' ``ManagedNodeGroupProps`` inherit
# these fields, and a dataclass's ``__init__`` resolves string annotations in the module of
# the class that made it (the engine's), where ``Literal`` and ``Taint`` are not imported.
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from mlplatform.catalogs.gpu import cpu_ami_type
from mlplatform.config import CpuNodeGroupProps
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.scheduling import Taint

__all__ = [
    "NODE_GROUP_LABEL",
    "ROOT_DEVICE",
    "NodeGroupSettings",
    "cpu_node_group",
    "launch_template_description",
    "metadata_options_settings",
    "root_volume_settings",
    "scaling_settings",
    "taint_settings",
]

ROOT_DEVICE = "/dev/xvda"
"""The root device of the EKS-optimized AL2023 AMIs."""
NODE_GROUP_LABEL = "mlplatform/node-group"
"""The label a CPU node group's nodes carry, valued with the group's name in config."""


@dataclass(frozen=True, kw_only=True)
class NodeGroupSettings:
    """What may differ between node groups; the launch template's protections are fixed."""

    node_group_name: str
    """Physical name of the node group and of its launch template."""
    instance_types: Sequence[str]
    ami_type: str
    """EKS AMI type, e.g. ``AL2023_x86_64_STANDARD`` or ``AL2023_ARM_64_STANDARD``."""
    capacity_type: Literal["ON_DEMAND", "SPOT"]
    min_size: int
    max_size: int
    desired_size: int
    root_volume_gib: int
    imds_hop_limit: int = 1
    launch_template: bool = True
    """Use the hardened launch template; ``False`` only where an emulator cannot keep one."""
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: Sequence[Taint] = ()

    def settings(self) -> dict[str, Any]:
        """The fields as keyword arguments (shallow: taints stay :class:`Taint`), to build an
        engine's ``ManagedNodeGroupProps`` from these settings."""
        return {f.name: getattr(self, f.name) for f in fields(NodeGroupSettings)}


def cpu_node_group(naming: Naming, group_name: str, group: CpuNodeGroupProps) -> NodeGroupSettings:
    """The node group of CPU group ``group_name`` in config: named ``<prefix>-cpu-<name>``,
    its nodes labelled with the group's name, starting at ``desired_nodes`` (else its minimum)."""
    return NodeGroupSettings(
        node_group_name=naming.resource("cpu", group_name),
        instance_types=group.instance_types,
        ami_type=cpu_ami_type(group.instance_types),
        capacity_type="SPOT" if group.capacity == "spot" else "ON_DEMAND",
        min_size=group.min_nodes,
        max_size=group.max_nodes,
        desired_size=group.desired_nodes if group.desired_nodes is not None else group.min_nodes,
        root_volume_gib=group.root_volume_gib,
        imds_hop_limit=group.imds_hop_limit,
        launch_template=group.launch_template,
        labels={NODE_GROUP_LABEL: group_name},
    )


def launch_template_description(node_group_name: str) -> str:
    """The hardened launch template's description (it is named as its node group)."""
    return f"Nodes of {node_group_name}: encrypted gp3 root, IMDSv2 only"


def root_volume_settings(root_volume_gib: int) -> dict[str, Any]:
    """The root volume's ``ebs`` block: gp3, encrypted, gone with the instance."""
    return {
        "volume_size": root_volume_gib,
        "volume_type": "gp3",
        "encrypted": "true",
        "delete_on_termination": "true",
    }


def metadata_options_settings(imds_hop_limit: int) -> dict[str, Any]:
    """IMDSv2 only, with ``imds_hop_limit`` hops (1 keeps pods off the node's credentials),
    and no instance tags in the metadata."""
    return {
        "http_endpoint": "enabled",
        "http_tokens": "required",
        "http_put_response_hop_limit": imds_hop_limit,
        "instance_metadata_tags": "disabled",
    }


def scaling_settings(settings: NodeGroupSettings) -> dict[str, int]:
    """The node group's ``scaling_config`` (its desired size is then left to whoever scales)."""
    return {
        "min_size": settings.min_size,
        "max_size": settings.max_size,
        "desired_size": settings.desired_size,
    }


def taint_settings(taints: Sequence[Taint]) -> list[dict[str, str]]:
    """The node group's taints as the EKS API spells them (``NO_SCHEDULE``)."""
    return [{"key": t.key, "value": t.value, "effect": t.eks_effect} for t in taints]
