"""SageMaker: registering model versions in model package groups."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["MODEL_PACKAGE_ACTIONS", "model_packages_statement"]

MODEL_PACKAGE_ACTIONS = (
    "sagemaker:CreateModelPackage",
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
)


def model_packages_statement(sid: str, arns: Sequence[str]) -> Statement:
    """Create and describe model packages in the listed groups; no delete, no approval."""
    return allow(sid, MODEL_PACKAGE_ACTIONS, arns)
