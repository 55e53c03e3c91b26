"""Environment configuration: one YAML file per environment, validated by frozen models.

Every section is a frozen pydantic model with ``extra="forbid"``, so a typo in a
YAML key is an error naming the key instead of a silently ignored setting. The
section models double as construct props (``NetworkProps``, ``DataLakeProps``):
their defaults are the secure choice, and turning one off is an explicit,
named field in the environment file.

Numbers and booleans are strict: ``max_nodes: "8"`` is rejected rather than
coerced, because a quoted number in YAML is almost always a mistake.

One module per layer, so a reader finds a layer's settings in one screenful
and a change to one layer touches one file:

- ``_base``: the frozen base model and the checks every section shares
- ``tags``, ``network``, ``data_lake``, ``state_backend``, ``retention``: the
  environment's foundations and the ``<env>-network`` and ``<env>-data`` layers
- ``node_group``, ``gpu_pool``, ``compute``: the ``<env>-compute`` layer
- ``cluster_layer``: the ``<env>-cluster`` layer's pinned charts and node images
- ``ml``, ``rollout``: the ``<env>-ml`` layer and how its endpoints deploy
- ``feature_store``: feature groups (offline in ``<env>-data``) and the online store (``<env>-ml``)
- ``observability``: the dashboard, alarm subscriptions and budgets (in ``<env>-ml``)
- ``environment``: :class:`EnvironmentConfig`, and the rules that span layers
- ``team``: :class:`TeamConfig`, a team repo's file (the platform environment it builds on)

Config imports only :mod:`mlplatform.catalogs` (never cdktf or jsii), so
``mlplatform check`` validates a file without loading the AWS bindings.
Import from here: ``from mlplatform.config import GpuPoolProps``.
"""

from __future__ import annotations

from mlplatform.config._base import CLOUDWATCH_RETENTION_DAYS
from mlplatform.config.cluster_layer import ClusterLayerProps
from mlplatform.config.compute import AddonVersionsProps, ComputeClusterProps, ComputeProps
from mlplatform.config.data_lake import DataLakeProps, ObjectLockProps, ReplicationProps
from mlplatform.config.environment import EnvironmentConfig
from mlplatform.config.feature_store import (
    DynamoDbOnlineStoreProps,
    FeatureGroupProps,
    FeatureStoreProps,
    RedisOnlineStoreProps,
)
from mlplatform.config.gpu_pool import AmiFamily, FsxScratchProps, GpuPoolProps
from mlplatform.config.ml import (
    MlProps,
    ModelRegistryProps,
    ServerlessProps,
    ServingEndpointProps,
    VariantProps,
)
from mlplatform.config.network import NetworkProps
from mlplatform.config.node_group import CpuNodeGroupProps
from mlplatform.config.observability import (
    BudgetsProps,
    ObservabilityProps,
    SubscriptionsProps,
    TeamBudgetProps,
)
from mlplatform.config.retention import RetentionProps
from mlplatform.config.rollout import RolloutProps
from mlplatform.config.state_backend import StateBackendConfig
from mlplatform.config.tags import TagsConfig
from mlplatform.config.team import PlatformEnvironmentRef, TeamConfig, TeamProps

__all__ = [
    "CLOUDWATCH_RETENTION_DAYS",
    "AddonVersionsProps",
    "AmiFamily",
    "BudgetsProps",
    "ClusterLayerProps",
    "ComputeClusterProps",
    "ComputeProps",
    "CpuNodeGroupProps",
    "DataLakeProps",
    "DynamoDbOnlineStoreProps",
    "EnvironmentConfig",
    "FeatureGroupProps",
    "FeatureStoreProps",
    "FsxScratchProps",
    "GpuPoolProps",
    "MlProps",
    "ModelRegistryProps",
    "NetworkProps",
    "ObjectLockProps",
    "ObservabilityProps",
    "PlatformEnvironmentRef",
    "RedisOnlineStoreProps",
    "ReplicationProps",
    "RetentionProps",
    "RolloutProps",
    "ServerlessProps",
    "ServingEndpointProps",
    "StateBackendConfig",
    "SubscriptionsProps",
    "TagsConfig",
    "TeamBudgetProps",
    "TeamConfig",
    "TeamProps",
    "VariantProps",
]
