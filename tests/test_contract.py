"""The platform contract: names declared once, each written by one layer, every read one written.

The cross-checks run on synthesized JSON of all four environments: what the
platform's layers write (``aws_ssm_parameter`` resources) against what a team
stack that uses every importer reads (``aws_ssm_parameter`` data sources).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformOutput, TerraformStack, Testing

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.config import EnvironmentConfig, TeamConfig
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.contract_parameters import ContractParameters
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.feature_store import FeatureStore
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.network import Network
from mlplatform.decisions.contract import (
    CONTRACT_PARAMETERS,
    PlatformContract,
    cluster_layer_state,
    expected_parameters,
    parameter,
)
from mlplatform.decisions.contract_items import (
    FEATURE_GROUPS,
    LAKE_ZONES,
    REGISTRY_FAMILIES,
    ImportedItems,
)
from mlplatform.decisions.naming import PLATFORM_LAYERS
from mlplatform.loader import EnvironmentLoader
from mlplatform.stacks.team_stack import TeamStack
from tests.conftest import environment_names, stack_dirs


def _document(stack: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((stack / "cdk.tf.json").read_text())
    return document


def written(synthesized: Path, environment: str) -> dict[str, str]:
    """Every contract parameter the environment's layers write: name -> layer (stack)."""
    names: dict[str, str] = {}
    for stack in stack_dirs(synthesized, environment):
        layer = stack.name.removeprefix(f"{environment}-")
        for resource in _document(stack).get("resource", {}).get("aws_ssm_parameter", {}).values():
            assert resource["name"] not in names, f"{resource['name']} written twice"
            names[resource["name"]] = layer
    return names


def team_config_for(config: EnvironmentConfig) -> TeamConfig:
    """A team on ``config``'s platform environment."""
    return TeamConfig.model_validate(
        {
            "platform": {
                "org": config.org,
                "environment": config.environment,
                "region": config.region,
                "account_id": config.account_id,
                "emulator": config.emulator,
                "bucket_suffix": config.bucket_suffix,
            },
            "team": {"name": "ranking", "cost_center": "ranking-ml", "owners": ["a@example.com"]},
        }
    )


def team_reading_everything(config: EnvironmentConfig, outdir: Path) -> dict[str, Any]:
    """A team stack that asks every importer for everything ``config``'s platform has."""
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "everything")
    zones = config.data_lake.zones
    lake = DataLake.from_environment(stack, "lake", zones=zones)
    values: dict[str, Any] = {
        "zones": lake.all_zones,
        "key": lake.key_arn,
        **{f"bucket-{z}": lake.bucket_name(z) for z in zones},
        **{f"arn-{z}": lake.bucket_arn(z) for z in zones},
        **{f"db-{z}": lake.database_name(z) for z in zones},
    }
    placement = Network.from_environment(stack, "network").placement()
    values.update(vpc=placement.vpc_id, cidr=placement.vpc_cidr, pl=placement.s3_prefix_list_id)
    values.update(subnets=list(placement.private_subnet_ids), dpl=placement.dynamodb_prefix_list_id)
    values["az"] = list(placement.availability_zones)
    if config.compute is not None:
        cluster = ComputeCluster.from_environment(stack, "cluster")
        values.update(cluster=cluster.cluster_name, sg=cluster.cluster_security_group_id)
        values.update(oidc=cluster.oidc_provider_arn, node=cluster.node_role_arn)
        values["endpoint"] = cluster.cluster_endpoint
        values.update(ca=cluster.certificate_authority_data, layer=cluster.cluster_layer)
        values["team-deployers"] = cluster.team_deployers
        if config.compute.gpu_pools:
            values["karpenter-node"] = cluster.karpenter_node_role_arn
            values["karpenter-profile"] = cluster.karpenter_instance_profile_name
    if config.ml is not None:
        families = config.ml.registry.model_families
        registry = ModelRegistry.from_environment(stack, "registry", families=families)
        values.update(families=registry.all_families, bucket=registry.bucket_name)
        values.update(table=registry.table_name, table_arn=registry.table_arn)
        values.update(registry_key=registry.key_arn, artifacts=registry.bucket_arn)
        for family in families:
            values[f"repo-{family}"] = registry.repository_url(family)
            values[f"repo-arn-{family}"] = registry.repository_arn(family)
            values[f"group-{family}"] = registry.package_group_name(family)
            values[f"repo-name-{family}"] = registry.repository_name(family)
        values["topic"] = stack.platform_value("ml/alarm-topic-arn")
    store_config = config.feature_store
    if store_config is not None:
        groups = tuple(store_config.feature_groups)
        kind = store_config.online_store.type
        store = FeatureStore.from_environment(
            stack,
            "features",
            lake=lake,
            groups=groups,
            online_store=kind,
            offline_queries=config.data_lake.athena_workgroup,
        )
        values.update(groups=store.all_groups, database=store.offline_database)
        values.update({f"offline-{g}": store.offline_table_name(g) for g in groups})
        if kind == "dynamodb":
            values.update({f"online-{g}": store.online_table_name(g) for g in groups})
        else:
            values.update(redis=store.redis_endpoint, reader=store.redis_reader_endpoint)
            values["port"] = store.redis_port
            # The cache's metrics read its nodes.
            values["evictions"] = store.metric_evictions().expression
        # The grants read the rest: the workgroup, its results bucket, the Redis secrets.
        role = IamRole(stack, "role", name=stack.naming.iam("role"), assume_role_policy="{}")
        store.grant_materialize(role)
        store.grant_read_offline(role)
        lake.grant_read(role)
    for name, value in values.items():
        TerraformOutput(stack, f"out-{name}", value=value)
    app.synth()
    return _document(outdir / "stacks" / stack.node.id)


def test_every_parameter_is_declared_once_by_a_platform_layer() -> None:
    keys = Counter(p.key for p in CONTRACT_PARAMETERS)
    assert [k for k, n in keys.items() if n > 1] == []
    assert {p.layer for p in CONTRACT_PARAMETERS} <= set(PLATFORM_LAYERS)
    # Nothing is secret, so no parameter is a SecureString (see the module's docstring).
    assert [p.key for p in CONTRACT_PARAMETERS if p.sensitive] == []
    assert {p.type for p in CONTRACT_PARAMETERS} == {"String", "StringList"}


def test_names_fill_their_items_and_refuse_what_ssm_or_the_contract_would_not() -> None:
    contract = PlatformContract("mlp", "dev")

    assert contract.name("data/zones/{zone}/bucket-arn", zone="raw") == (
        "/mlp/dev/platform/data/zones/raw/bucket-arn"
    )
    assert contract.layer_of("/mlp/dev/platform/data/zones/raw/bucket-arn") == "data"
    assert contract.layer_of("/mlp/prod/platform/data/zones/raw/bucket-arn") is None
    with pytest.raises(ValueError, match=r"needs \['zone'\], got none"):
        contract.name("data/zones/{zone}/bucket-arn")
    with pytest.raises(ValueError, match="zone 'Raw zone' must be lowercase"):
        contract.name("data/zones/{zone}/bucket-arn", zone="Raw zone")
    with pytest.raises(KeyError, match="not a parameter of the platform contract"):
        parameter("data/no-such-thing")


def test_a_layer_cannot_write_another_layers_parameter(tmp_path: Path) -> None:
    stack = Testing.app(outdir=str(tmp_path))
    writer = ContractParameters(
        stack, "contract", contract=PlatformContract("mlp", "dev"), layer="data"
    )

    with pytest.raises(ValueError, match="belongs to the network layer, not data"):
        writer.put("network/vpc-id", "vpc-1")
    writer.put("data/key-arn", "arn:aws:kms:us-east-1:111111111111:key/1")
    with pytest.raises(ValueError, match="written twice"):
        writer.put("data/key-arn", "arn:aws:kms:us-east-1:111111111111:key/1")
    with pytest.raises(TypeError, match="is a StringList; pass a list"):
        writer.put("data/zones", "raw")


@pytest.mark.parametrize("environment", environment_names())
def test_each_layer_writes_its_own_parameters_and_every_one_it_must(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    config = loader.load(environment)
    contract = PlatformContract(config.org, config.environment)
    names = written(synthesized, environment)

    for name, layer in names.items():
        assert contract.layer_of(name) == layer, f"{name} written by {layer}"
    # Exactly what the environment file implies (every zone, family and group it has).
    assert sorted(names) == sorted(expected_parameters(config))


@pytest.mark.parametrize("environment", environment_names())
def test_every_parameter_a_team_reads_is_written_by_the_platform(
    synthesized: Path, loader: EnvironmentLoader, environment: str, tmp_path: Path
) -> None:
    config = loader.load(environment)
    team = team_reading_everything(config, tmp_path)

    read = {source["name"] for source in team["data"]["aws_ssm_parameter"].values()}
    names = written(synthesized, environment)
    assert sorted(read - set(names)) == []
    # ...and the importers can read every parameter the platform writes.
    assert sorted(set(names) - read) == []


def test_the_values_written_are_the_resources_themselves(synthesized: Path) -> None:
    network = _document(synthesized / "dev-network")["resource"]
    written_values = {p["name"]: p["insecure_value"] for p in network["aws_ssm_parameter"].values()}
    [vpc] = network["aws_vpc"]
    assert written_values["/mlp/dev/platform/network/vpc-id"] == f"${{aws_vpc.{vpc}.id}}"
    subnets = written_values["/mlp/dev/platform/network/private-subnet-ids"]
    assert subnets.startswith('${join(",", [aws_subnet.network_private-0_')
    zones = written_values["/mlp/dev/platform/network/availability-zones"]
    assert zones == '${join(",", ["us-east-1a", "us-east-1b"])}'


def test_a_sensitive_parameter_would_be_a_securestring_under_the_layers_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import mlplatform.decisions.contract as decisions
    from mlplatform.decisions.contract import Parameter

    secret = Parameter("data/key-arn", "data", "a value that would be secret", sensitive=True)
    # Both engines' writers take the parameter's facts from the shared decision.
    monkeypatch.setattr(decisions, "parameter", lambda key: secret)
    stack = TerraformStack(Testing.app(outdir=str(tmp_path)), "data")
    writer = ContractParameters(
        stack, "contract", contract=PlatformContract("mlp", "dev"), layer="data"
    )

    with pytest.raises(ValueError, match="is sensitive: pass key_arn, the layer's platform key"):
        writer.put("data/key-arn", "x")
    writer.put("data/key-arn", "x", key_arn="arn:aws:kms:us-east-1:111111111111:key/data")
    [written] = json.loads(Testing.synth(stack))["resource"]["aws_ssm_parameter"].values()
    assert written["type"] == "SecureString"
    assert written["key_id"] == "arn:aws:kms:us-east-1:111111111111:key/data"
    assert written["value"] == "x" and "insecure_value" not in written


def test_the_compute_layer_publishes_what_a_team_needs_to_give_karpenter_a_pool(
    synthesized: Path, loader: EnvironmentLoader
) -> None:
    """The CA for Helm, Karpenter's own node role and instance profile (not the managed node
    groups' role), and whether the platform runs Karpenter at all."""
    compute = _document(synthesized / "dev-compute")["resource"]
    values = {p["name"]: p["insecure_value"] for p in compute["aws_ssm_parameter"].values()}
    prefix = "/mlp/dev/platform/compute"
    [cluster] = compute["aws_eks_cluster"]
    assert values[f"{prefix}/cluster-certificate-authority"] == (
        f"${{aws_eks_cluster.{cluster}.certificate_authority[0].data}}"
    )
    [profile] = compute["aws_iam_instance_profile"]
    assert values[f"{prefix}/karpenter/instance-profile-name"] == (
        f"${{aws_iam_instance_profile.{profile}.name}}"
    )
    karpenter_role = compute["aws_iam_instance_profile"][profile]["role"]
    node_role = values[f"{prefix}/karpenter/node-role-arn"]
    assert node_role == karpenter_role.replace(".name}", ".arn}")
    # compute/node-role-arn is the managed node groups' role, another role than Karpenter's.
    assert values[f"{prefix}/node-role-arn"] != node_role
    assert values[f"{prefix}/cluster-layer"] == "enabled"

    dev, local = loader.load("dev"), loader.load("local")
    assert (cluster_layer_state(dev), cluster_layer_state(local)) == ("enabled", "disabled")
    expected = expected_parameters(dev)
    assert expected[f"{prefix}/karpenter/instance-profile-name"] == "mlp-dev-karpenter-node"
    assert expected[f"{prefix}/cluster-layer"] == "enabled"
    assert expected_parameters(local)["/mlp/local/platform/compute/cluster-layer"] == "disabled"
    # A platform without GPU pools has no Karpenter: nothing of it in the contract.
    no_pools = dev.model_copy(
        update={"compute": dev.compute.model_copy(update={"gpu_pools": {}})}  # type: ignore[union-attr]
    )
    assert cluster_layer_state(no_pools) == "disabled"
    assert not [n for n in expected_parameters(no_pools) if "/karpenter/" in n]


@pytest.mark.parametrize("environment", environment_names())
def test_the_ml_layer_publishes_the_redis_nodes_only_with_a_redis_store(
    synthesized: Path, loader: EnvironmentLoader, environment: str
) -> None:
    """features/redis/node-ids: the replication group's nodes, primary and replicas, as the
    platform's own metrics query them; what the verifier expects and the ml layer writes."""
    config = loader.load(environment)
    name = f"/mlp/{environment}/platform/features/redis/node-ids"
    expected = expected_parameters(config)
    store = config.feature_store
    if store is None or store.redis is None:
        assert name not in expected
        assert name not in written(synthesized, environment)
        return
    nodes = [f"mlp-{environment}-features-{i:03d}" for i in range(1, store.redis.replicas + 2)]
    assert expected[name] == ",".join(nodes)
    assert parameter("features/redis/node-ids").type == "StringList"
    ml = _document(synthesized / f"{environment}-ml")["resource"]["aws_ssm_parameter"]
    [written_value] = [p["insecure_value"] for p in ml.values() if p["name"] == name]
    assert written_value == '${join(",", [' + ", ".join(f'"{n}"' for n in nodes) + "])}"


def test_a_team_reads_the_provisioning_values_only_when_it_asks(
    tmp_path: Path, loader: EnvironmentLoader
) -> None:
    """A team that never provisions pools reads none of them (a platform without GPU pools
    writes no Karpenter parameters, so reading them would fail its plan)."""
    app = App(outdir=str(tmp_path))
    stack = TeamStack(app, team_config_for(loader.load("dev")), "lazy")
    cluster = ComputeCluster.from_environment(stack, "cluster")
    TerraformOutput(stack, "name", value=cluster.cluster_name)
    app.synth()
    sources = _document(tmp_path / "stacks" / stack.node.id)["data"]["aws_ssm_parameter"]
    read = {source["name"] for source in sources.values()}
    assert not {n for n in read if "karpenter" in n or "certificate" in n or "layer" in n}
    assert cluster.reads_contract


@pytest.mark.parametrize(
    ("items", "unknown", "fix"),
    [
        (LAKE_ZONES, "the imported lake does not know the platform's zones", "zones= to DataLake"),
        (
            REGISTRY_FAMILIES,
            "the imported registry does not know the platform's model families",
            "families= to ModelRegistry",
        ),
        (
            FEATURE_GROUPS,
            "the imported feature store does not know the platform's groups",
            "groups= to FeatureStore",
        ),
    ],
)
def test_a_contract_importer_takes_the_named_items_or_every_known_one_or_says_how(
    items: ImportedItems, unknown: str, fix: str
) -> None:
    contract = PlatformContract("mlp", "dev")
    assert items.choose(contract, "stack/x", "at synth time", "ranker", ()) == ("ranker",)
    assert items.choose(contract, "stack/x", "at synth time", ["a", "b"], ()) == ("a", "b")
    assert items.choose(contract, "stack/x", "before preview", None, ("a",)) == ("a",)
    with pytest.raises(ValueError) as error:
        items.choose(contract, "stack/x", "before preview", None, ())
    assert str(error.value).startswith(f"stack/x: {unknown} before preview; name ")
    assert fix in str(error.value)
    with pytest.raises(ValueError):
        items.choose(contract, "stack/x", "at synth time", "not a name!", ())
