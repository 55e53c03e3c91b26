"""Engine-neutral decisions: policy documents, the subnet plan and S3 lifecycle rules."""

from __future__ import annotations

import ipaddress
import itertools
import subprocess
import sys
from typing import Any

import pytest

from mlplatform.decisions.bucket_plan import sse_s3_exemption
from mlplatform.decisions.lifecycle import data_zone_rules, expiring_rules
from mlplatform.decisions.policies import (
    cloudwatch_logs_key_statement,
    flow_logs_delivery_policy,
    kms_key_policy,
    s3_access_log_delivery_policy,
    s3_read_statements,
    s3_write_statements,
    service_trust_policy,
    tls_only_bucket_policy,
)
from mlplatform.decisions.subnet_plan import SubnetPlan

ACCOUNT = "123456789012"
BUCKET = "arn:aws:s3:::mlp-dev-lake-raw"
BUCKETS = [BUCKET, "arn:aws:s3:::mlp-dev-lake-curated"]
KEY = "arn:aws:kms:us-east-1:123456789012:key/abcd"


def _actions(statements: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for statement in statements:
        action = statement["Action"]
        found.extend([action] if isinstance(action, str) else action)
    return found


def _by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


# --------------------------------------------------------------------------- bucket policies


def test_tls_only_bucket_policy_denies_plain_http_and_old_tls_everywhere() -> None:
    policy = tls_only_bucket_policy(BUCKET)

    assert policy["Version"] == "2012-10-17"
    statements = policy["Statement"]
    assert len(statements) == 2
    insecure = [s for s in statements if "Bool" in s.get("Condition", {})]
    old_tls = [s for s in statements if "NumericLessThan" in s.get("Condition", {})]
    assert len(insecure) == 1
    assert len(old_tls) == 1
    assert insecure[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert old_tls[0]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    for statement in statements:
        assert statement["Effect"] == "Deny"
        assert statement["Principal"] == {"AWS": "*"}  # IAM's long form of "*"
        assert statement["Action"] == "s3:*"
        assert sorted(statement["Resource"]) == sorted([BUCKET, f"{BUCKET}/*"])


def test_tls_only_bucket_policy_appends_extra_statements_after_the_denies() -> None:
    extra = {"Sid": "Extra", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}

    statements = tls_only_bucket_policy(BUCKET, extra=[extra])["Statement"]

    assert len(statements) == 3
    assert statements[-1] == extra
    assert [s["Effect"] for s in statements[:2]] == ["Deny", "Deny"]


def test_access_log_bucket_policy_keeps_tls_denies_and_scopes_log_delivery() -> None:
    statements = s3_access_log_delivery_policy(BUCKET, ACCOUNT)["Statement"]

    assert sum(1 for s in statements if s["Effect"] == "Deny") == 2
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allow) == 1
    assert allow[0]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow[0]["Action"] == "s3:PutObject"
    assert allow[0]["Resource"] == f"{BUCKET}/*"
    assert allow[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


# --------------------------------------------------------------------------- S3 access


def test_s3_read_statements_only_read_list_and_decrypt() -> None:
    statements = s3_read_statements(BUCKETS, KEY)
    actions = _actions(statements)

    assert "s3:GetObject" in actions
    assert "s3:ListBucket" in actions
    assert "kms:Decrypt" in actions
    for action in actions:
        service, verb = action.split(":")
        assert "*" not in action
        if service == "s3":
            assert verb.startswith(("Get", "List")), action
        else:
            assert action in {"kms:Decrypt", "kms:DescribeKey"}, action
        assert "Put" not in verb
        assert "Delete" not in verb
    assert all(s["Effect"] == "Allow" for s in statements)


def test_s3_read_statements_scope_resources() -> None:
    statements = s3_read_statements(BUCKETS, KEY)

    for statement in statements:
        resources = statement["Resource"]
        assert "*" not in resources
        verbs = _actions([statement])
        if "kms:Decrypt" in verbs:
            assert resources == [KEY]
        elif "s3:GetObject" in verbs:
            assert resources == [f"{arn}/*" for arn in BUCKETS]
        else:
            assert "s3:ListBucket" in verbs
            assert resources == BUCKETS


def test_s3_write_statements_put_but_never_delete() -> None:
    statements = s3_write_statements(BUCKETS, KEY)
    actions = _actions(statements)

    assert "s3:PutObject" in actions
    assert "kms:GenerateDataKey" in actions
    assert "s3:*" not in actions
    assert not any("*" in action for action in actions)
    assert not any("Delete" in action for action in actions)
    assert not any(action.startswith("s3:PutBucket") for action in actions)
    write = next(s for s in statements if "s3:PutObject" in _actions([s]))
    assert write["Resource"] == [f"{arn}/*" for arn in BUCKETS]
    key = next(s for s in statements if "kms:GenerateDataKey" in _actions([s]))
    assert key["Resource"] == [KEY]


# --------------------------------------------------------------------------- keys and roles


def test_kms_key_policy_lets_the_account_root_administer() -> None:
    service = cloudwatch_logs_key_statement(ACCOUNT, "aws", "us-east-1")

    statements = kms_key_policy(ACCOUNT, "aws", [service])["Statement"]

    assert statements[0] == {
        "Sid": "AccountAdministersKeyThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert statements[1:] == [service]


def test_kms_key_policy_uses_the_partition() -> None:
    statements = kms_key_policy(ACCOUNT, "aws-cn")["Statement"]

    assert len(statements) == 1
    assert statements[0]["Principal"] == {"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"}


def test_cloudwatch_logs_key_statement_is_scoped_to_the_account_and_region() -> None:
    statement = cloudwatch_logs_key_statement(ACCOUNT, "aws", "eu-west-1")

    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:*"}
    }
    assert "kms:Decrypt*" in statement["Action"]
    assert "kms:*" not in statement["Action"]


def test_service_trust_policy_with_source_account() -> None:
    policy = service_trust_policy("vpc-flow-logs.amazonaws.com", ACCOUNT)

    assert policy["Version"] == "2012-10-17"
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]


def test_service_trust_policy_without_account_has_no_condition() -> None:
    (statement,) = service_trust_policy("eks.amazonaws.com")["Statement"]

    assert statement["Principal"] == {"Service": "eks.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert "Condition" not in statement


def test_flow_logs_delivery_policy_is_scoped_to_one_log_group() -> None:
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/mlplatform/mlp-dev/network/flow-logs"

    (statement,) = flow_logs_delivery_policy(group)["Statement"]

    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == [group, f"{group}:*"]
    assert sorted(statement["Action"]) == [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    assert "logs:CreateLogGroup" not in statement["Action"]


# --------------------------------------------------------------------------- subnet plan

AZS3 = ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_subnet_plan_for_a_16_with_two_zones() -> None:
    assert SubnetPlan.for_vpc("10.20.0.0/16", AZS3[:2]) == [
        SubnetPlan("us-east-1a", "10.20.0.0/18", "10.20.192.0/20"),
        SubnetPlan("us-east-1b", "10.20.64.0/18", "10.20.208.0/20"),
    ]


def test_subnet_plan_is_deterministic() -> None:
    first = SubnetPlan.for_vpc("10.40.0.0/16", AZS3)
    second = SubnetPlan.for_vpc("10.40.0.0/16", list(AZS3))

    assert first == second
    assert [p.availability_zone for p in first] == AZS3


@pytest.mark.parametrize("cidr", ["10.20.0.0/16", "172.16.32.0/20", "192.168.7.0/24"])
@pytest.mark.parametrize("zones", [2, 3], ids=["2az", "3az"])
def test_subnets_fit_the_vpc_without_overlap(cidr: str, zones: int) -> None:
    vpc = ipaddress.IPv4Network(cidr)

    plans = SubnetPlan.for_vpc(cidr, AZS3[:zones])

    assert [p.availability_zone for p in plans] == AZS3[:zones]
    subnets = [ipaddress.IPv4Network(c) for p in plans for c in (p.private_cidr, p.public_cidr)]
    assert len(subnets) == 2 * zones
    for subnet in subnets:
        assert subnet.subnet_of(vpc), subnet
        assert subnet.prefixlen <= 28, "AWS subnets are at most a /28"
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), (a, b)
    for plan in plans:
        private = ipaddress.IPv4Network(plan.private_cidr)
        public = ipaddress.IPv4Network(plan.public_cidr)
        assert private.num_addresses > public.num_addresses
        assert private.prefixlen == vpc.prefixlen + 2
        assert public.prefixlen == vpc.prefixlen + 4


@pytest.mark.parametrize("zones", [0, 4], ids=["no-az", "four-azs"])
def test_subnet_plan_rejects_zone_counts_it_cannot_divide(zones: int) -> None:
    azs = [f"us-east-1{letter}" for letter in "abcd"][:zones]
    with pytest.raises(ValueError, match="one to three availability zones"):
        SubnetPlan.for_vpc("10.20.0.0/16", azs)


# --------------------------------------------------------------------------- lifecycle


def _rule_with(rules: list[dict[str, Any]], key: str) -> dict[str, Any]:
    matching = [r for r in rules if key in r]
    assert len(matching) == 1, f"expected one rule with {key}, got {matching}"
    return matching[0]


def test_data_zone_rules_tier_expire_noncurrent_and_abort_uploads() -> None:
    rules = data_zone_rules(45, 120)

    assert _rule_with(rules, "Transitions")["Transitions"] == [
        {"Days": 45, "StorageClass": "INTELLIGENT_TIERING"}
    ]
    assert _rule_with(rules, "NoncurrentVersionExpiration")["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 120
    }
    assert _rule_with(rules, "AbortIncompleteMultipartUpload")[
        "AbortIncompleteMultipartUpload"
    ] == {"DaysAfterInitiation": 7}
    assert all(rule["Status"] == "Enabled" for rule in rules)
    assert len({rule["ID"] for rule in rules}) == len(rules)


def test_data_zone_rules_never_expire_current_data() -> None:
    assert not any("Expiration" in rule for rule in data_zone_rules(0, 1))


def test_expiring_rules_delete_after_the_given_days() -> None:
    rules = expiring_rules(14)

    assert _rule_with(rules, "Expiration")["Expiration"] == {"Days": 14}
    assert _rule_with(rules, "NoncurrentVersionExpiration")["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 7
    }
    assert _rule_with(rules, "AbortIncompleteMultipartUpload")[
        "AbortIncompleteMultipartUpload"
    ] == {"DaysAfterInitiation": 7}
    assert all(rule["Status"] == "Enabled" for rule in rules)
    assert len({rule["ID"] for rule in rules}) == len(rules)


def test_expiring_rules_take_a_noncurrent_expiry() -> None:
    rules = expiring_rules(365, noncurrent_expiry_days=3)

    assert _rule_with(rules, "Expiration")["Expiration"] == {"Days": 365}
    assert _rule_with(rules, "NoncurrentVersionExpiration")["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 3
    }


# --------------------------------------------------------------------------- engine-free
ENGINE_MODULES = ("cdktf", "jsii", "constructs", "mlplatform.bindings")


def test_decisions_import_no_engine() -> None:
    """A second engine reuses every decision, so none may load cdktf, jsii or the bindings."""
    probe = (
        "import importlib, pkgutil, sys\n"
        "import mlplatform.decisions as package\n"
        "for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "    importlib.import_module(module.name)\n"
        f"engine = {ENGINE_MODULES!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in engine or m.startswith(engine)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_only_a_bucket_receiving_access_logs_may_go_without_a_kms_key() -> None:
    """One rule for both engines' SecureBucket: S3 server access logging cannot write into
    an SSE-KMS bucket, so a log bucket is SSE-S3 with a reasoned suppression; any other
    bucket without a key is refused, naming it and the fix."""
    key = "arn:aws:kms:us-east-1:123456789012:key/1"
    assert sse_s3_exemption("data", kms_key_arn=key, access_log_source_account=None) is None
    assert sse_s3_exemption("logs", kms_key_arn=None, access_log_source_account="123456789012") == (
        "MLP-S3-2",
        "S3 server access logging can only deliver into SSE-S3 buckets",
    )
    with pytest.raises(ValueError, match="bucket 'data': kms_key_arn is required") as refused:
        sse_s3_exemption("data", kms_key_arn=None, access_log_source_account=None)
    assert "set access_log_source_account" in str(refused.value)
