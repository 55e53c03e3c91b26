"""How GPU nodes announce themselves to the Kubernetes scheduler: labels and taints.

GPU nodes are expensive, so they carry a ``NoSchedule`` taint on the
accelerator's resource name (``nvidia.com/gpu=true:NoSchedule``): only pods
that tolerate it, which are the ones that request GPUs, land there, and
ordinary CPU work never does. Labels name the pool, the GPU family and the
accelerator count so jobs can select a flavour with a node selector.

A pool that has scaled to zero has no node to copy labels and taints from;
Karpenter's NodePool for the pool (the ``<env>-cluster`` layer) carries the
same labels and taints, built by these functions, so the two never disagree.

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
    "gpu_pool_labels",
    "gpu_pool_taints",
    "pool_node_tags",
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


def pool_node_tags(tags: Mapping[str, str], node_pool_name: str, name: str) -> dict[str, str]:
    """The AWS tags of the instances Karpenter launches for a pool: the owner's cost tags
    (the compute layer's, or a team's), the pool label (``node_pool_name``) and ``Name``
    (the pool's ``...-gpu-<pool>`` name), so each instance bills to its owner and says
    which pool it serves."""
    return {**tags, POOL_LABEL: node_pool_name, "Name": name}
