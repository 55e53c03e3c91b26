"""A ranking team's own stack, in the team's repo, composed from mlplatform.

The team owns only its pipeline role. The data lake belongs to the platform
and is referenced by its names (``DataLake.from_environment``), so the grant
adds least-privilege S3 and KMS statements without copying platform code or
owning platform resources. ``PlatformStack`` gives the team's stack the
platform's state backend (key ``<env>/ranking-features.tfstate``), provider
tags and guardrails.

    python examples/team_feature_pipeline.py environments/dev.yaml   # writes cdktf.out/
"""

from __future__ import annotations

import json
import sys

from cdktf import App, TerraformOutput
from constructs import Construct

from mlplatform import DataLake, EnvironmentConfig, EnvironmentLoader, PlatformStack
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.decisions.policies import service_trust_policy


class FeaturePipelineStack(PlatformStack):
    """A Glue job role that reads the raw zone and writes the features zone."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config, "ranking-features")
        lake = DataLake.from_environment(self, "platform-lake", naming=self.naming)
        role = IamRole(
            self,
            "pipeline-role",
            name=self.naming.iam("ranking", "features"),
            assume_role_policy=json.dumps(
                service_trust_policy("glue.amazonaws.com", config.account_id)
            ),
        )
        lake.grant_read(role, "raw")
        lake.grant_write(role, "features")
        TerraformOutput(self, "pipeline_role_arn", value=role.arn)


if __name__ == "__main__":
    app = App()
    FeaturePipelineStack(app, EnvironmentLoader().load(sys.argv[1] if len(sys.argv) > 1 else "dev"))
    app.synth()
