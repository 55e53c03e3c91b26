"""The lake's replication rules read back from the emulator as AWS answers them: as put.

AWS's GetBucketReplication returns each rule with the filter, delete marker
replication and source selection criteria it was put with (S3 API reference,
GetBucketReplication). Plain moto answers every rule with an empty filter,
delete markers off and no selection criteria, so the provider planned a change
to the lake's replication rules after every deploy.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from mlplatform.emulator.fixes.s3 import replication_rule_as_aws_answers
from mlplatform.emulator.local_aws import LocalAws


@pytest.fixture
def s3(emulated_aws: LocalAws) -> Any:
    client = boto3.client("s3")
    for bucket in ("source", "replica"):
        client.create_bucket(Bucket=bucket)
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return client


def rule(**fields: Any) -> dict[str, Any]:
    return {
        "ID": "replicate-raw",
        "Priority": 1,
        "Status": "Enabled",
        "Destination": {"Bucket": "arn:aws:s3:::replica", "StorageClass": "STANDARD_IA"},
        **fields,
    }


@pytest.mark.parametrize("deletes", ["Enabled", "Disabled"])
def test_a_rule_reads_back_with_its_filter_deletes_and_selection(s3: Any, deletes: str) -> None:
    put = rule(
        Filter={"Prefix": "landing/"},
        DeleteMarkerReplication={"Status": deletes},
        SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    )
    s3.put_bucket_replication(
        Bucket="source",
        ReplicationConfiguration={"Role": "arn:aws:iam::123456789012:role/r", "Rules": [put]},
    )

    [answered] = s3.get_bucket_replication(Bucket="source")["ReplicationConfiguration"]["Rules"]

    assert answered["Filter"] == {"Prefix": "landing/"}
    assert answered["DeleteMarkerReplication"] == {"Status": deletes}
    assert answered["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert answered["Destination"]["StorageClass"] == "STANDARD_IA"


def test_an_empty_prefix_and_unset_parts_read_back_as_aws_defaults_them() -> None:
    stored = rule(Filter={"Prefix": None})  # how moto parses <Filter><Prefix/></Filter>

    answered = replication_rule_as_aws_answers(stored)

    assert answered["Filter"] == {"Prefix": ""}
    assert answered["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert "SourceSelectionCriteria" not in answered
