"""Config of the data lake in the ``<env>-data`` layer: zones, lifecycle, Object Lock, Athena,
cross-region replication.

``Zone`` and ``ObjectLockProps`` live here because the lake defines them;
the ml layer (data capture, registry Object Lock) and GPU pools (lake grants)
refer to the lake's zones and reuse its lock settings.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import StrictBool, field_validator, model_validator

from mlplatform.config._base import (
    NonNegativeInt,
    PositiveInt,
    _check_region,
    _check_unique,
    _Frozen,
)

__all__ = ["DataLakeProps", "ObjectLockProps", "ReplicationProps"]

Zone = Literal["raw", "curated", "features"]


class ObjectLockProps(_Frozen):
    """S3 Object Lock default retention for the data lake's zone buckets (WORM)."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """GOVERNANCE lets privileged users lift the lock; COMPLIANCE lets nobody."""
    retention_days: PositiveInt = 30
    """Default retention of every new object version."""


ReplicaStorageClass = Literal[
    "STANDARD",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
]


class ReplicationProps(_Frozen):
    """Cross-region replication of every zone bucket, for disaster recovery.

    Off unless the file sets it: a second copy doubles the lake's storage and adds
    inter-region transfer. Each zone bucket replicates every new object version to a
    replica bucket in ``region`` (``<org>-<env>-datalake-dr-<zone>``), encrypted
    with a key of the lake's in that region, versioned, logged, private and TLS-only
    like the zone, and kept from ``terraform destroy`` the same way. Objects that were
    in the bucket before replication was turned on are not copied (S3 Batch
    Replication does that, once).
    """

    region: str
    """The replicas' region; another region of the environment's partition, e.g. us-west-2."""
    storage_class: ReplicaStorageClass = "STANDARD_IA"
    """Storage class of the replicas. Default STANDARD_IA: a standby copy is read rarely."""
    replicate_deletes: StrictBool = False
    """Replicate delete markers too. Off by default, so a delete in the primary region, by
    mistake or by an intruder, leaves the replica readable (its old versions are kept for
    ``noncurrent_version_expiry_days`` either way)."""

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _check_region(value)


def _check_lock_without_force_destroy(
    object_lock: ObjectLockProps | None, force_destroy: bool
) -> None:
    """Refuse COMPLIANCE retention with ``force_destroy``: it promises that ``terraform
    destroy`` empties the bucket, but nobody can delete a version under compliance retention
    before it ends. GOVERNANCE retention is fine: the provider's ``force_destroy`` deletes
    with ``BypassGovernanceRetention``, which the deploying role must be allowed."""
    if object_lock and object_lock.mode == "COMPLIANCE" and force_destroy:
        raise ValueError(
            "object_lock mode COMPLIANCE and force_destroy exclude each other (no one can delete "
            "a version before its compliance retention ends); set force_destroy: false, or use "
            "mode GOVERNANCE"
        )


class DataLakeProps(_Frozen):
    """Zone buckets, Glue catalog and Athena workgroup of the data lake.

    Every bucket is SSE-KMS encrypted with the lake's key, versioned, blocks
    all public access, refuses plain HTTP and enforces bucket ownership.
    """

    zones: tuple[Zone, ...] = ("raw", "curated", "features")
    """Zones to create, each a bucket plus a Glue database."""
    intelligent_tiering_after_days: NonNegativeInt = 30
    """Days after which current objects move to Intelligent-Tiering. Default 30."""
    noncurrent_version_expiry_days: PositiveInt = 90
    """Days a replaced or deleted object version is kept. Default 90."""
    access_log_expiry_days: PositiveInt = 365
    """Days server access logs are kept in the log bucket. Default 365."""
    object_lock: ObjectLockProps | None = None
    """Object Lock for zone buckets (write once, read many). Default off; prod turns it on."""
    athena_workgroup: StrictBool = True
    """Create the Athena workgroup (encrypted results, enforced configuration)."""
    query_results_expiry_days: PositiveInt = 30
    """Days Athena query results are kept."""
    force_destroy: StrictBool = False
    """Let ``terraform destroy`` delete non-empty buckets. Off by default: data outlives stacks."""
    glue_vpc_connection: StrictBool = True
    """Create a Glue NETWORK connection in a private subnet, so Glue jobs stay in the VPC."""
    replication: ReplicationProps | None = None
    """Replicate every zone bucket to another region (see :class:`ReplicationProps`).
    Default off: it doubles storage."""

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one zone: raw, curated or features")
        return _check_unique(value, "zone")

    @model_validator(mode="after")
    def _lock_excludes_force_destroy(self) -> Self:
        _check_lock_without_force_destroy(self.object_lock, self.force_destroy)
        return self
