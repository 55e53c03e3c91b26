"""A reference to a feature store another stack (or repo) owns, found by its deterministic names.

Made by :meth:`FeatureStore.from_names
<mlplatform.constructs.feature_store.FeatureStore.from_names>`, for a store
outside the platform contract (``FeatureStore.from_environment`` reads it). Creates
no resources: table, Glue and secret ARNs are built from the names the
platform's store uses (a secret's ARN with Secrets Manager's random suffix as
a wildcard), with the provider's region and account or the ones given; the key
and the features zone come from the (imported) lake.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.config import FeatureStoreProps
from mlplatform.constructs.feature_store import FeatureStoreMixin, feature_store_refs
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import IDataLake

__all__ = ["ImportedFeatureStore"]


class ImportedFeatureStore(FeatureStoreMixin, Construct):
    """The platform's feature store as seen from a team's stack: names, ARNs and grants."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        props: FeatureStoreProps,
        lake: IDataLake,
        athena_workgroup: str | None = None,
        region: str | None = None,
        account_id: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._refs = feature_store_refs(
            self,
            naming=naming,
            props=props,
            lake=lake,
            athena_workgroup=athena_workgroup,
            region=region,
            account_id=account_id,
        )
