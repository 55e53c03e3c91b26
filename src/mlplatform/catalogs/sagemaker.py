"""SageMaker real-time inference instance types the platform serves on: a small, checked table.

SageMaker hosting has its own catalogue (``ml.m5.large``), not EC2's
(``m5.large``), and a typo there fails only when ``CreateEndpointConfig`` runs,
half-way through an apply. Validating against this table turns that into a
config error naming the endpoint and the field. The table also answers the two
questions the serving construct has about a type:

- Is it a GPU type? GPU endpoints cost an order of magnitude more, so config
  errors and the endpoint's ``uses_gpu`` flag call them out.
- Does it have local NVMe instance storage? SageMaker refuses a KMS key for the
  ML storage volume of such types (their instance store is always encrypted by
  the hardware), so the endpoint configuration may only name a volume key for
  types without it.

It is an allow-list on purpose: a team that needs another type adds a row,
which is a reviewed change. Plain Python, no cdktf: config validation and
tests use it without the AWS bindings.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "SAGEMAKER_INSTANCE_TYPES",
    "Accelerator",
    "SageMakerInstanceType",
    "sagemaker_instance_type",
]

Accelerator = Literal["nvidia", "inferentia"]


@dataclass(frozen=True)
class SageMakerInstanceType:
    """One ``ml.*`` hosting instance type and what the platform needs to know about it."""

    name: str
    """For example ``ml.g5.xlarge``."""
    accelerator: Accelerator | None
    """``nvidia`` for GPU types, ``inferentia`` for AWS Inferentia, ``None`` for CPU only."""
    accelerators: int
    """GPUs (or Inferentia chips) per instance; 0 for CPU types."""
    local_storage: bool
    """Has NVMe instance storage, so the endpoint configuration may not name a volume KMS key."""

    @property
    def gpu(self) -> bool:
        """Whether the type carries NVIDIA GPUs."""
        return self.accelerator == "nvidia"


# Sizes of the general purpose (m, r) and compute (c) families; none has an accelerator.
_GENERAL_SIZES = {"large": 0, "xlarge": 0, "2xlarge": 0, "4xlarge": 0, "12xlarge": 0, "24xlarge": 0}
_COMPUTE_SIZES = {"large": 0, "xlarge": 0, "2xlarge": 0, "4xlarge": 0, "9xlarge": 0, "18xlarge": 0}
# The G families' GPUs per size (g4dn stops at 16xlarge for hosting).
_G_SIZES = {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "12xlarge": 4, "16xlarge": 1}

# family: (accelerator, local NVMe storage, {size: accelerators per instance})
_FAMILIES: dict[str, tuple[Accelerator | None, bool, dict[str, int]]] = {
    "t2": (None, False, {"medium": 0, "large": 0, "xlarge": 0, "2xlarge": 0}),
    "m5": (None, False, _GENERAL_SIZES),
    "m5d": (None, True, _GENERAL_SIZES),
    "c5": (None, False, _COMPUTE_SIZES),
    "c5d": (None, True, _COMPUTE_SIZES),
    "r5": (None, False, _GENERAL_SIZES),
    "r5d": (None, True, _GENERAL_SIZES),
    "g4dn": ("nvidia", True, _G_SIZES),
    "g5": ("nvidia", True, {**_G_SIZES, "24xlarge": 4, "48xlarge": 8}),
    "g6": ("nvidia", True, {**_G_SIZES, "24xlarge": 4, "48xlarge": 8}),
    "p3": ("nvidia", False, {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8}),
    "p4d": ("nvidia", True, {"24xlarge": 8}),
    "inf1": ("inferentia", False, {"xlarge": 1, "2xlarge": 1, "6xlarge": 4, "24xlarge": 16}),
    "inf2": ("inferentia", False, {"xlarge": 1, "8xlarge": 1, "24xlarge": 6, "48xlarge": 12}),
}

SAGEMAKER_INSTANCE_TYPES: dict[str, SageMakerInstanceType] = {
    f"ml.{family}.{size}": SageMakerInstanceType(
        f"ml.{family}.{size}", accelerator, count, local_storage
    )
    for family, (accelerator, local_storage, sizes) in _FAMILIES.items()
    for size, count in sizes.items()
}
"""Every allowed hosting type by name."""


def sagemaker_instance_type(name: str) -> SageMakerInstanceType:
    """The table row of ``name``; ``ValueError`` with a suggestion when it is not a hosting type."""
    found = SAGEMAKER_INSTANCE_TYPES.get(name)
    if found is not None:
        return found
    if f"ml.{name}" in SAGEMAKER_INSTANCE_TYPES:
        hint = f"SageMaker hosting types start with 'ml.'; use 'ml.{name}'"
    else:
        close = difflib.get_close_matches(name, SAGEMAKER_INSTANCE_TYPES, n=1)
        hint = (
            f"did you mean {_describe(close[0])}?"
            if close
            else "use one such as ml.m5.large, ml.c5.xlarge or ml.g5.xlarge (GPU)"
        )
    raise ValueError(
        f"{name!r} is not a SageMaker real-time inference instance type; {hint} "
        f"(families: {', '.join(_FAMILIES)})"
    )


def _describe(name: str) -> str:
    row = SAGEMAKER_INSTANCE_TYPES[name]
    return f"{name!r} (GPU)" if row.gpu else repr(name)
