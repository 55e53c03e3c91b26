"""The platform's model registry as seen from a team's Pulumi program, read from the contract.

Made by :meth:`ModelRegistry.from_environment
<mlplatform.pulumi.model_registry.ModelRegistry.from_environment>`, the counterpart of
cdktf's ``ContractModelRegistry``. Creates no resources: the bucket, table, key and each
family's repository and package group are the ``ml/registry/...`` parameters the
``<env>-ml`` layer wrote, read one per family the team uses; a family the platform does
not have fails the preview with the parameter's name, as it fails a cdktf plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pulumi

from mlplatform.decisions.arns import Arns
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.contract_items import REGISTRY_FAMILIES
from mlplatform.decisions.lazy_items import LazyItems
from mlplatform.decisions.naming import Naming
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.model_registry import ModelRegistryGrants, RegistryRefs
from mlplatform.pulumi.resource_arns import ArnOutputs

__all__ = ["ContractModelRegistry", "PerItem"]


class PerItem(LazyItems[pulumi.Output[str]]):
    """A mapping whose values are read on first access (one contract parameter per item).

    It iterates over the items declared up front only: what else exists is known at
    preview alone, as with cdktf's ``PerItem``.
    """


class ContractModelRegistry(ModelRegistryGrants, PlatformComponent):
    """``mlplatform:<layer>:ContractModelRegistry``: the platform's registry, from its contract.

    ``families``, if given, are what a grant without a family covers; without them,
    each grant names its families (``grant_publish(role, "ranker")``), as in cdktf.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        naming: Naming | None = None,
        platform: PlatformContract | None = None,
        families: Sequence[str] = (),
    ) -> None:
        super().__init__(layer.layer, "ContractModelRegistry", layer.child(id), parent=layer)
        reader = self._reader = ContractReader.of(layer, platform)
        for family in families:
            self._check(family)
        arns = ArnOutputs(layer.partition, layer.region, layer.account_id)

        def family_value(key: str) -> PerItem:
            return PerItem(lambda f: reader.value(key, family=f), families)

        groups = family_value("ml/registry/families/{family}/package-group-name")
        # Read up front, as cdktf's refs read it: both programs read the same parameters.
        self._table_name = reader.value("ml/registry/table-name")
        self.refs = RegistryRefs(
            naming=naming or layer.naming,
            model_families=tuple(families),
            bucket_name=reader.value("ml/registry/bucket-name"),
            bucket_arn=reader.value("ml/registry/bucket-arn"),
            key_arn=reader.value("ml/registry/key-arn"),
            table_arn=reader.value("ml/registry/table-arn"),
            repository_arns=family_value("ml/registry/families/{family}/repository-arn"),
            repository_urls=family_value("ml/registry/families/{family}/repository-url"),
            package_group_names=groups,
            package_group_arns=PerItem(
                lambda f: arns.of(Arns.sagemaker_model_package_group, groups[f]), families
            ),
            model_package_arn_prefix=arns.of(Arns.sagemaker_model_package_prefix),
        )
        self.register_outputs({})

    @property
    def all_families(self) -> pulumi.Output[list[str]]:
        """Every model family of the platform's registry (known at preview)."""
        return self._reader.values("ml/registry/families")

    @property
    def table_name(self) -> pulumi.Output[str]:
        return self._table_name

    def _check(self, family: str) -> None:
        REGISTRY_FAMILIES.check(self._reader.contract, family)

    def _select(self, family: str | Iterable[str] | None) -> tuple[str, ...]:
        return REGISTRY_FAMILIES.choose(
            self._reader.contract, self.path, "before preview", family, self.refs.model_families
        )
