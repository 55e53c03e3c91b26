"""The platform contract: what each layer publishes in SSM Parameter Store for team repos.

A team repo must not copy ARNs, subnet ids or names out of the platform's
outputs: they drift, and a copied ARN outlives the resource. Instead each
platform layer writes the values teams need as SSM parameters under
``/<org>/<env>/platform/<layer>/...``, and the importers
(``DataLake.from_environment``, ``ComputeCluster.from_environment``, ...) read
them with ``aws_ssm_parameter`` data sources, given only the platform
environment (org and environment; region and account come from the provider).

Every parameter is declared here once, with the layer that writes it, so
writers and readers cannot disagree on a name, and a test checks that every
name an importer reads is written by exactly one layer.

Design choices:

- **One parameter per thing a team asks for.** Token lists cannot be iterated
  at synth time, so a per-zone, per-family or per-group value has its own
  parameter (``data/zones/<zone>/bucket-arn``) instead of living in a map that
  an importer would have to decode at plan time. An importer reads a parameter
  only when the team asks for that value.
- **Lists** (subnets, zones, families, groups) are ``StringList`` parameters:
  SSM stores them comma-joined, and the ``aws_ssm_parameter`` data source
  returns that joined string, so readers decode them with
  ``split(",", value)`` (:data:`LIST_SEPARATOR`). None of their items can
  contain a comma (ids, zone and family names).
- **Types**: plain ``String`` (or ``StringList``). Nothing in the contract is
  secret: ids, names, ARNs and endpoints, which IAM protects where they point.
  The Redis AUTH passwords stay in Secrets Manager; the contract holds only
  their secrets' ARNs. So no parameter is a ``SecureString`` (:attr:`Parameter.sensitive`
  is there so one can become so, encrypted with the layer's platform key).

This module is engine-free: names and facts only, no cdktf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.feature_store import REDIS_USERS, feature_store_names
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.registry_names import registry_names

__all__ = [
    "CLUSTER_LAYER_DISABLED",
    "CLUSTER_LAYER_ENABLED",
    "CONTRACT_PARAMETERS",
    "LIST_SEPARATOR",
    "NO_TEAM_DEPLOYERS",
    "Parameter",
    "ParameterWrite",
    "PlatformContract",
    "cluster_layer_state",
    "expected_parameters",
    "parameter",
    "team_deployers_state",
]

LIST_SEPARATOR = ","
"""How a ``StringList`` parameter's value joins its items (SSM's own format)."""

ParameterType = Literal["String", "StringList"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SEGMENT = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")


@dataclass(frozen=True)
class Parameter:
    """One parameter of the contract: where it lives, who writes it and what it holds."""

    key: str
    """Path below ``/<org>/<env>/platform/``; ``{zone}``-style parts name one item each."""
    layer: str
    """The platform layer (stack) that writes it: ``network``, ``data``, ``compute`` or ``ml``."""
    description: str
    type: ParameterType = "String"
    sensitive: bool = False
    """Would be a ``SecureString`` under the layer's platform key; nothing is, today."""
    condition: str | None = None
    """When the layer writes it, if not always (``None``): a config fact, in words."""

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The item names the key needs (``("zone",)`` for ``data/zones/{zone}/bucket-arn``)."""
        return tuple(_PLACEHOLDER.findall(self.key))


def _p(
    key: str,
    layer: str,
    description: str,
    *,
    type: ParameterType = "String",
    condition: str | None = None,
) -> Parameter:
    return Parameter(key, layer, description, type, False, condition)


CONTRACT_PARAMETERS: tuple[Parameter, ...] = (
    # -------------------------------------------------------------- network
    _p("network/vpc-id", "network", "The VPC's id."),
    _p("network/vpc-cidr", "network", "The VPC's IPv4 CIDR block."),
    _p(
        "network/private-subnet-ids",
        "network",
        "The private subnets' ids, one per zone, in zone order.",
        type="StringList",
    ),
    _p(
        "network/availability-zones",
        "network",
        "The zones the private subnets are in, in the same order.",
        type="StringList",
    ),
    _p("network/s3-prefix-list-id", "network", "Prefix list of the S3 gateway endpoint."),
    _p(
        "network/dynamodb-prefix-list-id",
        "network",
        "Prefix list of the DynamoDB gateway endpoint.",
    ),
    # -------------------------------------------------------------- data lake
    _p("data/zones", "data", "The lake's zones (raw, curated, ...).", type="StringList"),
    _p("data/key-arn", "data", "ARN of the KMS key that encrypts every zone."),
    _p("data/zones/{zone}/bucket-name", "data", "One zone's bucket name."),
    _p("data/zones/{zone}/bucket-arn", "data", "One zone's bucket ARN."),
    _p("data/zones/{zone}/glue-database", "data", "One zone's Glue database."),
    _p(
        "data/athena-workgroup",
        "data",
        "The Athena workgroup's name.",
        condition="data_lake.athena_workgroup is true",
    ),
    _p(
        "data/athena-results-bucket-arn",
        "data",
        "ARN of the bucket the Athena workgroup writes query results to.",
        condition="data_lake.athena_workgroup is true",
    ),
    # -------------------------------------------------------------- compute
    _p("compute/cluster-name", "compute", "The EKS cluster's name."),
    _p("compute/cluster-endpoint", "compute", "The Kubernetes API's URL."),
    _p("compute/oidc-provider-arn", "compute", "ARN of the cluster's IAM OIDC provider (IRSA)."),
    _p("compute/oidc-issuer-url", "compute", "The cluster's OIDC issuer URL (https://...)."),
    _p(
        "compute/node-role-arn",
        "compute",
        "ARN of the role the cluster's managed node groups run with (not Karpenter's nodes).",
    ),
    _p(
        "compute/cluster-security-group-id",
        "compute",
        "The security group EKS made for the cluster; every node is in it.",
    ),
    _p(
        "compute/cluster-certificate-authority",
        "compute",
        "The cluster's certificate authority data (base64 PEM), for Kubernetes clients.",
    ),
    _p(
        "compute/cluster-layer",
        "compute",
        "enabled where the <env>-cluster layer runs (Karpenter installed), else disabled.",
    ),
    _p(
        "compute/team-deployers",
        "compute",
        "The teams whose deploys may install GPU pools (compute.cluster.team_deployers), "
        "comma-separated; - for none.",
    ),
    _p(
        "compute/karpenter/node-role-arn",
        "compute",
        "ARN of the role the nodes Karpenter launches run with.",
        condition="the compute section has a GPU pool",
    ),
    _p(
        "compute/karpenter/instance-profile-name",
        "compute",
        "The instance profile (of that role) every EC2NodeClass names.",
        condition="the compute section has a GPU pool",
    ),
    # -------------------------------------------------------------- ml
    _p("ml/registry/bucket-name", "ml", "The model registry's artifact bucket."),
    _p("ml/registry/bucket-arn", "ml", "ARN of the artifact bucket."),
    _p("ml/registry/table-name", "ml", "The registry's metadata table."),
    _p("ml/registry/table-arn", "ml", "ARN of the metadata table."),
    _p("ml/registry/key-arn", "ml", "ARN of the registry's KMS key."),
    _p("ml/registry/families", "ml", "The model families.", type="StringList"),
    _p(
        "ml/registry/families/{family}/repository-name",
        "ml",
        "One family's serving image repository (ECR).",
    ),
    _p("ml/registry/families/{family}/repository-arn", "ml", "ARN of that repository."),
    _p("ml/registry/families/{family}/repository-url", "ml", "URL of that repository."),
    _p(
        "ml/registry/families/{family}/package-group-name",
        "ml",
        "One family's SageMaker model package group.",
    ),
    _p("ml/alarm-topic-arn", "ml", "The SNS topic the platform's alarms notify."),
    # -------------------------------------------------------------- feature store
    _p(
        "features/groups",
        "data",
        "The feature groups.",
        type="StringList",
        condition="the environment has a feature_store section",
    ),
    _p(
        "features/offline-database",
        "data",
        "Glue database of the offline feature tables.",
        condition="the environment has a feature_store section",
    ),
    _p(
        "features/groups/{group}/offline-table",
        "data",
        "One group's offline (Glue) table.",
        condition="the environment has a feature_store section",
    ),
    _p(
        "features/online-store",
        "ml",
        "The online store's kind: dynamodb or redis.",
        condition="the environment has a feature_store section",
    ),
    _p(
        "features/groups/{group}/online-table-name",
        "ml",
        "One group's online DynamoDB table.",
        condition="the feature store's online store is dynamodb",
    ),
    _p(
        "features/redis/endpoint",
        "ml",
        "The Redis/Valkey primary endpoint (writes).",
        condition="the feature store's online store is redis",
    ),
    _p(
        "features/redis/reader-endpoint",
        "ml",
        "The Redis/Valkey reader endpoint.",
        condition="the feature store's online store is redis",
    ),
    _p(
        "features/redis/port",
        "ml",
        "The port Redis/Valkey listens on.",
        condition="the feature store's online store is redis",
    ),
    _p(
        "features/redis/node-ids",
        "ml",
        "The Redis/Valkey nodes' (cache clusters') ids, primary and replicas, for their metrics.",
        type="StringList",
        condition="the feature store's online store is redis",
    ),
    _p(
        "features/redis/users/{user}/secret-arn",
        "ml",
        "ARN of one Redis user's (reader, writer) AUTH secret in Secrets Manager.",
        condition="the feature store's online store is redis",
    ),
)

_BY_KEY = {p.key: p for p in CONTRACT_PARAMETERS}


def parameter(key: str) -> Parameter:
    """The declared parameter ``key`` (a template such as ``data/zones/{zone}/bucket-arn``)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a parameter of the platform contract") from None


@dataclass(frozen=True)
class ParameterWrite:
    """One parameter as a layer writes it: what either engine's writer hands to SSM.

    Both engines' writers (cdktf's ``ContractParameters``, Pulumi's
    ``ContractParameters``) take this and decide nothing of their own.
    """

    name: str
    """The full name, ``/<org>/<env>/platform/<key with its items>``."""
    id: str
    """The writer's child id: the name below the prefix with ``/`` as ``-``."""
    type: str
    """``String``, ``StringList`` or (a sensitive one) ``SecureString``."""
    description: str
    sensitive: bool
    """Its value goes in ``value`` encrypted with the layer's key, not in ``insecure_value``."""


@dataclass(frozen=True)
class PlatformContract:
    """The contract's parameter names for one platform environment (``/<org>/<env>/platform``)."""

    org: str
    environment: str

    @property
    def prefix(self) -> str:
        """``/<org>/<env>/platform``: every parameter's path starts with it."""
        return f"/{self.org}/{self.environment}/platform"

    def name(self, key: str, **items: str) -> str:
        """The full name of parameter ``key`` with its ``{placeholders}`` filled from ``items``.

        ``name("data/zones/{zone}/bucket-arn", zone="raw")`` is
        ``/<org>/<env>/platform/data/zones/raw/bucket-arn``.
        """
        declared = parameter(key)
        wanted = set(declared.placeholders)
        if set(items) != wanted:
            raise ValueError(
                f"contract parameter {key!r} needs {sorted(wanted) or 'no items'}, "
                f"got {sorted(items) or 'none'}"
            )
        for label, value in items.items():
            if not _SEGMENT.match(value):
                raise ValueError(
                    f"contract parameter {key!r}: {label} {value!r} must be lowercase letters, "
                    "digits, '-' and '_'"
                )
        return f"{self.prefix}/{key.format(**items)}"

    def write(
        self, key: str, layer: str, *, is_list: bool, has_key: bool, **items: str
    ) -> ParameterWrite:
        """How ``layer`` writes parameter ``key`` (its ``{items}`` filled in).

        Refuses a parameter another layer owns, a list for a ``String`` (or one value for
        a ``StringList``), and a sensitive parameter without the layer's key (``has_key``).
        A ``StringList``'s items are stored joined with :data:`LIST_SEPARATOR`.
        """
        declared = parameter(key)
        if declared.layer != layer:
            raise ValueError(
                f"contract parameter {key!r} belongs to the {declared.layer} layer, not "
                f"{layer}; write it from the {declared.layer} stack"
            )
        name = self.name(key, **items)
        if declared.sensitive and not has_key:
            raise ValueError(
                f"contract parameter {name} is sensitive: pass key_arn, the layer's platform key"
            )
        if declared.type == "StringList" and not is_list:
            raise TypeError(f"contract parameter {name} is a StringList; pass a list")
        if declared.type == "String" and is_list:
            raise TypeError(f"contract parameter {name} is a String; pass one value")
        return ParameterWrite(
            name=name,
            id=name.removeprefix(self.prefix + "/").replace("/", "-"),
            type="SecureString" if declared.sensitive else declared.type,
            description=declared.description,
            sensitive=declared.sensitive,
        )

    def layer_of(self, name: str) -> str | None:
        """The layer that writes the full parameter ``name``, or ``None`` if no layer does."""
        if not name.startswith(self.prefix + "/"):
            return None
        rest = name[len(self.prefix) + 1 :]
        for declared in CONTRACT_PARAMETERS:
            if _key_pattern(declared.key).match(rest):
                return declared.layer
        return None


def _key_pattern(key: str) -> re.Pattern[str]:
    """``key`` as a regular expression, each ``{item}`` one path segment."""
    parts = _PLACEHOLDER.split(key)
    # split() alternates literal text and placeholder names.
    body = "".join(
        re.escape(part) if index % 2 == 0 else "[a-z0-9_-]+" for index, part in enumerate(parts)
    )
    return re.compile(f"^{body}$")


CLUSTER_LAYER_ENABLED = "enabled"
CLUSTER_LAYER_DISABLED = "disabled"


def cluster_layer_state(config: EnvironmentConfig) -> str:
    """``compute/cluster-layer``'s value: :data:`CLUSTER_LAYER_ENABLED` where the platform
    synthesizes its ``<env>-cluster`` layer (a GPU pool, so Karpenter, and
    ``cluster_layer.enabled``), else :data:`CLUSTER_LAYER_DISABLED` (the emulator's ``local``).

    A team's pools get Karpenter nodes only where it is enabled: Karpenter runs in the cluster
    and reads their NodePools there."""
    compute = config.compute
    enabled = compute is not None and bool(compute.gpu_pools) and compute.cluster_layer.enabled
    return CLUSTER_LAYER_ENABLED if enabled else CLUSTER_LAYER_DISABLED


NO_TEAM_DEPLOYERS = "-"
"""``compute/team-deployers`` of a platform that registers no team (SSM takes no empty value,
and no team is named ``-``)."""


def team_deployers_state(config: EnvironmentConfig) -> str:
    """``compute/team-deployers``'s value: the registered teams, sorted and comma-separated, or
    :data:`NO_TEAM_DEPLOYERS`. A team's ``GpuPoolProvisioning`` refuses to plan unless its
    team is listed: the platform made its namespace and grants
    (:mod:`~mlplatform.decisions.team_access`)."""
    teams = sorted(config.compute.cluster.team_deployers) if config.compute is not None else []
    return LIST_SEPARATOR.join(teams) or NO_TEAM_DEPLOYERS


def expected_parameters(config: EnvironmentConfig) -> dict[str, str | None]:
    """Every parameter ``config``'s platform layers write, by full name, with the value where
    the environment file determines it (names, lists, kinds) and ``None`` where only the
    deploy knows it (ids, ARNs, endpoints). The verifier checks a deploy against it."""
    naming = Naming.for_environment(config)
    contract = PlatformContract(config.org, config.environment)
    expected: dict[str, str | None] = {}

    def put(key: str, value: str | None = None, **items: str) -> None:
        expected[contract.name(key, **items)] = value

    for layer in (_network, _data, _compute, _ml, _features):
        layer(config, naming, put)
    return expected


class _Put(Protocol):
    """Records one expected parameter: its key template, value (``None``: only the deploy
    knows it) and the items filling the template."""

    def __call__(self, key: str, value: str | None = None, **items: str) -> None: ...


def _network(config: EnvironmentConfig, naming: Naming, put: _Put) -> None:
    put("network/vpc-id")
    put("network/vpc-cidr", config.network.cidr)
    put("network/private-subnet-ids")
    put("network/availability-zones", LIST_SEPARATOR.join(config.used_availability_zones))
    put("network/s3-prefix-list-id")
    put("network/dynamodb-prefix-list-id")


def _data(config: EnvironmentConfig, naming: Naming, put: _Put) -> None:
    lake = config.data_lake
    put("data/zones", LIST_SEPARATOR.join(lake.zones))
    put("data/key-arn")
    for zone in lake.zones:
        bucket = naming.bucket("datalake", zone)
        put("data/zones/{zone}/bucket-name", bucket, zone=zone)
        put("data/zones/{zone}/bucket-arn", zone=zone)
        put("data/zones/{zone}/glue-database", naming.glue_database("datalake", zone), zone=zone)
    if lake.athena_workgroup:
        put("data/athena-workgroup", naming.resource("analytics"))
        put("data/athena-results-bucket-arn")


def _compute(config: EnvironmentConfig, naming: Naming, put: _Put) -> None:
    if config.compute is None:
        return
    put("compute/cluster-name", naming.resource("eks"))
    for key in ("cluster-endpoint", "oidc-provider-arn", "oidc-issuer-url", "node-role-arn"):
        put(f"compute/{key}")
    put("compute/cluster-security-group-id")
    put("compute/cluster-certificate-authority")
    put("compute/cluster-layer", cluster_layer_state(config))
    put("compute/team-deployers", team_deployers_state(config))
    if config.compute.gpu_pools:
        put("compute/karpenter/node-role-arn")
        put("compute/karpenter/instance-profile-name", naming.iam("karpenter", "node"))


def _ml(config: EnvironmentConfig, naming: Naming, put: _Put) -> None:
    if config.ml is None:
        return
    families = config.ml.registry.model_families
    names = registry_names(naming, families)
    put("ml/registry/bucket-name", names["bucket"])
    put("ml/registry/bucket-arn")
    put("ml/registry/table-name", names["table"])
    put("ml/registry/table-arn")
    put("ml/registry/key-arn")
    put("ml/registry/families", LIST_SEPARATOR.join(families))
    for family in families:
        repository = names[f"repository:{family}"]
        put("ml/registry/families/{family}/repository-name", repository, family=family)
        put("ml/registry/families/{family}/repository-arn", family=family)
        put("ml/registry/families/{family}/repository-url", family=family)
        group = names[f"group:{family}"]
        put("ml/registry/families/{family}/package-group-name", group, family=family)
    put("ml/alarm-topic-arn")


def _features(config: EnvironmentConfig, naming: Naming, put: _Put) -> None:
    """The offline half is the data layer's; the online half, the ml layer's (with one)."""
    store = config.feature_store
    if store is None:
        return
    groups = tuple(store.feature_groups)
    features = feature_store_names(naming, store)
    put("features/groups", LIST_SEPARATOR.join(groups))
    put("features/offline-database", naming.glue_database("datalake", "features"))
    for group in groups:
        table = features[f"offline_table:{group}"]
        put("features/groups/{group}/offline-table", table, group=group)
    if config.ml is None:
        return
    put("features/online-store", store.online_store.type)
    if store.dynamodb is not None:
        for group in groups:
            table = features[f"online_table:{group}"]
            put("features/groups/{group}/online-table-name", table, group=group)
    if store.redis is not None:
        for key in ("endpoint", "reader-endpoint", "port"):
            put(f"features/redis/{key}")
        nodes = FeatureStoreMetrics.for_store(naming, store).node_ids
        put("features/redis/node-ids", LIST_SEPARATOR.join(nodes))
        for user in REDIS_USERS:
            put("features/redis/users/{user}/secret-arn", user=user)
