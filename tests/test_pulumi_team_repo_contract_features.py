"""A team's Pulumi program reads the platform's feature store from the contract, as cdktf does.

``FeatureStore.from_environment`` on Pulumi reads the offline database and each named
group's offline table and online table (DynamoDB) or the Redis users' secrets, the Athena
workgroup and results bucket, and the lake's key and features zone, from the
``/<org>/<env>/platform/...`` SSM parameters. Its three grants match the cdktf
``TeamStack``'s field by field on ``dev`` (DynamoDB) and ``prod`` (Valkey), once both read
the values the cdktf-synthesized platform writes; and it refuses what cdktf refuses: a
grant without a group when none was named, a bad group name, an unknown kind, and (at
preview, as cdktf's plan) a kind that is not the platform's.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pulumi_aws as aws
import pytest
from cdktf import App

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.feature_store import FeatureStore as CdktfFeatureStore
from mlplatform.decisions.policies import service_trust_policy
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.feature_store import FeatureStore
from mlplatform.pulumi.guardrails import guardrail_findings
from mlplatform.pulumi.normalise import from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from tests.test_contract import team_config_for

Kind = Literal["dynamodb", "redis"]
KINDS: dict[str, Kind] = {"dev": "dynamodb", "prod": "redis"}
TRUST = json.dumps(service_trust_policy("sagemaker.amazonaws.com", None))


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    # Imported here: TeamStack pulls in the cdktf stacks, which only this side needs.
    from mlplatform.stacks.team_stack import TeamStack

    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "serving")
    store = CdktfFeatureStore.from_environment(
        stack, "platform-features", online_store=KINDS[config.environment]
    )
    reader = IamRole(stack, "reader-role", name="mlp-reader", assume_role_policy=TRUST)
    writer = IamRole(stack, "writer-role", name="mlp-writer", assume_role_policy=TRUST)
    store.grant_read_online(reader, "ranker")
    store.grant_read_offline(reader, "ranker")
    store.grant_materialize(writer, "ranker")
    app.synth()
    stack_name = f"{config.environment}-ranking-serving"
    result: dict[str, Any] = json.loads(
        (outdir / "stacks" / stack_name / "cdk.tf.json").read_text()
    )
    return result


def team_program(config: EnvironmentConfig, read: list[str]) -> None:
    layer = TeamLayer(team_config_for(config), "serving")
    store = FeatureStore.from_environment(
        layer, "platform-features", online_store=KINDS[config.environment]
    )
    reader = aws.iam.Role(
        f"{layer.path}/reader-role",
        name="mlp-reader",
        assume_role_policy=TRUST,
        opts=layer.options(),
    )
    writer = aws.iam.Role(
        f"{layer.path}/writer-role",
        name="mlp-writer",
        assume_role_policy=TRUST,
        opts=layer.options(),
    )
    store.grant_read_online(reader, "ranker")
    store.grant_read_offline(reader, "ranker")
    store.grant_materialize(writer, "ranker")
    read.extend(ContractReader.of(layer).names)


@pytest.fixture(scope="module")
def platforms(synthesized: Path) -> dict[str, dict[str, str]]:
    return {env: contract_values(synthesized, env) for env in KINDS}


@pytest.fixture(scope="module")
def recorded(
    loader: EnvironmentLoader, platforms: dict[str, dict[str, str]]
) -> dict[str, tuple[Recording, list[str]]]:
    runs: dict[str, tuple[Recording, list[str]]] = {}
    for env in KINDS:
        read: list[str] = []
        program = partial(team_program, loader.load(env), read)
        runs[env] = (Recorder.run(program, parameters=platforms[env]), read)
    return runs


@pytest.mark.parametrize("env", sorted(KINDS))
def test_the_store_reading_program_matches_the_cdktf_team_stack(
    env: str,
    tmp_path: Path,
    loader: EnvironmentLoader,
    platforms: dict[str, dict[str, str]],
    recorded: dict[str, tuple[Recording, list[str]]],
) -> None:
    recording, read = recorded[env]
    document = cdktf_team_stack(tmp_path, loader.load(env))
    cdktf_read = sorted(s["name"] for s in document["data"]["aws_ssm_parameter"].values())
    assert sorted(read) == cdktf_read
    prefix = f"/mlp/{env}/platform"
    # The Redis nodes are read for a metric only: grants plan on a platform without them.
    assert f"{prefix}/features/redis/node-ids" not in read
    online = (
        {f"{prefix}/features/groups/ranker/online-table-name"}
        if KINDS[env] == "dynamodb"
        else {f"{prefix}/features/redis/users/{u}/secret-arn" for u in ("reader", "writer")}
    )
    assert set(read) >= {
        f"{prefix}/features/offline-database",
        f"{prefix}/features/online-store",
        f"{prefix}/features/groups/ranker/offline-table",
        f"{prefix}/data/athena-workgroup",
        f"{prefix}/data/athena-results-bucket-arn",
        f"{prefix}/data/key-arn",
        f"{prefix}/data/zones/features/bucket-arn",
        *online,
    }
    cdktf = from_cdktf({f"{env}-ranking-serving": document}, parameters=platforms[env])
    pulumi = from_pulumi(recording)
    assert first_difference(cdktf, pulumi) is None
    policies = {
        name: r.config
        for (kind, name), r in pulumi.resources.items()
        if kind == "aws_iam_role_policy"
    }
    assert len(policies) == 3
    (materialize,) = [json.dumps(c) for name, c in policies.items() if "materialize" in name]
    values = platforms[env]
    # The grants name what the contract says, not names the team derived.
    assert values[f"{prefix}/features/groups/ranker/offline-table"] in materialize
    assert values[f"{prefix}/data/athena-results-bucket-arn"] in materialize
    if KINDS[env] == "dynamodb":
        assert values[f"{prefix}/features/groups/ranker/online-table-name"] in materialize
    else:
        assert values[f"{prefix}/features/redis/users/writer/secret-arn"] in materialize
    assert guardrail_findings(recording) == []


def test_the_stores_refusals_are_cdktfs(
    loader: EnvironmentLoader, platforms: dict[str, dict[str, str]]
) -> None:
    config = loader.load("dev")
    errors: list[str] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        role = aws.iam.Role(f"{layer.path}/r", assume_role_policy=TRUST, opts=layer.options())
        store = FeatureStore.from_environment(layer, "features")
        for grant in (
            lambda: store.grant_read_online(role),
            lambda: store.grant_materialize(role, "Ranker features"),
            lambda: FeatureStore.from_environment(layer, "kind", online_store="cassandra"),  # type: ignore[arg-type]
        ):
            with pytest.raises(ValueError) as refused:
                grant()
            errors.append(str(refused.value))

    Recorder.run(program, parameters=platforms["dev"])
    assert "name the group (grant_read_online(role, 'ranker')) or pass groups=" in errors[0]
    assert "'Ranker features'" in errors[1]
    assert "online_store is 'dynamodb' or 'redis'" in errors[2]


def test_a_kind_that_is_not_the_platforms_fails_the_preview(
    loader: EnvironmentLoader, platforms: dict[str, dict[str, str]]
) -> None:
    config = loader.load("dev")

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        FeatureStore.from_environment(layer, "features", groups=("ranker",), online_store="redis")

    with pytest.raises(ValueError) as refused:
        Recorder.run(program, parameters=platforms["dev"])
    assert (
        "the platform's online feature store is not redis; pass online_store= with the "
        "platform's kind to FeatureStore.from_environment"
    ) in str(refused.value)
