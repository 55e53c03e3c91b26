"""``FeatureStore`` on Pulumi: the online side of the feature store and the grants across both sides.

DynamoDB tables (one per group, Feast's layout) or a Valkey/Redis replication
group with its users, AUTH secrets, parameter and subnet groups and security
group; names from :func:`mlplatform.decisions.feature_store.feature_store_names`,
grant statements from :mod:`mlplatform.decisions.policies.grants`, as the cdktf
:class:`mlplatform.constructs.feature_store.FeatureStore`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pulumi
import pulumi_aws as aws

from mlplatform.config import FeatureStoreProps, RedisOnlineStoreProps
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
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.data_lake import DataLake, DataLakeGrants
from mlplatform.pulumi.grant_policy import grant_policy
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.ml_security_groups import port_rules, security_group
from mlplatform.pulumi.network import NetworkPlacement
from mlplatform.pulumi.redis_password_rotation import password_rotation
from mlplatform.pulumi.resource_arns import ArnOutputs

if TYPE_CHECKING:
    from mlplatform.pulumi.contract_feature_store import ContractFeatureStore

__all__ = ["FeatureStore", "FeatureStoreGrants", "FeatureStoreRefs", "ImportedFeatureStore"]


@dataclass(frozen=True)
class FeatureStoreRefs:
    """What grants need: names and ARNs, from resources or from names (cdktf's refs)."""

    groups: tuple[str, ...]
    names: Mapping[str, str]
    """``feature_store_names``: offline tables, online tables, secrets by role."""
    database: pulumi.Input[str]
    """Glue database of the offline tables."""
    offline_tables: Mapping[str, pulumi.Input[str]]
    """Each group's offline (Glue) table name."""
    athena_workgroup: pulumi.Input[str] | None
    staging_bucket_arn: pulumi.Input[str] | None
    """The Athena results bucket (with a workgroup)."""
    key_arn: pulumi.Input[str]
    features_bucket_arn: pulumi.Input[str]
    partition: pulumi.Input[str]
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    online_table_arns: Mapping[str, pulumi.Input[str]]
    secret_arns: Mapping[str, pulumi.Input[str]]


def _refs(
    layer: Layer,
    *,
    naming: Naming,
    props: FeatureStoreProps,
    lake: DataLakeGrants,
    athena_workgroup: str | None,
    region: str | None = None,
    account_id: str | None = None,
) -> FeatureStoreRefs:
    """The store's references as its names determine them (the importer's, and the defaults
    the platform's store replaces with what its resources know)."""
    names = feature_store_names(naming, props)
    region_input: pulumi.Input[str] = region or layer.region
    account_input: pulumi.Input[str] = account_id or layer.account_id
    groups = tuple(props.feature_groups)
    arns = ArnOutputs(layer.partition, region_input, account_input)
    return FeatureStoreRefs(
        groups=groups,
        names=names,
        database=naming.glue_database("datalake", "features"),
        offline_tables={g: names[f"offline_table:{g}"] for g in groups},
        athena_workgroup=athena_workgroup,
        staging_bucket_arn=(
            arns.of(Arns.s3_bucket, naming.bucket("datalake", "query-results"))
            if athena_workgroup
            else None
        ),
        key_arn=lake.key_arn,
        features_bucket_arn=lake.bucket_arn("features"),
        partition=layer.partition,
        region=region_input,
        account_id=account_input,
        online_table_arns={
            g: arns.of(Arns.dynamodb_table, names[k])
            for g in groups
            if (k := f"online_table:{g}") in names
        },
        secret_arns={
            u: arns.of(Arns.secretsmanager_secret_any_suffix, names[f"secret:{u}"])
            for u in REDIS_USERS
            if f"secret:{u}" in names
        },
    )


@dataclass(frozen=True)
class _GrantStatements:
    """A grant's statements once its inputs are known (``FeatureStoreGrants._attach``).

    Called with the partition, region and account, the key, the features bucket, the
    database, the workgroup and staging bucket (or ``None``), then the offline tables'
    names, the online tables' ARNs and the secrets' ARNs.
    """

    groups: tuple[str, ...]
    offline: bool
    online: str | None
    """``"read"``, ``"write"`` or ``None`` (no online access)."""
    offline_table_count: int
    online_table_count: int

    def __call__(
        self,
        partition: str,
        region: str,
        account: str,
        key: str,
        bucket: str,
        database: str,
        workgroup: str | None,
        staging: str | None,
        *rest: str,
    ) -> list[Statement]:
        arns = Arns(partition, region, account)
        found: list[Statement] = []
        names, rest = rest[: self.offline_table_count], rest[self.offline_table_count :]
        if self.offline:
            found += feature_offline_read_statements(
                groups=self.groups,
                key_arn=key,
                features_bucket_arn=bucket,
                catalog_arn=arns.glue_catalog(),
                database_arn=arns.glue_database(database),
                table_arns=[arns.glue_table(database, name) for name in names],
                workgroup_arn=arns.athena_workgroup(workgroup) if workgroup else None,
                staging_bucket_arn=staging if workgroup else None,
            )
        if self.online is not None:
            found += feature_online_statements(
                write=self.online == "write",
                key_arn=key,
                features_bucket_arn=bucket,
                table_arns=list(rest[: self.online_table_count]),
                secret_arns=list(rest[self.online_table_count :]),
            )
        return found


class FeatureStoreGrants:
    """Grants on a store, its own or imported (the cdktf ``FeatureStoreMixin``)."""

    path: str
    refs: FeatureStoreRefs

    @property
    def feature_groups(self) -> tuple[str, ...]:
        return self.refs.groups

    @property
    def online_table_names(self) -> dict[str, str]:
        """The DynamoDB table of each group (empty with Redis)."""
        names = self.refs.names
        return {
            g: names[f"online_table:{g}"] for g in self.refs.groups if f"online_table:{g}" in names
        }

    def grant_read_online(
        self, role: aws.iam.Role, group: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` read ``group``'s online features and Feast's registry."""
        return self._attach(role, "read-online", group, offline=False, online="read")

    def grant_materialize(
        self, role: aws.iam.Role, group: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` read ``group``'s offline table and write its online features."""
        return self._attach(role, "materialize", group, offline=True, online="write")

    def grant_read_offline(
        self, role: aws.iam.Role, group: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` query ``group``'s offline tables through Athena or read their files."""
        return self._attach(role, "read-offline", group, offline=True, online=None)

    def _attach(
        self,
        role: aws.iam.Role,
        access: str,
        group: str | Iterable[str] | None,
        *,
        offline: bool,
        online: str | None,
    ) -> aws.iam.RolePolicy:
        """``role``'s policy ``access`` on ``group``: its offline tables (through Athena) if
        ``offline``, its online tables and their secret to ``online`` ("read" or "write")."""
        assert isinstance(self, PlatformComponent)
        refs = self.refs
        groups = self._select(group)
        offline_tables = [refs.offline_tables[g] for g in groups] if offline else []
        # Online tables only for an online grant: an imported store reads each when first used.
        tables = (
            [refs.online_table_arns[g] for g in groups if g in refs.online_table_arns]
            if online is not None
            else []
        )
        secret_user = {"read": "reader", "write": "writer"}.get(online or "")
        secrets = [refs.secret_arns[u] for u in (secret_user,) if u and u in refs.secret_arns]
        workgroup = refs.athena_workgroup if offline else None
        staging = refs.staging_bucket_arn if workgroup is not None else None

        statements = _GrantStatements(groups, offline, online, len(offline_tables), len(tables))
        inputs: list[Any] = [
            refs.partition,
            refs.region,
            refs.account_id,
            refs.key_arn,
            refs.features_bucket_arn,
            refs.database,
            workgroup,
            staging,
            *offline_tables,
            *tables,
            *secrets,
        ]
        scope = "all" if group is None else "-".join(groups)
        return grant_policy(self, role, access, scope, statements, *inputs)

    def _select(self, group: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen, unknown = selected(group, self.refs.groups)
        if unknown is not None:
            raise ValueError(
                f"the feature store has no feature group {unknown!r}; "
                f"its groups are {', '.join(self.refs.groups)}"
            )
        return chosen


class FeatureStoreMetricHelpers:
    """The ``metric_*`` helpers of a store known by the platform's names (its own, or imported
    by names): the cdktf ``FeatureStoreMixin``'s, the same specs."""

    _store_metrics: FeatureStoreMetrics

    def metric_read_latency(self, group: str | None = None, *, statistic: str = "p99") -> Watchable:
        """Online read latency: ``group``'s DynamoDB table (ms, at ``statistic``), or the Redis
        cache's slowest node (µs). See :class:`~mlplatform.decisions.feature_metrics.
        FeatureStoreMetrics`."""
        return self._store_metrics.read_latency(group, statistic=statistic)

    def metric_read_throttles(self, group: str | None = None) -> MetricSpec:
        """Throttled reads of ``group``'s DynamoDB table (a DynamoDB store only)."""
        return self._store_metrics.read_throttles(group)

    def metric_cache_hit_rate(self) -> QuerySpec:
        """The Redis cache's hit rate, % (a Redis store only)."""
        return self._store_metrics.cache_hit_rate()

    def metric_evictions(self) -> QuerySpec:
        """Keys the Redis cache evicted for memory (a Redis store only)."""
        return self._store_metrics.evictions()


class FeatureStore(FeatureStoreMetricHelpers, FeatureStoreGrants, PlatformComponent):
    """``mlplatform:ml:FeatureStore``: DynamoDB tables or a Redis/Valkey replication group.

    ``clients`` are security group ids by a short label (``nodes``,
    ``endpoint-ranker``): Redis admits only those; with DynamoDB each gets HTTPS
    egress to the VPC's DynamoDB gateway endpoint.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        props: FeatureStoreProps,
        lake: DataLake,
        athena_workgroup: str | None,
        placement: NetworkPlacement,
        clients: Mapping[str, pulumi.Input[str]] | None = None,
        logs_key_arn: pulumi.Input[str] | None = None,
    ) -> None:
        super().__init__(layer.layer, "FeatureStore", f"{layer.path}/{id}", parent=layer)
        self._layer = layer
        self._lake = lake
        self._props = props
        self._athena_workgroup = athena_workgroup
        self.names = feature_store_names(layer.naming, props)
        self._store_metrics = FeatureStoreMetrics.for_store(layer.naming, props)
        self.groups = tuple(props.feature_groups)
        self.tables: dict[str, aws.dynamodb.Table] = {}
        self.secrets: dict[str, aws.secretsmanager.Secret] = {}
        self._users: dict[str, aws.elasticache.User] = {}
        self.replication_group: aws.elasticache.ReplicationGroup | None = None
        clients = dict(clients or {})
        if props.dynamodb is not None:
            blocks = store_plan.online_table_blocks(lake.key_arn)
            for group, group_props in props.feature_groups.items():
                self.tables[group] = aws.dynamodb.Table(
                    self.child(f"online-{group}"),
                    **store_plan.online_table_settings(
                        self.names,
                        group,
                        group_props.owner_team,
                        props.dynamodb.deletion_protection,
                    ),
                    attributes=[blocks["attribute"]],
                    ttl=blocks["ttl"],
                    point_in_time_recovery=blocks["point_in_time_recovery"],
                    server_side_encryption=blocks["server_side_encryption"],
                    opts=self.options(protect=layer.retain),
                )
            port_rules(
                self,
                traffic.dynamodb_client_rules(clients),
                traffic.RuleTargets(placement, clients),
            )
        self.rotation_function: aws.lambda_.Function | None = None
        if props.redis is not None:
            if logs_key_arn is None:
                raise ConstructError(
                    f"feature store {id!r}: a Redis online store rotates its AUTH passwords with "
                    "a function whose logs are encrypted; pass logs_key_arn, a KMS key CloudWatch "
                    "Logs may use (the platform passes the model registry's key_arn)"
                )
            self._redis(props.redis, placement, clients)
            self.rotation_function = password_rotation(
                self,
                layer,
                names=self.names,
                redis=props.redis,
                secrets=self.secrets,
                users=self._users,
                key_arn=lake.key_arn,
                log_key_arn=logs_key_arn,
            )
        defaults = _refs(
            layer, naming=layer.naming, props=props, lake=lake, athena_workgroup=athena_workgroup
        )
        self.refs = dataclasses.replace(
            defaults,
            online_table_arns={g: t.arn for g, t in self.tables.items()},
            secret_arns={u: s.arn for u, s in self.secrets.items()},
        )
        self.register_outputs({})

    # ----------------------------------------------------------------- Redis / Valkey
    def _redis(
        self,
        redis: RedisOnlineStoreProps,
        placement: NetworkPlacement,
        clients: dict[str, pulumi.Input[str]],
    ) -> None:
        names = self.names
        opts = self.options
        plan = traffic.online_store_security_group(names["security_group"], redis.port, clients)
        group = security_group(self, plan, placement, clients)
        subnets = aws.elasticache.SubnetGroup(
            self.child("subnet-group"),
            **store_plan.subnet_group_settings(names),
            subnet_ids=placement.subnets(),
            opts=opts(),
        )
        parameters = aws.elasticache.ParameterGroup(
            self.child("parameter-group"),
            **store_plan.parameter_group_settings(names, redis),
            parameters=[{"name": "maxmemory-policy", "value": redis.maxmemory_policy}],
            opts=opts(),
        )
        users = [
            aws.elasticache.User(
                self.child("user-default"),
                **store_plan.default_user_settings(names, redis.engine),
                authentication_mode={"type": "no-password-required"},
                opts=opts(),
            )
        ]
        for user in REDIS_USERS:
            self._users[user] = self._user(user, redis.engine)
            users.append(self._users[user])
        user_group = aws.elasticache.UserGroup(
            self.child("user-group"),
            user_group_id=names["user_group"],
            engine=redis.engine,
            user_ids=[u.user_id for u in users],
            opts=opts(),
        )
        self.replication_group = aws.elasticache.ReplicationGroup(
            self.child("replication-group"),
            **store_plan.replication_group_settings(names, redis),
            parameter_group_name=parameters.name,
            subnet_group_name=subnets.name,
            security_group_ids=[group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=self._lake.key_arn,
            user_group_ids=[user_group.user_group_id],
            auto_minor_version_upgrade=True,
            opts=opts(protect=self._layer.retain),
        )

    def _user(self, user: str, engine: str) -> aws.elasticache.User:
        """A user whose generated password is kept in a Secrets Manager secret (the lake key)."""
        names = self.names
        secret = aws.secretsmanager.Secret(
            self.child(f"secret-{user}"),
            **store_plan.secret_settings(names, user),
            kms_key_id=self._lake.key_arn,
            opts=self.options(),
        )
        password = aws.secretsmanager.get_random_password_output(
            password_length=store_plan.REDIS_PASSWORD_LENGTH,
            exclude_punctuation=True,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        # The lookup answers a new password on every run; the first one is kept.
        version = aws.secretsmanager.SecretVersion(
            self.child(f"secret-{user}-version"),
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(password.random_password),
            opts=pulumi.ResourceOptions.merge(
                self.options(), pulumi.ResourceOptions(ignore_changes=["secretString"])
            ),
        )
        self.secrets[user] = secret
        # Made with the secret's current password (after a rotation, not the first one), so a
        # replaced user starts with the password its clients read; the rotation owns it then.
        current = aws.secretsmanager.get_secret_version_output(
            secret_id=secret.id, opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[version])
        )
        return aws.elasticache.User(
            self.child(f"user-{user}"),
            **store_plan.user_settings(names, user, engine),
            authentication_mode={"type": "password", "passwords": [current.secret_string]},
            opts=pulumi.ResourceOptions.merge(
                self.options(),
                pulumi.ResourceOptions(ignore_changes=["authenticationMode"]),
            ),
        )

    @staticmethod
    def from_environment(
        layer: Layer,
        id: str,
        *,
        platform: PlatformContract | None = None,
        lake: DataLakeGrants | None = None,
        groups: Sequence[str] = (),
        online_store: Literal["dynamodb", "redis"] = "dynamodb",
        offline_queries: bool = True,
        naming: Naming | None = None,
    ) -> ContractFeatureStore:
        """The platform's feature store, read from its contract in SSM (``/<org>/<env>/
        platform/features/...``) as cdktf's ``FeatureStore.from_environment``: same grants,
        no resources.

        ``platform`` defaults to ``layer``'s environment and ``lake`` to the platform's lake
        imported the same way (``DataLake.from_environment(layer, f"{id}-lake")``). Each
        group is read when a grant names it; ``groups`` are what a grant without a group
        covers. ``online_store`` must be the platform's kind (the preview checks it), and
        ``offline_queries`` grants Athena through the platform's workgroup.
        """
        # Imported here: the importer builds on this module's FeatureStoreGrants.
        from mlplatform.pulumi.contract_feature_store import ContractFeatureStore

        if lake is None:
            lake = DataLake.from_environment(layer, f"{id}-lake", platform=platform)
        return ContractFeatureStore(
            layer,
            id,
            naming=naming or layer.naming,
            lake=lake,
            platform=platform,
            groups=groups,
            online_store=online_store,
            offline_queries=offline_queries,
        )

    @staticmethod
    def from_names(
        layer: Layer,
        id: str,
        *,
        props: FeatureStoreProps,
        lake: DataLakeGrants,
        naming: Naming | None = None,
        athena_workgroup: str | None = None,
        region: str | None = None,
        account_id: str | None = None,
    ) -> ImportedFeatureStore:
        """The store of ``naming``'s environment (default ``layer``'s) by its names, outside
        the platform contract, as cdktf's ``FeatureStore.from_names``: same grants, no
        resources."""
        return ImportedFeatureStore(
            layer,
            id,
            props=props,
            lake=lake,
            naming=naming,
            athena_workgroup=athena_workgroup,
            region=region,
            account_id=account_id,
        )


class ImportedFeatureStore(FeatureStoreMetricHelpers, FeatureStoreGrants, PlatformComponent):
    """``mlplatform:<layer>:ImportedFeatureStore``: the platform's store in a team's program.

    Creates no resources: table, Glue and secret ARNs from the names the platform's store
    uses (a secret's with Secrets Manager's random suffix as a wildcard), with the provider's
    region and account or the ones given; the key and features zone from the lake.
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        props: FeatureStoreProps,
        lake: DataLakeGrants,
        naming: Naming | None = None,
        athena_workgroup: str | None = None,
        region: str | None = None,
        account_id: str | None = None,
    ) -> None:
        super().__init__(layer.layer, "ImportedFeatureStore", f"{layer.path}/{id}", parent=layer)
        self._store_metrics = FeatureStoreMetrics.for_store(naming or layer.naming, props)
        self.refs = _refs(
            layer,
            naming=naming or layer.naming,
            props=props,
            lake=lake,
            athena_workgroup=athena_workgroup,
            region=region,
            account_id=account_id,
        )
        self.register_outputs({})
