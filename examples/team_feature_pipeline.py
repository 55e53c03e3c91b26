"""A ranking team's own stack, in the team's repo, composed from mlplatform.

The team owns only its pipeline role. The data lake belongs to the platform;
the stack reads it from the platform's contract in SSM
(``DataLake.from_environment``), so the grant adds least-privilege S3 and KMS
statements without a copied ARN or any platform resource. ``TeamStack`` gives
the stack the team's names (``<org>-<env>-ranking-...``), its own tags, its
own state key (``teams/ranking/<env>/features.tfstate``) and the platform's
guardrails; ``team.yaml`` says which platform environment and who the team is.

    python examples/team_feature_pipeline.py examples/team.yaml   # writes cdktf.out/
"""

from __future__ import annotations

import json
import sys

from cdktf import App, TerraformOutput
from constructs import Construct

from mlplatform import DataLake, TeamConfig, TeamStack, load_team_config
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.decisions.policies import service_trust_policy


class FeaturePipelineStack(TeamStack):
    """A Glue job role that reads the raw zone and writes the features zone."""

    def __init__(self, scope: Construct, config: TeamConfig) -> None:
        super().__init__(scope, config, "features")  # state: teams/ranking/<env>/features.tfstate
        lake = DataLake.from_environment(self, "platform-lake")
        role = IamRole(
            self,
            "pipeline-role",
            name=self.naming.iam("pipeline"),  # <org>-<env>-ranking-pipeline
            assume_role_policy=json.dumps(
                service_trust_policy("glue.amazonaws.com", config.platform.account_id)
            ),
        )
        lake.grant_read(role, "raw")
        lake.grant_write(role, "features")
        TerraformOutput(self, "pipeline_role_arn", value=role.arn)


if __name__ == "__main__":
    app = App()
    FeaturePipelineStack(app, load_team_config(sys.argv[1] if len(sys.argv) > 1 else "team.yaml"))
    app.synth()
