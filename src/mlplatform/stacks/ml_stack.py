"""Layer 4, ``<env>-ml``: the model registry, the serving endpoints and the online feature store."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import TerraformOutput, Token
from constructs import Construct

from mlplatform.config import EnvironmentConfig, FeatureStoreProps, MlProps
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.alarm_topic import AlarmTopic
from mlplatform.constructs.budgets import Budgets
from mlplatform.constructs.dashboard import Dashboard
from mlplatform.constructs.feature_store import FeatureStore
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.role_reference import RoleReference
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions import observability_plan, password_rotation
from mlplatform.decisions import online_store_plan as store_plan
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.feature_store import (
    feast_project,
    groups_read_by,
)
from mlplatform.decisions.replication_plan import replication_alarms
from mlplatform.errors import ConstructError
from mlplatform.interfaces import DataCaptureDestination, IDataLake, IRole, VpcPlacement
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["MlStack"]


class MlStack(PlatformStack):
    """Registry, one endpoint per ``ml.serving`` entry, the topic their alarms notify, and the
    online feature store.

    The stack also holds the environment's dashboard (``observability.dashboard``), its
    AWS Budgets (``budgets``) and, when the lake replicates, an alarm on each zone's failed
    replication; all notify the same topic.

    Instance-backed endpoints run in the network's private subnets
    (``placement``) and capture sampled requests into a data lake zone; both
    arrive as cdktf cross-stack references. ``publishers`` are training
    roles from earlier layers (GPU pools' job roles, by pool name) that may
    publish every model family, read and write the lake zones their pool's
    config names, and materialize the feature groups that name their pool;
    their grants live here, so references point backwards. A
    Redis online store admits the cluster's nodes
    (``cluster_security_group_id``) and the endpoints that read features.
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        lake: IDataLake,
        placement: VpcPlacement,
        publishers: Mapping[str, IRole] | None = None,
        cluster_security_group_id: str | None = None,
        emulator_endpoint: str | None = None,
    ):
        if config.ml is None:
            raise ConstructError(
                f"{config.environment}: the ml stack needs an ml section in the environment"
            )
        super().__init__(scope, config, "ml", emulator_endpoint=emulator_endpoint)
        ml = config.ml
        self.alarms = AlarmTopic(
            self,
            "alarm-topic",
            naming=self.naming,
            component="ml",
            subscriptions=config.observability.subscriptions,
        )
        self.registry = ModelRegistry(self, "model-registry", naming=self.naming, props=ml.registry)
        for role in (publishers or {}).values():
            self.registry.grant_publish(role)
        self._grant_pools_the_lake(config, lake, publishers or {})
        self.endpoints: dict[str, ServingEndpoint] = self._endpoints(ml, lake, placement)
        self.features: FeatureStore | None = None
        if config.feature_store is not None:
            self.features = self._feature_store(
                config, lake, placement, publishers or {}, cluster_security_group_id
            )
        self._observability(config)
        self._outputs()
        self._publish_registry()
        self.contract.put("ml/alarm-topic-arn", self.alarms.topic_arn)

    def _endpoints(
        self, ml: MlProps, lake: IDataLake, placement: VpcPlacement
    ) -> dict[str, ServingEndpoint]:
        """One endpoint per ``ml.serving`` entry, alarming the topic, capturing into the lake."""
        endpoints_scope = Construct(self, "serving")
        endpoints: dict[str, ServingEndpoint] = {}
        for name, props in ml.serving.items():
            zone = props.data_capture_zone
            capture = (
                DataCaptureDestination(
                    bucket_name=lake.bucket_name(zone),
                    bucket_arn=lake.bucket_arn(zone),
                    key_arn=lake.key_arn,
                )
                if props.data_capture_percent
                else None
            )
            endpoints[name] = ServingEndpoint(
                endpoints_scope,
                name,
                registry=self.registry,
                props=props,
                data_capture=capture,
                alarm_topic_arn=self.alarms.topic_arn,
                # Serverless Inference runs outside any VPC.
                placement=None if props.serverless else placement,
            )
        return endpoints

    def _outputs(self) -> None:
        """The registry's names, the endpoints' names and the alarm topic, for deploy scripts."""
        registry = self.registry
        TerraformOutput(self, "registry_bucket", value=registry.bucket_name)
        TerraformOutput(self, "registry_table", value=registry.table_name)
        TerraformOutput(self, "ecr_repositories", value=registry.repository_urls)
        TerraformOutput(
            self,
            "endpoint_names",
            value={name: e.endpoint_name for name, e in self.endpoints.items()},
        )
        TerraformOutput(self, "alarm_topic_arn", value=self.alarms.topic_arn)

    def _grant_pools_the_lake(
        self, config: EnvironmentConfig, lake: IDataLake, pools: Mapping[str, IRole]
    ) -> None:
        """Each pool's job role reads and writes the lake zones its config names (by default
        read raw, curated and features; write features). The grants live here, not beside the
        roles in the compute layer, so that layer need not wait for the data layer."""
        settings = config.compute.gpu_pools if config.compute is not None else {}
        jobs = Construct(self, "gpu-pool-jobs")
        for name, role in pools.items():
            pool = settings.get(name)
            if pool is None or not (pool.lake_read_zones or pool.lake_write_zones):
                continue
            job_role = RoleReference(jobs, name, name=role.name, arn=role.arn)
            if pool.lake_read_zones:
                lake.grant_read(job_role, pool.lake_read_zones)
            if pool.lake_write_zones:
                lake.grant_write(job_role, pool.lake_write_zones)

    def _publish_registry(self) -> None:
        """The registry's part of the platform contract: its names, key and each family's."""
        registry, put = self.registry, self.contract.put
        put("ml/registry/bucket-name", registry.bucket_name)
        put("ml/registry/bucket-arn", registry.bucket_arn)
        put("ml/registry/table-name", registry.table_name)
        put("ml/registry/table-arn", registry.table_arn)
        put("ml/registry/key-arn", registry.key_arn)
        put("ml/registry/families", list(registry.model_families))
        for family in registry.model_families:
            for what, value in (
                ("repository-name", registry.repository_name(family)),
                ("repository-arn", registry.repository_arn(family)),
                ("repository-url", registry.repository_url(family)),
                ("package-group-name", registry.package_group_name(family)),
            ):
                put(f"ml/registry/families/{{family}}/{what}", value, family=family)

    def _feature_store(
        self,
        config: EnvironmentConfig,
        lake: IDataLake,
        placement: VpcPlacement,
        pools: Mapping[str, IRole],
        cluster_security_group_id: str | None,
    ) -> FeatureStore:
        """The online store; endpoints that read features and pools that materialize them."""
        store = config.feature_store
        assert store is not None
        readers = store_plan.online_readers(store)
        endpoint_groups = {name: self.endpoints[name].security_group_id for name in readers}
        features = FeatureStore(
            self,
            "feature-store",
            naming=self.naming,
            props=store,
            lake=lake,
            athena_workgroup=(
                self.naming.resource("analytics") if config.data_lake.athena_workgroup else None
            ),
            placement=placement,
            clients=store_plan.client_groups(
                store, cluster_security_group_id or None, endpoint_groups
            ),
            # The registry's key is the layer's key for logs (CloudWatch Logs may use it).
            logs_key_arn=self.registry.key_arn,
        )
        for name in readers:
            features.grant_read_online(
                self.endpoints[name].execution_role, groups_read_by(store, name)
            )
        for pool, groups in store_plan.materializing_pools(store, pools):
            features.grant_materialize(pools[pool], groups)
        self._publish_feature_store(features, store)
        return features

    def _publish_feature_store(self, features: FeatureStore, store: FeatureStoreProps) -> None:
        """The online store's part of the contract (tables or Redis endpoints and secrets), and
        its outputs."""
        TerraformOutput(self, "feature_online_store", value=features.online_store)
        put = self.contract.put
        put("features/online-store", features.online_store)
        for group, table in features.online_table_names.items():
            put("features/groups/{group}/online-table-name", table, group=group)
        if features.redis_endpoint is not None and features.redis_port is not None:
            put("features/redis/endpoint", features.redis_endpoint)
            put("features/redis/reader-endpoint", features.redis_reader_endpoint or "")
            put("features/redis/port", Token.as_string(features.redis_port))
            for user, arn in features.secret_arns.items():
                put("features/redis/users/{user}/secret-arn", arn, user=user)
            # The nodes its metrics query: the platform names them, so a team's import can too.
            nodes = FeatureStoreMetrics.for_store(self.naming, store).node_ids
            put("features/redis/node-ids", nodes)
        TerraformOutput(self, "feature_project", value=feast_project(self.naming))
        if features.online_table_names:
            TerraformOutput(self, "feature_online_tables", value=features.online_table_names)
        if features.redis_endpoint is not None:
            TerraformOutput(self, "feature_redis_endpoint", value=features.redis_endpoint)
            TerraformOutput(
                self, "feature_redis_reader_endpoint", value=features.redis_reader_endpoint
            )
            TerraformOutput(self, "feature_redis_port", value=features.redis_port)
            TerraformOutput(self, "feature_redis_secrets", value=features.secret_arns)

    def _observability(self, config: EnvironmentConfig) -> None:
        """The environment's dashboard, from the file and the metric specs, its budgets, the
        lake's replication alarms (S3 publishes the metric in the lake's region, this one) and,
        with a Redis online store, the alarm on its passwords' rotation."""
        self.dashboard: Dashboard | None = None
        dashboard = observability_plan.dashboard_settings(config, self.naming)
        if dashboard is not None:
            self.dashboard = Dashboard(self, "dashboard", **dashboard)
            TerraformOutput(self, "dashboard_name", value=self.dashboard.dashboard_name)
        budgets = observability_plan.budgets_settings(config, self.naming, self.alarms.topic_arn)
        self.budgets = Budgets(self, "budgets", **budgets)
        plans = replication_alarms(self.naming, config.data_lake)
        scope = Construct(self, "lake-replication") if plans else self
        self.replication_alarms: dict[str, Alarm] = {
            zone: Alarm(scope, zone, **plan.arguments(), topic=self.alarms)
            for zone, plan in plans.items()
        }
        rotation = (
            password_rotation.failure_alarm(self.naming, config.feature_store)
            if config.feature_store is not None
            else None
        )
        self.rotation_alarm: Alarm | None = None
        if rotation is not None:
            self.rotation_alarm = Alarm(
                self, "redis-password-rotation", **rotation.arguments(), topic=self.alarms
            )
