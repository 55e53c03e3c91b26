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

from typing import Any

from mlplatform.config import DataLakeProps
from mlplatform.decisions.bucket_plan import BucketPlan, access_log_bucket, data_bucket
from mlplatform.decisions.lifecycle import expiring_rules
from mlplatform.decisions.naming import Naming

__all__ = [
    "glue_connection_settings",
    "key_settings",
    "lake_access_log_bucket",
    "query_results_bucket",
    "workgroup_settings",
    "zone_buckets",
    "zone_database_settings",
]

COMPONENT = "datalake"


def key_settings(naming: Naming) -> dict[str, Any]:
    """The lake key's ``PlatformKeyProps`` fields (alias and description)."""
    return {"alias": naming.kms_alias(COMPONENT), "description": f"Data lake of {naming.prefix}"}


def lake_access_log_bucket(naming: Naming, props: DataLakeProps) -> BucketPlan:
    """The bucket every other bucket of the lake logs into (so the engines make it first)."""
    return access_log_bucket(
        naming.bucket(COMPONENT, "access-logs"), props.access_log_expiry_days, props.force_destroy
    )


def zone_buckets(naming: Naming, props: DataLakeProps) -> dict[str, BucketPlan]:
    """A bucket of data per zone, by zone."""
    return {
        zone: data_bucket(f"zone-{zone}", naming.bucket(COMPONENT, zone), props, f"{zone}/")
        for zone in props.zones
    }


def query_results_bucket(naming: Naming, props: DataLakeProps) -> BucketPlan | None:
    """Where the Athena workgroup writes results, with the lake key (``None`` without one)."""
    if not props.athena_workgroup:
        return None
    return BucketPlan(
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
