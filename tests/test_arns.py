"""How each ARN the platform names is spelt (``mlplatform.decisions.arns``).

The expected values are written out in full, in the formats of AWS's Service
Authorization Reference ("Resource types defined by ..."), so a reader checks
them against the documentation rather than against the code. Pure Python.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlplatform.decisions.arns import (
    Arns,
    arn,
    aws_managed_policy,
    eks_access_policy,
    iam_account_root,
    s3_bucket,
)

ACCOUNT = "123456789012"
HERE = Arns("aws", "eu-west-1", ACCOUNT)


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        # S3 bucket names are global: no region, no account.
        (HERE.s3_bucket("acme-dev-datalake-raw"), "arn:aws:s3:::acme-dev-datalake-raw"),
        (
            HERE.dynamodb_table("acme-dev-registry-models"),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-dev-registry-models",
        ),
        (HERE.glue_catalog(), "arn:aws:glue:eu-west-1:123456789012:catalog"),
        (
            HERE.glue_database("acme_dev_features"),
            "arn:aws:glue:eu-west-1:123456789012:database/acme_dev_features",
        ),
        (
            HERE.glue_table("acme_dev_features", "users"),
            "arn:aws:glue:eu-west-1:123456789012:table/acme_dev_features/users",
        ),
        (
            HERE.athena_workgroup("acme-dev-analytics"),
            "arn:aws:athena:eu-west-1:123456789012:workgroup/acme-dev-analytics",
        ),
        (
            HERE.ecr_repository("acme-dev-registry-ranker"),
            "arn:aws:ecr:eu-west-1:123456789012:repository/acme-dev-registry-ranker",
        ),
        (
            HERE.sagemaker_model_package_group("acme-dev-registry-ranker"),
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/acme-dev-registry-ranker",
        ),
        (
            HERE.sagemaker_model_package_prefix(),
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package",
        ),
        # Secrets Manager appends "-" and six random characters to a secret's name.
        (
            HERE.secretsmanager_secret_any_suffix("acme-dev-features-reader"),
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-dev-features-reader-??????",
        ),
        # A queue's ARN has no resource type.
        (
            HERE.sqs_queue("acme-dev-karpenter"),
            "arn:aws:sqs:eu-west-1:123456789012:acme-dev-karpenter",
        ),
        (HERE.logs_any(), "arn:aws:logs:eu-west-1:123456789012:*"),
        (HERE.ec2_all("subnet"), "arn:aws:ec2:eu-west-1:123456789012:subnet/*"),
        # Public AMIs and their snapshots belong to other accounts: the account is empty.
        (HERE.ec2_any_account("image"), "arn:aws:ec2:eu-west-1::image/*"),
        (
            HERE.ssm_public_parameter("aws/service/*"),
            "arn:aws:ssm:eu-west-1::parameter/aws/service/*",
        ),
    ],
)
def test_each_regional_kind_is_spelt_as_aws_documents_it(built: str, expected: str) -> None:
    assert built == expected


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (s3_bucket("aws-cn", "acme-dev-datalake-raw"), "arn:aws-cn:s3:::acme-dev-datalake-raw"),
        # IAM is global: no region.
        (iam_account_root("aws", ACCOUNT), "arn:aws:iam::123456789012:root"),
        # AWS owns managed policies and EKS access policies: "aws" stands for the account.
        (
            aws_managed_policy("aws", "service-role/AmazonEBSCSIDriverPolicy"),
            "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        ),
        (
            eks_access_policy("aws-us-gov", "AmazonEKSClusterAdminPolicy"),
            "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        ),
    ],
)
def test_global_kinds_need_only_what_they_name(built: str, expected: str) -> None:
    assert built == expected


def test_every_arn_has_six_fields_in_order() -> None:
    assert arn("aws", "sqs", "us-east-1", ACCOUNT, "q") == "arn:aws:sqs:us-east-1:123456789012:q"
    assert arn("aws", "s3", "", "", "b").split(":") == ["arn", "aws", "s3", "", "", "b"]


def test_the_partition_region_and_account_are_placed_as_given() -> None:
    """Another partition and cdktf tokens pass through: Terraform resolves them in the string."""
    china = Arns("aws-cn", "cn-north-1", ACCOUNT)
    assert china.dynamodb_table("t") == "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t"
    assert china.s3_bucket("b") == "arn:aws-cn:s3:::b"
    tokens = Arns("${data.aws_partition.p.partition}", "${data.aws_region.r.name}", "${acct}")
    assert tokens.glue_catalog() == (
        "arn:${data.aws_partition.p.partition}:glue:${data.aws_region.r.name}:${acct}:catalog"
    )


def test_the_module_imports_no_engine() -> None:
    code = (
        "import sys, mlplatform.decisions.arns; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'constructs', 'jsii', 'pulumi', 'pulumi_aws')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
