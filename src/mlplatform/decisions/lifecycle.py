"""S3 lifecycle rules as plain data, shared by every bucket the platform makes.

Kept engine-neutral: each rule is a dict in the shape of the S3 API's
``LifecycleRule``, which the constructs translate into provider blocks.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LifecycleRule", "data_zone_rules", "expiring_rules", "replica_rules"]

LifecycleRule = dict[str, Any]

# Incomplete multipart uploads are invisible and billed; clean them up after a week.
ABORT_INCOMPLETE_UPLOADS_DAYS = 7


def _abort_uploads() -> LifecycleRule:
    return {
        "ID": "abort-incomplete-multipart-uploads",
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_INCOMPLETE_UPLOADS_DAYS},
    }


def data_zone_rules(tiering_after_days: int, noncurrent_expiry_days: int) -> list[LifecycleRule]:
    """Data zones: tier current data to Intelligent-Tiering, expire replaced versions."""
    return [
        {
            "ID": "intelligent-tiering",
            "Status": "Enabled",
            "Transitions": [{"Days": tiering_after_days, "StorageClass": "INTELLIGENT_TIERING"}],
        },
        {
            "ID": "expire-noncurrent-versions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_expiry_days},
        },
        _abort_uploads(),
    ]


def expiring_rules(expiry_days: int, noncurrent_expiry_days: int = 7) -> list[LifecycleRule]:
    """Logs and query results: delete after ``expiry_days``; old versions soon after."""
    return [
        {"ID": "expire-objects", "Status": "Enabled", "Expiration": {"Days": expiry_days}},
        {
            "ID": "expire-noncurrent-versions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_expiry_days},
        },
        _abort_uploads(),
    ]


def replica_rules(noncurrent_expiry_days: int) -> list[LifecycleRule]:
    """Replica buckets: replaced versions expire as in the zone they copy; no tiering, since
    the replication rule already writes replicas in their own storage class."""
    return [
        {
            "ID": "expire-noncurrent-versions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_expiry_days},
        },
        _abort_uploads(),
    ]
