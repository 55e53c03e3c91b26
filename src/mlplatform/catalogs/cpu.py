"""CPU instance types the platform runs node groups on: current-generation families, checked.

A CPU node group's config names instance types; a typo (``m6i.hugeish``) or a
type that does not exist (``p99.mega``) would otherwise pass validation and
fail only when EKS creates the node group, half-way through an apply. This
table turns that into a config error naming the group and the field, with
the closest valid types.

It is an allow-list of current-generation general purpose (``m``), compute
optimized (``c``) and memory optimized (``r``) families, x86 (Intel, AMD) and
Graviton. Burstable (``t``) families are left out on purpose: a node that
runs out of CPU credits slows every pod on it. A team that needs another
family adds a row, which is a reviewed change.

Sizes are from EC2 ``DescribeInstanceTypes``;
``tests/test_compute_decisions.py`` checks every row, size and architecture
against the copy of that data the emulator ships.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from mlplatform.catalogs._ec2 import family_and_size

__all__ = ["CPU_FAMILIES", "CpuInstanceType", "cpu_instance_type", "is_cpu_instance_type"]

Architecture = Literal["x86_64", "arm64"]
Category = Literal["general purpose", "compute optimized", "memory optimized"]

# Sizes shared by families of one generation and vendor.
_GEN5 = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")
_GEN5_METAL = (*_GEN5, "metal")
_C5 = (
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "9xlarge",
    "12xlarge",
    "18xlarge",
    "24xlarge",
    "metal",
)
_C5N = ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge", "metal")
_INTEL6 = (*_GEN5, "32xlarge", "metal")
_AMD6 = (*_GEN5, "32xlarge", "48xlarge", "metal")
_INTEL7 = (*_GEN5, "48xlarge", "metal-24xl", "metal-48xl")
_FLEX7 = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_AMD7 = ("medium", *_GEN5, "32xlarge", "48xlarge", "metal-48xl")
_GRAVITON23 = (
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "metal",
)
_GRAVITON4 = ("medium", *_GEN5, "48xlarge", "metal-24xl", "metal-48xl")

_GP: Category = "general purpose"
_CO: Category = "compute optimized"
_MO: Category = "memory optimized"

# family: (architecture, category, sizes)
CPU_FAMILIES: dict[str, tuple[Architecture, Category, tuple[str, ...]]] = {
    # general purpose
    "m5": ("x86_64", _GP, _GEN5_METAL),
    "m5a": ("x86_64", _GP, _GEN5),
    "m5d": ("x86_64", _GP, _GEN5_METAL),
    "m5n": ("x86_64", _GP, _GEN5_METAL),
    "m6i": ("x86_64", _GP, _INTEL6),
    "m6id": ("x86_64", _GP, _INTEL6),
    "m6in": ("x86_64", _GP, _INTEL6),
    "m6a": ("x86_64", _GP, _AMD6),
    "m7i": ("x86_64", _GP, _INTEL7),
    "m7i-flex": ("x86_64", _GP, _FLEX7),
    "m7a": ("x86_64", _GP, _AMD7),
    "m6g": ("arm64", _GP, _GRAVITON23),
    "m6gd": ("arm64", _GP, _GRAVITON23),
    "m7g": ("arm64", _GP, _GRAVITON23),
    "m7gd": ("arm64", _GP, _GRAVITON23),
    "m8g": ("arm64", _GP, _GRAVITON4),
    # compute optimized
    "c5": ("x86_64", _CO, _C5),
    "c5a": ("x86_64", _CO, _GEN5),
    "c5d": ("x86_64", _CO, _C5),
    "c5n": ("x86_64", _CO, _C5N),
    "c6i": ("x86_64", _CO, _INTEL6),
    "c6id": ("x86_64", _CO, _INTEL6),
    "c6in": ("x86_64", _CO, _INTEL6),
    "c6a": ("x86_64", _CO, _AMD6),
    "c7i": ("x86_64", _CO, _INTEL7),
    "c7i-flex": ("x86_64", _CO, _FLEX7),
    "c7a": ("x86_64", _CO, _AMD7),
    "c6g": ("arm64", _CO, _GRAVITON23),
    "c6gd": ("arm64", _CO, _GRAVITON23),
    "c6gn": ("arm64", _CO, _GRAVITON23[:-1]),
    "c7g": ("arm64", _CO, _GRAVITON23),
    "c7gd": ("arm64", _CO, _GRAVITON23),
    "c7gn": ("arm64", _CO, _GRAVITON23),
    "c8g": ("arm64", _CO, _GRAVITON4),
    # memory optimized
    "r5": ("x86_64", _MO, _GEN5_METAL),
    "r5a": ("x86_64", _MO, _GEN5),
    "r5b": ("x86_64", _MO, _GEN5_METAL),
    "r5d": ("x86_64", _MO, _GEN5_METAL),
    "r5n": ("x86_64", _MO, _GEN5_METAL),
    "r6i": ("x86_64", _MO, _INTEL6),
    "r6id": ("x86_64", _MO, _INTEL6),
    "r6in": ("x86_64", _MO, _INTEL6),
    "r6a": ("x86_64", _MO, _AMD6),
    "r7i": ("x86_64", _MO, _INTEL7),
    "r7a": ("x86_64", _MO, _AMD7),
    "r6g": ("arm64", _MO, _GRAVITON23),
    "r6gd": ("arm64", _MO, _GRAVITON23),
    "r7g": ("arm64", _MO, _GRAVITON23),
    "r7gd": ("arm64", _MO, _GRAVITON23),
    "r8g": ("arm64", _MO, _GRAVITON4),
}

_BURSTABLE = re.compile(r"^t\d")
_ALL = [f"{family}.{size}" for family, (_, _, sizes) in CPU_FAMILIES.items() for size in sizes]
# What to offer when a name is close to nothing: one x86 and one Graviton type per category.
_EXAMPLES = (
    "general purpose (m6i.large, m7g.large), compute optimized (c6i.large, c7g.large) "
    "or memory optimized (r6i.large, r7g.large)"
)


@dataclass(frozen=True)
class CpuInstanceType:
    """One CPU instance type the platform runs node groups on."""

    instance_type: str
    family: str
    architecture: Architecture
    category: Category


def is_cpu_instance_type(instance_type: str) -> bool:
    """Whether ``instance_type`` is in the table."""
    return _lookup(instance_type) is not None


def cpu_instance_type(instance_type: str) -> CpuInstanceType:
    """The table row of ``instance_type``; ``ValueError`` naming the closest valid types if absent."""
    found = _lookup(instance_type)
    if found is not None:
        return found
    family, size = family_and_size(instance_type) or ("", "")
    if family in CPU_FAMILIES:
        sizes = CPU_FAMILIES[family][2]
        close = difflib.get_close_matches(size, sizes, n=1, cutoff=0)
        raise ValueError(
            f"{instance_type!r} is not a size of {family}; did you mean {family}.{close[0]}? "
            f"{family} comes in {', '.join(sizes)}"
        )
    if _BURSTABLE.match(family):
        raise ValueError(
            f"{instance_type!r} is burstable: a node out of CPU credits slows every pod on it; "
            "use a small fixed-performance type such as m7g.medium, m7i-flex.large or m6i.large"
        )
    close = difflib.get_close_matches(instance_type, _ALL, n=3, cutoff=0.6)
    hint = (
        f"did you mean {_one_of(close)}? (allowed families: mlplatform.catalogs.cpu)"
        if close
        else f"use a {_EXAMPLES} type, or add its family to mlplatform.catalogs.cpu"
    )
    raise ValueError(
        f"{instance_type!r} is not a CPU instance type the platform runs nodes on; {hint}"
    )


def _one_of(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _lookup(instance_type: str) -> CpuInstanceType | None:
    family, size = family_and_size(instance_type) or ("", "")
    entry = CPU_FAMILIES.get(family)
    if entry is None or size not in entry[2]:
        return None
    architecture, category, _ = entry
    return CpuInstanceType(instance_type, family, architecture, category)
