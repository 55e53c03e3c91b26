"""``ModelRegistry`` on Pulumi: artifact bucket, metadata table, image repositories, package groups.

Names from :func:`mlplatform.decisions.registry_names.registry_names`, grant
statements from :mod:`mlplatform.decisions.policies.grants`, the ECR lifecycle
from ``decisions.policies.ecr``; grants are role policies beside the registry
(:func:`~mlplatform.pulumi.grant_policy.grant_policy`), as in cdktf.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import ModelRegistryProps
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
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.grant_policy import grant_policy
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.pulumi.resource_arns import ArnOutputs
from mlplatform.pulumi.secure_bucket import SecureBucket

if TYPE_CHECKING:
    from mlplatform.pulumi.contract_model_registry import ContractModelRegistry

__all__ = ["ImportedModelRegistry", "ModelRegistry", "ModelRegistryGrants", "RegistryRefs"]


@dataclass(frozen=True)
class RegistryRefs:
    """What grants and endpoints need: names and ARNs, from resources or from names."""

    naming: Naming
    model_families: tuple[str, ...]
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    repository_arns: Mapping[str, pulumi.Input[str]]
    repository_urls: Mapping[str, pulumi.Input[str]]
    package_group_names: Mapping[str, pulumi.Input[str]]
    package_group_arns: Mapping[str, pulumi.Input[str]]
    model_package_arn_prefix: pulumi.Input[str]
    """``arn:<partition>:sagemaker:<region>:<account>:model-package``."""


class ModelRegistryGrants:
    """Grants and names of a registry, its own or imported (the cdktf ``ModelRegistryMixin``)."""

    path: str
    refs: RegistryRefs

    @property
    def naming(self) -> Naming:
        return self.refs.naming

    @property
    def model_families(self) -> tuple[str, ...]:
        return self.refs.model_families

    @property
    def bucket_name(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.refs.bucket_name)

    @property
    def key_arn(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.refs.key_arn)

    def repository_url(self, family: str) -> pulumi.Output[str]:
        """Serving image repository URL of one family."""
        return pulumi.Output.from_input(self.refs.repository_urls[self._select(family)[0]])

    def grant_publish(
        self, role: aws.iam.Role, family: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` publish ``family`` (default: every family); nothing can be deleted."""
        families = self._select(family)
        refs = self.refs

        def statements(prefix: str, bucket: str, key: str, table: str, *rest: str) -> list[Any]:
            count = len(families)
            repositories, groups = rest[:count], rest[count : 2 * count]
            group_names = rest[2 * count :]
            return registry_publish_statements(
                models=families,
                bucket_arn=bucket,
                key_arn=key,
                table_arn=table,
                repository_arns=list(repositories),
                package_group_arns=list(groups),
                model_package_arns=[f"{prefix}/{name}/*" for name in group_names],
            )

        return self._grant(
            role,
            "publish",
            family,
            statements,
            refs.model_package_arn_prefix,
            refs.bucket_arn,
            refs.key_arn,
            refs.table_arn,
            *[refs.repository_arns[f] for f in families],
            *[refs.package_group_arns[f] for f in families],
            *[refs.package_group_names[f] for f in families],
        )

    def grant_read(
        self, role: aws.iam.Role, family: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` read ``family``'s artifacts (and decrypt them) and pull its images."""
        families = self._select(family)
        refs = self.refs

        def statements(bucket: str, key: str, *repositories: str) -> list[Any]:
            return registry_read_statements(
                models=families, bucket_arn=bucket, key_arn=key, repository_arns=list(repositories)
            )

        return self._grant(
            role,
            "read",
            family,
            statements,
            refs.bucket_arn,
            refs.key_arn,
            *[refs.repository_arns[f] for f in families],
        )

    def _grant(
        self,
        role: aws.iam.Role,
        access: str,
        family: str | Iterable[str] | None,
        statements: Any,
        *inputs: pulumi.Input[Any],
    ) -> aws.iam.RolePolicy:
        assert isinstance(self, PlatformComponent)
        scope = "all" if family is None else "-".join(self._select(family))
        return grant_policy(self, role, access, scope, statements, *inputs)

    def _select(self, family: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen, unknown = selected(family, self.model_families)
        if unknown is not None:
            raise ValueError(
                f"the model registry has no model family {unknown!r}; "
                f"its families are {', '.join(self.model_families)}"
            )
        return chosen


class ModelRegistry(ModelRegistryGrants, PlatformComponent):
    """``mlplatform:ml:ModelRegistry``."""

    def __init__(self, layer: Layer, id: str, *, props: ModelRegistryProps) -> None:
        super().__init__(layer.layer, "ModelRegistry", f"{layer.path}/{id}", parent=layer)
        families = tuple(props.model_families)
        self._layer = layer
        self._props = props
        self._names = registry_names(layer.naming, families)
        self.key = self._registry_key()
        self.artifacts = self._artifact_buckets()
        self.table = self._metadata_table()
        self.repositories: dict[str, aws.ecr.Repository] = {}
        self.package_groups: dict[str, aws.sagemaker.ModelPackageGroup] = {}
        for family in families:
            self.repositories[family] = self._image_repository(family)
            self.package_groups[family] = self._package_group(family)
        self.refs = self._references(families)
        self.register_outputs({"bucket": self.artifacts.bucket_name})

    # ----------------------------------------------------------------- steps
    def _registry_key(self) -> PlatformKey:
        """The key artifacts, metadata, images and endpoint logs are encrypted with."""
        return PlatformKey(
            self._layer,
            self,
            "key",
            props=PlatformKeyProps(
                **registry_plan.key_settings(self._names, self._layer.naming),
                service_statements=lambda account, partition, region: [
                    cloudwatch_logs_key_statement(account, partition, region)
                ],
            ),
        )

    def _artifact_buckets(self) -> SecureBucket:
        """The access log bucket first, then the artifact bucket that logs into it."""
        layer, key_arn = self._layer, self.key.arn
        logs_plan, artifacts_plan = registry_plan.artifact_buckets(self._names, self._props)
        access_logs = SecureBucket.planned(layer, self, logs_plan, key_arn=key_arn, log_bucket=None)
        return SecureBucket.planned(
            layer, self, artifacts_plan, key_arn=key_arn, log_bucket=access_logs
        )

    def _metadata_table(self) -> aws.dynamodb.Table:
        """One row per (model, version); stage, metrics and lineage are attributes."""
        return aws.dynamodb.Table(
            self.child("metadata"),
            **registry_plan.metadata_table_settings(self._names, self._props),
            **registry_plan.metadata_table_blocks(self.key.arn),
            opts=self.options(protect=self._layer.retain),
        )

    def _image_repository(self, family: str) -> aws.ecr.Repository:
        """One family's serving image repository and the lifecycle that keeps its newest images."""
        ecr = registry_plan.repository_blocks(self.key.arn)
        repository = aws.ecr.Repository(
            self.child(f"repository-{family}"),
            **registry_plan.repository_settings(self._names, family, self._props),
            image_scanning_configuration=ecr["image_scanning_configuration"],
            encryption_configurations=[ecr["encryption_configuration"]],
            opts=self.options(protect=self._layer.retain),
        )
        aws.ecr.LifecyclePolicy(
            self.child(f"repository-{family}-lifecycle"),
            repository=repository.name,
            policy=registry_plan.repository_lifecycle_policy(self._props),
            opts=self.options(),
        )
        return repository

    def _package_group(self, family: str) -> aws.sagemaker.ModelPackageGroup:
        """One family's SageMaker model package group, for approvals and lineage."""
        return aws.sagemaker.ModelPackageGroup(
            self.child(f"package-group-{family}"),
            **registry_plan.package_group_settings(self._names, family, self._layer.naming),
            opts=self.options(protect=self._layer.retain),
        )

    def _references(self, families: tuple[str, ...]) -> RegistryRefs:
        """The names and ARNs grants and properties read (:class:`ModelRegistryGrants`)."""
        layer = self._layer
        return RegistryRefs(
            naming=layer.naming,
            model_families=families,
            bucket_name=self.artifacts.bucket_name,
            bucket_arn=self.artifacts.bucket_arn,
            key_arn=self.key.arn,
            table_arn=self.table.arn,
            repository_arns={f: r.arn for f, r in self.repositories.items()},
            repository_urls={f: r.repository_url for f, r in self.repositories.items()},
            package_group_names={
                f: g.model_package_group_name for f, g in self.package_groups.items()
            },
            package_group_arns={f: g.arn for f, g in self.package_groups.items()},
            model_package_arn_prefix=ArnOutputs(layer.partition, layer.region, layer.account_id).of(
                Arns.sagemaker_model_package_prefix
            ),
        )

    @staticmethod
    def from_environment(
        layer: Layer,
        id: str,
        *,
        platform: PlatformContract | None = None,
        families: Sequence[str] = (),
        naming: Naming | None = None,
    ) -> ContractModelRegistry:
        """The platform's registry, read from its contract in SSM (``/<org>/<env>/platform/ml/
        registry/...``) as cdktf's ``ModelRegistry.from_environment``: same grants, no resources.

        ``platform`` defaults to ``layer``'s environment; ``families`` are what a grant
        without a family covers; ``naming`` (what a team's endpoints are called) defaults
        to ``layer``'s.
        """
        # Imported here: the importer builds on this module's ModelRegistryGrants.
        from mlplatform.pulumi.contract_model_registry import ContractModelRegistry

        return ContractModelRegistry(layer, id, naming=naming, platform=platform, families=families)

    @staticmethod
    def from_names(
        layer: Layer,
        id: str,
        *,
        model_families: Sequence[str],
        region: str | None = None,
        account_id: str | None = None,
    ) -> ImportedModelRegistry:
        """The registry of ``layer``'s environment by its names, outside the platform contract,
        as cdktf's ``ModelRegistry.from_names``: same grants, no resources."""
        return ImportedModelRegistry(
            layer, id, model_families=model_families, region=region, account_id=account_id
        )


class ImportedModelRegistry(ModelRegistryGrants, PlatformComponent):
    """``mlplatform:<layer>:ImportedModelRegistry``: the platform's registry from a team's program.

    Creates no resources: names from ``registry_names``, ARNs from them with the
    provider's region and account (or the ones given), the key looked up by its alias,
    as the cdktf ``ImportedModelRegistry``.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        model_families: Sequence[str],
        region: str | None = None,
        account_id: str | None = None,
    ) -> None:
        super().__init__(layer.layer, "ImportedModelRegistry", f"{layer.path}/{id}", parent=layer)
        families = ModelRegistryProps(model_families=tuple(model_families)).model_families
        names = registry_names(layer.naming, families)
        key = aws.kms.get_alias_output(
            name=names["key_alias"],
            opts=pulumi.InvokeOutputOptions(parent=self, provider=layer.provider),
        ).target_key_arn
        arns = ArnOutputs(layer.partition, region or layer.region, account_id or layer.account_id)
        repositories = {f: names[f"repository:{f}"] for f in families}
        groups = {f: names[f"group:{f}"] for f in families}
        registry: pulumi.Output[list[str]] = pulumi.Output.all(
            arns.account, arns.region, layer.dns_suffix
        )

        def repository_url(name: str) -> pulumi.Output[str]:
            """``<account>.dkr.ecr.<region>.<dns suffix>/<name>``, as the repository reports it."""
            return registry.apply(lambda v: f"{v[0]}.dkr.ecr.{v[1]}.{v[2]}/{name}")

        self.refs = RegistryRefs(
            naming=layer.naming,
            model_families=tuple(families),
            bucket_name=names["bucket"],
            bucket_arn=arns.of(Arns.s3_bucket, names["bucket"]),
            key_arn=key,
            table_arn=arns.of(Arns.dynamodb_table, names["table"]),
            repository_arns={
                f: arns.of(Arns.ecr_repository, name) for f, name in repositories.items()
            },
            repository_urls={f: repository_url(name) for f, name in repositories.items()},
            package_group_names=groups,
            package_group_arns={
                f: arns.of(Arns.sagemaker_model_package_group, name) for f, name in groups.items()
            },
            model_package_arn_prefix=arns.of(Arns.sagemaker_model_package_prefix),
        )
        self.register_outputs({})
