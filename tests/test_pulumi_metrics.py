"""An alarm on a Pulumi component's ``metric_*`` helper is cdktf's alarm on the same helper.

A team program on the platform contract imports the cluster, the lake and the feature
store with ``from_environment``, makes a GPU pool on the cluster, and hangs one alarm off
a helper of each (the cluster's and the lake's are specs of names read from SSM, so
``Output`` specs; the pool's a Metrics Insights query divided by GPUs per node; the
store's a DynamoDB table read from the contract). The cdktf ``TeamStack`` with the same
importers and ``Alarm``s synthesizes the same ``aws_cloudwatch_metric_alarm`` for each,
field by field, once both read the values the cdktf-synthesized ``dev`` platform
writes. On ``prod``'s platform, the cluster's, the endpoints' and the store's helpers
(names the platform decides) hand out the very specs cdktf's constructs do; the lake's
and the pools' (a bucket's or the cluster's name, an ``Output``) resolve to cdktf's
decisions over the names Pulumi knows at apply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from cdktf import App

from mlplatform.config import EnvironmentConfig, GpuPoolProps
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.compute_cluster import ComputeCluster as CdktfComputeCluster
from mlplatform.constructs.data_lake import DataLake as CdktfDataLake
from mlplatform.constructs.feature_store import FeatureStore as CdktfFeatureStore
from mlplatform.constructs.gpu_pool import GpuTrainingPool as CdktfGpuTrainingPool
from mlplatform.decisions.dashboard import Widget, dashboard_body
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.metrics import (
    MetricSpec,
    QuerySpec,
    Watchable,
    bucket_objects,
    bucket_size,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.resource_metrics import PoolMetrics
from mlplatform.errors import ConstructError
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from mlplatform.pulumi import PlatformEnvironment, Recorder, Recording
from mlplatform.pulumi.alarm import OutputWatchable, alarm
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.contract_reader import ContractReader
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.feature_store import FeatureStore
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.normalise import Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.observability import Dashboard, widget
from mlplatform.pulumi.parity import contract_values, first_difference
from mlplatform.pulumi.team_layer import TeamLayer
from mlplatform.stacks.team_stack import TeamStack
from tests.conftest import ROOT
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


def test_the_platforms_components_hand_out_the_cdktf_platforms_specs(
    loader: EnvironmentLoader, platform_app: PlatformApp
) -> None:
    """prod on both engines: every helper of the cluster, the endpoints and the Redis store is
    the same spec; the lake's and the pools' (names the engine knows at apply) are cdktf's
    decisions over the names Pulumi resolves."""
    config = loader.load("prod")
    [stacks] = [s for s in platform_app.environments if s.config.environment == "prod"]
    assert stacks.compute is not None and stacks.ml is not None
    cdktf_cluster, cdktf_ml, cdktf_features = stacks.compute.cluster, stacks.ml, stacks.ml.features
    assert cdktf_features is not None
    seen: dict[str, Any] = {}

    def keep(key: str, spec: pulumi.Output[Any]) -> None:
        spec.apply(lambda value: seen.__setitem__(key, value))

    def program() -> PlatformEnvironment:
        environment = PlatformEnvironment(config)
        cluster, features = environment.cluster, environment.features
        assert cluster is not None and features is not None
        assert cluster.metric_nodes() == cdktf_cluster.metric_nodes()
        assert cluster.metric_failed_nodes() == cdktf_cluster.metric_failed_nodes()
        assert cluster.metric_api_requests("429") == cdktf_cluster.metric_api_requests("429")
        assert cluster.metric_api_latency() == cdktf_cluster.metric_api_latency()
        assert cluster.metric_pending_pods() == cdktf_cluster.metric_pending_pods()
        assert environment.endpoints.keys() == cdktf_ml.endpoints.keys()
        for name, endpoint in environment.endpoints.items():
            theirs = cdktf_ml.endpoints[name]
            assert endpoint.metric_invocations() == theirs.metric_invocations()
            assert endpoint.metric_invocations_per_instance(
                statistic="Average", period=300
            ) == theirs.metric_invocations_per_instance(statistic="Average", period=300)
            assert endpoint.metric_instances() == theirs.metric_instances()
            assert endpoint.metric_model_latency() == theirs.metric_model_latency()
            assert endpoint.metric_4xx_errors() == theirs.metric_4xx_errors()
            assert endpoint.metric_5xx_errors() == theirs.metric_5xx_errors()
            assert endpoint.metric("OverheadLatency") == theirs.metric("OverheadLatency")
        assert features.metric_read_latency() == cdktf_features.metric_read_latency()
        assert features.metric_cache_hit_rate() == cdktf_features.metric_cache_hit_rate()
        assert features.metric_evictions() == cdktf_features.metric_evictions()
        keep("lake-size", environment.lake.metric_bucket_size("raw"))
        keep("lake-objects", environment.lake.metric_object_count("raw"))
        keep("lake-name", environment.lake.bucket_names["raw"])
        for name, pool in environment.gpu_pools.items():
            keep(f"{name}-gpus", pool.metric_gpus_running())
            keep(f"{name}-nodes", pool.metric_nodes(period=300))
            keep(f"{name}-utilisation", pool.metric_gpu_utilization())
        keep("cluster-name", cluster.cluster_name)
        return environment

    Recorder.run(program, stack="prod")
    assert seen["lake-size"] == bucket_size(seen["lake-name"])
    assert seen["lake-objects"] == bucket_objects(seen["lake-name"])
    assert seen["lake-name"].startswith("${aws_s3_bucket.")
    assert stacks.compute.gpu_pools
    for name, pool in stacks.compute.gpu_pools.items():
        props = pool._props  # the cdktf pool's props: what its helpers read
        metrics = PoolMetrics(name, seen["cluster-name"], props.instance_types)
        assert seen[f"{name}-gpus"] == metrics.gpus_running()
        assert seen[f"{name}-nodes"] == metrics.nodes(period=300)
        assert seen[f"{name}-utilisation"] == metrics.gpu_utilization()


def test_a_redis_store_read_from_the_contract_gives_the_platform_stores_queries(
    loader: EnvironmentLoader, platform_app: PlatformApp, synthesized: Path
) -> None:
    """prod (Valkey): once features/redis/node-ids resolves, the team's import hands out the
    very queries the cdktf platform's store does, and an alarm on one queries those nodes."""
    config = loader.load("prod")
    [stacks] = [s for s in platform_app.environments if s.config.environment == "prod"]
    assert stacks.ml is not None and stacks.ml.features is not None
    platform_store = stacks.ml.features
    seen: dict[str, Any] = {}
    read: list[str] = []

    def keep(key: str, spec: pulumi.Output[Any]) -> None:
        spec.apply(lambda value: seen.__setitem__(key, value))

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        store = FeatureStore.from_environment(layer, "platform-features", online_store="redis")
        before = set(ContractReader.of(layer).names)
        specs: dict[str, pulumi.Output[Any]] = {
            "latency": store.metric_read_latency(),
            "hit-rate": store.metric_cache_hit_rate(),
            "evictions": store.metric_evictions(),
        }
        read.extend(set(ContractReader.of(layer).names) - before)
        for key, spec in specs.items():
            keep(key, spec)
        alarm(
            layer.child("evictions-alarm"),
            metric=specs["evictions"],
            threshold=1.0,
            name="mlp-prod-ranking-evictions",
            summary="evictions",
            opts=layer.options(),
        )

    recording = Recorder.run(program, parameters=contract_values(synthesized, "prod"))
    assert read == ["/mlp/prod/platform/features/redis/node-ids"]
    assert seen == {
        "latency": platform_store.metric_read_latency(),
        "hit-rate": platform_store.metric_cache_hit_rate(),
        "evictions": platform_store.metric_evictions(),
    }
    assert "'mlp-prod-features-003'" in seen["evictions"].expression
    [found] = [
        r for r in recording.resources if r.token == "aws:cloudwatch/metricAlarm:MetricAlarm"
    ]
    [query] = found.inputs["metricQueries"]
    assert query["expression"] == platform_store.metric_evictions().expression


def test_redis_alarms_on_the_contract_are_cdktfs_alarms(
    tmp_path: Path, loader: EnvironmentLoader, synthesized: Path
) -> None:
    """prod (Valkey): a team's alarms on the cache, one per Redis helper, in both engines. The
    cdktf stack quotes the contract's node ids with Terraform functions at plan time; read
    with the contract's values, it is the Pulumi program's alarms, field by field."""
    config = loader.load("prod")
    team = team_config_for(config)
    helpers = ("metric_read_latency", "metric_cache_hit_rate", "metric_evictions")
    app = App(outdir=str(tmp_path))
    stack = TeamStack(app, team, "serving")
    cdktf_store = CdktfFeatureStore.from_environment(stack, "features", online_store="redis")
    for helper in helpers:
        Alarm(stack, helper, metric=getattr(cdktf_store, helper)(), threshold=1.0,
              name=f"mlp-prod-ranking-{helper}", summary=helper)  # fmt: skip
    app.synth()
    name = stack.node.id
    document = json.loads((tmp_path / "stacks" / name / "cdk.tf.json").read_text())

    def program() -> None:
        layer = TeamLayer(team, "serving")
        store = FeatureStore.from_environment(layer, "features", online_store="redis")
        for helper in helpers:
            alarm(layer.child(helper), metric=getattr(store, helper)(), threshold=1.0,
                  name=f"mlp-prod-ranking-{helper}", summary=helper, opts=layer.options())  # fmt: skip

    parameters = contract_values(synthesized, "prod")
    cdktf = from_cdktf({name: document}, parameters=parameters)
    pulumi_side = from_pulumi(Recorder.run(program, parameters=parameters))
    for helper in helpers:
        key = ("aws_cloudwatch_metric_alarm", f"mlp-prod-ranking-{helper}")
        config_cdktf, config_pulumi = cdktf.resources[key].config, pulumi_side.resources[key].config
        assert config_cdktf == config_pulumi
        assert "IN ('mlp-prod-features-001', " in json.dumps(config_cdktf["metric_query"])


def test_a_dashboard_graphs_specs_known_only_at_apply(
    loader: EnvironmentLoader, platform_app: PlatformApp, synthesized: Path
) -> None:
    """A team's dashboard on prod's contract: the Redis hit rate (an Output) graphed beside a
    plain widget, in the body cdktf's dashboard writes for the same widgets once known."""
    config = loader.load("prod")
    [stacks] = [s for s in platform_app.environments if s.config.environment == "prod"]
    assert stacks.ml is not None and stacks.ml.features is not None
    hit_rate = stacks.ml.features.metric_cache_hit_rate()
    made: list[Dashboard] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "serving")
        store = FeatureStore.from_environment(layer, "platform-features", online_store="redis")
        cache = widget("Feature cache", [store.metric_cache_hit_rate()], width=12)
        assert isinstance(cache, pulumi.Output)
        header = Widget("Ranking", markdown="# Ranking")
        made.append(
            Dashboard(layer, "dashboard", name="mlp-prod-ranking", region="us-east-1",
                      widgets=[header, cache])
        )  # fmt: skip

    recording = Recorder.run(program, parameters=contract_values(synthesized, "prod"))
    [found] = [r for r in recording.resources if r.token == "aws:cloudwatch/dashboard:Dashboard"]
    expected = dashboard_body(
        [Widget("Ranking", markdown="# Ranking"), Widget("Feature cache", (hit_rate,), width=12)],
        "us-east-1",
    )
    assert json.loads(found.inputs["dashboardBody"]) == expected
    assert "'mlp-prod-features-003'" in found.inputs["dashboardBody"]
    with pytest.raises(ValueError, match="does not fit the grid"):
        widget("Too wide", [hit_rate], width=30)
    assert widget("Known now", [hit_rate]) == Widget("Known now", (hit_rate,))


def test_the_readme_alarm_runs_on_the_readme_contract_program(
    loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    """The README's alarm snippet, appended to its team program on the contract."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    def block_after(marker: str) -> str:
        section = readme[readme.index(marker) :]
        code = section[section.index("```python\n") + len("```python\n") :]
        return code[: code.index("```")]

    code = block_after("**A team program on the contract.**") + block_after(
        "**Metrics and alarms.**"
    )
    code = code.replace('load_team_config("team.yaml")', "team")
    team = team_config_for(loader.load("dev"))
    recording = Recorder.run(
        lambda: exec(compile(code, "README.md", "exec"), {"team": team}), parameters=platform
    )
    [found] = [
        r for r in recording.resources if r.token == "aws:cloudwatch/metricAlarm:MetricAlarm"
    ]
    assert found.inputs["name"] == "mlp-dev-ranking-pool-full"
    cluster = platform["/mlp/dev/platform/compute/cluster-name"]
    assert f"ClusterName = '{cluster}'" in json.dumps(found.inputs["metricQueries"])


def test_a_pool_of_neuron_chips_has_no_gpu_metrics_on_either_engine(
    tmp_path: Path, loader: EnvironmentLoader, platform: dict[str, str]
) -> None:
    """The shared decision refuses it: cdktf as its ConstructError, Pulumi as a ValueError,
    both when the helper is called and with the same words."""
    config = loader.load("dev")
    trainium = GpuPoolProps(instance_types=("trn1.2xlarge",), capacity="on_demand", max_nodes=1)
    stack = TeamStack(App(outdir=str(tmp_path)), team_config_for(config), "training")
    cluster = CdktfComputeCluster.from_environment(stack, "platform-cluster")
    pool = CdktfGpuTrainingPool(stack, "chips", cluster=cluster, props=trainium)
    with pytest.raises(ConstructError) as cdktf_refused:
        pool.metric_gpu_utilization()
    errors: list[str] = []

    def program() -> None:
        layer = TeamLayer(team_config_for(config), "training")
        imported = ComputeCluster.from_environment(layer, "platform-cluster")
        chips = GpuTrainingPool(layer, layer, "chips", cluster=imported, props=trainium)
        with pytest.raises(ValueError) as refused:
            chips.metric_gpu_utilization()
        errors.append(str(refused.value))

    Recorder.run(program, parameters=platform)
    assert errors == [str(cdktf_refused.value)]
    assert "NVIDIA GPUs only, not neuron" in errors[0]
