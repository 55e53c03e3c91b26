"""The model registry: its key, artifact and access-log buckets, metadata table, image
repositories and model package groups.

The registry is the record of every model shipped; what protects it is
compared setting by setting: point-in-time recovery, encryption with the
registry key and deletion protection of the table; immutable tags, scan on
push, KMS encryption and the retention count of each repository.
"""

from __future__ import annotations

import json

from mlplatform.config import ModelRegistryProps
from mlplatform.decisions.policies.ecr import ecr_lifecycle_policy
from mlplatform.decisions.registry_names import registry_names
from mlplatform.decisions.registry_plan import artifact_buckets
from mlplatform.verify.buckets import BucketChecker, ExpectedBucket
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.reads import SAGEMAKER_NOT_FOUND, read_or_none
from mlplatform.verify.tables import check_protected_table

__all__ = ["RegistryChecker"]


class RegistryChecker:
    """The registry's resources, named as ``ModelRegistry`` names them."""

    def __init__(self, context: VerifyContext, keys: KeyChecker, props: ModelRegistryProps) -> None:
        self.context = context
        self.keys = keys
        self.props = props
        self.names = registry_names(context.naming, props.model_families)
        self.alias = self.names["key_alias"]

    def check(self) -> None:
        names = self.names
        props = self.props
        self.keys.arn(self.alias)
        buckets = BucketChecker(self.context, self.keys.arn)
        logs, artifacts = artifact_buckets(names, props)
        for plan in (artifacts, logs):
            buckets.check(
                ExpectedBucket.planned(
                    plan, layer="ml", key_alias=self.alias, log_bucket=logs.bucket_name
                )
            )
        self._table(names["table"])
        for family in props.model_families:
            self._repository(names[f"repository:{family}"])
            self._package_group(names[f"group:{family}"])

    def _table(self, name: str) -> None:
        check_protected_table(
            self.context,
            self.keys,
            name,
            key_alias=self.alias,
            deletion_protection=self.props.deletion_protection,
        )

    def _repository(self, name: str) -> None:
        findings = self.context.findings
        resource = f"ECR repository {name}"
        ecr = self.context.client("ecr")
        found = read_or_none(ecr.describe_repositories, repositoryNames=[name])
        if found is None:
            findings.missing(resource)
            return
        repository = found["repositories"][0]
        findings.compare(
            resource, "tag mutability", repository.get("imageTagMutability"), "IMMUTABLE"
        )
        scan = repository.get("imageScanningConfiguration", {}).get("scanOnPush")
        findings.compare(resource, "scan on push", scan, True)
        encryption = repository.get("encryptionConfiguration", {})
        findings.compare(resource, "encryption", encryption.get("encryptionType"), "KMS")
        key = self.keys.arn(self.alias)
        if key is not None and encryption.get("encryptionType") == "KMS":
            findings.compare(
                resource, f"encryption key (the {self.alias} key)", encryption.get("kmsKey"), key
            )
        policy = read_or_none(ecr.get_lifecycle_policy, repositoryName=name)
        text = policy.get("lifecyclePolicyText") if policy else None
        expected = ecr_lifecycle_policy(self.props.image_retention_count)
        findings.expect(
            text is not None and json.loads(text) == expected,
            f"{resource}: lifecycle keeps the newest {self.props.image_retention_count} images",
            f"{resource}: lifecycle policy is {text or 'not set'}, expected {json.dumps(expected)}",
        )

    def _package_group(self, name: str) -> None:
        sagemaker = self.context.client("sagemaker")
        found = read_or_none(
            sagemaker.describe_model_package_group, SAGEMAKER_NOT_FOUND, ModelPackageGroupName=name
        )
        resource = f"model package group {name}"
        if found is None:
            self.context.findings.missing(resource)
        else:
            self.context.findings.ok(f"{resource}: exists")
