"""Layer 2, ``<env>-data``: the data lake, placed in the network layer's VPC."""

from __future__ import annotations

from cdktf import Annotations, TerraformOutput
from constructs import Construct

from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.feature_tables import FeatureTables
from mlplatform.constructs.network import Network
from mlplatform.decisions.feature_store import feature_store_names
from mlplatform.decisions.replication_plan import unwatched_replication_warning
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["LAKE_ID", "DataStack"]

LAKE_ID = "data-lake"
"""The lake's construct id; its grants' policies are named after it (``data-lake-read-raw``)."""


class DataStack(PlatformStack):
    """Lake key, zone buckets, Glue catalog, Athena workgroup and the offline feature tables.

    The network's VPC, subnets and S3 prefix list arrive as cdktf cross-stack
    references (remote state of ``<env>-network``).
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        network: Network,
        emulator_endpoint: str | None = None,
    ):
        super().__init__(scope, config, "data", emulator_endpoint=emulator_endpoint)
        self.lake = DataLake(
            self,
            LAKE_ID,
            naming=self.naming,
            props=config.data_lake,
            # The emulator cannot settle a Glue connection; local.yaml turns it off.
            placement=network.placement() if config.data_lake.glue_vpc_connection else None,
            replica_provider=(
                self.regional_provider(config.data_lake.replication.region)
                if config.data_lake.replication is not None
                else None
            ),
        )
        warning = unwatched_replication_warning(config)
        if warning is not None:
            Annotations.of(self).add_warning(warning)
        TerraformOutput(self, "lake_key_arn", value=self.lake.key_arn)
        TerraformOutput(self, "access_log_bucket", value=self.lake.log_bucket_name)
        TerraformOutput(
            self,
            "zone_buckets",
            value={zone: self.lake.bucket_name(zone) for zone in self.lake.zones},
        )
        TerraformOutput(
            self,
            "glue_databases",
            value={zone: self.lake.database_name(zone) for zone in self.lake.zones},
        )
        if self.lake.workgroup_name is not None:
            TerraformOutput(self, "athena_workgroup", value=self.lake.workgroup_name)
        if self.lake.replication is not None:
            TerraformOutput(
                self, "replica_buckets", value=self.lake.replication.replica_bucket_names
            )
        self._publish_lake()
        # The offline side of the feature store: a Glue table per group in the features zone.
        self.feature_tables: FeatureTables | None = None
        if config.feature_store is not None:
            self.feature_tables = FeatureTables(
                self, "feature-tables", lake=self.lake, props=config.feature_store
            )
            names = feature_store_names(self.naming, config.feature_store)
            TerraformOutput(self, "feature_database", value=self.feature_tables.database_name)
            TerraformOutput(self, "feature_tables", value=self.feature_tables.table_names)
            # Where Feast keeps its registry, and where Athena stages its query results.
            TerraformOutput(self, "feature_registry", value=names["registry"])
            if self.lake.workgroup_name is not None:
                TerraformOutput(self, "feature_staging_location", value=names["staging"])
            tables = self.feature_tables
            self.contract.put("features/groups", list(config.feature_store.feature_groups))
            self.contract.put("features/offline-database", tables.database_name)
            for group, table in tables.table_names.items():
                self.contract.put("features/groups/{group}/offline-table", table, group=group)

    def _publish_lake(self) -> None:
        """The lake's part of the platform contract: zones, key, and each zone's names."""
        lake, put = self.lake, self.contract.put
        put("data/zones", list(lake.zones))
        put("data/key-arn", lake.key_arn)
        for zone in lake.zones:
            put("data/zones/{zone}/bucket-name", lake.bucket_name(zone), zone=zone)
            put("data/zones/{zone}/bucket-arn", lake.bucket_arn(zone), zone=zone)
            put("data/zones/{zone}/glue-database", lake.database_name(zone), zone=zone)
        if lake.workgroup_name is not None and lake.query_results_bucket_arn is not None:
            put("data/athena-workgroup", lake.workgroup_name)
            put("data/athena-results-bucket-arn", lake.query_results_bucket_arn)
