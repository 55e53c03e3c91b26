"""Which resources hold state that a destroy would lose for good.

One list, used by the constructs (which protect each of these they create)
and by guardrail MLP-RET-1 (which fails synth on any of these left
unprotected, whoever created it). Engine-free, so a second engine protects the
same set.
"""

from __future__ import annotations

from mlplatform.config import EnvironmentConfig

__all__ = ["RETENTION_RULE_ID", "STATEFUL_RESOURCE_TYPES", "retention_opt_out_reason"]

RETENTION_RULE_ID = "MLP-RET-1"
"""The guardrail that demands ``prevent_destroy``; suppressing it is the named opt-out."""

STATEFUL_RESOURCE_TYPES: tuple[str, ...] = (
    "aws_s3_bucket",  # the lake's data, models, access logs
    "aws_kms_key",  # deleting a key makes everything it encrypted unreadable
    "aws_dynamodb_table",  # the model registry's index, the online feature tables
    "aws_eks_cluster",  # every workload, its secrets and its identity (OIDC issuer)
    "aws_ecr_repository",  # the images serving and training run
    "aws_sagemaker_model_package_group",  # registered model versions and their approvals
    "aws_glue_catalog_database",  # the lake's table definitions
    "aws_glue_catalog_table",  # the offline feature tables' definitions
    "aws_elasticache_replication_group",  # the online features (and their snapshots)
)
"""Terraform types whose destroy loses data, keys or identity; each gets ``prevent_destroy``."""


def retention_opt_out_reason(config: EnvironmentConfig) -> str | None:
    """Why this environment's stateful resources may be destroyed; ``None`` when protected."""
    retention = config.retention
    if retention.prevent_destroy:
        return None
    if retention.opt_out_reason:
        return retention.opt_out_reason
    return "an emulator environment (emulator: true) is torn down with the emulator"
