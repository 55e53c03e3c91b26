"""A reference to a model registry another stack (or repo) owns, found by its deterministic names.

Made by :meth:`ModelRegistry.from_names
<mlplatform.constructs.model_registry.ModelRegistry.from_names>`, for a
registry outside the platform contract (``ModelRegistry.from_environment``
reads the contract). Creates
no resources: names come from the same function the platform's registry uses,
ARNs are built from them with the provider's region and account (or the ones
given), and the key is looked up through its alias, because IAM grants on a
KMS key need the key's ARN, which no name determines.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import Fn
from constructs import Construct

from mlplatform.bindings.aws.data_aws_kms_alias import DataAwsKmsAlias
from mlplatform.config import ModelRegistryProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.model_registry import ModelRegistryMixin, ModelRegistryRefs
from mlplatform.decisions.arns import Arns
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.registry_names import registry_names

__all__ = ["ImportedModelRegistry"]


class ImportedModelRegistry(ModelRegistryMixin, Construct):
    """The platform's registry as seen from a team's stack: names, ARNs, key and grants."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        model_families: Sequence[str],
        region: str | None = None,
        account_id: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        families = ModelRegistryProps(model_families=tuple(model_families)).model_families
        names = registry_names(naming, families)
        context = AccountContext.of(self)
        region = region or context.region
        account_id = account_id or context.account_id
        arns = Arns(context.partition, region, account_id)
        key = DataAwsKmsAlias(self, "key", name=names["key_alias"])
        repositories = {f: names[f"repository:{f}"] for f in families}
        groups = {f: names[f"group:{f}"] for f in families}
        self._refs = ModelRegistryRefs(
            naming=naming,
            model_families=families,
            bucket_name=names["bucket"],
            bucket_arn=arns.s3_bucket(names["bucket"]),
            key_arn=key.target_key_arn,
            table_name=names["table"],
            table_arn=arns.dynamodb_table(names["table"]),
            repository_names=repositories,
            repository_arns={f: arns.ecr_repository(name) for f, name in repositories.items()},
            # One reference (not a string with references inside), so engine functions take it.
            repository_urls={
                f: Fn.join(
                    "", [account_id, ".dkr.ecr.", region, ".", context.dns_suffix, "/", name]
                )
                for f, name in repositories.items()
            },
            package_group_names=groups,
            package_group_arns={
                f: arns.sagemaker_model_package_group(name) for f, name in groups.items()
            },
            model_package_arn_prefix=arns.sagemaker_model_package_prefix(),
        )
