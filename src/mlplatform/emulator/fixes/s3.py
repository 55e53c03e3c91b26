"""S3: a bucket policy's TLS conditions are evaluated as for a client using TLS 1.2 or newer;
replication rules read back as they were put; a bucket's Object Lock configuration can change
while the bucket holds objects.

Every platform bucket carries the TLS-only policy (deny when
``aws:SecureTransport`` is false, deny when ``s3:TlsVersion`` is below 1.2).
AWS applies those statements only to requests that match their conditions,
and every AWS SDK and the Terraform provider talk to S3 over TLS 1.2+, so on
AWS the policy stops nobody who uses S3 as documented. moto evaluates a
bucket policy without its conditions, so the same policy denies every object
read and write (a 403 for Feast's registry in the features zone, for
example). The emulator is reached over plain HTTP on 127.0.0.1, standing in
for AWS's HTTPS endpoint; this fix lets moto drop exactly those two kinds of
Deny statement before it evaluates a bucket policy. Every other statement,
and a Deny without a condition, is evaluated as moto does.

``GetBucketReplication`` answers each rule as it was put: its filter, whether
delete markers replicate, and which objects it selects (SSE-KMS encrypted ones
included). moto answers every rule with an empty filter, delete markers off and
no selection criteria, so the provider saw the lake's replication rules drift on
every plan (``source_selection_criteria`` gone), and a rule that replicates
delete markers would have read back as one that does not.

``PutObjectLockConfiguration`` changes a bucket's default retention, and AWS
takes it for a bucket that holds objects (Object Lock can even be enabled on an
existing bucket); the new default applies to objects put afterwards. moto
refuses it unless the bucket is empty, so ``terraform destroy`` of a lake zone
that holds an object (Feast's registry) fails when the provider removes the
default retention before it empties and deletes the bucket.

``HeadObject`` and ``GetObject`` answer an object version's replication status in
``x-amz-replication-status``: ``COMPLETED`` or ``FAILED`` on a source version S3 replicated
(or failed to), ``REPLICA`` on a replica, and no header on a version nothing ever replicated.
moto never replicates and never sends the header; the emulator's live replication and its
S3 Batch Replication (:mod:`mlplatform.emulator.fixes.s3control`) keep each version's status
in :data:`REPLICATION_STATUS` on moto's key, and this fix answers it.

A version written after a bucket's replication rules exist is replicated as S3 replicates
it (:mod:`mlplatform.emulator.live_replication`): after a PUT, a copy or a completed
multipart upload has stored it whole (metadata and tags included), and when a DELETE
without a version id adds a delete marker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["REPLICATION_STATUS", "apply", "statements_for_tls_clients"]

REPLICATION_STATUS = "_emulator_replication_status"
"""Attribute of a moto key or delete marker: the version's replication status, when it has
one. Each put makes a new key, so a new version starts without one, as on AWS."""


def _applies_only_without_tls(statement: dict[str, Any]) -> bool:
    """Whether ``statement`` matches only requests without TLS or with TLS below 1.2."""
    condition = statement.get("Condition")
    if statement.get("Effect") != "Deny" or not isinstance(condition, dict) or len(condition) != 1:
        return False
    [(operator, values)] = condition.items()
    if not isinstance(values, dict) or len(values) != 1:
        return False
    [(key, value)] = values.items()
    if operator == "Bool" and key == "aws:SecureTransport":
        return str(value).lower() == "false"
    if operator == "NumericLessThan" and key == "s3:TlsVersion":
        return float(value) <= 1.2
    return False


def statements_for_tls_clients(policy: str) -> str:
    """``policy`` without the Deny statements that a TLS 1.2+ request never matches."""
    document = json.loads(policy)
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    document["Statement"] = [s for s in statements if not _applies_only_without_tls(s)]
    return json.dumps(document)


def apply() -> None:
    """Evaluate bucket policies as for a request over TLS 1.2+; answer replication rules as
    put; change Object Lock defaults of buckets that hold objects; answer an object's
    replication status; replicate what is written to a replicated bucket."""
    _object_lock_of_buckets_with_objects()
    _replication_rules_as_put()
    _replication_status_answered()
    _live_replication()
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    if not once(FakeBucket, "_mlplatform_tls_aware_policies"):
        return

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = statements_for_tls_clients(self.policy.decode())
        return IAMPolicy(policy).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _object_lock_of_buckets_with_objects() -> None:
    from moto.s3.exceptions import InvalidBucketState
    from moto.s3.models import S3Backend

    if not once(S3Backend, "_mlplatform_object_lock_with_objects"):
        return

    def put_object_lock_configuration(
        self: Any,
        bucket_name: str,
        lock_enabled: bool,
        mode: str | None = None,
        days: int | None = None,
        years: int | None = None,
    ) -> None:
        bucket = self.get_bucket(bucket_name)
        if not bucket.is_versioned:
            raise InvalidBucketState(
                "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"
            )
        if lock_enabled:
            bucket.object_lock_enabled = True
            bucket.versioning_status = "Enabled"
        bucket.default_lock_mode = mode
        bucket.default_lock_days = days
        bucket.default_lock_years = years

    S3Backend.put_object_lock_configuration = put_object_lock_configuration  # type: ignore[method-assign]


def replication_rule_as_aws_answers(rule: dict[str, Any]) -> dict[str, Any]:
    """One stored rule (as moto parsed the PutBucketReplication XML) as GetBucketReplication
    answers it on AWS: what was put, with AWS's defaults for what was not."""
    answered: dict[str, Any] = {
        "ID": rule["ID"],
        "Priority": rule["Priority"],
        "Status": rule["Status"],
        "DeleteMarkerReplication": rule.get("DeleteMarkerReplication") or {"Status": "Disabled"},
        "Destination": rule["Destination"],
    }
    if "Filter" in rule:
        # An empty <Prefix/> parses as None; AWS answers it as the empty prefix it is.
        answered["Filter"] = {k: "" if v is None else v for k, v in (rule["Filter"] or {}).items()}
    elif "Prefix" in rule:
        answered["Prefix"] = rule["Prefix"] or ""
    else:
        answered["Filter"] = {"Prefix": ""}
    for optional in ("SourceSelectionCriteria", "ExistingObjectReplication"):
        if rule.get(optional):
            answered[optional] = rule[optional]
    return answered


def _replication_rules_as_put() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    if not once(S3Response, "_mlplatform_replication_as_put"):
        return

    def get_bucket_replication(self: Any) -> Any:
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = [replication_rule_as_aws_answers(rule) for rule in replication["Rule"]]
        configuration = {"Role": replication["Role"], "Rules": rules}
        return self.serialized(ActionResult({"ReplicationConfiguration": configuration}))

    S3Response.get_bucket_replication = get_bucket_replication  # type: ignore[method-assign]


def _replication_status_answered() -> None:
    from moto.s3.models import FakeKey

    if not once(FakeKey, "_mlplatform_replication_status"):
        return
    response_dict = FakeKey.response_dict

    def response_dict_with_replication_status(self: Any) -> dict[str, Any]:
        headers: dict[str, Any] = response_dict.fget(self)  # type: ignore[attr-defined]
        status = getattr(self, REPLICATION_STATUS, None)
        if status:
            headers["x-amz-replication-status"] = status
        return headers

    FakeKey.response_dict = property(response_dict_with_replication_status)  # type: ignore[method-assign,assignment]


def _live_replication() -> None:
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    from mlplatform.emulator.live_replication import latest_version, replicate_written_version

    if not once(S3Response, "_mlplatform_live_replication"):
        return

    def replicating(handler: Callable[..., Any]) -> Callable[..., Any]:
        """``handler`` (an object PUT or POST; the key's name is its last argument), then
        replication of the version it wrote, if it wrote one."""

        def handle(self: Any, *args: Any) -> Any:
            before = latest_version(self.backend, self.bucket_name, args[-1])
            answer = handler(self, *args)
            written = latest_version(self.backend, self.bucket_name, args[-1])
            if written is not None and written is not before:
                bucket = self.backend.get_bucket(self.bucket_name)
                replicate_written_version(self.backend, bucket, written)
            return answer

        return handle

    S3Response._key_response_put = replicating(S3Response._key_response_put)  # type: ignore[method-assign]
    S3Response._key_response_post = replicating(S3Response._key_response_post)  # type: ignore[method-assign]
    set_delete_marker = S3Backend._set_delete_marker

    def set_replicated_delete_marker(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = set_delete_marker(self, bucket_name, key_name)
        replicate_written_version(self, self.get_bucket(bucket_name), marker)
        return marker

    S3Backend._set_delete_marker = set_replicated_delete_marker  # type: ignore[method-assign]
