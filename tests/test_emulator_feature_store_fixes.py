"""What Feast does against the feature store, the emulator answers as AWS does.

AWS applies the platform's TLS-only bucket policy only to the requests its
conditions match (no TLS, or TLS below 1.2); every SDK uses TLS 1.2+, so
Feast's registry is read and written. Plain moto ignores the conditions and
denies every object read and write of such a bucket. And AWS answers Athena's
GetTableMetadata from the Glue catalog (``feast apply`` validates each Athena
source with it), which plain moto does not have. And AWS changes the default
retention of a bucket that holds objects (the provider does, destroying a lake
zone Feast wrote into); plain moto refuses unless the bucket is empty.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.decisions.policies.s3 import tls_only_bucket_policy
from mlplatform.emulator.fixes.s3 import statements_for_tls_clients
from mlplatform.emulator.local_aws import LocalAws


@pytest.fixture
def s3(emulated_aws: LocalAws) -> Any:
    return boto3.client("s3")


def test_a_tls_only_bucket_takes_reads_and_writes_over_tls(s3: Any) -> None:
    s3.create_bucket(Bucket="tls-only")
    s3.put_bucket_policy(
        Bucket="tls-only", Policy=json.dumps(tls_only_bucket_policy("arn:aws:s3:::tls-only"))
    )

    s3.put_object(Bucket="tls-only", Key="feast/registry.pb", Body=b"registry")

    assert s3.get_object(Bucket="tls-only", Key="feast/registry.pb")["Body"].read() == b"registry"


def test_a_deny_without_a_condition_still_denies(s3: Any) -> None:
    s3.create_bucket(Bucket="locked")
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::locked/*",
    }
    s3.put_bucket_policy(
        Bucket="locked", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )

    with pytest.raises(ClientError, match="403"):
        s3.put_object(Bucket="locked", Key="k", Body=b"x")


def test_only_the_statements_a_tls_request_never_matches_are_dropped() -> None:
    policy = tls_only_bucket_policy("arn:aws:s3:::b")
    other = {"Sid": "DenyOld", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
             "Resource": "*", "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.3"}}}  # fmt: skip
    policy["Statement"].append(other)

    kept = json.loads(statements_for_tls_clients(json.dumps(policy)))["Statement"]

    assert [s["Sid"] for s in kept] == ["DenyOld"]


def test_athena_answers_a_glue_tables_metadata(emulated_aws: LocalAws) -> None:
    glue, athena = boto3.client("glue"), boto3.client("athena")
    glue.create_database(DatabaseInput={"Name": "features"})
    glue.create_table(
        DatabaseName="features",
        TableInput={
            "Name": "ranker",
            "TableType": "EXTERNAL_TABLE",
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
            "StorageDescriptor": {"Columns": [{"Name": "user_id", "Type": "bigint"}]},
        },
    )

    table = athena.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName="features", TableName="ranker"
    )["TableMetadata"]

    assert table["Name"] == "ranker" and table["TableType"] == "EXTERNAL_TABLE"
    assert table["Columns"] == [{"Name": "user_id", "Type": "bigint"}]
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    with pytest.raises(ClientError, match="MetadataException"):
        athena.get_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName="features", TableName="missing"
        )


def test_the_default_retention_of_a_bucket_with_objects_can_change(s3: Any) -> None:
    s3.create_bucket(Bucket="locked-zone", ObjectLockEnabledForBucket=True)
    retention = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    s3.put_object_lock_configuration(
        Bucket="locked-zone",
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": retention},
    )
    s3.put_object(Bucket="locked-zone", Key="feast/registry.pb", Body=b"registry")

    # What the provider does when it destroys aws_s3_bucket_object_lock_configuration.
    s3.put_object_lock_configuration(
        Bucket="locked-zone", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )

    configuration = s3.get_object_lock_configuration(Bucket="locked-zone")
    assert "Rule" not in configuration["ObjectLockConfiguration"]
