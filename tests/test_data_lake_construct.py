"""DataLake and SecureBucket: every security default and every grant, from the synthesized JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack, Testing

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import DataLakeProps, ObjectLockProps
from mlplatform.constructs.data_lake import DataLake
from mlplatform.decisions.naming import Naming
from mlplatform.guardrails.suppressions import SUPPRESSION_METADATA
from mlplatform.interfaces import VpcPlacement

ZONE_BUCKETS = {
    "raw": "acme-test-datalake-raw",
    "curated": "acme-test-datalake-curated",
    "features": "acme-test-datalake-features",
}


def synth(stack: TerraformStack) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Testing.synth(stack))
    return result


def by_kind(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = document["resource"].get(kind, {})
    return result


def bucket_ref(document: dict[str, Any], name: str) -> str:
    """The ``${aws_s3_bucket.<id>.id}`` reference companion resources use for bucket ``name``."""
    (logical,) = [k for k, v in by_kind(document, "aws_s3_bucket").items() if v["bucket"] == name]
    return f"${{aws_s3_bucket.{logical}.id}}"


def companion(document: dict[str, Any], kind: str, bucket: str) -> dict[str, Any]:
    ref = bucket_ref(document, bucket)
    (match,) = [c for c in by_kind(document, kind).values() if c["bucket"] == ref]
    return match


@pytest.fixture
def lake_document(stack: TerraformStack, naming: Naming) -> dict[str, Any]:
    DataLake(
        stack,
        "lake",
        naming=naming,
        props=DataLakeProps(intelligent_tiering_after_days=45, noncurrent_version_expiry_days=60),
    )
    return synth(stack)


def test_one_bucket_and_one_glue_database_per_zone(lake_document: dict[str, Any]) -> None:
    names = {b["bucket"] for b in by_kind(lake_document, "aws_s3_bucket").values()}
    assert set(ZONE_BUCKETS.values()) <= names
    databases = {d["name"]: d for d in by_kind(lake_document, "aws_glue_catalog_database").values()}
    assert set(databases) == {f"acme_test_datalake_{zone}" for zone in ZONE_BUCKETS}
    assert databases["acme_test_datalake_raw"]["location_uri"].startswith("s3://${aws_s3_bucket.")


@pytest.mark.parametrize("zone", list(ZONE_BUCKETS))
def test_zone_buckets_have_every_security_default(lake_document: dict[str, Any], zone: str) -> None:
    bucket = ZONE_BUCKETS[zone]
    (key_id,) = by_kind(lake_document, "aws_kms_key")
    encryption = companion(
        lake_document, "aws_s3_bucket_server_side_encryption_configuration", bucket
    )
    (rule,) = encryption["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": f"${{aws_kms_key.{key_id}.arn}}",
    }
    assert rule["bucket_key_enabled"] is True
    versioning = companion(lake_document, "aws_s3_bucket_versioning", bucket)
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    block = companion(lake_document, "aws_s3_bucket_public_access_block", bucket)
    assert all(
        block[flag] is True
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    ownership = companion(lake_document, "aws_s3_bucket_ownership_controls", bucket)
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    policy = json.loads(companion(lake_document, "aws_s3_bucket_policy", bucket)["policy"])
    deny = next(s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport")
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    logging = companion(lake_document, "aws_s3_bucket_logging", bucket)
    assert logging["target_prefix"] == f"{zone}/"
    assert any("access-logs_policy" in d for d in logging["depends_on"])
    buckets = by_kind(lake_document, "aws_s3_bucket")
    assert all(b["force_destroy"] is False for b in buckets.values())


def test_zone_lifecycle_tiers_current_data_and_expires_old_versions(
    lake_document: dict[str, Any],
) -> None:
    lifecycle = companion(
        lake_document, "aws_s3_bucket_lifecycle_configuration", "acme-test-datalake-raw"
    )
    rules = {r["id"]: r for r in lifecycle["rule"]}
    assert rules["intelligent-tiering"]["transition"] == [
        {"days": 45, "storage_class": "INTELLIGENT_TIERING"}
    ]
    assert rules["expire-noncurrent-versions"]["noncurrent_version_expiration"] == [
        {"noncurrent_days": 60}
    ]
    assert rules["abort-incomplete-multipart-uploads"]["abort_incomplete_multipart_upload"] == [
        {"days_after_initiation": 7}
    ]


def test_lake_key_rotates_and_has_an_alias(lake_document: dict[str, Any]) -> None:
    (key,) = by_kind(lake_document, "aws_kms_key").values()
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    (alias,) = by_kind(lake_document, "aws_kms_alias").values()
    assert alias["name"] == "alias/acme-test-datalake"


def test_access_log_bucket_admits_only_the_log_service_of_this_account(
    lake_document: dict[str, Any],
) -> None:
    bucket = "acme-test-datalake-access-logs"
    encryption = companion(
        lake_document, "aws_s3_bucket_server_side_encryption_configuration", bucket
    )
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "AES256"
    }
    policy = json.loads(companion(lake_document, "aws_s3_bucket_policy", bucket)["policy"])
    allow = next(s for s in policy["Statement"] if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert "aws:SourceAccount" in allow["Condition"]["StringEquals"]


def test_access_log_bucket_carries_a_reasoned_suppression(
    stack: TerraformStack, naming: Naming
) -> None:
    lake = DataLake(stack, "lake", naming=naming)

    entries = [
        entry.data
        for child in lake.node.find_all()
        for entry in child.node.metadata
        if entry.type == SUPPRESSION_METADATA
    ]
    assert entries == [
        {
            "rule": "MLP-S3-2",
            "reason": "S3 server access logging can only deliver into SSE-S3 buckets",
        }
    ]


def test_athena_workgroup_enforces_encrypted_results(lake_document: dict[str, Any]) -> None:
    (workgroup,) = by_kind(lake_document, "aws_athena_workgroup").values()
    assert workgroup["name"] == "acme-test-analytics"
    configuration = workgroup["configuration"]
    assert configuration["enforce_workgroup_configuration"] is True
    results = configuration["result_configuration"]
    assert results["encryption_configuration"]["encryption_option"] == "SSE_KMS"
    assert results["output_location"].startswith("s3://${aws_s3_bucket.")


def test_athena_can_be_turned_off_with_its_results_bucket(
    stack: TerraformStack, naming: Naming
) -> None:
    lake = DataLake(stack, "lake", naming=naming, props=DataLakeProps(athena_workgroup=False))
    document = synth(stack)

    assert "aws_athena_workgroup" not in document["resource"]
    names = {b["bucket"] for b in by_kind(document, "aws_s3_bucket").values()}
    assert "acme-test-datalake-query-results" not in names
    assert lake.workgroup_name is None


def test_object_lock_sets_default_retention_on_zone_buckets(
    stack: TerraformStack, naming: Naming
) -> None:
    DataLake(
        stack,
        "lake",
        naming=naming,
        props=DataLakeProps(zones=("raw",), object_lock=ObjectLockProps(retention_days=14)),
    )
    document = synth(stack)

    raw = next(
        b for b in by_kind(document, "aws_s3_bucket").values() if b["bucket"].endswith("raw")
    )
    lock = companion(document, "aws_s3_bucket_object_lock_configuration", "acme-test-datalake-raw")
    assert lock["rule"] == {"default_retention": {"mode": "GOVERNANCE", "days": 14}}
    # Enabled by the configuration, after versioning: turning it on never replaces the bucket.
    assert lock["object_lock_enabled"] == "Enabled"
    assert any("versioning" in d for d in lock["depends_on"])
    assert "object_lock_enabled" not in raw


def test_glue_connection_runs_in_a_private_subnet_with_a_self_referencing_group(
    stack: TerraformStack, naming: Naming
) -> None:
    placement = VpcPlacement(
        vpc_id="vpc-1",
        vpc_cidr="10.0.0.0/16",
        private_subnet_ids=("subnet-a", "subnet-b"),
        availability_zones=("us-east-1a", "us-east-1b"),
        s3_prefix_list_id="pl-1",
    )
    DataLake(stack, "lake", naming=naming, placement=placement)
    document = synth(stack)

    (connection,) = by_kind(document, "aws_glue_connection").values()
    assert connection["connection_type"] == "NETWORK"
    requirements = connection["physical_connection_requirements"]
    assert (requirements["subnet_id"], requirements["availability_zone"]) == (
        "subnet-a",
        "us-east-1a",
    )
    (ingress,) = by_kind(document, "aws_vpc_security_group_ingress_rule").values()
    assert ingress["referenced_security_group_id"] == ingress["security_group_id"]
    egress = by_kind(document, "aws_vpc_security_group_egress_rule").values()
    assert all(e.get("cidr_ipv4") != "0.0.0.0/0" for e in egress)


def grant_document(stack: TerraformStack, naming: Naming, access: str, zone: Any) -> dict[str, Any]:
    lake = DataLake(stack, "lake", naming=naming)
    role = IamRole(stack, "job", name="job", assume_role_policy="{}")
    getattr(lake, f"grant_{access}")(role, zone)
    document = synth(stack)
    (policy,) = by_kind(document, "aws_iam_role_policy").values()
    assert policy["role"] == "${aws_iam_role.job.name}"
    result: dict[str, Any] = json.loads(policy["policy"])
    return result


def statement_actions(document: dict[str, Any]) -> set[str]:
    return {a for s in document["Statement"] for a in s["Action"]}


def test_grant_read_allows_reading_one_zone_and_decrypting(
    stack: TerraformStack, naming: Naming
) -> None:
    document = grant_document(stack, naming, "read", "raw")

    actions = statement_actions(document)
    assert "s3:GetObject" in actions and "kms:Decrypt" in actions
    assert not {a for a in actions if a.startswith(("s3:Put", "s3:Delete")) or a == "s3:*"}
    resources = [r for s in document["Statement"] for r in s["Resource"]]
    assert all("zone-raw" in r or "aws_kms_key" in r for r in resources)


def test_grant_write_allows_putting_but_never_deleting(
    stack: TerraformStack, naming: Naming
) -> None:
    document = grant_document(stack, naming, "write", "features")

    actions = statement_actions(document)
    assert {"s3:PutObject", "kms:GenerateDataKey"} <= actions
    assert not {a for a in actions if "Delete" in a or a.endswith("*")}
    resources = [r for s in document["Statement"] for r in s["Resource"]]
    assert all("zone-features" in r or "aws_kms_key" in r for r in resources)


def test_grant_without_zone_covers_every_zone(stack: TerraformStack, naming: Naming) -> None:
    document = grant_document(stack, naming, "read", None)

    listed = next(s for s in document["Statement"] if s["Sid"] == "ListLakeBuckets")
    assert len(listed["Resource"]) == 3


def test_grant_for_an_unknown_zone_names_the_zones(stack: TerraformStack, naming: Naming) -> None:
    lake = DataLake(stack, "lake", naming=naming, props=DataLakeProps(zones=("raw",)))
    role = IamRole(stack, "job", name="job", assume_role_policy="{}")

    with pytest.raises(ValueError, match="no zone 'gold'; its zones are raw"):
        lake.grant_read(role, "gold")
