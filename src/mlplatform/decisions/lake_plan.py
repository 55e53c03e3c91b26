"""The data lake's resources and their settings: key, buckets, Glue catalog, Athena, Glue connection.

Both engines make the same lake (cdktf's
:class:`~mlplatform.constructs.data_lake.DataLake`, Pulumi's
:class:`~mlplatform.pulumi.data_lake.DataLake`). Which buckets there are (the
access log bucket first, a bucket per zone, the query results bucket with a
workgroup), how each is encrypted, expired and logged, and what the catalog,
workgroup and connection are called are decided here once; the engines add
what only they know (the key's ARN, the log bucket they made, bucket names as
their resources answer them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlplatform.config import DataLakeProps, ObjectLockProps
from mlplatform.decisions.lifecycle import LifecycleRule, data_zone_rules, expiring_rules
from mlplatform.decisions.naming import Naming

__all__ = [
    "LakeBucketPlan",
    "access_log_bucket",
    "glue_connection_settings",
    "key_settings",
    "query_results_bucket",
    "workgroup_settings",
    "zone_buckets",
    "zone_database_settings",
]

COMPONENT = "datalake"


@dataclass(frozen=True)
class LakeBucketPlan:
    """One of the lake's buckets: what ``SecureBucketProps`` says about it, in either engine."""

    id: str
    """Construct id: ``access-logs``, ``zone-<zone>`` or ``query-results``."""
    bucket_name: str
    lifecycle_rules: Sequence[LifecycleRule]
    force_destroy: bool
    log_prefix: str | None
    """Where its server access logs go in the log bucket; ``None`` for the log bucket itself,
    which receives them (and, as S3 requires of a log target, is not KMS-encrypted)."""
    object_lock: ObjectLockProps | None = None

    def props(self, *, key_arn: object, log_bucket: object, account_id: object) -> dict[str, Any]:
        """The bucket's ``SecureBucketProps`` fields: ``key_arn`` the lake key, ``log_bucket``
        the log bucket the engine made, ``account_id`` the account whose buckets log into it."""
        fields: dict[str, Any] = {
            "bucket_name": self.bucket_name,
            "lifecycle_rules": self.lifecycle_rules,
            "force_destroy": self.force_destroy,
        }
        if self.log_prefix is None:
            return fields | {"kms_key_arn": None, "access_log_source_account": account_id}
        return fields | {
            "kms_key_arn": key_arn,
            "access_log_target": log_bucket,
            "access_log_prefix": self.log_prefix,
            "object_lock": self.object_lock,
        }


def key_settings(naming: Naming) -> dict[str, Any]:
    """The lake key's ``PlatformKeyProps`` fields (alias and description)."""
    return {"alias": naming.kms_alias(COMPONENT), "description": f"Data lake of {naming.prefix}"}


def access_log_bucket(naming: Naming, props: DataLakeProps) -> LakeBucketPlan:
    """The bucket every other bucket of the lake logs into (so the engines make it first)."""
    return LakeBucketPlan(
        id="access-logs",
        bucket_name=naming.bucket(COMPONENT, "access-logs"),
        lifecycle_rules=expiring_rules(props.access_log_expiry_days),
        force_destroy=props.force_destroy,
        log_prefix=None,
    )


def zone_buckets(naming: Naming, props: DataLakeProps) -> dict[str, LakeBucketPlan]:
    """A bucket per zone, by zone: tiered to Intelligent-Tiering, replaced versions expired,
    optionally under Object Lock."""
    return {
        zone: LakeBucketPlan(
            id=f"zone-{zone}",
            bucket_name=naming.bucket(COMPONENT, zone),
            lifecycle_rules=data_zone_rules(
                props.intelligent_tiering_after_days, props.noncurrent_version_expiry_days
            ),
            force_destroy=props.force_destroy,
            log_prefix=f"{zone}/",
            object_lock=props.object_lock,
        )
        for zone in props.zones
    }


def query_results_bucket(naming: Naming, props: DataLakeProps) -> LakeBucketPlan | None:
    """Where the Athena workgroup writes results, with the lake key (``None`` without one)."""
    if not props.athena_workgroup:
        return None
    return LakeBucketPlan(
        id="query-results",
        bucket_name=naming.bucket(COMPONENT, "query-results"),
        lifecycle_rules=expiring_rules(props.query_results_expiry_days),
        force_destroy=props.force_destroy,
        log_prefix="query-results/",
    )


def zone_database_settings(naming: Naming, zone: str) -> dict[str, Any]:
    """A zone's Glue catalog database (the engine adds its bucket as the location)."""
    return {
        "name": naming.glue_database(COMPONENT, zone),
        "description": f"{zone} zone of the {naming.prefix} data lake",
    }


def workgroup_settings(naming: Naming, props: DataLakeProps) -> dict[str, Any]:
    """The Athena workgroup (the engine adds its configuration: results bucket and key)."""
    return {
        "name": naming.resource("analytics"),
        "description": f"Queries over the {naming.prefix} data lake",
        "force_destroy": props.force_destroy,
    }


def glue_connection_settings(naming: Naming) -> dict[str, Any]:
    """The Glue NETWORK connection (the engine adds the subnet, zone and security group)."""
    return {
        "name": naming.resource(COMPONENT, "vpc"),
        "connection_type": "NETWORK",
        "description": "Runs Glue jobs in the platform's private subnets",
    }
