"""How nodes announce themselves to the Kubernetes scheduler and the cluster autoscaler.

GPU nodes are expensive, so they carry a ``NoSchedule`` taint on the
accelerator's resource name (``nvidia.com/gpu=true:NoSchedule``): only pods
that tolerate it, which are the ones that request GPUs, land there, and
ordinary CPU work never does. Labels name the pool, the GPU family and the
accelerator count so jobs can select a flavour with a node selector.

A pool that has scaled to zero has no node to copy labels and taints from, so
the cluster autoscaler reads them from ``node-template`` tags on the pool's
Auto Scaling group; :func:`autoscaler_tags` builds those tags from the same
labels and taints the nodes get, so the two can never disagree.

Plain Python: both engines, and tests, call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from mlplatform.catalogs.gpu import AcceleratorType

__all__ = [
    "POOL_LABEL",
    "Taint",
    "autoscaler_discovery_tags",
    "autoscaler_tags",
    "gpu_pool_labels",
    "gpu_pool_taints",
    "node_template_tags",
]

POOL_LABEL = "mlplatform/pool"
GPU_FAMILY_LABEL = "mlplatform/gpu-family"
ACCELERATOR_COUNT_LABEL = "mlplatform/accelerator-count"
NVIDIA_GPU_COUNT_LABEL = "nvidia.com/gpu.count"
"""The label NVIDIA GPU feature discovery sets; set up front so it exists before GFD runs."""

Effect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
_EKS_EFFECTS: dict[str, str] = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}
_AUTOSCALER = "k8s.io/cluster-autoscaler"


@dataclass(frozen=True)
class Taint:
    """A Kubernetes node taint, ``key=value:effect``."""

    key: str
    value: str
    effect: Effect = "NoSchedule"

    @property
    def eks_effect(self) -> str:
        """The effect as the EKS node group API spells it (``NO_SCHEDULE``)."""
        return _EKS_EFFECTS[self.effect]

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}"


def gpu_pool_taints(accelerators: Sequence[AcceleratorType]) -> list[Taint]:
    """Keep everything that does not request the accelerator off the pool's nodes."""
    resources = sorted({a.resource_name for a in accelerators})
    return [Taint(resource, "true", "NoSchedule") for resource in resources]


def gpu_pool_labels(pool: str, accelerators: Sequence[AcceleratorType]) -> dict[str, str]:
    """Labels of every node of a pool: its name, GPU family and accelerators per node.

    A pool may mix families with the same accelerator count (spot pools do,
    to find capacity); the family label then lists them joined by ``-``
    (``g5-g6``). The count is the same for every type of a pool (config
    validation makes sure), so the count labels never lie.
    """
    if not accelerators:
        raise ValueError("a GPU pool needs at least one instance type")
    counts = {a.count for a in accelerators}
    if len(counts) != 1:
        raise ValueError("every instance type of a pool must have the same accelerator count")
    families = sorted({a.family for a in accelerators})
    count = str(counts.pop())
    labels = {
        POOL_LABEL: pool,
        GPU_FAMILY_LABEL: "-".join(families),
        ACCELERATOR_COUNT_LABEL: count,
    }
    if all(a.vendor == "nvidia" for a in accelerators):
        labels[NVIDIA_GPU_COUNT_LABEL] = count
    return labels


def autoscaler_discovery_tags(cluster_name: str) -> dict[str, str]:
    """The tags cluster-autoscaler's auto-discovery looks for on an Auto Scaling group."""
    return {f"{_AUTOSCALER}/enabled": "true", f"{_AUTOSCALER}/{cluster_name}": "owned"}


def node_template_tags(
    labels: Mapping[str, str], taints: Sequence[Taint], resources: Mapping[str, int]
) -> dict[str, str]:
    """The node-template tags that tell the autoscaler what a node of an empty group would be.

    ``resources`` are extended resources per node, e.g. ``{"nvidia.com/gpu": 1}``.
    """
    template = f"{_AUTOSCALER}/node-template"
    tags = {f"{template}/label/{key}": value for key, value in labels.items()}
    for taint in taints:
        tags[f"{template}/taint/{taint.key}"] = f"{taint.value}:{taint.effect}"
    for name, count in resources.items():
        tags[f"{template}/resources/{name}"] = str(count)
    return tags


def autoscaler_tags(
    cluster_name: str,
    labels: Mapping[str, str],
    taints: Sequence[Taint],
    resources: Mapping[str, int],
) -> dict[str, str]:
    """Discovery tags plus node-template tags: everything the autoscaler needs to scale from zero."""
    return {
        **autoscaler_discovery_tags(cluster_name),
        **node_template_tags(labels, taints, resources),
    }
