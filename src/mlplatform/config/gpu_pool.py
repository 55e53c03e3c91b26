"""GPU training pools of the compute layer, and the scratch FSx for Lustre next to one.

Instance types are checked against :mod:`mlplatform.catalogs.gpu`: one pool
runs one vendor and accelerator count, EFA only where the type has it. Which
zones a pool may use and which lake zones it reads are checked by
:class:`~mlplatform.config.EnvironmentConfig`, which sees the network and lake.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from mlplatform.catalogs.gpu import (
    ACCELERATOR_FAMILIES,
    AcceleratorType,
    accelerator_type,
    siblings,
)
from mlplatform.config._base import PositiveInt, _check_unique, _Frozen
from mlplatform.config.data_lake import Zone
from mlplatform.config.node_group import Capacity, _check_instance_types, _check_spot

__all__ = ["AmiFamily", "FsxScratchProps", "GpuPoolProps"]

AmiFamily = Literal["bottlerocket", "al2023"]
"""Node images a pool may run; AL2 is not one: AWS stopped publishing AL2 AMIs in November 2025."""

_KUBERNETES_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_S3_PREFIX = re.compile(r"^(?:[A-Za-z0-9_.-]+/)*$")

# Fields of the managed node groups GPU pools were before Karpenter launched their nodes, and
# why each is gone; a file that still sets one gets this, not a bare "unknown key".
_RETIRED_FIELDS = {
    "min_nodes": "GPU pools scale from zero with Karpenter, which starts a node when a job asks "
    "for GPUs and removes it once it is empty",
    "desired_nodes": "Karpenter decides how many nodes a GPU pool runs, from the jobs waiting "
    "for GPUs",
    "launch_template": "Karpenter launches GPU nodes from the pool's EC2NodeClass (IMDSv2 "
    "required with imds_hop_limit, an encrypted gp3 root of root_volume_gib), not from a "
    "launch template of the platform's",
    "autoscaler_asg_tags": "GPU pools have no Auto Scaling group any more: Karpenter reads the "
    "pool's labels, taint and GPUs from its NodePool",
}


def _check_k8s_name(value: str) -> str:
    if not _KUBERNETES_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a Kubernetes name; use up to 63 lowercase letters, digits and inner '-'"
        )
    return value


class FsxScratchProps(_Frozen):
    """A scratch FSx for Lustre file system next to a GPU pool, linked to the data lake.

    Training reads the features zone at local-disk speed: objects under
    ``import_prefix`` appear as files, loaded from S3 on first read. Scratch
    file systems keep no replica, which is what a cache of the lake needs.
    """

    storage_gib: StrictInt = 1200
    """Capacity: 1200, 2400, or a multiple of 2400 GiB (SCRATCH_2). Default 1200."""
    import_prefix: str = ""
    """Prefix of the features zone to link, e.g. ``datasets/``; empty links the whole zone."""

    @field_validator("storage_gib")
    @classmethod
    def _capacity(cls, value: int) -> int:
        if value not in (1200, 2400) and (value <= 0 or value % 2400):
            raise ValueError(
                f"{value} GiB is not a SCRATCH_2 size; use 1200, 2400 or a multiple of 2400"
            )
        return value

    @field_validator("import_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _S3_PREFIX.match(value):
            raise ValueError(
                f"{value!r} is not an S3 prefix; use folders ending in '/', such as datasets/"
            )
        return value


class GpuPoolProps(_Frozen):
    """A GPU training pool: GPU nodes Karpenter launches when jobs ask for them, none when idle.

    Nodes carry the accelerator taint (``nvidia.com/gpu=true:NoSchedule``) and
    labels naming the pool, GPU family and GPU count; the node image follows the
    accelerator vendor (:attr:`node_image`). ``max_nodes`` has no default: it is
    the pool's cost ceiling. The ``<env>-cluster`` layer turns each pool into a
    Karpenter NodePool and EC2NodeClass; the ``<env>-compute`` layer makes its
    AWS resources (placement group, scratch file system, job role).
    """

    instance_types: tuple[str, ...]
    """GPU/accelerator instance types (see :mod:`mlplatform.catalogs.gpu`), all with the same
    GPU count and vendor. Spot pools list at least two."""
    capacity: Capacity = "on_demand"
    """``on_demand`` (default) or ``spot`` (cheap, may be reclaimed: for experiments)."""
    max_nodes: PositiveInt
    """Most nodes Karpenter may run for the pool (its NodePool's GPU limit is this many nodes'
    GPUs); required, because it caps the pool's cost. An idle pool runs none."""
    root_volume_gib: Annotated[StrictInt, Field(ge=100, le=16384)] = 200
    """Encrypted gp3 root volume; CUDA images are 10-20 GB and datasets get staged. Default 200."""
    imds_hop_limit: Annotated[StrictInt, Field(ge=1, le=2)] = 1
    """IMDSv2 hop limit: 1 (default) keeps pods from node credentials; jobs use IRSA instead."""
    ami_family: AmiFamily | None = None
    """Node image: ``bottlerocket`` or ``al2023``. Default: Bottlerocket for NVIDIA (its NVIDIA
    variant ships the device plugin), AL2023 for Neuron (the EKS-optimized Neuron image).
    Pools whose image lacks the plugin get it from the ``<env>-cluster`` layer."""
    efa: StrictBool = False
    """Attach Elastic Fabric Adapters (one per network card) for multi-node training."""
    placement_group: StrictBool | None = None
    """Launch into a cluster placement group (low latency between nodes). Default: as ``efa``."""
    availability_zones: tuple[str, ...] = ()
    """Zones to launch in; default every zone of the network. A placement group needs one."""
    fsx_scratch: FsxScratchProps | None = None
    """Scratch FSx for Lustre linked to the lake's features zone. Default none."""
    job_namespace: str = "training"
    """Namespace of the training jobs' service account. Default ``training``."""
    job_service_account: str | None = None
    """Service account the job role trusts. Default ``<pool>-jobs``."""
    lake_read_zones: tuple[Zone, ...] = ("raw", "curated", "features")
    """Data lake zones the job role may read. Default all three."""
    lake_write_zones: tuple[Zone, ...] = ("features",)
    """Data lake zones the job role may write. Default features only."""

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: Any) -> Any:
        """A field of the node-group era names itself and the fix, instead of 'unknown key'."""
        if isinstance(data, dict):
            for name, why in _RETIRED_FIELDS.items():
                if name in data:
                    raise ValueError(f"{name}: {why}; remove the line")
        return data

    @field_validator("instance_types")
    @classmethod
    def _accelerator_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check_instance_types(value)
        rows = [accelerator_type(t) for t in value]
        if len({(r.vendor, r.count) for r in rows}) != 1:
            found = ", ".join(f"{r.instance_type} ({r.count} {r.model})" for r in rows)
            raise ValueError(
                f"every type of a pool needs the same vendor and accelerator count, so labels and "
                f"autoscaling hold for every node; got {found}; split them into separate pools"
            )
        return value

    @field_validator("availability_zones", "lake_read_zones", "lake_write_zones")
    @classmethod
    def _unique_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_unique(value, "zone")

    @field_validator("job_namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        return _check_k8s_name(value)

    @field_validator("job_service_account")
    @classmethod
    def _service_account(cls, value: str | None) -> str | None:
        return None if value is None else _check_k8s_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_spot(self.capacity, self.instance_types, siblings(self.instance_types[0]))
        if self.efa:
            without = [t for t in self.instance_types if not accelerator_type(t).supports_efa]
            if without:
                family = accelerator_type(without[0]).family
                capable = [
                    f"{family}.{size}"
                    for size, (_, efa) in ACCELERATOR_FAMILIES[family][2].items()
                    if efa
                ]
                alternatives = ", ".join(capable) or "another family"
                raise ValueError(
                    f"efa: {', '.join(without)} cannot attach EFA; use {alternatives}, or set efa: false"
                )
        if self.uses_placement_group and len(self.availability_zones) != 1:
            raise ValueError(
                "availability_zones: a cluster placement group lives in one availability zone; "
                "list exactly one of the network's zones or set placement_group: false"
            )
        return self

    @property
    def uses_placement_group(self) -> bool:
        """Whether the pool launches into a cluster placement group (default: with EFA)."""
        return self.efa if self.placement_group is None else self.placement_group

    @property
    def node_image(self) -> AmiFamily:
        """The pool's image family: ``ami_family``, or the default for its accelerator vendor."""
        if self.ami_family is not None:
            return self.ami_family
        return "bottlerocket" if self.accelerators[0].vendor == "nvidia" else "al2023"

    @property
    def accelerators(self) -> tuple[AcceleratorType, ...]:
        """The catalog rows of the pool's instance types."""
        return tuple(accelerator_type(t) for t in self.instance_types)

    def service_account(self, pool: str) -> str:
        """The job service account's name: ``job_service_account`` or ``<pool>-jobs``."""
        return self.job_service_account or f"{pool}-jobs"
