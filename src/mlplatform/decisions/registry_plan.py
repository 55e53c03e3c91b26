"""The model registry's resources and their settings, for either engine.

Both engines make the same registry (cdktf's
:class:`~mlplatform.constructs.model_registry.ModelRegistry`, Pulumi's
:class:`~mlplatform.pulumi.model_registry.ModelRegistry`): a key, an access
log bucket and the artifact bucket that logs into it, a metadata table (one
row per model version, found by stage through an index), and per family an
immutable, scanned, key-encrypted image repository with a lifecycle policy and a
SageMaker model package group. What each is set to is decided here once, from
the names :func:`~mlplatform.decisions.registry_names.registry_names` gives; the
engines wrap nested blocks in their own types and add the key's ARN.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mlplatform.config import ModelRegistryProps
from mlplatform.decisions.bucket_plan import BucketPlan, access_log_bucket, data_bucket
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.ecr import ecr_lifecycle_policy

__all__ = [
    "STAGE_INDEX",
    "TABLE_HASH_KEY",
    "TABLE_RANGE_KEY",
    "artifact_buckets",
    "key_settings",
    "metadata_table_blocks",
    "metadata_table_settings",
    "package_group_settings",
    "repository_blocks",
    "repository_lifecycle_policy",
    "repository_settings",
]

TABLE_HASH_KEY = "model"
TABLE_RANGE_KEY = "version"
STAGE_INDEX = "by-stage"
"""The metadata table's index by stage (``stage``, then model): what is in production."""


def key_settings(names: Mapping[str, str], naming: Naming) -> dict[str, Any]:
    """The registry key's alias and description (each engine adds the statement that lets
    CloudWatch Logs use it: serving endpoints keep their container logs encrypted with it)."""
    return {"alias": names["key_alias"], "description": f"Model registry of {naming.prefix}"}


def artifact_buckets(
    names: Mapping[str, str], props: ModelRegistryProps
) -> tuple[BucketPlan, BucketPlan]:
    """The access log bucket (made first) and the artifact bucket that logs into it."""
    logs = access_log_bucket(
        names["access_logs"], props.access_log_expiry_days, props.force_destroy
    )
    return logs, data_bucket("artifacts", names["bucket"], props, "artifacts/")


def metadata_table_settings(names: Mapping[str, str], props: ModelRegistryProps) -> dict[str, Any]:
    """The metadata table: on demand, keyed by model and version, deletion-protected unless
    turned off (it is the record of every model shipped)."""
    return {
        "name": names["table"],
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": TABLE_HASH_KEY,
        "range_key": TABLE_RANGE_KEY,
        "deletion_protection_enabled": props.deletion_protection,
    }


def metadata_table_blocks(key_arn: object) -> dict[str, Any]:
    """The table's nested blocks as their fields (the engine wraps them in its own types):
    string keys and ``stage``, the by-stage index, point-in-time recovery, the registry key."""
    return {
        "attributes": [
            {"name": TABLE_HASH_KEY, "type": "S"},
            {"name": TABLE_RANGE_KEY, "type": "S"},
            {"name": "stage", "type": "S"},
        ],
        "global_secondary_indexes": [
            {
                "name": STAGE_INDEX,
                "hash_key": "stage",
                "range_key": TABLE_HASH_KEY,
                "projection_type": "ALL",
            }
        ],
        "point_in_time_recovery": {"enabled": True},
        "server_side_encryption": {"enabled": True, "kms_key_arn": key_arn},
    }


def repository_settings(
    names: Mapping[str, str], family: str, props: ModelRegistryProps
) -> dict[str, Any]:
    """A family's serving image repository: tags are immutable (a version is an image)."""
    return {
        "name": names[f"repository:{family}"],
        "image_tag_mutability": "IMMUTABLE",
        "force_delete": props.force_destroy,
    }


def repository_blocks(key_arn: object) -> dict[str, Any]:
    """The repository's nested blocks as their fields: scanned on push, encrypted with the key."""
    return {
        "image_scanning_configuration": {"scan_on_push": True},
        "encryption_configuration": {"encryption_type": "KMS", "kms_key": key_arn},
    }


def repository_lifecycle_policy(props: ModelRegistryProps) -> str:
    """The repository's lifecycle policy document (JSON): keep the newest images only."""
    return json.dumps(ecr_lifecycle_policy(props.image_retention_count))


def package_group_settings(names: Mapping[str, str], family: str, naming: Naming) -> dict[str, Any]:
    """A family's SageMaker model package group."""
    return {
        "model_package_group_name": names[f"group:{family}"],
        "model_package_group_description": f"Versions of {family} in {naming.prefix}",
    }
