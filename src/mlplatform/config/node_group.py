"""CPU node groups of the compute layer, and the checks every managed node group shares.

GPU pools are managed node groups too: they take ``Capacity`` and the
instance type, scaling and spot checks from here, so a CPU group and a GPU
pool reject the same mistakes with the same words.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from mlplatform.catalogs.cpu import cpu_instance_type
from mlplatform.catalogs.gpu import cpu_ami_type, is_accelerator_type
from mlplatform.config._base import NonNegativeInt, PositiveInt, _check_unique, _Frozen

__all__ = ["CpuNodeGroupProps"]

Capacity = Literal["on_demand", "spot"]

_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$")


def _check_instance_types(value: tuple[str, ...]) -> None:
    if not value:
        raise ValueError("list at least one instance type")
    _check_unique(value, "instance type")
    for instance_type in value:
        if not _INSTANCE_TYPE.match(instance_type):
            raise ValueError(f"{instance_type!r} is not an EC2 instance type such as m6i.large")


def _check_scaling(min_nodes: int, desired_nodes: int | None, max_nodes: int) -> None:
    """0 <= min <= desired <= max, each message naming the field to change."""
    if min_nodes > max_nodes:
        raise ValueError(
            f"min_nodes: {min_nodes} is above max_nodes {max_nodes}; lower min_nodes or raise max_nodes"
        )
    if desired_nodes is not None and not min_nodes <= desired_nodes <= max_nodes:
        raise ValueError(
            f"desired_nodes: {desired_nodes} is outside min_nodes..max_nodes ({min_nodes}..{max_nodes}); "
            "pick a value in that range or leave it out to start at min_nodes"
        )


def _check_spot(capacity: str, instance_types: tuple[str, ...], alternatives: list[str]) -> None:
    if capacity == "spot" and len(instance_types) < 2:
        hint = f" such as {', '.join(alternatives[:2])}" if alternatives else ""
        raise ValueError(
            "instance_types: a spot pool lists at least two instance types, so one type running out "
            f"of spot capacity does not empty the pool; add another type with the same GPU count{hint}"
        )


class CpuNodeGroupProps(_Frozen):
    """A managed node group of CPU instances: the cluster's system group or a general one.

    Nodes launch from a launch template with an encrypted gp3 root volume and
    IMDSv2 required. Instance types are checked against
    :mod:`mlplatform.catalogs.cpu`, so a typo fails here, not at apply. GPU
    instance types are refused here: without the GPU taint, CPU work would
    fill expensive GPU nodes.
    """

    instance_types: tuple[str, ...] = ("m6i.large",)
    """Instance types from :mod:`mlplatform.catalogs.cpu`, all of one architecture (x86_64 or
    Graviton). Default m6i.large."""
    capacity: Capacity = "on_demand"
    """``on_demand`` (default) or ``spot``; spot groups list at least two types."""
    min_nodes: NonNegativeInt = 1
    """Fewest nodes. Default 1."""
    desired_nodes: NonNegativeInt | None = None
    """Nodes at creation; default ``min_nodes``. The autoscaler owns it afterwards."""
    max_nodes: PositiveInt = 3
    """Most nodes the autoscaler may run. Default 3."""
    root_volume_gib: Annotated[StrictInt, Field(ge=20, le=16384)] = 50
    """Size of the encrypted gp3 root volume (images and logs). Default 50 GiB."""
    imds_hop_limit: Annotated[StrictInt, Field(ge=1, le=2)] = 1
    """IMDSv2 hop limit. 1 (default) keeps pods from the node role's credentials; 2 lets
    pods without host networking reach instance metadata, for agents that need it."""
    launch_template: StrictBool = True
    """Launch from the platform's launch template (encrypted gp3 root, IMDSv2 required, hop
    limit). Off leaves EKS's default template: only for an emulator that cannot keep one, so
    refused unless ``emulator: true``."""

    @field_validator("instance_types")
    @classmethod
    def _cpu_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check_instance_types(value)
        for instance_type in value:
            if is_accelerator_type(instance_type):
                raise ValueError(
                    f"{instance_type!r} is a GPU/accelerator type; put it in a gpu_pools entry, "
                    "whose nodes carry the GPU taint"
                )
            cpu_instance_type(instance_type)
        cpu_ami_type(value)
        return value

    @model_validator(mode="after")
    def _scaling(self) -> Self:
        _check_scaling(self.min_nodes, self.desired_nodes, self.max_nodes)
        _check_spot(self.capacity, self.instance_types, [])
        return self
