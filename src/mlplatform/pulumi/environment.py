"""``PlatformEnvironment``: one environment file as a Pulumi program, layer by layer.

The Pulumi counterpart of ``PlatformStacks``: each cdktf stack ``<env>-<layer>``
is a :class:`~mlplatform.pulumi.layer.Layer` component here, and each platform
construct in it a component named by its construct path. All layers live in
one Pulumi stack, so a later layer reads an earlier one's outputs directly
instead of through Terraform remote state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from mlplatform.config import EnvironmentConfig, FeatureStoreProps, ServingEndpointProps
from mlplatform.decisions import observability_plan, password_rotation
from mlplatform.decisions import online_store_plan as store_plan
from mlplatform.decisions.contract import cluster_layer_state, team_deployers_state
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.feature_store import (
    feast_project,
    feature_store_names,
    groups_read_by,
)
from mlplatform.decisions.replication_plan import (
    replication_alarms,
    unwatched_replication_warning,
)
from mlplatform.decisions.scheduling import pool_node_tags
from mlplatform.decisions.tagging import platform_tags
from mlplatform.pulumi.alarm import alarm
from mlplatform.pulumi.alarm_topic import AlarmTopic
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.feature_store import FeatureStore
from mlplatform.pulumi.feature_tables import FeatureTables
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.gpu_provisioning import (
    GpuProvisioning,
    PoolFacts,
    TeamNodeFacts,
    kubeconfig,
)
from mlplatform.pulumi.karpenter_controller import KarpenterController
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.model_registry import ModelRegistry
from mlplatform.pulumi.network import Network
from mlplatform.pulumi.observability import Budgets, Dashboard
from mlplatform.pulumi.serving_endpoint import DataCapture, ServingEndpoint

__all__ = ["NOT_YET_TRANSLATED", "PlatformEnvironment"]

NOT_YET_TRANSLATED: dict[str, str] = {}
"""Parts of an environment the Pulumi engine does not build yet, by construct path below
``<env>-`` (a layer, or ``<layer>/<construct>``), with why; parity sets them aside."""


class PlatformEnvironment(pulumi.ComponentResource):
    """``mlplatform:index:PlatformEnvironment``: every translated layer of one environment.

    ``emulator_endpoint`` points an emulator environment at a running moto server,
    as it does for ``PlatformStacks``.
    """

    def __init__(
        self,
        config: EnvironmentConfig,
        *,
        emulator_endpoint: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlplatform:index:PlatformEnvironment", config.environment, {}, opts)
        self.config = config
        self.layers: list[Layer] = []
        self.outputs: dict[str, dict[str, pulumi.Input[Any]]] = {}
        """Each cdktf stack's outputs, by stack and output name: what ``cdktf deploy
        --outputs-file`` writes, so ``pulumi stack output --json`` reads the same."""
        env = config.environment
        self.network_layer = self._layer(config, "network", emulator_endpoint)
        self.network = Network(self.network_layer, "network", props=config.network)
        self._data(config, emulator_endpoint)
        self._publish_network()
        self._publish_lake()
        self.compute_layer: Layer | None = None
        self.cluster: ComputeCluster | None = None
        self.karpenter: KarpenterController | None = None
        self.gpu_pools: dict[str, GpuTrainingPool] = {}
        if config.compute is not None:
            self._compute(config, emulator_endpoint)
        self.outputs[f"{env}-network"] = self._network_outputs()
        self.outputs[f"{env}-data"] = self._data_outputs()
        if self.cluster is not None:
            self.outputs[f"{env}-compute"] = self._compute_outputs()
        self.cluster_layer: Layer | None = None
        self.gpu_provisioning: GpuProvisioning | None = None
        if (
            self.cluster is not None
            and self.karpenter is not None
            and config.compute is not None
            and config.compute.cluster_layer.enabled
        ):
            self._cluster_layer(config, emulator_endpoint)
        self.ml_layer: Layer | None = None
        self.registry: ModelRegistry | None = None
        if config.ml is not None:
            self._ml(config, emulator_endpoint)
        self.register_outputs({"outputs": self.outputs})

    def _data(self, config: EnvironmentConfig, emulator_endpoint: str | None) -> None:
        """The data layer: the lake (in the VPC if Glue connects there) and the feature tables."""
        self.data_layer = self._layer(config, "data", emulator_endpoint)
        self.lake = DataLake(
            self.data_layer,
            "data-lake",
            props=config.data_lake,
            placement=self.network.placement() if config.data_lake.glue_vpc_connection else None,
        )
        warning = unwatched_replication_warning(config)
        if warning is not None:
            pulumi.log.warn(warning, resource=self.data_layer)
        self.feature_tables: FeatureTables | None = None
        if config.feature_store is not None:
            self.feature_tables = FeatureTables(
                self.data_layer, "feature-tables", lake=self.lake, props=config.feature_store
            )

    # ------------------------------------------------------------- the platform contract
    # Each layer writes what its cdktf stack writes (mlplatform.stacks.*_stack), from the
    # same resources' attributes; the names, types and descriptions come from
    # PlatformContract.write, and tests/test_pulumi_contract.py checks the set against
    # decisions.contract.expected_parameters.
    def _publish_network(self) -> None:
        network, put = self.network, self.network_layer.contract.put
        put("network/vpc-id", network.vpc.id)
        put("network/vpc-cidr", network.vpc.cidr_block)
        put("network/private-subnet-ids", network.private_subnet_ids)
        put("network/availability-zones", list(network.availability_zones))
        put("network/s3-prefix-list-id", network.s3_endpoint.prefix_list_id)
        put("network/dynamodb-prefix-list-id", network.dynamodb_endpoint.prefix_list_id)

    def _publish_lake(self) -> None:
        lake, put = self.lake, self.data_layer.contract.put
        put("data/zones", list(lake.zones))
        put("data/key-arn", lake.key_arn)
        for zone in lake.zones:
            put("data/zones/{zone}/bucket-name", lake.bucket_names[zone], zone=zone)
            put("data/zones/{zone}/bucket-arn", lake.bucket_arn(zone), zone=zone)
            put("data/zones/{zone}/glue-database", lake.databases[zone].name, zone=zone)
        if lake.workgroup is not None and lake.query_results is not None:
            put("data/athena-workgroup", lake.workgroup.name)
            put("data/athena-results-bucket-arn", lake.query_results.bucket_arn)
        tables, store = self.feature_tables, self.config.feature_store
        if tables is not None and store is not None:
            put("features/groups", list(store.feature_groups))
            put("features/offline-database", tables.database_name)
            for group, table in tables.table_names.items():
                put("features/groups/{group}/offline-table", table, group=group)

    def _publish_compute(self) -> None:
        cluster, layer = self.cluster, self.compute_layer
        assert cluster is not None and layer is not None
        put = layer.contract.put
        put("compute/cluster-name", cluster.cluster_name)
        put("compute/cluster-endpoint", cluster.cluster.endpoint)
        put("compute/oidc-provider-arn", cluster.oidc.arn)
        put("compute/oidc-issuer-url", cluster.oidc_issuer_url)
        put("compute/node-role-arn", cluster.node_role.arn)
        security_group = cluster.cluster_security_group_id
        if security_group is not None:
            put("compute/cluster-security-group-id", security_group)
        put("compute/cluster-certificate-authority", cluster.certificate_authority_data)
        put("compute/cluster-layer", cluster_layer_state(self.config))
        put("compute/team-deployers", team_deployers_state(self.config))
        if self.karpenter is not None:
            put("compute/karpenter/node-role-arn", self.karpenter.node_role.arn)
            put("compute/karpenter/instance-profile-name", self.karpenter.instance_profile.name)

    def _publish_ml(self) -> None:
        registry, layer = self.registry, self.ml_layer
        assert registry is not None and layer is not None
        put = layer.contract.put
        put("ml/registry/bucket-name", registry.bucket_name)
        put("ml/registry/bucket-arn", registry.artifacts.bucket_arn)
        put("ml/registry/table-name", registry.table.name)
        put("ml/registry/table-arn", registry.table.arn)
        put("ml/registry/key-arn", registry.key_arn)
        put("ml/registry/families", list(registry.model_families))
        for family in registry.model_families:
            repository = registry.repositories[family]
            group = registry.package_groups[family]
            for what, value in (
                ("repository-name", repository.name),
                ("repository-arn", repository.arn),
                ("repository-url", repository.repository_url),
                ("package-group-name", group.model_package_group_name),
            ):
                put(f"ml/registry/families/{{family}}/{what}", value, family=family)

    def _publish_features(self, features: FeatureStore, store: FeatureStoreProps) -> None:
        layer = self.ml_layer
        assert layer is not None
        put = layer.contract.put
        put("features/online-store", store.online_store.type)
        for group, table in features.tables.items():
            put("features/groups/{group}/online-table-name", table.name, group=group)
        redis = features.replication_group
        if redis is not None:
            put("features/redis/endpoint", redis.primary_endpoint_address)
            put("features/redis/reader-endpoint", redis.reader_endpoint_address)
            put("features/redis/port", redis.port.apply(str))
            for user, secret in features.secrets.items():
                put("features/redis/users/{user}/secret-arn", secret.arn, user=user)
            # The nodes its metrics query: the platform names them, so a team's import can too.
            nodes = FeatureStoreMetrics.for_store(layer.naming, store).node_ids
            put("features/redis/node-ids", list(nodes))

    # ------------------------------------------------------------- each stack's outputs
    def _network_outputs(self) -> dict[str, pulumi.Input[Any]]:
        """The network stack's outputs."""
        network = self.network
        return {
            "vpc_id": network.vpc.id,
            "private_subnet_ids": network.private_subnet_ids,
            "public_subnet_ids": network.public_subnet_ids,
            "nat_gateway_ids": [n.id for n in network.nat_gateways],
            "vpc_cidr": network.vpc.cidr_block,
            "availability_zones": list(network.availability_zones),
            "s3_prefix_list_id": network.s3_endpoint.prefix_list_id,
        }

    def _data_outputs(self) -> dict[str, pulumi.Input[Any]]:
        """The data stack's outputs: the lake's, and the feature tables' where there are some."""
        lake, store = self.lake, self.config.feature_store
        data: dict[str, pulumi.Input[Any]] = {
            "lake_key_arn": lake.key_arn,
            "access_log_bucket": lake.log_bucket.bucket_name,
            "zone_buckets": lake.bucket_names,
            "glue_databases": {zone: db.name for zone, db in lake.databases.items()},
        }
        if lake.workgroup is not None:
            data["athena_workgroup"] = lake.workgroup.name
        if lake.replication is not None:
            data["replica_buckets"] = {
                zone: bucket.bucket_name for zone, bucket in lake.replication.replicas.items()
            }
        if self.feature_tables is not None and store is not None:
            names = feature_store_names(self.data_layer.naming, store)
            data["feature_database"] = self.feature_tables.database_name
            data["feature_tables"] = self.feature_tables.table_names
            data["feature_registry"] = names["registry"]
            if lake.workgroup is not None:
                data["feature_staging_location"] = names["staging"]
        return data

    def _compute_outputs(self) -> dict[str, pulumi.Input[Any]]:
        """The compute stack's outputs: cluster, pools' job roles, Karpenter, scratch."""
        cluster, pools = self.cluster, self.gpu_pools
        assert cluster is not None
        found: dict[str, pulumi.Input[Any]] = {
            "cluster_name": cluster.cluster_name,
            "cluster_endpoint": cluster.cluster.endpoint,
            "cluster_security_group_id": cluster.cluster_security_group_id,
            "cluster_certificate_authority": cluster.certificate_authority_data,
            "oidc_provider_arn": cluster.oidc.arn,
            "oidc_issuer_url": cluster.oidc_issuer_url,
            "node_role_arn": cluster.node_role.arn,
            "job_role_arns": {n: p.job_role.arn for n, p in pools.items()},
            "job_service_accounts": {
                n: f"{p.props.job_namespace}/{p.job_service_account}" for n, p in pools.items()
            },
        }
        if self.karpenter is not None:
            karpenter = self.karpenter
            found["karpenter_controller_role_arn"] = karpenter.controller_role.arn
            found["karpenter_interruption_queue"] = karpenter.queue.name
            found["karpenter_node_role_name"] = karpenter.node_role.name
            found["karpenter_instance_profile"] = karpenter.instance_profile.name
        scratch = {
            n: p.scratch_dns_name for n, p in pools.items() if p.scratch_dns_name is not None
        }
        if scratch:
            found["scratch_file_systems"] = scratch
        return found

    def _layer(self, config: EnvironmentConfig, name: str, emulator_endpoint: str | None) -> Layer:
        """Layer ``name`` of the environment (one cdktf stack), among :attr:`layers` in order."""
        layer = Layer(config, name, parent=self, emulator_endpoint=emulator_endpoint)
        self.layers.append(layer)
        return layer

    def _ml(self, config: EnvironmentConfig, emulator_endpoint: str | None) -> None:
        """The ml layer: alarm topic, registry (with the pools' publish grants), dashboard, budgets."""
        ml = config.ml
        assert ml is not None
        layer = self.ml_layer = self._layer(config, "ml", emulator_endpoint)
        self.alarms = AlarmTopic(
            layer, "alarm-topic", component="ml", subscriptions=config.observability.subscriptions
        )
        self.registry = ModelRegistry(layer, "model-registry", props=ml.registry)
        for pool in self.gpu_pools.values():
            self.registry.grant_publish(pool.job_role)
        self.endpoints = self._serving_endpoints(layer, ml.serving)
        self.features: FeatureStore | None = None
        if config.feature_store is not None:
            self.features = self._feature_store(config, layer)
        self._publish_ml()
        layer.contract.put("ml/alarm-topic-arn", self.alarms.topic_arn)
        if self.features is not None and config.feature_store is not None:
            self._publish_features(self.features, config.feature_store)
        self._observability(config, layer)
        self.outputs[f"{config.environment}-ml"] = self._ml_outputs(config, layer)

    def _serving_endpoints(
        self, layer: Layer, serving: Mapping[str, ServingEndpointProps]
    ) -> dict[str, ServingEndpoint]:
        """Each configured endpoint, capturing into its lake zone, in the VPC unless serverless."""
        assert self.registry is not None
        parent = PlatformComponent("ml", "Serving", f"{layer.path}/serving", parent=layer)
        endpoints: dict[str, ServingEndpoint] = {}
        for name, props in serving.items():
            zone = props.data_capture_zone
            capture = (
                DataCapture(
                    self.lake.bucket_names[zone],
                    self.lake.zone_buckets[zone].bucket_arn,
                    self.lake.key_arn,
                )
                if props.data_capture_percent
                else None
            )
            endpoints[name] = ServingEndpoint(
                layer,
                parent,
                name,
                registry=self.registry,
                props=props,
                data_capture=capture,
                alarm_topic_arn=self.alarms.topic_arn,
                # Serverless Inference runs outside any VPC.
                placement=None if props.serverless else self.network.placement(),
            )
        return endpoints

    def _observability(self, config: EnvironmentConfig, layer: Layer) -> None:
        """The ml layer's dashboard (where there is something to show), budgets, the lake's
        replication alarms and the Redis passwords' rotation alarm (as cdktf's ``MlStack``)."""
        self.dashboard: Dashboard | None = None
        dashboard = observability_plan.dashboard_settings(config, layer.naming)
        if dashboard is not None:
            self.dashboard = Dashboard(layer, "dashboard", **dashboard)
        budgets = observability_plan.budgets_settings(config, layer.naming, self.alarms.topic_arn)
        self.budgets = Budgets(layer, "budgets", **budgets)
        self.replication_alarms = {
            zone: alarm(
                layer.child(f"lake-replication/{zone}"),
                **plan.arguments(),
                topic=self.alarms.topic_arn,
                opts=layer.options(),
            )
            for zone, plan in replication_alarms(layer.naming, config.data_lake).items()
        }
        rotation = (
            password_rotation.failure_alarm(layer.naming, config.feature_store)
            if config.feature_store is not None
            else None
        )
        if rotation is not None:
            alarm(
                layer.child("redis-password-rotation"),
                **rotation.arguments(),
                topic=self.alarms.topic_arn,
                opts=layer.options(),
            )

    def _ml_outputs(self, config: EnvironmentConfig, layer: Layer) -> dict[str, pulumi.Input[Any]]:
        """The ml stack's outputs: registry, endpoints, alarm topic, online store, dashboard."""
        registry = self.registry
        assert registry is not None
        outputs: dict[str, pulumi.Input[Any]] = {
            "registry_bucket": registry.bucket_name,
            "registry_table": registry.table.name,
            "ecr_repositories": {f: r.repository_url for f, r in registry.repositories.items()},
            "endpoint_names": {n: e.endpoint_name for n, e in self.endpoints.items()},
            "alarm_topic_arn": self.alarms.topic_arn,
        }
        if self.features is not None and config.feature_store is not None:
            features = self.features
            outputs["feature_online_store"] = config.feature_store.online_store.type
            outputs["feature_project"] = feast_project(layer.naming)
            if features.tables:
                outputs["feature_online_tables"] = {g: t.name for g, t in features.tables.items()}
            group = features.replication_group
            if group is not None:
                outputs["feature_redis_endpoint"] = group.primary_endpoint_address
                outputs["feature_redis_reader_endpoint"] = group.reader_endpoint_address
                outputs["feature_redis_port"] = group.port
                outputs["feature_redis_secrets"] = {u: s.arn for u, s in features.secrets.items()}
        if self.dashboard is not None:
            outputs["dashboard_name"] = self.dashboard.dashboard.dashboard_name
        return outputs

    def _feature_store(self, config: EnvironmentConfig, layer: Layer) -> FeatureStore:
        """The online store; endpoints that read features and pools that materialize them."""
        store = config.feature_store
        assert store is not None
        readers = store_plan.online_readers(store)
        nodes = self.cluster.cluster_security_group_id if self.cluster else None
        endpoint_groups = {name: self.endpoints[name].security_group_id for name in readers}
        features = FeatureStore(
            layer,
            "feature-store",
            props=store,
            lake=self.lake,
            athena_workgroup=(
                layer.naming.resource("analytics") if config.data_lake.athena_workgroup else None
            ),
            placement=self.network.placement(),
            clients=store_plan.client_groups(store, nodes, endpoint_groups),
            # The registry's key is the layer's key for logs (CloudWatch Logs may use it).
            logs_key_arn=self.registry.key_arn if self.registry else None,
        )
        for name in readers:
            features.grant_read_online(
                self.endpoints[name].execution_role, groups_read_by(store, name)
            )
        for pool_name, groups in store_plan.materializing_pools(store, self.gpu_pools):
            features.grant_materialize(self.gpu_pools[pool_name].job_role, groups)
        return features

    def _cluster_layer(self, config: EnvironmentConfig, emulator_endpoint: str | None) -> None:
        """The Helm layer: Karpenter, one provisioner per GPU pool, device plugins."""
        compute, cluster, karpenter = config.compute, self.cluster, self.karpenter
        assert compute is not None and cluster is not None and karpenter is not None
        layer = self.cluster_layer = self._layer(config, "cluster", emulator_endpoint)
        provider = kubernetes.Provider(
            f"{layer.path}/kubernetes",
            kubeconfig=kubeconfig(
                cluster.cluster.endpoint,
                cluster.certificate_authority_data,
                cluster.cluster_name,
                config.region,
            ),
            opts=pulumi.ResourceOptions(parent=layer),
        )
        # What Karpenter launches carries the compute layer's cost tags and the pool's name.
        node_tags = platform_tags(config, "compute")
        # The platform's own cluster always knows its security group (an import may not).
        node_group = cluster.cluster_security_group_id
        self.outputs[layer.path] = {"node_pools": sorted(self.gpu_pools)}
        self.gpu_provisioning = GpuProvisioning(
            layer,
            "gpu-provisioning",
            provider=provider,
            versions=compute.cluster_layer,
            cluster_name=cluster.cluster_name,
            interruption_queue=karpenter.queue.name,
            controller_role_arn=karpenter.controller_role.arn,
            system_nodes=compute.cluster.system_node_group.min_nodes,
            pools={
                name: PoolFacts(
                    pool.props,
                    instance_profile=karpenter.instance_profile.name,
                    subnet_ids=pool.subnet_ids,
                    security_group_ids=pool.security_group_ids,
                    placement_group=pool.placement_group_name,
                    tags=pool_node_tags(node_tags, name, layer.naming.resource("gpu", name)),
                    job_account=(
                        pool.props.job_namespace,
                        pool.job_service_account,
                        pool.job_role.arn,
                    ),
                )
                for name, pool in self.gpu_pools.items()
            },
            teams=sorted(compute.cluster.team_deployers),
            team_nodes=TeamNodeFacts(
                instance_profile=karpenter.instance_profile.name,
                subnet_ids=self.network.placement().subnets(),
                security_group_ids=[node_group] if node_group is not None else [],
            ),
        )

    def _compute(self, config: EnvironmentConfig, emulator_endpoint: str | None) -> None:
        """The compute layer: cluster, Karpenter's AWS side where there are pools, GPU pools."""
        compute = config.compute
        assert compute is not None
        layer = self.compute_layer = self._layer(config, "compute", emulator_endpoint)
        self.cluster = ComputeCluster(
            layer, "cluster", props=compute.cluster, placement=self.network.placement()
        )
        if compute.gpu_pools:
            self.karpenter = KarpenterController(layer, "karpenter", cluster=self.cluster)
        pools = PlatformComponent("compute", "GpuPools", f"{layer.path}/gpu-pools", parent=layer)
        for name, props in compute.gpu_pools.items():
            scratch = props.fsx_scratch
            pool = GpuTrainingPool(
                layer,
                pools,
                name,
                cluster=self.cluster,
                props=props,
                scratch_import_path=(
                    pulumi.Output.concat(
                        "s3://", self.lake.bucket_names["features"], "/", scratch.import_prefix
                    )
                    if scratch is not None
                    else None
                ),
            )
            if props.lake_read_zones:
                self.lake.grant_read(pool.job_role, props.lake_read_zones)
            if props.lake_write_zones:
                self.lake.grant_write(pool.job_role, props.lake_write_zones)
            self.gpu_pools[name] = pool
        self._publish_compute()
