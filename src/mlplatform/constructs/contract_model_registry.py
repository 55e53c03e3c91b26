"""The platform's model registry as seen from a team's stack, read from the platform contract.

Made by :meth:`ModelRegistry.from_environment
<mlplatform.constructs.model_registry.ModelRegistry.from_environment>`.
Creates no resources: the bucket, table, key and each family's repository and
package group are the ``ml/registry/...`` parameters the ``<env>-ml`` layer
wrote, read one per family the team uses. The team does not repeat the
platform's model families: it names the family it publishes or reads, and a
family the platform does not have fails the plan with the parameter's name.

What a team creates against it (a serving endpoint, say) is named with the
team's names (``registry.naming`` is the stack's), never the platform's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from constructs import Construct

from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.contract_reader import ContractReader, PerItem
from mlplatform.constructs.model_registry import ModelRegistryMixin, ModelRegistryRefs
from mlplatform.decisions.arns import Arns
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.contract_items import REGISTRY_FAMILIES
from mlplatform.decisions.naming import Naming

__all__ = ["ContractModelRegistry"]


class ContractModelRegistry(ModelRegistryMixin, Construct):
    """The platform's registry: names, ARNs, key and grants, per family on demand.

    ``families``, if given, are what a grant without a family covers; without
    them, each grant names its families (``grant_publish(role, "ranker")``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        platform: PlatformContract | None = None,
        families: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        reader = self._reader = ContractReader.of(self, platform)
        for family in families:
            self._check(family)
        context = AccountContext.of(self)
        region, account = context.region, context.account_id
        arns = Arns(context.partition, region, account)

        def family_value(key: str) -> PerItem:
            return PerItem(lambda f: reader.value(key, family=f), families)

        groups = family_value("ml/registry/families/{family}/package-group-name")
        self._refs = ModelRegistryRefs(
            naming=naming,
            model_families=tuple(families),
            bucket_name=reader.value("ml/registry/bucket-name"),
            bucket_arn=reader.value("ml/registry/bucket-arn"),
            key_arn=reader.value("ml/registry/key-arn"),
            table_name=reader.value("ml/registry/table-name"),
            table_arn=reader.value("ml/registry/table-arn"),
            repository_names=family_value("ml/registry/families/{family}/repository-name"),
            repository_arns=family_value("ml/registry/families/{family}/repository-arn"),
            repository_urls=family_value("ml/registry/families/{family}/repository-url"),
            package_group_names=groups,
            package_group_arns=PerItem(
                lambda f: arns.sagemaker_model_package_group(groups[f]), families
            ),
            model_package_arn_prefix=arns.sagemaker_model_package_prefix(),
        )

    @property
    def all_families(self) -> list[str]:
        """Every model family of the platform's registry (a token list, known at plan time)."""
        return self._reader.values("ml/registry/families")

    def _check(self, family: str) -> None:
        REGISTRY_FAMILIES.check(self._reader.contract, family)

    def _select(self, family: str | Iterable[str] | None) -> tuple[str, ...]:
        return REGISTRY_FAMILIES.choose(
            self._reader.contract,
            self.node.path,
            "at synth time",
            family,
            self._refs.model_families,
        )

    def _family(self, family: str) -> str:
        self._check(family)
        return family
