"""``ModelRegistry`` on Pulumi: artifact bucket, metadata table, image repositories, package groups.

Names from :func:`mlplatform.decisions.registry_names.registry_names`, grant
statements from :mod:`mlplatform.decisions.policies.grants`, the ECR lifecycle
from ``decisions.policies.ecr``; grants are role policies beside the registry
(:func:`~mlplatform.pulumi.grant_policy.grant_policy`), as in cdktf.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import ModelRegistryProps
from mlplatform.decisions.lifecycle import data_zone_rules, expiring_rules
from mlplatform.decisions.policies.ecr import ecr_lifecycle_policy
from mlplatform.decisions.policies.grants import (
    registry_publish_statements,
    registry_read_statements,
)
from mlplatform.decisions.policies.kms import cloudwatch_logs_key_statement
from mlplatform.decisions.registry_names import registry_names
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.grant_policy import grant_policy
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.pulumi.secure_bucket import SecureBucket, SecureBucketProps

__all__ = ["ModelRegistry"]

TABLE_HASH_KEY = "model"
TABLE_RANGE_KEY = "version"
STAGE_INDEX = "by-stage"


class ModelRegistry(PlatformComponent):
    """``mlplatform:ml:ModelRegistry``."""

    def __init__(self, layer: Layer, id: str, *, props: ModelRegistryProps) -> None:
        super().__init__(layer.layer, "ModelRegistry", f"{layer.path}/{id}", parent=layer)
        naming = layer.naming
        self._layer = layer
        families = tuple(props.model_families)
        self.model_families = families
        names = registry_names(naming, families)
        self.key = key = PlatformKey(
            layer,
            self,
            "key",
            props=PlatformKeyProps(
                alias=names["key_alias"],
                description=f"Model registry of {naming.prefix}",
                service_statements=lambda account, partition, region: [
                    cloudwatch_logs_key_statement(account, partition, region)
                ],
            ),
        )
        access_logs = SecureBucket(
            layer,
            self,
            "access-logs",
            props=SecureBucketProps(
                bucket_name=names["access_logs"],
                kms_key_arn=None,
                lifecycle_rules=expiring_rules(props.access_log_expiry_days),
                force_destroy=props.force_destroy,
                access_log_source_account=layer.account_id,
            ),
        )
        self.artifacts = SecureBucket(
            layer,
            self,
            "artifacts",
            props=SecureBucketProps(
                bucket_name=names["bucket"],
                kms_key_arn=key.arn,
                lifecycle_rules=data_zone_rules(
                    props.intelligent_tiering_after_days, props.noncurrent_version_expiry_days
                ),
                access_log_target=access_logs,
                access_log_prefix="artifacts/",
                object_lock=props.object_lock,
                force_destroy=props.force_destroy,
            ),
        )
        self.table = aws.dynamodb.Table(
            self.child("metadata"),
            name=names["table"],
            billing_mode="PAY_PER_REQUEST",
            hash_key=TABLE_HASH_KEY,
            range_key=TABLE_RANGE_KEY,
            attributes=[
                {"name": TABLE_HASH_KEY, "type": "S"},
                {"name": TABLE_RANGE_KEY, "type": "S"},
                {"name": "stage", "type": "S"},
            ],
            global_secondary_indexes=[
                {
                    "name": STAGE_INDEX,
                    "hash_key": "stage",
                    "range_key": TABLE_HASH_KEY,
                    "projection_type": "ALL",
                }
            ],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
            deletion_protection_enabled=props.deletion_protection,
            opts=self.options(protect=layer.retain),
        )
        self.repositories: dict[str, aws.ecr.Repository] = {}
        self.package_groups: dict[str, aws.sagemaker.ModelPackageGroup] = {}
        for family in families:
            repository = aws.ecr.Repository(
                self.child(f"repository-{family}"),
                name=names[f"repository:{family}"],
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}],
                force_delete=props.force_destroy,
                opts=self.options(protect=layer.retain),
            )
            aws.ecr.LifecyclePolicy(
                self.child(f"repository-{family}-lifecycle"),
                repository=repository.name,
                policy=json.dumps(ecr_lifecycle_policy(props.image_retention_count)),
                opts=self.options(),
            )
            self.repositories[family] = repository
            self.package_groups[family] = aws.sagemaker.ModelPackageGroup(
                self.child(f"package-group-{family}"),
                model_package_group_name=names[f"group:{family}"],
                model_package_group_description=f"Versions of {family} in {naming.prefix}",
                opts=self.options(protect=layer.retain),
            )
        self.register_outputs({"bucket": self.artifacts.bucket_name})

    @property
    def bucket_name(self) -> pulumi.Output[str]:
        return self.artifacts.bucket_name

    @property
    def key_arn(self) -> pulumi.Output[str]:
        return self.key.arn

    # ----------------------------------------------------------------- grants
    def grant_publish(
        self, role: aws.iam.Role, family: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` publish ``family`` (default: every family); nothing can be deleted."""
        families = self._select(family)
        layer = self._layer

        def statements(
            partition: str,
            region: str,
            account: str,
            bucket: str,
            key: str,
            table: str,
            *rest: str,
        ) -> list[Any]:
            count = len(families)
            repositories, groups, group_names = (
                rest[:count],
                rest[count : 2 * count],
                rest[2 * count :],
            )
            prefix = f"arn:{partition}:sagemaker:{region}:{account}:model-package"
            return registry_publish_statements(
                models=families,
                bucket_arn=bucket,
                key_arn=key,
                table_arn=table,
                repository_arns=list(repositories),
                package_group_arns=list(groups),
                model_package_arns=[f"{prefix}/{name}/*" for name in group_names],
            )

        return grant_policy(
            self,
            role,
            "publish",
            "all" if family is None else "-".join(families),
            statements,
            layer.partition,
            layer.region,
            layer.account_id,
            self.artifacts.bucket_arn,
            self.key.arn,
            self.table.arn,
            *[self.repositories[f].arn for f in families],
            *[self.package_groups[f].arn for f in families],
            *[self.package_groups[f].model_package_group_name for f in families],
        )

    def grant_read(
        self, role: aws.iam.Role, family: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` read ``family``'s artifacts (and decrypt them) and pull its images."""
        families = self._select(family)

        def statements(bucket: str, key: str, *repositories: str) -> list[Any]:
            return registry_read_statements(
                models=families, bucket_arn=bucket, key_arn=key, repository_arns=list(repositories)
            )

        return grant_policy(
            self,
            role,
            "read",
            "all" if family is None else "-".join(families),
            statements,
            self.artifacts.bucket_arn,
            self.key.arn,
            *[self.repositories[f].arn for f in families],
        )

    def _select(self, family: str | Iterable[str] | None) -> tuple[str, ...]:
        if family is None:
            return self.model_families
        chosen = (family,) if isinstance(family, str) else tuple(family)
        for name in chosen:
            if name not in self.model_families:
                raise ValueError(
                    f"the model registry has no model family {name!r}; "
                    f"its families are {', '.join(self.model_families)}"
                )
        return chosen
