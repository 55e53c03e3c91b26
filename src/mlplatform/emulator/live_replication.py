"""Live replication in the emulator: a version written after a bucket's replication rules exist
is replicated as S3 replicates it.

AWS (S3 user guide, "Replicating objects within and across Regions", "What does Amazon S3
replicate?"): once a bucket has a replication configuration, S3 replicates each object
version written afterwards (a PUT, a copy, a completed multipart upload) that an enabled
rule selects: by the rule's filter, an SSE-KMS object only under a rule whose
``SourceSelectionCriteria`` enable ``SseKmsEncryptedObjects``. A DELETE without a version id
adds a delete marker, replicated under a rule that replicates delete markers; a DELETE of
one version is not replicated. Objects from before the configuration are not replicated
(S3 Batch Replication copies them: :mod:`mlplatform.emulator.fixes.s3control`), and neither
are the replicas replication itself writes. The source version reads ``COMPLETED`` once
its replicas are written, or ``FAILED`` (a destination missing, unversioned, or without
Object Lock for a locked source), and each replica reads ``REPLICA``.

S3 replicates asynchronously, the version reading ``PENDING`` meanwhile; the emulator
replicates before it answers the write, so a version reads ``COMPLETED`` or ``FAILED`` at
once. What a replica is made of, and which rules select a version, are the same as for a
Batch Replication job (:mod:`mlplatform.emulator.batch_replication`). moto never
replicates; :mod:`mlplatform.emulator.fixes.s3` calls :func:`replicate_written_version`
after each write.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.batch_replication import replicate, selecting_rules

__all__ = ["latest_version", "replicate_written_version"]


def latest_version(backend: Any, bucket_name: str, key: str) -> Any:
    """The newest version (or delete marker) of ``key``, or ``None`` (no such bucket or key)."""
    from moto.s3.exceptions import MissingBucket

    try:
        bucket = backend.get_bucket(bucket_name)
    except MissingBucket:
        return None
    versions = bucket.keys.getlist(key, [])
    return versions[-1] if versions else None


def replicate_written_version(backend: Any, bucket: Any, version: Any) -> None:
    """Replicate ``version``, just written to ``bucket``, under the rules that select it;
    nothing when the bucket has no replication configuration or no rule selects it."""
    rules = (getattr(bucket, "replication", None) or {}).get("Rule") or []
    if not rules or not bucket.is_versioned:
        return
    selecting = selecting_rules(backend, version, rules)
    if selecting:
        replicate(backend, bucket, version, selecting)
