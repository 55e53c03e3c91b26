"""mlplatform: CDK for Terraform constructs and per-environment stacks for an ML platform on AWS.

The public API is listed in ``__all__``. Constructs and stacks import the
prebuilt AWS bindings (seconds, hundreds of MB), so they load lazily on first
use: ``from mlplatform import EnvironmentLoader`` stays fast enough for a CLI.

Importing the package sets two process defaults a team app wants, each only
if unset: jsii's end-of-life Node banner (11 lines on every run) is silenced
when mlplatform is imported before cdktf starts jsii, and mlplatform's own
errors print as one line each instead of a traceback (see
:mod:`mlplatform.errors`; ``MLPLATFORM_TRACEBACK=1`` turns that off).
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from mlplatform.errors import install_excepthook

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
install_excepthook()

if TYPE_CHECKING:  # real types for type checkers; runtime imports stay lazy
    from mlplatform.config import (
        ComputeClusterProps,
        DataLakeProps,
        EnvironmentConfig,
        FeatureGroupProps,
        FeatureStoreProps,
        GpuPoolProps,
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
    from mlplatform.constructs.account_context import AccountContext
    from mlplatform.constructs.alarm import Alarm
    from mlplatform.constructs.alarm_topic import AlarmTopic
    from mlplatform.constructs.budgets import Budgets
    from mlplatform.constructs.compute_cluster import ComputeCluster
    from mlplatform.constructs.dashboard import Dashboard
    from mlplatform.constructs.data_lake import DataLake
    from mlplatform.constructs.feature_store import FeatureStore
    from mlplatform.constructs.feature_tables import FeatureTables
    from mlplatform.constructs.gpu_pool import GpuTrainingPool
    from mlplatform.constructs.gpu_pool_provisioning import GpuPoolProvisioning
    from mlplatform.constructs.imported_compute_cluster import ImportedComputeCluster
    from mlplatform.constructs.imported_data_lake import ImportedDataLake
    from mlplatform.constructs.imported_feature_store import ImportedFeatureStore
    from mlplatform.constructs.imported_model_registry import ImportedModelRegistry
    from mlplatform.constructs.imported_network import ImportedNetwork
    from mlplatform.constructs.karpenter_controller import KarpenterController
    from mlplatform.constructs.model_registry import ModelRegistry
    from mlplatform.constructs.network import Network
    from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
    from mlplatform.constructs.secure_bucket import SecureBucket, SecureBucketProps
    from mlplatform.constructs.serving_endpoint import ServingEndpoint
    from mlplatform.constructs.state_retention import StateRetention
    from mlplatform.decisions.contract import PlatformContract
    from mlplatform.decisions.dashboard import Widget
    from mlplatform.decisions.metrics import MathSpec, MetricSpec, QuerySpec
    from mlplatform.decisions.naming import InvalidNameError, Naming
    from mlplatform.emulator.local_aws import LocalAws
    from mlplatform.errors import ConstructError, MlplatformError
    from mlplatform.guardrails.stack_check import GuardedStack, GuardrailError, Guardrails
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
    "ComputeClusterProps": "mlplatform.config",
    "GpuPoolProps": "mlplatform.config",
    "EnvironmentLoader": "mlplatform.loader",
    "ConfigError": "mlplatform.loader",
    "MlplatformError": "mlplatform.errors",
    "ConstructError": "mlplatform.errors",
    "Naming": "mlplatform.decisions.naming",
    "InvalidNameError": "mlplatform.decisions.naming",
    # what constructs take from each other: protocols and values
    "IRole": "mlplatform.interfaces",
    "IDataLake": "mlplatform.interfaces",
    "IComputeCluster": "mlplatform.interfaces",
    "IModelRegistry": "mlplatform.interfaces",
    "IFeatureStore": "mlplatform.interfaces",
    "VpcPlacement": "mlplatform.interfaces",
    "DataCaptureDestination": "mlplatform.interfaces",
    # what metric helpers return and Alarm/Dashboard take
    "MetricSpec": "mlplatform.decisions.metrics",
    "QuerySpec": "mlplatform.decisions.metrics",
    "MathSpec": "mlplatform.decisions.metrics",
    "Widget": "mlplatform.decisions.dashboard",
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
    "GpuPoolProvisioning": "mlplatform.constructs.gpu_pool_provisioning",
    "StateRetention": "mlplatform.constructs.state_retention",
    "FeatureStore": "mlplatform.constructs.feature_store",
    "FeatureTables": "mlplatform.constructs.feature_tables",
    "KarpenterController": "mlplatform.constructs.karpenter_controller",
    "PlatformKey": "mlplatform.constructs.platform_key",
    "PlatformKeyProps": "mlplatform.constructs.platform_key",
    "AccountContext": "mlplatform.constructs.account_context",
    "Alarm": "mlplatform.constructs.alarm",
    "Dashboard": "mlplatform.constructs.dashboard",
    "Budgets": "mlplatform.constructs.budgets",
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
    "GuardrailError": "mlplatform.guardrails.stack_check",
    "suppress": "mlplatform.guardrails.suppressions",
    # the embedded emulator
    "LocalAws": "mlplatform.emulator.local_aws",
    "TeamStack": "mlplatform.stacks.team_stack",
    "TeamConfig": "mlplatform.config",
    "load_team_config": "mlplatform.loader",
    "PlatformContract": "mlplatform.decisions.contract",
    "ImportedNetwork": "mlplatform.constructs.imported_network",
}

__all__ = [
    "AccountContext",
    "Alarm",
    "AlarmTopic",
    "Budgets",
    "ComputeCluster",
    "ComputeClusterProps",
    "ConfigError",
    "ConstructError",
    "Dashboard",
    "DataCaptureDestination",
    "DataLake",
    "DataLakeProps",
    "EnvironmentConfig",
    "EnvironmentLoader",
    "FeatureGroupProps",
    "FeatureStore",
    "FeatureStoreProps",
    "FeatureTables",
    "GpuPoolProps",
    "GpuPoolProvisioning",
    "GpuTrainingPool",
    "GuardedStack",
    "GuardrailError",
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
    "ImportedNetwork",
    "InvalidNameError",
    "KarpenterController",
    "LocalAws",
    "MathSpec",
    "MetricSpec",
    "MlProps",
    "MlplatformError",
    "ModelRegistry",
    "ModelRegistryProps",
    "Naming",
    "Network",
    "NetworkProps",
    "ObjectLockProps",
    "PlatformApp",
    "PlatformContract",
    "PlatformKey",
    "PlatformKeyProps",
    "PlatformStack",
    "PlatformStacks",
    "QuerySpec",
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
    "Widget",
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
