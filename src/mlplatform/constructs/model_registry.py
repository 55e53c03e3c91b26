"""The model registry: where training jobs publish models and serving endpoints read them.

Per model family (``ranker``) the registry holds:

- artifacts under ``s3://<org>-<env>-registry-artifacts/<family>/<version>/model.tar.gz``
  in a :class:`SecureBucket` (SSE-KMS with the registry key, versioned,
  TLS-only, private, access-logged, old versions expire; Object Lock where
  configured, so a published model cannot be altered);
- one row per version in the metadata table (partition key ``model``, sort key
  ``version``; ``stage``, ``metrics`` and ``lineage`` are attributes, and the
  ``by-stage`` index answers "what is in production"). Point-in-time recovery
  and KMS encryption are always on; deletion protection by default;
- an ECR repository for its serving image: immutable tags, so a tag names one
  image forever; scan on push; KMS encryption; a lifecycle keeping the newest N;
- a SageMaker model package group, for approval workflows and lineage.

Components connect through grants. :meth:`ModelRegistry.grant_publish` lets a
training role write one family's artifacts, rows, images and packages;
:meth:`ModelRegistry.grant_read` lets a serving role read one family's
artifacts and pull its image. Each grant includes the KMS permissions it needs.

A team repo that deploys next to the platform references the registry with
:meth:`ModelRegistry.from_environment`, which reads the platform contract
(SSM): same grants (:class:`ModelRegistryMixin` serves both), no resources.
:meth:`ModelRegistry.from_names` derives the names instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from mlplatform.bindings.aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
)
from mlplatform.bindings.aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from mlplatform.bindings.aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.sagemaker_model_package_group import SagemakerModelPackageGroup
from mlplatform.config import ModelRegistryProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.dynamodb_tables import planned_table
from mlplatform.constructs.item_grants import ItemGrantsMixin, no_such_item
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.constructs.secure_bucket import SecureBucket
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions import registry_plan
from mlplatform.decisions.arns import Arns
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.item_selection import selected
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.grants import (
    registry_publish_statements,
    registry_read_statements,
)
from mlplatform.decisions.policies.kms import cloudwatch_logs_key_statement
from mlplatform.decisions.registry_names import registry_names
from mlplatform.decisions.serving_plan import artifact_key
from mlplatform.interfaces import IModelRegistry, IRole

if TYPE_CHECKING:
    from mlplatform.constructs.contract_model_registry import ContractModelRegistry

__all__ = ["ModelRegistry"]


@dataclass(frozen=True)
class ModelRegistryRefs:
    """What grants and properties need: names and ARNs, from resources or from names."""

    naming: Naming
    model_families: tuple[str, ...]
    bucket_name: str
    bucket_arn: str
    key_arn: str
    table_name: str
    table_arn: str
    repository_names: Mapping[str, str]
    repository_arns: Mapping[str, str]
    repository_urls: Mapping[str, str]
    package_group_names: Mapping[str, str]
    package_group_arns: Mapping[str, str]
    model_package_arn_prefix: str
    """``arn:<partition>:sagemaker:<region>:<account>:model-package``."""


class ModelRegistryMixin(ItemGrantsMixin):
    """The registry as :class:`~mlplatform.interfaces.IModelRegistry` describes it, read from ``_refs``.

    Mixed into :class:`ModelRegistry` and ``ImportedModelRegistry`` (constructs
    both), so a team repo publishes to and reads from the platform's registry
    exactly as the platform does.
    """

    _MIXIN = "ModelRegistryMixin"
    _refs: ModelRegistryRefs

    # ----------------------------------------------------------------- properties
    @property
    def naming(self) -> Naming:
        """Names of the registry's environment; endpoints reading from it are named the same way."""
        return self._refs.naming

    @property
    def model_families(self) -> tuple[str, ...]:
        """The model families the registry holds."""
        return self._refs.model_families

    @property
    def bucket_name(self) -> str:
        """The artifact bucket."""
        return self._refs.bucket_name

    @property
    def bucket_arn(self) -> str:
        """ARN of the artifact bucket."""
        return self._refs.bucket_arn

    @property
    def key_arn(self) -> str:
        """ARN of the registry's KMS key."""
        return self._refs.key_arn

    @property
    def table_name(self) -> str:
        """The metadata table (partition key ``model``, sort key ``version``)."""
        return self._refs.table_name

    @property
    def table_arn(self) -> str:
        """ARN of the metadata table."""
        return self._refs.table_arn

    @property
    def repository_urls(self) -> dict[str, str]:
        """Serving image repository URL of each family, for ``docker push``."""
        return dict(self._refs.repository_urls)

    def repository_name(self, family: str) -> str:
        """Serving image repository (ECR) name of one family."""
        return self._refs.repository_names[self._family(family)]

    def repository_url(self, family: str) -> str:
        """Serving image repository URL of one family."""
        return self._refs.repository_urls[self._family(family)]

    def repository_arn(self, family: str) -> str:
        """ARN of one family's serving image repository."""
        return self._refs.repository_arns[self._family(family)]

    def package_group_name(self, family: str) -> str:
        """SageMaker model package group of one family."""
        return self._refs.package_group_names[self._family(family)]

    def artifact_uri(self, family: str, version: str) -> str:
        """``s3://<bucket>/<family>/<version>/model.tar.gz``: where a version's artifact lives."""
        return f"s3://{self.bucket_name}/{artifact_key(self._family(family), version)}"

    # ----------------------------------------------------------------- grants
    def grant_publish(
        self, role: IRole, family: str | Iterable[str] | None = None
    ) -> IamRolePolicy:
        """Let ``role`` publish ``family`` (default: every family).

        Write artifacts under ``<family>/``, put and update the family's
        metadata rows, push its serving images and register model packages;
        with the KMS data keys these need. Nothing can be deleted.
        """
        families = self._select(family)
        refs = self._refs
        statements = registry_publish_statements(
            models=families,
            bucket_arn=refs.bucket_arn,
            key_arn=refs.key_arn,
            table_arn=refs.table_arn,
            repository_arns=[refs.repository_arns[f] for f in families],
            package_group_arns=[refs.package_group_arns[f] for f in families],
            model_package_arns=[
                f"{refs.model_package_arn_prefix}/{refs.package_group_names[f]}/*" for f in families
            ],
        )
        return self._attach(role, "publish", family, statements)

    def grant_read(self, role: IRole, family: str | Iterable[str] | None = None) -> IamRolePolicy:
        """Let ``role`` read ``family``'s artifacts (and decrypt them) and pull its serving images."""
        families = self._select(family)
        refs = self._refs
        statements = registry_read_statements(
            models=families,
            bucket_arn=refs.bucket_arn,
            key_arn=refs.key_arn,
            repository_arns=[refs.repository_arns[f] for f in families],
        )
        return self._attach(role, "read", family, statements)

    def _select(self, family: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen, unknown = selected(family, self._refs.model_families)
        if unknown is not None:
            self._family(unknown)  # refuses it
        return chosen

    def _family(self, family: str) -> str:
        if family not in self._refs.model_families:
            raise no_such_item(
                self,
                "model registry",
                family,
                self._refs.model_families,
                item="model family",
                items="families",
                fix="add the family to the platform's ml.registry.model_families",
            )
        return family


class ModelRegistry(ModelRegistryMixin, Construct):
    """Artifact bucket, metadata table, image repositories and package groups of model families."""

    def __init__(
        self, scope: Construct, id: str, *, naming: Naming, props: ModelRegistryProps
    ) -> None:
        super().__init__(scope, id)
        families = tuple(props.model_families)
        self._naming = naming
        self._props = props
        self._names = registry_names(naming, families)
        self._account = AccountContext.of(self)
        self._key = self._registry_key()
        artifacts = self._artifact_buckets()
        table = self._metadata_table()
        repositories: dict[str, EcrRepository] = {}
        groups: dict[str, SagemakerModelPackageGroup] = {}
        for family in families:
            repositories[family] = self._image_repository(family)
            groups[family] = self._package_group(family)
        self._refs = self._references(families, artifacts, table, repositories, groups)

    # ----------------------------------------------------------------- steps
    def _registry_key(self) -> PlatformKey:
        """The key artifacts, metadata, images and endpoint logs are encrypted with."""
        account = self._account
        return PlatformKey(
            self,
            "key",
            props=PlatformKeyProps(
                **registry_plan.key_settings(self._names, self._naming),
                # Serving endpoints keep their container logs encrypted with this key.
                service_statements=[
                    cloudwatch_logs_key_statement(
                        account.account_id, account.partition, account.region
                    )
                ],
                alias_moved_from="key-alias",
            ),
        )

    def _artifact_buckets(self) -> SecureBucket:
        """The access log bucket first, then the artifact bucket that logs into it."""
        logs_plan, artifacts_plan = registry_plan.artifact_buckets(self._names, self._props)
        key_arn, account_id = self._key.arn, self._account.account_id
        access_logs = SecureBucket.planned(
            self, logs_plan, key_arn=key_arn, log_bucket=None, account_id=account_id
        )
        return SecureBucket.planned(
            self, artifacts_plan, key_arn=key_arn, log_bucket=access_logs, account_id=account_id
        )

    def _metadata_table(self) -> DynamodbTable:
        """One row per (model, version); stage, metrics and lineage are attributes."""
        blocks = registry_plan.metadata_table_blocks(self._key.arn)
        return planned_table(
            self,
            "metadata",
            settings=registry_plan.metadata_table_settings(self._names, self._props),
            blocks=blocks,
            attribute=[DynamodbTableAttribute(**a) for a in blocks["attributes"]],
            global_secondary_index=[
                DynamodbTableGlobalSecondaryIndex(**index)
                for index in blocks["global_secondary_indexes"]
            ],
        )

    def _image_repository(self, family: str) -> EcrRepository:
        """One family's serving image repository and the lifecycle that keeps its newest images."""
        ecr = registry_plan.repository_blocks(self._key.arn)
        repository = EcrRepository(
            self,
            f"repository-{family}",
            **registry_plan.repository_settings(self._names, family, self._props),
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(
                **ecr["image_scanning_configuration"]
            ),
            encryption_configuration=[
                EcrRepositoryEncryptionConfiguration(**ecr["encryption_configuration"])
            ],
        )
        StateRetention.protect(repository)
        EcrLifecyclePolicy(
            self,
            f"repository-{family}-lifecycle",
            repository=repository.name,
            policy=registry_plan.repository_lifecycle_policy(self._props),
        )
        return repository

    def _package_group(self, family: str) -> SagemakerModelPackageGroup:
        """One family's SageMaker model package group, for approvals and lineage."""
        group = SagemakerModelPackageGroup(
            self,
            f"package-group-{family}",
            **registry_plan.package_group_settings(self._names, family, self._naming),
        )
        StateRetention.protect(group)
        return group

    def _references(
        self,
        families: tuple[str, ...],
        artifacts: SecureBucket,
        table: DynamodbTable,
        repositories: dict[str, EcrRepository],
        groups: dict[str, SagemakerModelPackageGroup],
    ) -> ModelRegistryRefs:
        """The names and ARNs grants and properties read (:class:`ModelRegistryMixin`)."""
        account = self._account
        return ModelRegistryRefs(
            naming=self._naming,
            model_families=families,
            bucket_name=artifacts.bucket_name,
            bucket_arn=artifacts.bucket_arn,
            key_arn=self._key.arn,
            table_name=table.name,
            table_arn=table.arn,
            repository_names={f: r.name for f, r in repositories.items()},
            repository_arns={f: r.arn for f, r in repositories.items()},
            repository_urls={f: r.repository_url for f, r in repositories.items()},
            package_group_names={f: g.model_package_group_name for f, g in groups.items()},
            package_group_arns={f: g.arn for f, g in groups.items()},
            model_package_arn_prefix=Arns(
                account.partition, account.region, account.account_id
            ).sagemaker_model_package_prefix(),
        )

    # ----------------------------------------------------------------- importing
    @classmethod
    def from_environment(
        cls,
        scope: Construct,
        id: str,
        *,
        platform: PlatformContract | None = None,
        families: Sequence[str] = (),
        naming: Naming | None = None,
    ) -> ContractModelRegistry:
        """The platform's registry, read from its contract in SSM; creates nothing.

        ``platform`` defaults to the ``TeamStack``'s platform environment. The
        platform's families are not repeated here: each family is read when a
        grant or property names it; ``families`` are what a grant without a
        family covers. ``naming`` (what endpoints serving from the registry are
        called) defaults to the stack's own, the team's in a ``TeamStack``.
        """
        from mlplatform.constructs.contract_model_registry import ContractModelRegistry
        from mlplatform.constructs.contract_reader import check_construct_id, stack_naming

        return ContractModelRegistry(
            scope,
            check_construct_id(id, "ModelRegistry.from_environment"),
            naming=naming or stack_naming(scope),
            platform=platform,
            families=families,
        )

    @classmethod
    def from_names(
        cls,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        model_families: Sequence[str],
        region: str | None = None,
        account_id: str | None = None,
    ) -> IModelRegistry:
        """A registry outside the platform contract, by the names ``naming`` gives it and its
        families; creates nothing.

        ``region`` and ``account_id`` default to the provider's (looked up at
        plan time). The registry key is looked up by its alias, because IAM
        grants on a KMS key need the key's ARN, which no name determines.
        """
        # Imported here: the importer builds on this module's ModelRegistryMixin.
        from mlplatform.constructs.contract_reader import check_construct_id
        from mlplatform.constructs.imported_model_registry import ImportedModelRegistry

        return ImportedModelRegistry(
            scope,
            check_construct_id(id, "ModelRegistry.from_names"),
            naming=naming,
            model_families=model_families,
            region=region,
            account_id=account_id,
        )
