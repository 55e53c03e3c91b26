"""The feature store's online side, and the grants that span both sides.

Feature groups are declared in the environment file
(:class:`~mlplatform.config.FeatureStoreProps`). Their offline tables are made
in ``<env>-data`` by :class:`~mlplatform.constructs.feature_tables.FeatureTables`;
this construct, in ``<env>-ml``, makes the online store, in one of two kinds:

- ``dynamodb``: one on-demand table per group, named and keyed as Feast's
  DynamoDB online store expects (``<org>-<env>-features-<group>``, hash key
  ``entity_id``), encrypted with the lake's KMS key, with point-in-time
  recovery, TTL on ``expires_at`` and deletion protection;
- ``redis``: one ElastiCache replication group (Valkey or Redis OSS) in the
  private subnets: TLS in transit, encryption at rest with the lake key, AUTH
  through a user group (a reader and a writer user whose passwords live in
  Secrets Manager, encrypted with the lake key; the default user is off),
  Multi-AZ with automatic failover unless turned off, daily snapshots, a
  parameter group with an eviction policy for a cache of features, and a
  security group that admits only the given clients (the cluster's nodes and
  the serving endpoints that read features), each given the matching egress.

Components connect through grants, as elsewhere: ``grant_read_online`` (a
serving role), ``grant_materialize`` (a training or batch role: read offline,
write online) and ``grant_read_offline`` (a training role). Each carries the
KMS permissions it needs and reads Feast's registry in the features zone.

A team repo references the store with :meth:`FeatureStore.from_environment`,
which reads the platform contract (SSM): same grants (:class:`FeatureStoreMixin`
serves both), no resources. :meth:`FeatureStore.from_names` derives the names
from the environment's ``feature_store`` section instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from mlplatform.bindings.aws.data_aws_secretsmanager_random_password import (
    DataAwsSecretsmanagerRandomPassword,
)
from mlplatform.bindings.aws.data_aws_secretsmanager_secret_version import (
    DataAwsSecretsmanagerSecretVersion,
)
from mlplatform.bindings.aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableTtl,
)
from mlplatform.bindings.aws.elasticache_parameter_group import (
    ElasticacheParameterGroup,
    ElasticacheParameterGroupParameter,
)
from mlplatform.bindings.aws.elasticache_replication_group import ElasticacheReplicationGroup
from mlplatform.bindings.aws.elasticache_subnet_group import ElasticacheSubnetGroup
from mlplatform.bindings.aws.elasticache_user import (
    ElasticacheUser,
    ElasticacheUserAuthenticationMode,
)
from mlplatform.bindings.aws.elasticache_user_group import ElasticacheUserGroup
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.secretsmanager_secret import SecretsmanagerSecret
from mlplatform.bindings.aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from mlplatform.config import FeatureStoreProps, RedisOnlineStoreProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.dynamodb_tables import planned_table
from mlplatform.constructs.item_grants import ItemGrantsMixin, no_such_item
from mlplatform.constructs.ml_security_groups import port_rules, security_group
from mlplatform.constructs.redis_password_rotation import RedisPasswordRotation
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions import ml_security_groups as traffic
from mlplatform.decisions import online_store_plan as store_plan
from mlplatform.decisions.arns import Arns
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.feature_store import REDIS_USERS, feature_store_names
from mlplatform.decisions.item_selection import selected
from mlplatform.decisions.metrics import MetricSpec, QuerySpec, Watchable
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.documents import Statement
from mlplatform.decisions.policies.grants import (
    feature_offline_read_statements,
    feature_online_statements,
)
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IDataLake, IFeatureStore, IRole, VpcPlacement

if TYPE_CHECKING:
    from mlplatform.constructs.contract_feature_store import ContractFeatureStore

__all__ = ["FeatureStore"]


@dataclass(frozen=True)
class FeatureStoreRefs:
    """What grants and properties need: names and ARNs, from resources or from names."""

    naming: Naming
    groups: tuple[str, ...]
    online_store: str
    key_arn: str
    features_bucket_arn: str
    catalog_arn: str
    database_arn: str
    offline_table_arns: Mapping[str, str]
    workgroup_arn: str | None
    staging_bucket_arn: str | None
    online_table_names: Mapping[str, str]
    online_table_arns: Mapping[str, str]
    secret_arns: Mapping[str, str]
    """The Redis users' AUTH secrets by user (``reader``, ``writer``); empty with DynamoDB."""
    metrics: FeatureStoreMetrics
    """What to watch on the store, by its names."""


def feature_store_refs(
    scope: Construct,
    *,
    naming: Naming,
    props: FeatureStoreProps,
    lake: IDataLake,
    athena_workgroup: str | None,
    region: str | None = None,
    account_id: str | None = None,
) -> FeatureStoreRefs:
    """The store's references as its names determine them (the importer's, and the defaults of
    the construct, which replaces what its resources know better)."""
    names = feature_store_names(naming, props)
    context = AccountContext.of(scope)
    region = region or context.region
    account_id = account_id or context.account_id
    arns = Arns(context.partition, region, account_id)
    database = naming.glue_database("datalake", "features")
    groups = tuple(props.feature_groups)
    online_tables = {g: names[f"online_table:{g}"] for g in groups if f"online_table:{g}" in names}
    staging_bucket = naming.bucket("datalake", "query-results")
    return FeatureStoreRefs(
        naming=naming,
        groups=groups,
        online_store=props.online_store.type,
        key_arn=lake.key_arn,
        features_bucket_arn=lake.bucket_arn("features"),
        catalog_arn=arns.glue_catalog(),
        database_arn=arns.glue_database(database),
        offline_table_arns={
            g: arns.glue_table(database, names[f"offline_table:{g}"]) for g in groups
        },
        workgroup_arn=arns.athena_workgroup(athena_workgroup) if athena_workgroup else None,
        staging_bucket_arn=arns.s3_bucket(staging_bucket) if athena_workgroup else None,
        online_table_names=online_tables,
        online_table_arns={g: arns.dynamodb_table(t) for g, t in online_tables.items()},
        secret_arns={
            u: arns.secretsmanager_secret_any_suffix(names[f"secret:{u}"])
            for u in REDIS_USERS
            if f"secret:{u}" in names
        },
        metrics=FeatureStoreMetrics.for_store(naming, props),
    )


class FeatureStoreMixin(ItemGrantsMixin):
    """The store as :class:`~mlplatform.interfaces.IFeatureStore` describes it, read from ``_refs``.

    Mixed into :class:`FeatureStore` and ``ImportedFeatureStore`` (constructs
    both), so a team repo grants against the platform's store exactly as the
    platform does.
    """

    _MIXIN = "FeatureStoreMixin"
    _refs: FeatureStoreRefs

    @property
    def naming(self) -> Naming:
        """Names of the store's environment."""
        return self._refs.naming

    @property
    def feature_groups(self) -> tuple[str, ...]:
        """The feature groups the store holds."""
        return self._refs.groups

    @property
    def online_store(self) -> str:
        """``dynamodb`` or ``redis``."""
        return self._refs.online_store

    @property
    def online_table_names(self) -> dict[str, str]:
        """The DynamoDB table of each group (empty with Redis)."""
        return dict(self._refs.online_table_names)

    # ----------------------------------------------------------------- metrics
    def metric_read_latency(self, group: str | None = None, *, statistic: str = "p99") -> Watchable:
        """Online read latency: ``group``'s DynamoDB table (ms, at ``statistic``), or the Redis
        cache's slowest node (µs). See :class:`~mlplatform.decisions.feature_metrics.
        FeatureStoreMetrics`."""
        return self._refs.metrics.read_latency(group, statistic=statistic)

    def metric_read_throttles(self, group: str | None = None) -> MetricSpec:
        """Throttled reads of ``group``'s DynamoDB table (a DynamoDB store only)."""
        return self._refs.metrics.read_throttles(group)

    def metric_cache_hit_rate(self) -> QuerySpec:
        """The Redis cache's hit rate, % (a Redis store only)."""
        return self._refs.metrics.cache_hit_rate()

    def metric_evictions(self) -> QuerySpec:
        """Keys the Redis cache evicted for memory (a Redis store only)."""
        return self._refs.metrics.evictions()

    # ----------------------------------------------------------------- grants
    def grant_read_online(
        self, role: IRole, group: str | Iterable[str] | None = None
    ) -> IamRolePolicy:
        """Let ``role`` read ``group``'s online features (default: every group) and Feast's
        registry: DynamoDB item reads, or the Redis reader's AUTH secret; with the lake key."""
        groups = self._select(group)
        statements = self._online(write=False, groups=groups)
        return self._attach(role, "read-online", group, statements)

    def grant_materialize(
        self, role: IRole, group: str | Iterable[str] | None = None
    ) -> IamRolePolicy:
        """Let ``role`` read ``group``'s offline table and write its online features (default:
        every group): what ``feast materialize`` does. Tables and keys are never deleted."""
        groups = self._select(group)
        statements = [*self._offline(groups), *self._online(write=True, groups=groups)]
        return self._attach(role, "materialize", group, statements)

    def grant_read_offline(
        self, role: IRole, group: str | Iterable[str] | None = None
    ) -> IamRolePolicy:
        """Let ``role`` query ``group``'s offline tables (default: every group) through Athena
        or read their files: what training and ``get_historical_features`` need."""
        groups = self._select(group)
        return self._attach(role, "read-offline", group, self._offline(groups))

    def _online(self, *, write: bool, groups: tuple[str, ...]) -> list[Statement]:
        refs = self._refs
        return feature_online_statements(
            write=write,
            key_arn=refs.key_arn,
            features_bucket_arn=refs.features_bucket_arn,
            table_arns=[refs.online_table_arns[g] for g in groups if g in refs.online_table_arns],
            secret_arns=[
                refs.secret_arns[u]
                for u in ("writer" if write else "reader",)
                if u in refs.secret_arns
            ],
        )

    def _offline(self, groups: tuple[str, ...]) -> list[Statement]:
        refs = self._refs
        return feature_offline_read_statements(
            groups=groups,
            key_arn=refs.key_arn,
            features_bucket_arn=refs.features_bucket_arn,
            catalog_arn=refs.catalog_arn,
            database_arn=refs.database_arn,
            table_arns=[refs.offline_table_arns[g] for g in groups],
            workgroup_arn=refs.workgroup_arn,
            staging_bucket_arn=refs.staging_bucket_arn,
        )

    def _select(self, group: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen, unknown = selected(group, self._refs.groups)
        if unknown is not None:
            raise no_such_item(
                self,
                "feature store",
                unknown,
                self._refs.groups,
                item="feature group",
                items="groups",
                fix="declare the group in the platform's feature_store.feature_groups",
            )
        return chosen


class FeatureStore(FeatureStoreMixin, Construct):
    """Online storage of the feature groups (DynamoDB tables or a Redis/Valkey replication group).

    ``lake`` gives the key and the features zone. ``placement`` and
    ``clients`` (security group ids by a short label, such as ``nodes`` or
    ``endpoint-ranker``) are required with Redis: the replication group is
    placed in the private subnets and admits only those groups. With
    DynamoDB they are optional: each client group then gets HTTPS egress to
    the placement's DynamoDB gateway endpoint, so a reader inside the VPC
    reaches its tables without the internet.
    ``athena_workgroup`` names the lake's workgroup that offline grants may
    query in (``None`` when the lake has none).
    With Redis, Secrets Manager rotates the users' AUTH passwords every
    ``password_rotation_days`` (:mod:`~mlplatform.decisions.password_rotation`);
    ``logs_key_arn`` encrypts the rotation function's logs: a key CloudWatch Logs may
    use, such as the model registry's (required with Redis).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        props: FeatureStoreProps,
        lake: IDataLake,
        athena_workgroup: str | None = None,
        placement: VpcPlacement | None = None,
        clients: Mapping[str, str] | None = None,
        logs_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        refs = feature_store_refs(
            self, naming=naming, props=props, lake=lake, athena_workgroup=athena_workgroup
        )
        self._names = feature_store_names(naming, props)
        self._redis_group: ElasticacheReplicationGroup | None = None
        self._secrets: dict[str, SecretsmanagerSecret] = {}
        self._users: dict[str, ElasticacheUser] = {}
        self.password_rotation: RedisPasswordRotation | None = None
        """What rotates the Redis users' passwords (``None`` with DynamoDB)."""
        tables: dict[str, DynamodbTable] = {}
        if props.dynamodb is not None:
            for group, group_props in props.feature_groups.items():
                tables[group] = self._online_table(
                    group, group_props.owner_team, lake.key_arn, props.dynamodb.deletion_protection
                )
            if placement is not None and placement.dynamodb_prefix_list_id is not None:
                port_rules(
                    self,
                    traffic.dynamodb_client_rules(clients or {}),
                    traffic.RuleTargets(placement, clients or {}),
                )
        if props.redis is not None:
            if placement is None:
                raise ConstructError(
                    f"feature store {id!r}: a Redis online store runs in the VPC; pass placement"
                )
            if logs_key_arn is None:
                raise ConstructError(
                    f"feature store {id!r}: a Redis online store rotates its AUTH passwords with "
                    "a function whose logs are encrypted; pass logs_key_arn, a KMS key CloudWatch "
                    "Logs may use (the platform passes the model registry's key_arn)"
                )
            self._redis(props.redis, lake.key_arn, placement, dict(clients or {}))
            self.password_rotation = RedisPasswordRotation(
                self,
                "password-rotation",
                names=self._names,
                redis=props.redis,
                secrets=self._secrets,
                users=self._users,
                key_arn=lake.key_arn,
                log_key_arn=logs_key_arn,
            )
        self._refs = FeatureStoreRefs(
            **{
                **refs.__dict__,
                "online_table_arns": {g: t.arn for g, t in tables.items()},
                "online_table_names": {g: t.name for g, t in tables.items()},
                "secret_arns": {u: s.arn for u, s in self._secrets.items()},
            }
        )

    # ----------------------------------------------------------------- DynamoDB
    def _online_table(
        self, group: str, owner: str, key_arn: str, deletion_protection: bool
    ) -> DynamodbTable:
        """One group's table, as Feast's DynamoDB store reads and writes it."""
        blocks = store_plan.online_table_blocks(key_arn)
        return planned_table(
            self,
            f"online-{group}",
            settings=store_plan.online_table_settings(
                self._names, group, owner, deletion_protection
            ),
            blocks=blocks,
            attribute=[DynamodbTableAttribute(**blocks["attribute"])],
            ttl=DynamodbTableTtl(**blocks["ttl"]),
        )

    # ----------------------------------------------------------------- Redis / Valkey
    def _redis(
        self,
        redis: RedisOnlineStoreProps,
        key_arn: str,
        placement: VpcPlacement,
        clients: dict[str, str],
    ) -> None:
        names = self._names
        plan = traffic.online_store_security_group(names["security_group"], redis.port, clients)
        group = security_group(self, plan, placement, clients)
        subnets = ElasticacheSubnetGroup(
            self,
            "subnet-group",
            **store_plan.subnet_group_settings(names),
            subnet_ids=list(placement.private_subnet_ids),
        )
        parameters = ElasticacheParameterGroup(
            self,
            "parameter-group",
            **store_plan.parameter_group_settings(names, redis),
            parameter=[
                ElasticacheParameterGroupParameter(
                    name="maxmemory-policy", value=redis.maxmemory_policy
                )
            ],
        )
        users = [self._default_user(redis.engine)]
        for user in REDIS_USERS:
            self._users[user] = self._user(user, redis.engine, key_arn)
            users.append(self._users[user])
        user_group = ElasticacheUserGroup(
            self,
            "user-group",
            user_group_id=names["user_group"],
            engine=redis.engine,
            user_ids=[u.user_id for u in users],
        )
        self._redis_group = ElasticacheReplicationGroup(
            self,
            "replication-group",
            **store_plan.replication_group_settings(names, redis),
            parameter_group_name=parameters.name,
            subnet_group_name=subnets.name,
            security_group_ids=[group.id],
            at_rest_encryption_enabled="true",
            kms_key_id=key_arn,
            user_group_ids=[user_group.user_group_id],
            auto_minor_version_upgrade="true",
        )
        StateRetention.protect(self._redis_group)

    def _default_user(self, engine: str) -> ElasticacheUser:
        """ElastiCache asks every user group for a user named ``default``; this one is off."""
        return ElasticacheUser(
            self,
            "user-default",
            **store_plan.default_user_settings(self._names, engine),
            authentication_mode=ElasticacheUserAuthenticationMode(type="no-password-required"),
        )

    def _user(self, user: str, engine: str, key_arn: str) -> ElasticacheUser:
        """A user whose generated password is kept in a Secrets Manager secret (the lake key)."""
        names = self._names
        secret = SecretsmanagerSecret(
            self,
            f"secret-{user}",
            **store_plan.secret_settings(names, user),
            kms_key_id=key_arn,
        )
        password = DataAwsSecretsmanagerRandomPassword(
            self,
            f"password-{user}",
            password_length=store_plan.REDIS_PASSWORD_LENGTH,
            exclude_punctuation=True,
        )
        # The data source answers a new password on every plan; the first one is kept.
        version = SecretsmanagerSecretVersion(
            self,
            f"secret-{user}-version",
            secret_id=secret.id,
            secret_string=password.random_password,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["secret_string"]),
        )
        self._secrets[user] = secret
        # The user is made with the secret's current password, which after a rotation is
        # no longer the first one: a user Terraform makes again (deleted behind its back, or
        # replaced) starts with the password its clients read. The rotation owns it then.
        current = DataAwsSecretsmanagerSecretVersion(
            self, f"secret-{user}-current", secret_id=secret.id, depends_on=[version]
        )
        return ElasticacheUser(
            self,
            f"user-{user}",
            **store_plan.user_settings(names, user, engine),
            authentication_mode=ElasticacheUserAuthenticationMode(
                type="password", passwords=[current.secret_string]
            ),
            lifecycle=TerraformResourceLifecycle(
                ignore_changes=list(store_plan.ROTATED_USER_SETTINGS)
            ),
        )

    # ----------------------------------------------------------------- properties
    @property
    def redis_endpoint(self) -> str | None:
        """The replication group's primary endpoint (writes), or ``None`` with DynamoDB."""
        return self._redis_group.primary_endpoint_address if self._redis_group else None

    @property
    def redis_reader_endpoint(self) -> str | None:
        """The replication group's reader endpoint, or ``None`` with DynamoDB."""
        return self._redis_group.reader_endpoint_address if self._redis_group else None

    @property
    def redis_port(self) -> float | None:
        """The port Redis listens on, or ``None`` with DynamoDB."""
        return self._redis_group.port if self._redis_group else None

    @property
    def secret_arns(self) -> dict[str, str]:
        """The Redis users' AUTH secrets by user (``reader``, ``writer``); empty with DynamoDB."""
        return {u: s.arn for u, s in self._secrets.items()}

    # ----------------------------------------------------------------- importing
    @classmethod
    def from_environment(
        cls,
        scope: Construct,
        id: str,
        *,
        platform: PlatformContract | None = None,
        lake: IDataLake | None = None,
        groups: Sequence[str] = (),
        online_store: Literal["dynamodb", "redis"] = "dynamodb",
        offline_queries: bool = True,
        naming: Naming | None = None,
    ) -> ContractFeatureStore:
        """The platform's feature store, read from its contract in SSM; creates nothing.

        ``platform`` defaults to the ``TeamStack``'s platform environment and
        ``lake`` to the platform's lake imported the same way. Each group is read
        when a grant names it; ``groups`` are what a grant without a group covers.
        ``online_store`` must be the platform's kind (the plan checks it), and
        ``offline_queries`` grants Athena through the platform's workgroup.
        """
        from mlplatform.constructs.contract_feature_store import ContractFeatureStore
        from mlplatform.constructs.contract_reader import check_construct_id, stack_naming

        check_construct_id(id, "FeatureStore.from_environment")
        if lake is None:
            lake = DataLake.from_environment(scope, f"{id}-lake", platform=platform)
        return ContractFeatureStore(
            scope,
            id,
            naming=naming or stack_naming(scope),
            lake=lake,
            platform=platform,
            groups=groups,
            online_store=online_store,
            offline_queries=offline_queries,
        )

    @classmethod
    def from_names(
        cls,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        props: FeatureStoreProps,
        lake: IDataLake,
        athena_workgroup: str | None = None,
        region: str | None = None,
        account_id: str | None = None,
    ) -> IFeatureStore:
        """A store outside the platform contract, by the names ``naming`` and the environment's
        ``feature_store`` section give it; creates nothing.

        ``props`` is the environment's ``feature_store`` section (its groups and
        online store kind); ``lake`` the lake, imported the same way
        (``DataLake.from_environment``), for its key and features zone.
        """
        # Imported here: the importer builds on this module's FeatureStoreMixin.
        from mlplatform.constructs.contract_reader import check_construct_id
        from mlplatform.constructs.imported_feature_store import ImportedFeatureStore

        return ImportedFeatureStore(
            scope,
            check_construct_id(id, "FeatureStore.from_names"),
            naming=naming,
            props=props,
            lake=lake,
            athena_workgroup=athena_workgroup,
            region=region,
            account_id=account_id,
        )
