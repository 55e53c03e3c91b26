"""What constructs take from each other: protocols every owned and imported component satisfies.

Each component has one protocol (``IDataLake``, ``IComputeCluster``,
``IModelRegistry``) that the platform's construct and its importer both
satisfy. mypy checks this file (``make lint``), so the calls typed against the
protocols below are the static proof; the member checks are the runtime one.

A grant reads a role's ``name`` and ``node``, nothing else, so a role from the
prebuilt bindings or a team's own object works as well as the generated
``IamRole`` (``tests/test_prebuilt_mix_in.py`` grants to a prebuilt one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformStack, Testing
from constructs import Construct, Node
from typing_extensions import get_protocol_members

from mlplatform.config import ComputeClusterProps, ModelRegistryProps
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.imported_compute_cluster import ImportedComputeCluster
from mlplatform.constructs.imported_data_lake import ImportedDataLake
from mlplatform.constructs.imported_model_registry import ImportedModelRegistry
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.decisions.naming import Naming
from mlplatform.interfaces import IComputeCluster, IDataLake, IModelRegistry, VpcPlacement

PLACEMENT = VpcPlacement("vpc-0123", "10.20.0.0/16", ("subnet-a",), ("us-east-1a",), "pl-63a5400a")


def _use_lake(lake: IDataLake) -> str:
    return lake.bucket_name("raw")


def _use_cluster(cluster: IComputeCluster) -> str:
    return cluster.cluster_name


def _use_registry(registry: IModelRegistry) -> str:
    return registry.artifact_uri("ranker", "1")


def _assert_has_members(component: object, protocol: type) -> None:
    """Every member of ``protocol`` is on ``component``'s class, a property where it is one."""
    for name in sorted(get_protocol_members(protocol)):
        expected = getattr(protocol, name)
        found = getattr(type(component), name, None)
        assert found is not None, f"{type(component).__name__} has no {name}"
        assert isinstance(found, property) == isinstance(expected, property), name


def test_the_data_lake_and_its_importer_are_both_an_idatalake(
    stack: TerraformStack, naming: Naming
) -> None:
    owned = DataLake(stack, "lake", naming=naming)
    imported = DataLake.from_names(stack, "platform-lake", naming=naming)

    assert isinstance(imported, ImportedDataLake)
    _use_lake(owned)
    _use_lake(imported)
    _assert_has_members(owned, IDataLake)
    _assert_has_members(imported, IDataLake)


def test_the_cluster_and_its_importer_are_both_an_icomputecluster(
    stack: TerraformStack, naming: Naming
) -> None:
    owned = ComputeCluster(
        stack,
        "cluster",
        naming=naming,
        props=ComputeClusterProps(kubernetes_version="1.33", addons=None),
        placement=PLACEMENT,
    )
    imported = ComputeCluster.from_cluster_name(
        stack,
        "platform-cluster",
        naming=naming,
        cluster_name="acme-test-eks",
        oidc_provider_arn="arn:aws:iam::123456789012:oidc-provider/oidc.eks.example/id/X",
        oidc_issuer_url="https://oidc.eks.example/id/X",
        node_role_arn="arn:aws:iam::123456789012:role/acme-test-eks-node",
        placement=PLACEMENT,
    )

    assert isinstance(imported, ImportedComputeCluster)
    _use_cluster(owned)
    _use_cluster(imported)
    _assert_has_members(owned, IComputeCluster)
    _assert_has_members(imported, IComputeCluster)


def test_the_registry_and_its_importer_are_both_an_imodelregistry(
    stack: TerraformStack, naming: Naming
) -> None:
    props = ModelRegistryProps(model_families=("ranker",))
    owned = ModelRegistry(stack, "registry", naming=naming, props=props)
    imported = ModelRegistry.from_names(
        stack, "platform-registry", naming=naming, model_families=["ranker"]
    )

    assert isinstance(imported, ImportedModelRegistry)
    _use_registry(owned)
    _use_registry(imported)
    _assert_has_members(owned, IModelRegistry)
    _assert_has_members(imported, IModelRegistry)


def test_the_protocols_and_values_import_no_engine() -> None:
    """``VpcPlacement`` and friends are plain values: importing them starts no jsii runtime."""
    probe = (
        "import sys, mlplatform.interfaces\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'constructs')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


@dataclass(frozen=True)
class TeamRole:
    """A role as a team's own code hands it over: neither the generated ``IamRole`` nor a construct."""

    name: str
    arn: str
    node: Node


def _team_role(stack: TerraformStack) -> TeamRole:
    holder = Construct(stack, "team-role")
    return TeamRole("team-role", "arn:aws:iam::123456789012:role/team-role", holder.node)


def _policies(stack: TerraformStack) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = json.loads(Testing.synth(stack))["resource"]
    return resources["aws_iam_role_policy"]


def test_lake_grants_accept_a_role_that_is_not_the_generated_iam_role(
    stack: TerraformStack, naming: Naming
) -> None:
    role = _team_role(stack)
    DataLake(stack, "lake", naming=naming).grant_read(role, "raw")
    DataLake.from_names(stack, "platform-lake", naming=naming).grant_write(role, "features")

    policies = _policies(stack)
    assert {p["name"]: p["role"] for p in policies.values()} == {
        "lake-read-raw": "team-role",
        "platform-lake-write-features": "team-role",
    }
    # The policies live beside the role, as they do for a generated one.
    assert all(address.startswith("team-role_") for address in policies)


def test_registry_grants_accept_a_role_that_is_not_the_generated_iam_role(
    stack: TerraformStack, naming: Naming
) -> None:
    role = _team_role(stack)
    props = ModelRegistryProps(model_families=("ranker",))
    ModelRegistry(stack, "registry", naming=naming, props=props).grant_publish(role)
    imported = ModelRegistry.from_names(
        stack, "platform-registry", naming=naming, model_families=["ranker"]
    )
    imported.grant_read(role, "ranker")

    policies = _policies(stack).values()
    assert {p["name"]: p["role"] for p in policies} == {
        "registry-publish-all": "team-role",
        "platform-registry-read-ranker": "team-role",
    }


def test_the_contract_importers_satisfy_the_same_protocols() -> None:
    from cdktf import App

    from mlplatform.config import TeamConfig
    from mlplatform.constructs.feature_store import FeatureStore
    from mlplatform.interfaces import IFeatureStore
    from mlplatform.stacks.team_stack import TeamStack

    config = TeamConfig.model_validate(
        {
            "platform": {
                "org": "mlp",
                "environment": "dev",
                "region": "us-east-1",
                "emulator": True,
            },
            "team": {"name": "ranking", "cost_center": "r", "owners": ["r@example.com"]},
        }
    )
    stack = TeamStack(App(), config, "apps")
    lake = DataLake.from_environment(stack, "lake")
    registry = ModelRegistry.from_environment(stack, "registry")
    cluster = ComputeCluster.from_environment(stack, "cluster")
    features = FeatureStore.from_environment(stack, "features", lake=lake)

    _assert_has_members(lake, IDataLake)
    _assert_has_members(registry, IModelRegistry)
    _assert_has_members(cluster, IComputeCluster)
    _assert_has_members(features, IFeatureStore)
    assert _use_lake(lake).startswith("${TfToken[")
    assert _use_registry(registry).startswith("s3://${TfToken[")


def test_a_lake_by_its_names_takes_the_providers_partition(
    stack: TerraformStack, naming: Naming
) -> None:
    # A team in GovCloud or China gets arn:aws-us-gov:... / arn:aws-cn:... from its provider.
    lake = DataLake.from_names(stack, "platform-lake", naming=naming)
    lake.grant_read(_team_role(stack), "raw")
    [policy] = _policies(stack).values()
    resources = {r for s in json.loads(policy["policy"])["Statement"] for r in _list(s["Resource"])}
    partition = "${data.aws_partition.account-context_partition_81EDF012.partition}"
    assert f"arn:{partition}:s3:::{naming.bucket('datalake', 'raw')}" in resources
    assert not [r for r in resources if r.startswith("arn:aws:")]
    given = ImportedDataLake(stack, "govcloud-lake", naming=naming, partition="aws-us-gov")
    assert given.bucket_arn("raw").startswith("arn:aws-us-gov:s3:::")


def _list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
