"""The data lake's cross-region replication: what is made in the replica region, and how.

With ``data_lake.replication`` set, the lake gets, in the replica region, a key
of its own (S3 encrypts each replica there, and a KMS key serves one region),
an access-log bucket (S3 logs only into a bucket of the same region) and a
replica bucket per zone; in the lake's region, a role S3 assumes to replicate,
and one replication rule per zone. Names, lifecycle and the rule are decided
here once; the construct (:class:`~mlplatform.constructs.lake_replication.LakeReplication`)
adds what only it knows (ARNs, the provider of the replica region).
"""

from __future__ import annotations

from typing import Any

from mlplatform.config import DataLakeProps, ReplicationProps
from mlplatform.decisions.bucket_plan import BucketPlan, access_log_bucket
from mlplatform.decisions.lifecycle import replica_rules
from mlplatform.decisions.naming import Naming

__all__ = [
    "replica_access_log_bucket",
    "replica_buckets",
    "replica_key_settings",
    "replication_role_name",
    "replication_rule",
]

COMPONENT = "datalake"  # the lake's own component: replicas are named beside its buckets
DR = "dr"
"""What names the replica region's resources (disaster recovery): ``<org>-<env>-datalake-dr-raw``.
Short, so that the longest org, environment and bucket suffix config allows still fit S3's
63 characters (``datalake-dr-features`` is shorter than ``datalake-query-results``)."""


def replica_key_settings(naming: Naming, replication: ReplicationProps) -> dict[str, Any]:
    """The replica key's ``PlatformKeyProps`` fields (alias and description)."""
    return {
        "alias": naming.kms_alias(COMPONENT, DR),
        "description": f"Data lake replicas of {naming.prefix} in {replication.region}",
    }


def replica_access_log_bucket(naming: Naming, props: DataLakeProps) -> BucketPlan:
    """The replica region's access-log bucket, which every replica bucket logs into."""
    return access_log_bucket(
        naming.bucket(COMPONENT, f"{DR}-logs"), props.access_log_expiry_days, props.force_destroy
    )


def replica_buckets(naming: Naming, props: DataLakeProps) -> dict[str, BucketPlan]:
    """A replica bucket per zone, by zone: versioned (S3 requires it of a destination), under
    the zone's Object Lock if the lake has one, replaced versions expiring as in the zone."""
    return {
        zone: BucketPlan(
            id=f"zone-{zone}",
            bucket_name=naming.bucket(COMPONENT, f"{DR}-{zone}"),
            lifecycle_rules=replica_rules(props.noncurrent_version_expiry_days),
            force_destroy=props.force_destroy,
            log_prefix=f"{zone}/",
            object_lock=props.object_lock,
        )
        for zone in props.zones
    }


def replication_role_name(naming: Naming) -> str:
    """The IAM role S3 assumes to replicate the lake."""
    return naming.iam(COMPONENT, "replication")


def replication_rule(zone: str, replication: ReplicationProps) -> dict[str, Any]:
    """One zone's replication rule, in the provider's terms, without its destination's bucket
    and key (the construct adds them): every object (an empty filter), SSE-KMS objects
    included, delete markers only if the file asks."""
    return {
        "id": f"replicate-{zone}",
        "status": "Enabled",
        "delete_marker_status": "Enabled" if replication.replicate_deletes else "Disabled",
        "storage_class": replication.storage_class,
    }
