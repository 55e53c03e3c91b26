"""The data lake's cross-region replication: what is made in the replica region, and how.

With ``data_lake.replication`` set, the lake gets, in the replica region, a key
of its own (S3 encrypts each replica there, and a KMS key serves one region),
an access-log bucket (S3 logs only into a bucket of the same region) and a
replica bucket per zone; in the lake's region, a role S3 assumes to replicate,
and one replication rule per zone. Names, lifecycle and the rule are decided
here once; the construct (:class:`~mlplatform.constructs.lake_replication.LakeReplication`)
adds what only it knows (ARNs, the provider of the replica region).

Replication fails quietly: an object S3 cannot copy (the role lost a permission,
the replica key is disabled, the replica bucket stopped versioning) is only marked
``FAILED`` on the zone's object. So every rule turns on S3 Replication metrics,
and the ml layer alarms the platform's topic on each rule's
``OperationsFailedReplication`` (:func:`replication_alarms`), a metric S3
publishes in the lake's region.

Live replication copies only what is written after a rule exists, and never
retries a FAILED object. A second role lets S3 Batch Operations replicate those
(:func:`batch_replication_role_name`), one job per zone
(:func:`batch_replication_job`, run by ``mlplatform lake replicate-existing``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from mlplatform.config import DataLakeProps, EnvironmentConfig, ReplicationProps
from mlplatform.decisions import arns
from mlplatform.decisions.alarm_plan import AlarmPlan
from mlplatform.decisions.bucket_plan import BucketPlan, access_log_bucket
from mlplatform.decisions.lake_plan import lake_access_log_bucket, zone_buckets
from mlplatform.decisions.lifecycle import replica_rules
from mlplatform.decisions.metrics import MetricSpec, alarm_description
from mlplatform.decisions.naming import Naming

__all__ = [
    "BATCH_REPLICATED_STATUSES",
    "BATCH_REPORT_PREFIX",
    "ReplicationMetric",
    "ReplicationMetricHelpers",
    "batch_replication_job",
    "batch_replication_role_name",
    "replica_access_log_bucket",
    "replica_buckets",
    "replica_key_settings",
    "replication_alarms",
    "replication_metric",
    "replication_metrics",
    "replication_role_name",
    "replication_rule",
    "unwatched_replication_warning",
]

COMPONENT = "datalake"  # the lake's own component: replicas are named beside its buckets
DR = "dr"
"""What names the replica region's resources (disaster recovery): ``<org>-<env>-datalake-dr-raw``.
Short, so that the longest org, environment and bucket suffix config allows still fit S3's
63 characters (``datalake-dr-features`` is shorter than ``datalake-query-results``)."""
FAILURE_PERIOD_SECONDS = 300
"""S3 counts failed operations a minute; an alarm sums them over five."""
RUNBOOK = (
    "the zone's objects show ReplicationStatus FAILED; subscribe to the bucket's "
    "s3:Replication:OperationFailedReplication events for each object's reason. Usual causes: "
    "the replication role's policy, the replica key disabled or scheduled for deletion, the "
    "replica bucket deleted or no longer versioned (README: When an alarm fires). Live "
    "replication does not retry; once fixed, `mlplatform lake replicate-existing {environment} "
    "--zone {zone}` replicates the failed objects"
)


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


BATCH_REPORT_PREFIX = "batch-replication"
"""Where in the lake's access-log bucket Batch Replication jobs write their completion reports:
``batch-replication/<zone>/job-<id>/``, beside the access logs, under the same expiry."""
BATCH_REPLICATED_STATUSES = ("NONE", "FAILED")
"""What a Batch Replication job replicates: objects live replication never tried (written
before the rule existed) and those it FAILED (the failed-replication alarm's objects)."""
BATCH_JOB_PRIORITY = 10


def batch_replication_role_name(naming: Naming) -> str:
    """The IAM role S3 Batch Operations assumes to replicate what live replication did not."""
    return naming.iam(COMPONENT, "batch-replication")


def batch_replication_job(
    naming: Naming,
    props: DataLakeProps,
    zone: str,
    *,
    partition: str,
    account: str,
    token: str,
) -> dict[str, Any]:
    """S3 Control ``CreateJob``'s arguments that replicate one zone's objects in
    :data:`BATCH_REPLICATED_STATUSES` under the zone's own rule (S3 lists them from the
    bucket's replication configuration; no manifest to write), running at once
    (``ConfirmationRequired`` off), and report only the objects that failed. ``token`` makes
    a retried request the same job (``ClientRequestToken``)."""
    if props.replication is None:
        raise ValueError(
            "the lake does not replicate, so there is nothing to backfill; set "
            "data_lake.replication and deploy first"
        )
    if zone not in props.zones:
        raise ValueError(f"the lake has no zone {zone!r}; its zones: {', '.join(props.zones)}")
    source = zone_buckets(naming, props)[zone].bucket_name
    report_bucket = lake_access_log_bucket(naming, props).bucket_name
    return {
        "AccountId": account,
        "ConfirmationRequired": False,
        "Operation": {"S3ReplicateObject": {}},
        "Priority": BATCH_JOB_PRIORITY,
        "RoleArn": arns.iam_role(partition, account, batch_replication_role_name(naming)),
        "ClientRequestToken": token,
        "Description": f"{naming.prefix}: replicate {zone}'s existing and failed objects",
        "ManifestGenerator": {
            "S3JobManifestGenerator": {
                "ExpectedBucketOwner": account,
                "SourceBucket": arns.s3_bucket(partition, source),
                "EnableManifestOutput": False,
                "Filter": {
                    "EligibleForReplication": True,
                    "ObjectReplicationStatuses": list(BATCH_REPLICATED_STATUSES),
                },
            }
        },
        "Report": {
            "Enabled": True,
            "Bucket": arns.s3_bucket(partition, report_bucket),
            "Format": "Report_CSV_20180820",
            "Prefix": f"{BATCH_REPORT_PREFIX}/{zone}",
            "ReportScope": "FailedTasksOnly",
        },
    }


def replication_rule(zone: str, replication: ReplicationProps) -> dict[str, Any]:
    """One zone's replication rule, in the provider's terms, without its destination's bucket
    and key (the construct adds them): every object (an empty filter), SSE-KMS objects
    included, delete markers only if the file asks, with S3 Replication metrics on (what
    :func:`replication_alarms` watches; S3 Replication Time Control is not needed for them)."""
    return {
        "id": f"replicate-{zone}",
        "status": "Enabled",
        "delete_marker_status": "Enabled" if replication.replicate_deletes else "Disabled",
        "storage_class": replication.storage_class,
        "metrics_status": "Enabled",
    }


def replication_metrics(naming: Naming, props: DataLakeProps) -> dict[str, dict[str, MetricSpec]]:
    """Each zone's S3 Replication metrics (none without ``data_lake.replication``), by zone:
    ``failed`` operations (Sum over five minutes, published in the lake's region), and
    ``latency`` (s) and ``pending`` bytes (Maximum, published in the replica region)."""
    replication = props.replication
    if replication is None:
        return {}
    replicas = replica_buckets(naming, props)
    metrics: dict[str, dict[str, MetricSpec]] = {}
    for zone, plan in zone_buckets(naming, props).items():
        dimensions = (
            ("SourceBucket", plan.bucket_name),
            ("DestinationBucket", replicas[zone].bucket_name),
            ("RuleId", replication_rule(zone, replication)["id"]),
        )
        failed = MetricSpec(
            "AWS/S3",
            "OperationsFailedReplication",
            dimensions,
            statistic="Sum",
            period=FAILURE_PERIOD_SECONDS,
            label=zone,
        )
        there = replace(failed, statistic="Maximum", region=replication.region)
        metrics[zone] = {
            "failed": failed,
            "latency": replace(there, metric_name="ReplicationLatency"),
            "pending": replace(there, metric_name="BytesPendingReplication"),
        }
    return metrics


ReplicationMetric = Literal["failed", "latency", "pending"]


def replication_metric(
    naming: Naming, props: DataLakeProps, zone: str, kind: ReplicationMetric
) -> MetricSpec:
    """One of ``zone``'s S3 Replication metrics (:func:`replication_metrics`), as a lake's
    ``metric_*_replication`` helpers hand it out; a lake that does not replicate has none."""
    metrics = replication_metrics(naming, props)
    if not metrics:
        raise ValueError(
            "the lake does not replicate, so S3 publishes no replication metrics for it; set "
            "data_lake.replication"
        )
    return metrics[zone][kind]


class ReplicationMetricHelpers:
    """A replicating lake's ``metric_*`` helpers, the same in either engine's ``DataLake``:
    each hands out one of :func:`replication_metrics`, through the engine's
    ``_replication_metric`` (which checks the zone and says whose lake does not replicate)."""

    def _replication_metric(self, zone: str, kind: ReplicationMetric) -> MetricSpec:
        raise NotImplementedError

    def metric_failed_replication(self, zone: str) -> MetricSpec:
        """Operations S3 failed to replicate under ``zone``'s rule, summed over five minutes and
        published in the lake's region: what the ml layer alarms on."""
        return self._replication_metric(zone, "failed")

    def metric_replication_latency(self, zone: str) -> MetricSpec:
        """How far ``zone``'s replica is behind (s), published in the replica region: a
        dashboard graphs it from there (``MetricSpec.region``); an alarm here cannot watch it."""
        return self._replication_metric(zone, "latency")

    def metric_bytes_pending_replication(self, zone: str) -> MetricSpec:
        """Bytes of ``zone`` not yet in its replica, published in the replica region."""
        return self._replication_metric(zone, "pending")


def replication_alarms(naming: Naming, props: DataLakeProps) -> dict[str, AlarmPlan]:
    """One alarm per zone, by zone (none without ``data_lake.replication``): any operation S3
    failed to replicate under the zone's rule, in a five-minute period, fires it at once; a
    failed object stays unreplicated until someone acts, so one is worth a page."""
    replication = props.replication
    if replication is None:
        return {}
    alarms: dict[str, AlarmPlan] = {}
    for zone, metrics in replication_metrics(naming, props).items():
        metric = metrics["failed"]
        watched = metric.dimension_map
        summary = (
            f"{watched['SourceBucket']}: S3 failed to replicate objects into "
            f"{watched['DestinationBucket']} ({replication.region}) under rule {watched['RuleId']}"
        )
        alarms[zone] = AlarmPlan(
            name=naming.resource(COMPONENT, f"{DR}-{zone}-failed-replication", max_length=255),
            description=alarm_description(
                summary, RUNBOOK.format(environment=naming.environment, zone=zone)
            ),
            metric=metric,
            threshold=0.0,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            datapoints_to_alarm=1,
        )
    return alarms


def unwatched_replication_warning(config: EnvironmentConfig) -> str | None:
    """What both engines print at synth when the lake replicates but nothing would alarm on a
    failure: the alarms live with the alarm topic, in the ml layer, which the file leaves
    out. A warning, not an error: replication itself still works, and ``make verify``
    still checks its rules."""
    if config.data_lake.replication is None or config.ml is not None:
        return None
    return (
        f"{config.environment}: data_lake.replication replicates the lake, but the file has "
        "no ml section, so no alarm topic: a failed replication alerts nobody; add an ml "
        "section (its alarm topic gets each zone's failed-replication alarm), or alarm on "
        "replication_alarms(naming, data_lake) in a stack of your own"
    )
