"""Grants that span services: what one role needs for one job, joined from per-service statements.

Least privilege is the point of every grant here:

- Artifacts are granted per model family prefix (``<family>/*``), never the
  whole bucket; listing is limited to the same prefixes by condition.
- Metadata rows are granted per family through ``dynamodb:LeadingKeys``, so a
  role that publishes ``ranker`` cannot overwrite ``search``'s versions.
- Images are granted per repository. ``ecr:GetAuthorizationToken`` and
  ``cloudwatch:PutMetricData`` are on ``"*"``: IAM offers no resource-level
  permission for them (the token alone opens no repository, and metric
  publishing is held to one namespace by condition). So are the network
  interface actions an endpoint in a VPC needs (:data:`VPC_ACCESS_ACTIONS`),
  as SageMaker documents them.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.athena import athena_workgroup_statement
from mlplatform.decisions.policies.documents import Statement, allow
from mlplatform.decisions.policies.dynamodb import (
    FEATURE_READ_ACTIONS,
    FEATURE_WRITE_ACTIONS,
    METADATA_WRITE_ACTIONS,
    dynamodb_leading_keys_statement,
    dynamodb_tables_statement,
)
from mlplatform.decisions.policies.ec2 import VPC_ACCESS_ACTIONS
from mlplatform.decisions.policies.ecr import (
    ECR_PULL_ACTIONS,
    ECR_PUSH_ACTIONS,
    ecr_images_statement,
    ecr_token_statement,
)
from mlplatform.decisions.policies.glue import glue_tables_statement
from mlplatform.decisions.policies.kms import kms_read_statement, kms_write_statement
from mlplatform.decisions.policies.s3 import (
    ARTIFACT_READ_ACTIONS,
    S3_LIST_ACTIONS,
    S3_READ_ACTIONS,
    S3_WRITE_ACTIONS,
    s3_prefix_list_statement,
    s3_prefix_objects_statement,
)
from mlplatform.decisions.policies.sagemaker import model_packages_statement
from mlplatform.decisions.policies.secretsmanager import secrets_read_statement

__all__ = [
    "FEAST_PREFIX",
    "STAR_ONLY_ACTIONS",
    "feature_offline_read_statements",
    "feature_online_statements",
    "registry_publish_statements",
    "registry_read_statements",
]

FEAST_PREFIX = "feast"
"""The prefix of the features zone bucket where Feast keeps its registry."""

STAR_ONLY_ACTIONS = frozenset(
    {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData", *VPC_ACCESS_ACTIONS}
)
"""The only actions a role's grant in this package gives on ``"*"``; tests hold every grant to this.

(In a key policy, ``"Resource": "*"`` means the key itself; those are not grants to a role.)"""


def registry_publish_statements(
    *,
    models: Sequence[str],
    bucket_arn: str,
    key_arn: str,
    table_arn: str,
    repository_arns: Sequence[str],
    package_group_arns: Sequence[str],
    model_package_arns: Sequence[str],
) -> list[Statement]:
    """What a training job needs to publish ``models``: artifacts, metadata rows, images, packages.

    No delete anywhere: a published version is a record, and removing one is a
    human decision made with other credentials.
    """
    return [
        s3_prefix_list_statement("ListModelArtifacts", bucket_arn, models),
        s3_prefix_objects_statement("WriteModelArtifacts", bucket_arn, models, S3_WRITE_ACTIONS),
        kms_write_statement("EncryptModelArtifacts", key_arn),
        dynamodb_leading_keys_statement(
            "RecordModelVersions", table_arn, models, METADATA_WRITE_ACTIONS
        ),
        ecr_images_statement("PushServingImages", repository_arns, ECR_PUSH_ACTIONS),
        ecr_token_statement(),
        model_packages_statement(
            "RegisterModelPackages", [*package_group_arns, *model_package_arns]
        ),
    ]


def registry_read_statements(
    *,
    models: Sequence[str],
    bucket_arn: str,
    key_arn: str,
    repository_arns: Sequence[str],
) -> list[Statement]:
    """What serving ``models`` needs: read their artifacts (and decrypt them), pull their images."""
    return [
        s3_prefix_list_statement("ListModelArtifacts", bucket_arn, models),
        s3_prefix_objects_statement(
            "ReadModelArtifacts", bucket_arn, models, ARTIFACT_READ_ACTIONS
        ),
        kms_read_statement("DecryptModelArtifacts", key_arn),
        ecr_images_statement("PullServingImages", repository_arns, ECR_PULL_ACTIONS),
        ecr_token_statement(),
    ]


def feature_online_statements(
    *,
    write: bool,
    key_arn: str,
    features_bucket_arn: str,
    table_arns: Sequence[str] = (),
    secret_arns: Sequence[str] = (),
) -> list[Statement]:
    """Read (or with ``write``, also write) online features, and read Feast's registry.

    DynamoDB: the groups' tables' items, never a table. Redis: the reader's (or
    the writer's) AUTH secret; what it may do is that user's ACL, and reaching
    the store at all is the security group's ingress. Either way the lake key
    decrypts the items, the secret and the registry.
    """
    statements: list[Statement] = [
        s3_prefix_objects_statement(
            "ReadFeastRegistry", features_bucket_arn, [FEAST_PREFIX], ARTIFACT_READ_ACTIONS
        ),
    ]
    if table_arns:
        statements.append(
            dynamodb_tables_statement(
                "WriteOnlineFeatures" if write else "ReadOnlineFeatures",
                table_arns,
                FEATURE_WRITE_ACTIONS if write else FEATURE_READ_ACTIONS,
            )
        )
    if secret_arns:
        statements.append(secrets_read_statement("ReadOnlineStoreAuth", secret_arns))
    statements.append(kms_read_statement("DecryptOnlineFeatures", key_arn))
    return statements


def feature_offline_read_statements(
    *,
    groups: Sequence[str],
    key_arn: str,
    features_bucket_arn: str,
    catalog_arn: str,
    database_arn: str,
    table_arns: Sequence[str],
    workgroup_arn: str | None,
    staging_bucket_arn: str | None,
) -> list[Statement]:
    """Query ``groups``' offline tables with Athena (as Feast's Athena store does) or read their
    files directly: their prefixes of the features zone, their catalog entries, the workgroup,
    and the query-results bucket, where the workgroup puts every result (its location is
    enforced) and Feast unloads under ``feast/staging/``."""
    statements: list[Statement] = [
        s3_prefix_list_statement("ListOfflineFeatures", features_bucket_arn, groups),
        s3_prefix_objects_statement(
            "ReadOfflineFeatures", features_bucket_arn, groups, S3_READ_ACTIONS
        ),
        glue_tables_statement("ReadOfflineTables", catalog_arn, database_arn, table_arns),
    ]
    if workgroup_arn is not None and staging_bucket_arn is not None:
        # The workgroup enforces its own result location (the bucket's root, one object per
        # query id), and Feast UNLOADs under feast/staging/: both are the caller's writes.
        statements += [
            athena_workgroup_statement("QueryOfflineFeatures", workgroup_arn),
            allow("ListQueryResults", S3_LIST_ACTIONS, staging_bucket_arn),
            allow(
                "UseQueryResults", [*S3_READ_ACTIONS, *S3_WRITE_ACTIONS], f"{staging_bucket_arn}/*"
            ),
        ]
    statements.append(kms_write_statement("UseLakeKey", key_arn))
    return statements
