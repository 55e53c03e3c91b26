"""What an S3 Batch Replication job does, run inside the emulator on moto's own S3 objects.

AWS (S3 user guide, "Replicating existing objects with S3 Batch Replication"): a job whose
manifest is generated from the source bucket lists each object version that the bucket's
replication configuration makes eligible (a rule with ``Status: Enabled`` whose filter
selects it; an SSE-KMS object only under a rule whose ``SourceSelectionCriteria``
enable ``SseKmsEncryptedObjects``; a delete marker only under a rule that replicates
delete markers) and whose replication status the job's filter names (``NONE`` for a
version never replicated). Replicating a version writes it to each selected rule's
destination bucket with the same key, version id, content, metadata, tags and
last-modified time; the rule's ``Destination.StorageClass`` replaces the storage class,
and an SSE-KMS object is encrypted with ``EncryptionConfiguration.ReplicaKmsKeyID``. The
source version then reads ``COMPLETED`` and the replica ``REPLICA``. A destination that is
missing, not versioning-enabled, or without Object Lock for a locked source fails the task
with the failure reason the user guide lists (``DstBucketNotFound``,
``DstBucketUnversioned``, ``DstBucketObjectLockConfigMissing``) and the source version
reads ``FAILED``.

moto has no replication at all, so :mod:`mlplatform.emulator.fixes.s3control` runs jobs
with this module (and reports them with :mod:`mlplatform.emulator.batch_report`), in the
emulator's process only. Live replication of a version written after the configuration
(:mod:`mlplatform.emulator.live_replication`) selects rules and copies the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlplatform.emulator.fixes.s3 import REPLICATION_STATUS

__all__ = [
    "Task",
    "bucket_name",
    "eligible_versions",
    "replicate",
    "replication_status",
    "selecting_rules",
]

_KMS = ("aws:kms", "aws:kms:dsse")


@dataclass(frozen=True)
class Task:
    """One version's outcome, as a row of the completion report."""

    bucket: str
    key: str
    version_id: str
    error_code: str = ""
    """A replication failure reason (AWS's list), or empty when the task succeeded."""
    message: str = "Successful"

    @property
    def succeeded(self) -> bool:
        return not self.error_code


def bucket_name(arn: str) -> str:
    """``arn:aws:s3:::name`` -> ``name``; a bare name stays as it is."""
    return arn.rsplit(":", 1)[-1]


def replication_status(version: Any) -> str:
    """A version's replication status as a Batch Replication filter names it."""
    return getattr(version, REPLICATION_STATUS, None) or "NONE"


def eligible_versions(
    backend: Any, bucket: Any, rules: list[dict[str, Any]], wanted: dict[str, Any]
) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """Each version (oldest first, key by key) the generated manifest lists, with the rules
    that replicate it: at most one per destination bucket, the highest ``Priority``."""
    statuses = set(wanted.get("ObjectReplicationStatuses") or ())
    for _, versions in bucket.keys.iterlists():
        for version in versions:
            if statuses and replication_status(version) not in statuses:
                continue
            if not _passes(version, wanted):
                continue
            selecting = selecting_rules(backend, version, rules)
            if selecting:
                yield version, selecting


def _passes(version: Any, wanted: dict[str, Any]) -> bool:
    """The job filter's own criteria besides replication status (JobManifestGeneratorFilter)."""
    created: datetime = version.last_modified  # naive UTC, as moto keeps it
    after, before = (_naive_utc(wanted.get(bound)) for bound in ("CreatedAfter", "CreatedBefore"))
    if (after and created <= after) or (before and created >= before):
        return False
    name: str = version.name
    names = wanted.get("KeyNameConstraint") or {}
    for field, test in (
        ("MatchAnyPrefix", name.startswith),
        ("MatchAnySuffix", name.endswith),
        ("MatchAnySubstring", name.__contains__),
    ):
        if names.get(field) and not any(test(value) for value in names[field]):
            return False
    if _is_delete_marker(version):
        return True
    size: int = version.size
    larger, smaller = (
        wanted.get("ObjectSizeGreaterThanBytes"),
        wanted.get("ObjectSizeLessThanBytes"),
    )
    if (larger is not None and size <= larger) or (smaller is not None and size >= smaller):
        return False
    classes = wanted.get("MatchAnyStorageClass")
    return not classes or version.storage_class in classes


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def selecting_rules(
    backend: Any, version: Any, rules: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The enabled rules that replicate ``version``: at most one per destination bucket, the
    highest ``Priority`` (none for a version no rule selects)."""
    tags = (
        {} if _is_delete_marker(version) else backend.tagger.get_tag_dict_for_resource(version.arn)
    )
    chosen: dict[str, dict[str, Any]] = {}
    for rule in rules:
        if rule.get("Status") != "Enabled" or not _selects(rule, version, tags):
            continue
        destination = bucket_name(rule["Destination"]["Bucket"])
        if destination not in chosen or int(rule["Priority"]) > int(
            chosen[destination]["Priority"]
        ):
            chosen[destination] = rule
    return list(chosen.values())


def _selects(rule: dict[str, Any], version: Any, tags: dict[str, str]) -> bool:
    """Whether ``rule`` replicates ``version`` (rules as moto stores the XML: see fixes.s3)."""
    prefix, wanted_tags = _rule_filter(rule)
    if not version.name.startswith(prefix):
        return False
    if _is_delete_marker(version):
        deletes = (rule.get("DeleteMarkerReplication") or {}).get("Status")
        return deletes == "Enabled" and not wanted_tags
    if any(tags.get(tag["Key"]) != (tag.get("Value") or "") for tag in wanted_tags):
        return False
    if version.encryption in _KMS:
        criteria = rule.get("SourceSelectionCriteria") or {}
        return bool((criteria.get("SseKmsEncryptedObjects") or {}).get("Status") == "Enabled")
    return True


def _rule_filter(rule: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """A rule's key prefix and tags, from a V2 ``Filter`` (Prefix, Tag or And) or a V1 ``Prefix``."""
    if "Filter" not in rule:
        return rule.get("Prefix") or "", []
    selector = rule["Filter"] or {}
    selector = selector.get("And") or selector
    tags = selector.get("Tag") or []
    return selector.get("Prefix") or "", [tags] if isinstance(tags, dict) else list(tags)


def _is_delete_marker(version: Any) -> bool:
    from moto.s3.models import FakeDeleteMarker

    return isinstance(version, FakeDeleteMarker)


def replicate(backend: Any, source: Any, version: Any, rules: list[dict[str, Any]]) -> Task:
    """Replicate ``version`` of bucket ``source`` as ``rules`` say; mark it COMPLETED or FAILED."""
    from moto.s3.exceptions import MissingBucket

    for rule in rules:
        try:
            destination = backend.get_bucket(bucket_name(rule["Destination"]["Bucket"]))
        except MissingBucket:
            return _failed(
                source, version, "DstBucketNotFound", "The destination bucket does not exist"
            )
        if not destination.is_versioned:
            return _failed(
                source,
                version,
                "DstBucketUnversioned",
                "Versioning is not enabled on the destination bucket",
            )
        if source.object_lock_enabled and not destination.object_lock_enabled:
            return _failed(
                source,
                version,
                "DstBucketObjectLockConfigMissing",
                "Object Lock is not enabled on the destination bucket",
            )
    for rule in rules:
        destination = backend.get_bucket(bucket_name(rule["Destination"]["Bucket"]))
        _store(destination, _replica(backend, destination, version, rule))
    setattr(version, REPLICATION_STATUS, "COMPLETED")
    return Task(source.name, version.name, version.version_id)


def _failed(source: Any, version: Any, reason: str, message: str) -> Task:
    setattr(version, REPLICATION_STATUS, "FAILED")
    return Task(source.name, version.name, version.version_id, reason, message)


def _replica(backend: Any, destination: Any, version: Any, rule: dict[str, Any]) -> Any:
    """A copy of ``version`` as it lands in ``destination`` under ``rule``."""
    from moto.s3.models import FakeKey, s3_backends

    if _is_delete_marker(version):
        replica = copy.copy(version)
    else:
        target = rule["Destination"]
        encryption, key_id = version.encryption, version.kms_key_id
        if encryption in _KMS:
            key_id = (target.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID") or key_id
        elif encryption is None and destination.encryption:
            default = destination.encryption["Rule"]["ApplyServerSideEncryptionByDefault"]
            encryption, key_id = default["SSEAlgorithm"], default.get("KMSMasterKeyID")
        replica = FakeKey(
            name=version.name,
            value=version.value,
            account_id=destination.account_id,
            region_name=destination.region_name,
            storage=target.get("StorageClass") or version.storage_class,
            etag=version.etag.strip('"'),
            is_versioned=True,
            version_id=version.version_id,
            bucket_name=destination.name,
            encryption=encryption,
            kms_key_id=key_id,
            bucket_key_enabled=version.bucket_key_enabled,
            lock_mode=version.lock_mode,
            lock_legal_status=version.lock_legal_status,
            lock_until=version.lock_until,
            checksum_value=version.checksum_value,
            checksum_type=version.checksum_type,
            checksum_parts=version.checksum_parts,
        )
        replica.set_metadata(dict(version.metadata))
        replica.checksum_algorithm = version.checksum_algorithm
        replica.website_redirect_location = version.website_redirect_location
        tags = backend.tagger.list_tags_for_resource(version.arn)["Tags"]
        if tags:
            s3_backends[destination.account_id][destination.partition].tagger.tag_resource(
                replica.arn, tags
            )
    replica.last_modified = version.last_modified
    setattr(replica, REPLICATION_STATUS, "REPLICA")
    return replica


def _store(destination: Any, replica: Any) -> None:
    """Put ``replica`` among its key's versions: in place of a replica of the same version,
    ordered by last-modified time, so the source's latest version is the replica's latest."""
    versions = [
        v for v in destination.keys.getlist(replica.name, []) if v.version_id != replica.version_id
    ]
    versions.append(replica)
    versions.sort(key=lambda v: v.last_modified)
    destination.keys.setlist(replica.name, versions)
