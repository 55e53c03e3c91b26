"""What the platform knows about GPU and accelerator instance types: a small, checked table.

A GPU pool's config names instance types; everything else about the pool
follows from this table: the EKS AMI type (NVIDIA or Neuron drivers), the
extended resource jobs request (``nvidia.com/gpu``), how many accelerators a
node offers (for labels and the autoscaler), and whether, and with how many
interfaces, the type supports EFA. Keeping the table here, in plain Python,
lets config validation reject ``m5.large`` in a GPU pool before any engine
runs, and lets a unit test compare it with AWS's own instance type data.

Figures are from EC2 ``DescribeInstanceTypes`` (``GpuInfo``, ``NeuronInfo``,
``NetworkInfo.EfaInfo.MaximumEfaInterfaces``); ``tests/test_compute_decisions.py``
checks every row against the copy of that data the emulator ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from mlplatform.catalogs._ec2 import family_and_size

__all__ = [
    "ACCELERATOR_FAMILIES",
    "AcceleratorType",
    "Vendor",
    "accelerator_type",
    "cpu_ami_type",
    "is_accelerator_type",
    "siblings",
]

Vendor = Literal["nvidia", "neuron"]

_AMI_TYPES: dict[Vendor, str] = {
    "nvidia": "AL2023_x86_64_NVIDIA",
    "neuron": "AL2023_x86_64_NEURON",
}
_RESOURCES: dict[Vendor, str] = {
    "nvidia": "nvidia.com/gpu",
    "neuron": "aws.amazon.com/neuron",
}

# The G families share their sizes up to 16xlarge: one GPU, except four on the 12xlarge,
# and EFA from the 8xlarge up. Their larger sizes differ, and are listed per family.
_G_FAMILY_SIZES: dict[str, tuple[int, int]] = {
    "xlarge": (1, 0),
    "2xlarge": (1, 0),
    "4xlarge": (1, 0),
    "8xlarge": (1, 1),
    "12xlarge": (4, 1),
    "16xlarge": (1, 1),
}

# family: (vendor, accelerator model, {size: (accelerators per instance, max EFA interfaces)})
# An EFA figure of 0 means the size does not support EFA.
ACCELERATOR_FAMILIES: dict[str, tuple[Vendor, str, dict[str, tuple[int, int]]]] = {
    "g4dn": ("nvidia", "T4", {**_G_FAMILY_SIZES, "metal": (8, 1)}),
    "g5": ("nvidia", "A10G", {**_G_FAMILY_SIZES, "24xlarge": (4, 1), "48xlarge": (8, 1)}),
    "g6": ("nvidia", "L4", {**_G_FAMILY_SIZES, "24xlarge": (4, 1), "48xlarge": (8, 1)}),
    "g6e": ("nvidia", "L40S", {**_G_FAMILY_SIZES, "24xlarge": (4, 2), "48xlarge": (8, 4)}),
    "p4d": ("nvidia", "A100", {"24xlarge": (8, 4)}),
    "p4de": ("nvidia", "A100", {"24xlarge": (8, 4)}),
    "p5": ("nvidia", "H100", {"4xlarge": (1, 1), "48xlarge": (8, 32)}),
    "p5e": ("nvidia", "H200", {"48xlarge": (8, 32)}),
    "p5en": ("nvidia", "H200", {"48xlarge": (8, 16)}),
    "inf2": (
        "neuron",
        "Inferentia2",
        {"xlarge": (1, 0), "8xlarge": (1, 0), "24xlarge": (6, 0), "48xlarge": (12, 0)},
    ),
    "trn1": ("neuron", "Trainium", {"2xlarge": (1, 0), "32xlarge": (16, 8)}),
    "trn1n": ("neuron", "Trainium", {"32xlarge": (16, 16)}),
}

# Graviton families carry a "g" after the generation digit: m7g, c7gn, r6gd, t4g, is4gen.
_GRAVITON = re.compile(r"^[a-z]+\d+[a-z-]*g[a-z-]*$")


@dataclass(frozen=True)
class AcceleratorType:
    """One GPU or accelerator instance type and what a node of it offers."""

    instance_type: str
    family: str
    vendor: Vendor
    model: str
    """Accelerator model, e.g. ``A10G`` or ``H100``."""
    count: int
    """GPUs (or Neuron devices) per instance."""
    efa_interfaces: int
    """Most EFA interfaces the type takes (one per network card); 0 means no EFA."""

    @property
    def supports_efa(self) -> bool:
        """Whether the type can attach an Elastic Fabric Adapter."""
        return self.efa_interfaces > 0

    @property
    def ami_type(self) -> str:
        """The EKS AMI type with the matching drivers (NVIDIA or Neuron) for AL2023."""
        return _AMI_TYPES[self.vendor]

    @property
    def resource_name(self) -> str:
        """The Kubernetes extended resource a job requests, e.g. ``nvidia.com/gpu``."""
        return _RESOURCES[self.vendor]


def is_accelerator_type(instance_type: str) -> bool:
    """Whether ``instance_type`` is in the table."""
    return _lookup(instance_type) is not None


def accelerator_type(instance_type: str) -> AcceleratorType:
    """The table row of ``instance_type``; ``ValueError`` naming the known families if absent."""
    found = _lookup(instance_type)
    if found is None:
        families = ", ".join(ACCELERATOR_FAMILIES)
        raise ValueError(
            f"{instance_type!r} is not a known GPU or accelerator instance type; "
            f"use a size of one of these families: {families}"
        )
    return found


def siblings(instance_type: str) -> list[str]:
    """Other sizes of the same family with the same accelerator count (spot alternatives)."""
    row = accelerator_type(instance_type)
    _, _, sizes = ACCELERATOR_FAMILIES[row.family]
    return [
        f"{row.family}.{size}"
        for size, (count, _) in sizes.items()
        if count == row.count and f"{row.family}.{size}" != instance_type
    ]


def cpu_ami_type(instance_types: Iterable[str]) -> str:
    """The standard AL2023 AMI type for CPU instance types; they must share one architecture."""
    architectures = {_architecture(t) for t in instance_types}
    if len(architectures) != 1:
        raise ValueError(
            "instance types mix arm64 (Graviton) and x86_64; one node group runs one architecture"
        )
    return "AL2023_ARM_64_STANDARD" if architectures == {"arm64"} else "AL2023_x86_64_STANDARD"


def _architecture(instance_type: str) -> str:
    parts = family_and_size(instance_type)
    if parts is None:
        raise ValueError(f"{instance_type!r} is not an EC2 instance type such as m6i.large")
    return "arm64" if _GRAVITON.match(parts[0]) else "x86_64"


def _lookup(instance_type: str) -> AcceleratorType | None:
    parts = family_and_size(instance_type)
    if parts is None:
        return None
    family, size = parts
    entry = ACCELERATOR_FAMILIES.get(family)
    if entry is None or size not in entry[2]:
        return None
    vendor, model, sizes = entry
    count, efa = sizes[size]
    return AcceleratorType(instance_type, family, vendor, model, count, efa)
