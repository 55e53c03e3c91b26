"""A ranking team's serving stack, in the team's repo: an endpoint that reads features online.

The team serves its own ``reranker`` endpoint from the platform's model
registry (family ``ranker``) and lets the endpoint read the ``ranker``
feature group from the platform's online feature store. The registry, the
feature store and the lake belong to the platform; the stack reads them from
the platform's contract in SSM (``ModelRegistry.from_environment``,
``FeatureStore.from_environment``), so it owns only the endpoint (its model,
configuration, execution role, log group and alarms) and the grants. Inside a
``TeamStack`` the endpoint is the team's: ``mlp-<env>-ranking-serving-reranker``,
never a name the platform's ``<env>-ml`` stack owns.

    python examples/team_serving.py examples/team.yaml   # writes cdktf.out/
"""

from __future__ import annotations

import sys

from cdktf import App, TerraformOutput
from constructs import Construct

from mlplatform import (
    DataLake,
    FeatureStore,
    ModelRegistry,
    ServingEndpoint,
    ServingEndpointProps,
    TeamConfig,
    TeamStack,
    load_team_config,
)


class ServingStack(TeamStack):
    """A serverless ``reranker`` endpoint that reads the ``ranker`` features online."""

    def __init__(self, scope: Construct, config: TeamConfig) -> None:
        super().__init__(scope, config, "serving")  # state: teams/ranking/<env>/serving.tfstate
        registry = ModelRegistry.from_environment(self, "platform-registry", families=["ranker"])
        lake = DataLake.from_environment(self, "platform-lake", zones=["features"])
        # dev's online store is DynamoDB (a Redis platform: online_store="redis").
        features = FeatureStore.from_environment(
            self, "platform-features", lake=lake, groups=["ranker"]
        )
        endpoint = ServingEndpoint(
            self,
            "reranker",
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
    ServingStack(app, load_team_config(sys.argv[1] if len(sys.argv) > 1 else "team.yaml"))
    app.synth()
