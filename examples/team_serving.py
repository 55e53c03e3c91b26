"""A ranking team's serving stack, in the team's repo: an endpoint that reads features online.

The team serves its own ``ranking-reranker`` endpoint from the platform's
model registry (family ``ranker``) and lets the endpoint read the ``ranker``
feature group from the platform's online feature store. The registry, the
feature store and the lake belong to the platform and are referenced by
their names (``ModelRegistry.from_environment``,
``FeatureStore.from_environment``), so the stack owns only the endpoint (its
model, configuration, execution role, log group and alarms) and the grants.
The endpoint's id is the team's own: ``ranker`` would be
``mlp-<env>-serving-ranker``, which the platform's ``<env>-ml`` stack owns.

    python examples/team_serving.py environments/dev.yaml   # writes cdktf.out/
"""

from __future__ import annotations

import sys

from cdktf import App, TerraformOutput
from constructs import Construct

from mlplatform import (
    DataLake,
    EnvironmentConfig,
    EnvironmentLoader,
    FeatureStore,
    ModelRegistry,
    PlatformStack,
    ServingEndpoint,
    ServingEndpointProps,
)


class ServingStack(PlatformStack):
    """A serverless ``ranking-reranker`` endpoint that reads the ``ranker`` features online."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config, "ranking-serving")
        if config.feature_store is None:
            raise ValueError(f"{config.environment}: the platform has no feature store to read")
        registry = ModelRegistry.from_environment(
            self, "platform-registry", naming=self.naming, model_families=["ranker"]
        )
        lake = DataLake.from_environment(self, "platform-lake", naming=self.naming)
        features = FeatureStore.from_environment(
            self, "platform-features", naming=self.naming, props=config.feature_store, lake=lake
        )
        endpoint = ServingEndpoint(
            self,
            "ranking-reranker",
            registry=registry,
            props=ServingEndpointProps.model_validate(
                {
                    "model_package_group": "ranker",
                    # Reads features at request time: its container needs the network.
                    "network_isolation": False,
                    "serverless": {"memory_size_mb": 2048, "max_concurrency": 5},
                    "variants": [{"name": "primary", "model_version": 1, "image_tag": "1.0.0"}],
                }
            ),
        )
        features.grant_read_online(endpoint.execution_role, "ranker")
        TerraformOutput(self, "endpoint_name", value=endpoint.endpoint_name)


if __name__ == "__main__":
    app = App()
    ServingStack(app, EnvironmentLoader().load(sys.argv[1] if len(sys.argv) > 1 else "dev"))
    app.synth()
