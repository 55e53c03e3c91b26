"""An alarm on a Pulumi component's ``metric_*`` helper is cdktf's alarm on the same helper.

A team program on the platform contract imports the cluster, the lake and the feature
store with ``from_environment``, makes a GPU pool on the cluster, and hangs one alarm off
a helper of each (the cluster's and the lake's are specs of names read from SSM, so
``Output`` specs; the pool's a Metrics Insights query divided by GPUs per node; the
store's a DynamoDB table read from the contract). The cdktf ``TeamStack`` with the same
importers and ``Alarm``s synthesizes the same ``aws_cloudwatch_metric_alarm`` for each,
field by field, once both read the values the cdktf-synthesized ``dev`` platform
writes. The platform's own components, whose names the platform decides, hand out the
very specs cdktf's constructs do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cdktf import App

from mlplatform.config import EnvironmentConfig, GpuPoolProps
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.compute_cluster import ComputeCluster as CdktfComputeCluster
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.constructs.feature_store import FeatureStore as CdktfFeatureStore
from mlplatform.constructs.gpu_pool import GpuTrainingPool as CdktfGpuTrainingPool
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.metrics import MetricSpec, QuerySpec, Watchable
from mlplatform.decisions.naming import Naming
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.alarm import OutputWatchable, alarm
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.feature_store import FeatureStore
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.normalise import Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.test_contract import team_config_for

STACK = "dev-ranking-training"
POOL = GpuPoolProps(instance_types=("g6e.12xlarge", "g6e.24xlarge"), capacity="spot", max_nodes=2)
"""Four NVIDIA L40S GPUs a node: the node count is the query over 4."""

ALARMS = {
    # kind: (alarm name, threshold)
    "compute-cluster": ("mlp-dev-ranking-pending-pods", 10.0),
    "gpu-pool": ("mlp-dev-ranking-pool-nodes", 2.0),
    "data-lake": ("mlp-dev-ranking-features-size", 1e12),
    "feature-store": ("mlp-dev-ranking-read-latency", 50.0),
}


def cdktf_team_stack(outdir: Path, config: EnvironmentConfig) -> dict[str, Any]:
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team_config_for(config), "training")
    cluster = CdktfComputeCluster.from_environment(stack, "platform-cluster")
    pool = CdktfGpuTrainingPool(stack, "ranking", cluster=cluster, props=POOL)
    lake = CdktfDataLake.from_environment(stack, "platform-lake")
    store = CdktfFeatureStore.from_environment(stack, "platform-features", groups=["ranker"])
    specs: dict[str, Watchable] = {
        "compute-cluster": cluster.metric_pending_pods(),
        "gpu-pool": pool.metric_nodes(),
        "data-lake": lake.metric_bucket_size("features"),
        "feature-store": store.metric_read_latency("ranker"),
    }
    for kind, spec in specs.items():
        name, threshold = ALARMS[kind]
        Alarm(stack, f"{kind}-alarm", metric=spec, threshold=threshold, name=name, summary=kind)
    app.synth()
    result: dict[str, Any] = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    return result


def team_program(config: EnvironmentConfig) -> None:
    layer = TeamLayer(team_config_for(config), "training")
    cluster = ComputeCluster.from_environment(layer, "platform-cluster")
    pool = GpuTrainingPool(layer, layer, "ranking", cluster=cluster, props=POOL)
    lake = DataLake.from_environment(layer, "platform-lake")
    store = FeatureStore.from_environment(layer, "platform-features", groups=["ranker"])
    specs: dict[str, OutputWatchable] = {
        "compute-cluster": cluster.metric_pending_pods(),
        "gpu-pool": pool.metric_nodes(),
        "data-lake": lake.metric_bucket_size("features"),
        "feature-store": store.metric_read_latency("ranker"),
    }
    for kind, spec in specs.items():
        name, threshold = ALARMS[kind]
        alarm(
            layer.child(f"{kind}-alarm"),
            metric=spec,
            threshold=threshold,
            name=name,
            summary=kind,
            opts=layer.options(),
        )


@pytest.fixture(scope="module")
def platform(synthesized: Path) -> dict[str, str]:
    return contract_values(synthesized, "dev")


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory,
    loader: EnvironmentLoader,
    platform: dict[str, str],
) -> tuple[Normalised, Normalised, Recording]:
    config = loader.load("dev")
    recording = Recorder.run(lambda: team_program(config), parameters=platform)
    document = cdktf_team_stack(tmp_path_factory.mktemp("metrics"), config)
    return from_cdktf({STACK: document}, parameters=platform), from_pulumi(recording), recording


def test_the_alarmed_team_program_matches_the_cdktf_team_stack(
    both: tuple[Normalised, Normalised, Recording],
) -> None:
    cdktf, pulumi, _ = both
    assert first_difference(cdktf, pulumi) is None


@pytest.mark.parametrize("kind", sorted(ALARMS))
def test_an_alarm_on_each_kinds_helper_is_cdktfs_alarm(
    both: tuple[Normalised, Normalised, Recording], platform: dict[str, str], kind: str
) -> None:
    cdktf, pulumi, _ = both
    key = ("aws_cloudwatch_metric_alarm", ALARMS[kind][0])
    assert key in pulumi.resources and key in cdktf.resources
    assert pulumi.resources[key].config == cdktf.resources[key].config
    config = pulumi.resources[key].config
    # The names read from the contract are in the alarm, resolved.
    cluster = platform["/mlp/dev/platform/compute/cluster-name"]
    if kind == "compute-cluster":
        assert config["dimensions"] == {"ClusterName": cluster}
        assert "statistic" in config and "metric_query" not in config
    elif kind == "gpu-pool":
        queries = config["metric_query"]
        assert f"ClusterName = '{cluster}'" in queries[0]["expression"]
        assert queries[1]["expression"] == "q1 / 4"
        assert "namespace" not in config and "dimensions" not in config
    elif kind == "data-lake":
        bucket = platform["/mlp/dev/platform/data/zones/features/bucket-name"]
        assert config["dimensions"]["BucketName"] == bucket
    else:
        table = platform["/mlp/dev/platform/features/groups/ranker/online-table-name"]
        assert config["dimensions"]["TableName"] == table
        assert config["extended_statistic"] == "p99" and "statistic" not in config


def test_a_refused_helper_fails_when_called_not_at_apply(
    loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    """A zone, group or Redis metric the import cannot have is refused in the program."""
    config = loader.load("dev")
    errors: list[str] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "training")
        lake = DataLake.from_environment(layer, "platform-lake", zones=["features"])
        store = FeatureStore.from_environment(layer, "platform-features", groups=["ranker"])
        helpers: list[Callable[[], object]] = [
            lambda: store.metric_read_latency("clicks"),
            store.metric_evictions,
            lambda: lake.metric_object_count("Raw Zone"),
        ]
        for helper in helpers:
            with pytest.raises(ValueError) as refused:
                helper()
            errors.append(str(refused.value))

    Recorder.run(program, parameters=platform)
    assert "no feature group 'clicks'" in errors[0]
    assert "metric_evictions() is a Redis metric" in errors[1]
    assert "Raw Zone" in errors[2]


def test_the_platforms_own_components_hand_out_cdktfs_specs(loader: EnvironmentLoader) -> None:
    """Names the platform decides are plain strings on both engines: the same spec values."""
    config = loader.load("dev")
    naming = Naming.for_environment(config)
    props = config.feature_store
    assert props is not None
    expected = FeatureStoreMetrics.for_store(naming, props)
    seen: dict[str, Watchable] = {}

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "training")
        lake = DataLake.from_names(layer, "lake", naming=naming)
        store = FeatureStore.from_names(layer, "features", props=props, lake=lake, naming=naming)
        seen["latency"] = store.metric_read_latency("ranker")
        seen["throttles"] = store.metric_read_throttles("ranker")
        seen["size"] = lake.metric_bucket_size("raw")

    Recorder.run(program)
    assert seen["latency"] == expected.read_latency("ranker")
    assert seen["throttles"] == expected.read_throttles("ranker")
    assert isinstance(seen["size"], MetricSpec)
    assert seen["size"].dimension_map["BucketName"] == naming.bucket("datalake", "raw")
    assert not isinstance(seen["latency"], QuerySpec)
