"""A team's Pulumi program grants against the platform's feature store, as a cdktf team stack.

``FeatureStore.from_names`` imports the store by its names (DynamoDB tables in dev,
the Valkey users' AUTH secrets in prod), beside the imported lake; a team role gets
``grant_read_online``, ``grant_materialize`` and ``grant_read_offline``. The program matches
the same cdktf team stack field by field and creates none of the store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from cdktf import App, TerraformStack

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.constructs.feature_store import FeatureStore as CdktfFeatureStore
from mlplatform.decisions.naming import Naming
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.feature_store import FeatureStore
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.normalise import PROVIDER_KIND, Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import first_difference


def _stack_name(config: EnvironmentConfig) -> str:
    return f"{config.environment}-ranking"


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    assert config.feature_store is not None and config.account_id is not None
    naming = Naming.for_environment(config)
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, _stack_name(config))
    AwsProvider(stack, "aws", region=config.region)
    lake = CdktfDataLake.from_names(stack, "lake", naming=naming)
    store = CdktfFeatureStore.from_names(
        stack,
        "features",
        naming=naming,
        props=config.feature_store,
        lake=lake,
        athena_workgroup=naming.resource("analytics"),
        region=config.region,
        account_id=config.account_id,
    )
    role = IamRole(
        stack, "ranking", name="ranking-features", assume_role_policy=json.dumps({"Statement": []})
    )
    store.grant_read_online(role, "ranker")
    store.grant_materialize(role)
    store.grant_read_offline(role)
    app.synth()
    stacks = outdir / "stacks" / _stack_name(config)
    result: dict[str, Any] = json.loads((stacks / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig) -> None:
    assert config.feature_store is not None and config.account_id is not None
    layer = Layer(config, "ranking")
    lake = DataLake.from_names(layer, "lake")
    store = FeatureStore.from_names(
        layer,
        "features",
        props=config.feature_store,
        lake=lake,
        athena_workgroup=layer.naming.resource("analytics"),
        region=config.region,
        account_id=config.account_id,
    )
    role = aws.iam.Role(
        f"{layer.path}/ranking",
        name="ranking-features",
        assume_role_policy=json.dumps({"Statement": []}),
        opts=layer.options(),
    )
    store.grant_read_online(role, "ranker")
    store.grant_materialize(role)
    store.grant_read_offline(role)


def _resources(normalised: Normalised) -> Normalised:
    return Normalised({k: r for k, r in normalised.resources.items() if k[0] != PROVIDER_KIND})


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_team_grants_match_the_cdktf_team_stack(
    tmp_path: Path, loader: EnvironmentLoader, environment: str
) -> None:
    config = loader.load(environment)
    recording = Recorder.run(lambda: team_program(config))
    assert (
        sorted(r.token for r in recording.custom())
        == ["aws:iam/role:Role"] + ["aws:iam/rolePolicy:RolePolicy"] * 3
    )
    cdktf = _resources(from_cdktf({_stack_name(config): cdktf_team_stack(tmp_path, config)}))
    pulumi = _resources(from_pulumi(recording))
    assert first_difference(cdktf, pulumi) is None
    statements = [
        s
        for (kind, name), r in pulumi.resources.items()
        if kind == "aws_iam_role_policy" and name.startswith("features-read-online-ranker")
        for s in r.config["policy"]["Statement"]
    ]
    sids = {s["Sid"] for s in statements}
    assert ("ReadOnlineStoreAuth" if environment == "prod" else "ReadOnlineFeatures") in sids
