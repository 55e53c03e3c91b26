"""mlplatform: CDK for Terraform constructs and per-environment stacks for an ML platform on AWS.

The public API is listed in ``__all__``. Constructs and stacks import the
prebuilt AWS bindings (seconds, hundreds of MB), so they load lazily on first
use: ``from mlplatform import EnvironmentLoader`` stays fast enough for a CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # real types for type checkers; runtime imports stay lazy
    # team repos on the platform contract (issue 12)
    from mlplatform.config import (
        DataLakeProps,
        EnvironmentConfig,
        FeatureGroupProps,
        FeatureStoreProps,
        MlProps,
        ModelRegistryProps,
        NetworkProps,
        ObjectLockProps,
        RetentionProps,
        ServerlessProps,
        ServingEndpointProps,
        TeamConfig,
        VariantProps,
    )
    from mlplatform.constructs.alarm_topic import AlarmTopic
    from mlplatform.constructs.compute_cluster import ComputeCluster
    from mlplatform.constructs.data_lake import DataLake
    from mlplatform.constructs.feature_store import FeatureStore
    from mlplatform.constructs.feature_tables import FeatureTables
    from mlplatform.constructs.gpu_pool import GpuTrainingPool
    from mlplatform.constructs.imported_compute_cluster import ImportedComputeCluster
    from mlplatform.constructs.imported_data_lake import ImportedDataLake
    from mlplatform.constructs.imported_feature_store import ImportedFeatureStore
    from mlplatform.constructs.imported_model_registry import ImportedModelRegistry
    from mlplatform.constructs.imported_network import ImportedNetwork
    from mlplatform.constructs.model_registry import ModelRegistry
    from mlplatform.constructs.network import Network
    from mlplatform.constructs.secure_bucket import SecureBucket, SecureBucketProps
    from mlplatform.constructs.serving_endpoint import ServingEndpoint
    from mlplatform.constructs.state_retention import StateRetention
    from mlplatform.decisions.contract import PlatformContract
    from mlplatform.decisions.naming import Naming
    from mlplatform.emulator.local_aws import LocalAws
    from mlplatform.guardrails.stack_check import GuardedStack, Guardrails
    from mlplatform.guardrails.suppressions import suppress
    from mlplatform.interfaces import (
        DataCaptureDestination,
        IComputeCluster,
        IDataLake,
        IFeatureStore,
        IModelRegistry,
        IRole,
        VpcPlacement,
    )
    from mlplatform.loader import ConfigError, EnvironmentLoader, load_team_config
    from mlplatform.platform_app import PlatformApp
    from mlplatform.stacks.platform_stack import PlatformStack
    from mlplatform.stacks.platform_stacks import PlatformStacks
    from mlplatform.stacks.team_stack import TeamStack

__version__ = "0.2.0"

_EXPORTS = {
    # configuration
    "EnvironmentConfig": "mlplatform.config",
    "NetworkProps": "mlplatform.config",
    "DataLakeProps": "mlplatform.config",
    "ObjectLockProps": "mlplatform.config",
    "MlProps": "mlplatform.config",
    "ModelRegistryProps": "mlplatform.config",
    "ServingEndpointProps": "mlplatform.config",
    "VariantProps": "mlplatform.config",
    "ServerlessProps": "mlplatform.config",
    "RetentionProps": "mlplatform.config",
    "FeatureStoreProps": "mlplatform.config",
    "FeatureGroupProps": "mlplatform.config",
    "EnvironmentLoader": "mlplatform.loader",
    "ConfigError": "mlplatform.loader",
    "Naming": "mlplatform.decisions.naming",
    # what constructs take from each other: protocols and values
    "IRole": "mlplatform.interfaces",
    "IDataLake": "mlplatform.interfaces",
    "IComputeCluster": "mlplatform.interfaces",
    "IModelRegistry": "mlplatform.interfaces",
    "IFeatureStore": "mlplatform.interfaces",
    "VpcPlacement": "mlplatform.interfaces",
    "DataCaptureDestination": "mlplatform.interfaces",
    # constructs
    "Network": "mlplatform.constructs.network",
    "DataLake": "mlplatform.constructs.data_lake",
    "SecureBucket": "mlplatform.constructs.secure_bucket",
    "SecureBucketProps": "mlplatform.constructs.secure_bucket",
    "ModelRegistry": "mlplatform.constructs.model_registry",
    "ServingEndpoint": "mlplatform.constructs.serving_endpoint",
    "AlarmTopic": "mlplatform.constructs.alarm_topic",
    "ComputeCluster": "mlplatform.constructs.compute_cluster",
    "GpuTrainingPool": "mlplatform.constructs.gpu_pool",
    "StateRetention": "mlplatform.constructs.state_retention",
    "FeatureStore": "mlplatform.constructs.feature_store",
    "FeatureTables": "mlplatform.constructs.feature_tables",
    # references to components another stack owns (made by DataLake.from_environment, ...)
    "ImportedFeatureStore": "mlplatform.constructs.imported_feature_store",
    "ImportedDataLake": "mlplatform.constructs.imported_data_lake",
    "ImportedComputeCluster": "mlplatform.constructs.imported_compute_cluster",
    "ImportedModelRegistry": "mlplatform.constructs.imported_model_registry",
    # stacks and app
    "PlatformStack": "mlplatform.stacks.platform_stack",
    "PlatformStacks": "mlplatform.stacks.platform_stacks",
    "PlatformApp": "mlplatform.platform_app",
    # guardrails
    "GuardedStack": "mlplatform.guardrails.stack_check",
    "Guardrails": "mlplatform.guardrails.stack_check",
    "suppress": "mlplatform.guardrails.suppressions",
    # the embedded emulator
    "LocalAws": "mlplatform.emulator.local_aws",
    # team repos on the platform contract (issue 12)
    "TeamStack": "mlplatform.stacks.team_stack",
    "TeamConfig": "mlplatform.config",
    "load_team_config": "mlplatform.loader",
    "PlatformContract": "mlplatform.decisions.contract",
    "ImportedNetwork": "mlplatform.constructs.imported_network",
}

__all__ = [
    "AlarmTopic",
    "ComputeCluster",
    "ConfigError",
    "DataCaptureDestination",
    "DataLake",
    "DataLakeProps",
    "EnvironmentConfig",
    "EnvironmentLoader",
    "FeatureGroupProps",
    "FeatureStore",
    "FeatureStoreProps",
    "FeatureTables",
    "GpuTrainingPool",
    "GuardedStack",
    "Guardrails",
    "IComputeCluster",
    "IDataLake",
    "IFeatureStore",
    "IModelRegistry",
    "IRole",
    "ImportedComputeCluster",
    "ImportedDataLake",
    "ImportedFeatureStore",
    "ImportedModelRegistry",
    # team repos on the platform contract (issue 12)
    "ImportedNetwork",
    "LocalAws",
    "MlProps",
    "ModelRegistry",
    "ModelRegistryProps",
    "Naming",
    "Network",
    "NetworkProps",
    "ObjectLockProps",
    "PlatformApp",
    "PlatformContract",
    "PlatformStack",
    "PlatformStacks",
    "RetentionProps",
    "SecureBucket",
    "SecureBucketProps",
    "ServerlessProps",
    "ServingEndpoint",
    "ServingEndpointProps",
    "StateRetention",
    "TeamConfig",
    "TeamStack",
    "VariantProps",
    "VpcPlacement",
    "load_team_config",
    "suppress",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mlplatform' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
