"""Metric specs, the ``metric_*`` helpers and the ``Alarm`` construct (issue 11, step 1)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack, Testing

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.config import DataLakeProps, GpuPoolProps, ModelRegistryProps, ServingEndpointProps
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.gpu_pool import GpuTrainingPool
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.metrics import (
    MathSpec,
    MetricSpec,
    QuerySpec,
    in_list,
    pool_gpus_running,
    redis_read_latency,
)
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.serving_plan import plan_endpoint
from mlplatform.interfaces import VpcPlacement

ROOT = Path(__file__).resolve().parents[1]
NAMING = Naming("mlp", "prod")
TOPIC = "arn:aws:sns:us-east-1:333333333333:mlp-prod-ml-alarms"
PLACEMENT = VpcPlacement(
    vpc_id="vpc-0prod",
    vpc_cidr="10.40.0.0/16",
    private_subnet_ids=("subnet-1a", "subnet-1b"),
    availability_zones=("us-east-1a", "us-east-1b"),
    s3_prefix_list_id="pl-63a5400a",
)


def _stack() -> TerraformStack:
    stack = TerraformStack(App(), "team")
    AwsProvider(stack, "aws", region="us-east-1")
    return stack


def _alarms(stack: TerraformStack) -> dict[str, dict[str, Any]]:
    synth: dict[str, Any] = json.loads(Testing.synth(stack))
    found: dict[str, dict[str, Any]] = synth["resource"]["aws_cloudwatch_metric_alarm"]
    return found


def _endpoint(stack: TerraformStack) -> ServingEndpoint:
    registry = ModelRegistry(
        stack, "registry", naming=NAMING, props=ModelRegistryProps(model_families=("ranker",))
    )
    props = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "instance_type": "ml.m5.large",
            "variants": [
                {"name": "primary", "model_version": "1", "image_tag": "1.0.0", "weight": 90},
                {"name": "canary", "model_version": "2", "image_tag": "1.1.0", "weight": 10},
            ],
        }
    )
    return ServingEndpoint(stack, "ranker", registry=registry, props=props)


def _pool(stack: TerraformStack, *instance_types: str) -> GpuTrainingPool:
    cluster = ComputeCluster.from_cluster_name(
        stack,
        "cluster",
        naming=NAMING,
        cluster_name="mlp-prod-eks",
        oidc_provider_arn="arn:aws:iam::333333333333:oidc-provider/oidc.example/id/X",
        oidc_issuer_url="https://oidc.example/id/X",
        node_role_arn="arn:aws:iam::333333333333:role/mlp-prod-eks-node",
        placement=PLACEMENT,
    )
    return GpuTrainingPool(
        stack,
        "ranking",
        cluster=cluster,
        props=GpuPoolProps(instance_types=instance_types, max_nodes=4),
    )


def test_a_metric_spec_knows_percentiles_and_refuses_what_cloudwatch_would() -> None:
    spec = MetricSpec("AWS/SageMaker", "ModelLatency", (("EndpointName", "e"),), "p99")
    assert spec.is_percentile and not spec.with_(statistic="Average").is_percentile
    assert spec.widget_metrics() == [
        ["AWS/SageMaker", "ModelLatency", "EndpointName", "e", {"stat": "p99", "period": 60}]
    ]
    with pytest.raises(ValueError, match="not a CloudWatch statistic"):
        MetricSpec("AWS/S3", "NumberOfObjects", statistic="Mean")
    with pytest.raises(ValueError, match="multiple of 60"):
        MetricSpec("AWS/S3", "NumberOfObjects", period=90)
    with pytest.raises(ValueError, match="starts with SELECT"):
        QuerySpec("AVG(x)", "x")


def test_endpoint_metrics_name_the_endpoint_and_variant() -> None:
    endpoint = _endpoint(_stack())
    latency = endpoint.metric_model_latency(statistic="p50", variant="canary")
    assert latency.dimension_map == {
        "EndpointName": "mlp-prod-serving-ranker",
        "VariantName": "canary",
    }
    assert (latency.namespace, latency.metric_name, latency.statistic) == (
        "AWS/SageMaker",
        "ModelLatency",
        "p50",
    )
    assert endpoint.metric_invocations().dimension_map["VariantName"] == "primary"
    assert endpoint.metric_5xx_errors().metric_name == "Invocation5XXErrors"
    assert endpoint.metric_4xx_errors().metric_name == "Invocation4XXErrors"
    with pytest.raises(ValueError, match="no variant 'blue'"):
        endpoint.metric_invocations(variant="blue")


def test_pool_metrics_query_container_insights_gpus_of_its_instance_types() -> None:
    pool = _pool(_stack(), "g5.12xlarge", "g5.24xlarge")
    gpus = pool.metric_gpus_running()
    assert gpus.expression == (
        "SELECT COUNT(node_gpu_utilization) FROM SCHEMA(ContainerInsights, ClusterName, "
        "GpuDevice, InstanceId, InstanceType, NodeName) WHERE ClusterName = 'mlp-prod-eks' "
        "AND InstanceType IN ('g5.12xlarge', 'g5.24xlarge')"
    )
    nodes = pool.metric_nodes()  # both types have 4 GPUs
    assert nodes.math == "q1 / 4" and nodes.expression == gpus.expression
    assert "AVG(node_gpu_utilization)" in pool.metric_gpu_utilization().expression


def test_lake_and_cluster_metrics_are_s3_storage_and_container_insights() -> None:
    stack = _stack()
    lake = DataLake(stack, "lake", naming=NAMING, props=DataLakeProps())
    size = lake.metric_bucket_size("raw")
    assert (size.namespace, size.metric_name, size.period) == ("AWS/S3", "BucketSizeBytes", 86400)
    assert size.dimension_map["StorageType"] == "StandardStorage"
    assert lake.metric_object_count("raw").dimension_map["StorageType"] == "AllStorageTypes"
    assert ComputeCluster.metric_nodes.__doc__


def test_cluster_metrics_are_the_same_on_the_platform_cluster_and_an_import() -> None:
    stack = _stack()
    imported = ComputeCluster.from_cluster_name(
        stack,
        "cluster",
        naming=NAMING,
        cluster_name="mlp-prod-eks",
        oidc_provider_arn="arn:aws:iam::333333333333:oidc-provider/oidc.example/id/X",
        oidc_issuer_url="https://oidc.example/id/X",
        node_role_arn="arn:aws:iam::333333333333:role/mlp-prod-eks-node",
        placement=PLACEMENT,
    )
    errors = imported.metric_api_requests()
    assert (errors.namespace, errors.metric_name, errors.statistic) == (
        "AWS/EKS",
        "apiserver_request_total_5XX",
        "Sum",
    )
    assert errors.dimension_map == {"ClusterName": "mlp-prod-eks"}
    assert imported.metric_api_requests("429").metric_name == "apiserver_request_total_429"
    assert imported.metric_api_latency().metric_name == "apiserver_request_duration_seconds_GET_P99"
    assert imported.metric_pending_pods().metric_name == "scheduler_pending_pods"
    assert imported.metric_nodes().namespace == "ContainerInsights"
    with pytest.raises(ValueError, match="status '500': use one of 5XX, 4XX, 429"):
        imported.metric_api_requests("500")
    for name in ("metric_api_requests", "metric_api_latency", "metric_pending_pods"):
        assert getattr(ComputeCluster, name) is getattr(type(imported), name)


def _store_metrics(environment: str) -> tuple[Any, FeatureStoreMetrics]:
    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader(ROOT / "environments").load(environment)
    assert config.feature_store is not None
    naming = Naming.for_environment(config)
    return config, FeatureStoreMetrics.for_store(naming, config.feature_store)


def test_dynamodb_feature_metrics_are_per_group_table_and_refuse_redis_ones() -> None:
    config, metrics = _store_metrics("dev")
    group = next(iter(config.feature_store.feature_groups))
    latency = metrics.read_latency(group, statistic="p50")
    assert isinstance(latency, MetricSpec)
    assert (latency.namespace, latency.metric_name, latency.statistic) == (
        "AWS/DynamoDB",
        "SuccessfulRequestLatency",
        "p50",
    )
    assert latency.dimension_map == {
        "TableName": f"mlp-dev-features-{group}",
        "Operation": "BatchGetItem",
    }
    throttles = metrics.read_throttles(group)
    assert (throttles.metric_name, throttles.statistic) == ("ReadThrottleEvents", "Sum")
    with pytest.raises(ValueError, match="no feature group 'nope'; its groups are"):
        metrics.read_latency("nope")
    with pytest.raises(ValueError, match=r"metric_cache_hit_rate\(\) is a Redis metric"):
        metrics.cache_hit_rate()
    if len(metrics.groups) > 1:
        with pytest.raises(ValueError, match="each with its own table; name one"):
            metrics.read_latency()


def test_redis_feature_metrics_query_every_node_of_the_replication_group() -> None:
    config, metrics = _store_metrics("staging")
    redis = config.feature_store.redis
    assert redis is not None
    latency = metrics.read_latency()
    assert isinstance(latency, QuerySpec)
    nodes = [f"mlp-staging-features-{i:03d}" for i in range(1, redis.replicas + 2)]
    assert latency.expression == (
        'SELECT MAX(HashBasedCmdsLatency) FROM SCHEMA("AWS/ElastiCache", CacheClusterId) '
        f"WHERE CacheClusterId IN ({', '.join(repr(n) for n in nodes)})"
    )
    assert "AVG(CacheHitRate)" in metrics.cache_hit_rate().expression
    assert "SUM(Evictions)" in metrics.evictions().expression
    # The same queries from the ids already quoted, as an importer has them at plan time.
    assert in_list(nodes) == ", ".join(f"'{n}'" for n in nodes)
    assert redis_read_latency(in_list(nodes)) == latency
    quoted = FeatureStoreMetrics(online_store="redis", groups=(), quoted_node_ids=in_list(nodes))
    assert (quoted.read_latency(), quoted.evictions()) == (latency, metrics.evictions())
    with pytest.raises(ValueError, match=r"metric_evictions\(\): the Redis cache's nodes are not"):
        FeatureStoreMetrics(online_store="redis", groups=()).evictions()
    with pytest.raises(ValueError, match="does not throttle reads; watch metric_evictions"):
        metrics.read_throttles()


_CONTRACT_NODE_LIST = re.compile(
    r'\$\{join\(", ", formatlist\("\'%s\'", '
    r'split\(",", data\.aws_ssm_parameter\.([\w-]+)\.insecure_value\)\)\)\}'
)
"""The only Terraform a Redis contract store's query holds: the contract's node ids, quoted."""


def _planned(text: str, sources: dict[str, Any], parameters: dict[str, str | None]) -> str:
    """``text`` as Terraform plans it: each node list evaluated over the SSM value it reads."""

    def evaluate(match: re.Match[str]) -> str:
        value = parameters[sources[match.group(1)]["name"]]
        assert value is not None
        return ", ".join(f"'{node}'" for node in value.split(","))

    return _CONTRACT_NODE_LIST.sub(evaluate, text)


@pytest.mark.parametrize("environment", ["prod", "staging"])
def test_a_redis_store_read_from_the_contract_is_watched_over_the_contracts_nodes(
    environment: str, tmp_path: Path
) -> None:
    """The team's alarm and dashboard query the nodes features/redis/node-ids lists, and once
    Terraform evaluates them, they are the platform store's own queries."""
    from mlplatform.constructs.dashboard import Dashboard
    from mlplatform.constructs.feature_store import FeatureStore
    from mlplatform.decisions.contract import expected_parameters
    from mlplatform.decisions.dashboard import Widget
    from mlplatform.stacks.team_stack import TeamStack
    from tests.test_contract import team_config_for

    config, platform = _store_metrics(environment)
    stack = TeamStack(Testing.app(outdir=str(tmp_path)), team_config_for(config), "serving")
    store = FeatureStore.from_environment(stack, "features", online_store="redis")
    latency = store.metric_read_latency()
    assert isinstance(latency, QuerySpec)
    Alarm(stack, "latency", metric=latency, threshold=2000, name="latency", summary="slow")
    Dashboard(
        stack,
        "cache",
        name="ranking-cache",
        region=config.region,
        widgets=[
            Widget("hit rate", (store.metric_cache_hit_rate(),), width=12),
            Widget("evictions", (store.metric_evictions(),), width=12),
        ],
    )
    synth: dict[str, Any] = json.loads(Testing.synth(stack))
    sources = synth["data"]["aws_ssm_parameter"]
    parameters = expected_parameters(config)
    # One read of the parameter, shared by the three queries.
    [nodes] = [s for s in sources.values() if s["name"].endswith("/features/redis/node-ids")]
    assert nodes["name"] == f"/mlp/{environment}/platform/features/redis/node-ids"
    [alarm] = synth["resource"]["aws_cloudwatch_metric_alarm"].values()
    [query] = alarm["metric_query"]
    assert _CONTRACT_NODE_LIST.search(query["expression"])
    platform_latency = platform.read_latency()
    assert isinstance(platform_latency, QuerySpec)
    assert _planned(query["expression"], sources, parameters) == platform_latency.expression
    [dashboard] = synth["resource"]["aws_cloudwatch_dashboard"].values()
    body = json.loads(_planned(dashboard["dashboard_body"], sources, parameters))
    expressions = [w["properties"]["metrics"][0][0]["expression"] for w in body["widgets"]]
    assert expressions == [platform.cache_hit_rate().expression, platform.evictions().expression]
    assert (latency.label, latency.period) == (platform_latency.label, 60)


def test_a_contract_store_reads_its_redis_nodes_only_when_a_metric_asks(tmp_path: Path) -> None:
    """Grants read no node list (a platform from before features/redis/node-ids still plans);
    a DynamoDB store still refuses the Redis helpers, and a refusal reads nothing."""
    from mlplatform.constructs.feature_store import FeatureStore
    from mlplatform.stacks.team_stack import TeamStack
    from tests.test_contract import team_config_for

    def node_reads(stack: TerraformStack) -> list[str]:
        sources = json.loads(Testing.synth(stack)).get("data", {}).get("aws_ssm_parameter", {})
        return [s["name"] for s in sources.values() if s["name"].endswith("/redis/node-ids")]

    prod, _ = _store_metrics("prod")
    stack = TeamStack(Testing.app(outdir=str(tmp_path)), team_config_for(prod), "serving")
    redis = FeatureStore.from_environment(
        stack, "features", groups=["ranker"], online_store="redis"
    )
    redis.grant_read_online(
        IamRole(stack, "role", name="mlp-prod-reader", assume_role_policy="{}"), "ranker"
    )
    with pytest.raises(ValueError, match="no feature group 'clicks'"):
        redis.metric_read_latency("clicks")
    with pytest.raises(ValueError, match="does not throttle reads"):
        redis.metric_read_throttles()
    assert node_reads(stack) == []

    dev, _ = _store_metrics("dev")
    stack = TeamStack(Testing.app(outdir=str(tmp_path)), team_config_for(dev), "serving")
    dynamodb = FeatureStore.from_environment(stack, "features", groups=["ranker"])
    for helper in (dynamodb.metric_cache_hit_rate, dynamodb.metric_evictions):
        with pytest.raises(ValueError, match=r"is a Redis metric; this store keeps online"):
            helper()
    assert isinstance(dynamodb.metric_read_latency(), MetricSpec)
    assert node_reads(stack) == []


def test_a_store_imported_without_its_groups_says_what_to_pass_instead_of_failing_deep() -> None:
    # What a contract importer knows without groups=: the kind of store, no group, no table.
    redis = FeatureStoreMetrics(online_store="redis", groups=(), node_ids=("g-001", "g-002"))
    assert isinstance(redis.read_latency(), QuerySpec)  # one cache serves every group
    dynamodb = FeatureStoreMetrics(online_store="dynamodb", groups=())
    with pytest.raises(ValueError, match=r"does not know its groups; name the group"):
        dynamodb.read_latency()
    with pytest.raises(ValueError, match=r"online table of group 'ranker'; list the groups"):
        dynamodb.read_throttles("ranker")


def test_alarm_on_a_metric_notifies_the_topic_on_alarm_and_recovery_with_a_runbook() -> None:
    stack = _stack()
    endpoint = _endpoint(stack)
    Alarm(
        stack,
        "team-p99",
        metric=endpoint.metric_model_latency(statistic="p99"),
        threshold=250_000,
        name="ranking-ranker-p99",
        summary="ranker p99 above 250 ms",
        runbook="https://wiki.example.com/ranker",
        topic=TOPIC,
    )
    alarm = _alarms(stack)["team-p99"]
    assert alarm["extended_statistic"] == "p99" and "statistic" not in alarm
    assert alarm["alarm_actions"] == [TOPIC] and alarm["ok_actions"] == [TOPIC]
    assert alarm["alarm_description"] == (
        "ranker p99 above 250 ms. Runbook: https://wiki.example.com/ranker"
    )
    assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (5, 3)


def test_alarm_on_a_query_divides_in_metric_math_and_returns_one_series() -> None:
    stack = _stack()
    pool = _pool(stack, "p4d.24xlarge")
    Alarm(stack, "nodes", metric=pool.metric_nodes(), threshold=4, name="n", summary="s")
    Alarm(
        stack,
        "gpus",
        metric=pool_gpus_running("ranking", "mlp-prod-eks", ("p4d.24xlarge",)),
        threshold=32,
        name="g",
        summary="s",
    )
    alarms = _alarms(stack)
    nodes = alarms["nodes"]["metric_query"]
    assert [q["id"] for q in nodes] == ["q1", "e1"]
    assert [q["return_data"] for q in nodes] == [False, True]
    assert nodes[1]["expression"] == "q1 / 8"
    assert [q["return_data"] for q in alarms["gpus"]["metric_query"]] == [True]
    assert "alarm_actions" not in alarms["gpus"]


def test_an_endpoints_instances_are_metric_math_an_alarm_and_a_widget_can_take() -> None:
    stack = _stack()
    endpoint = _endpoint(stack)
    instances = endpoint.metric_instances(variant="canary")
    assert isinstance(instances, MathSpec)
    assert [m.metric_name for m in instances.metrics] == ["Invocations", "InvocationsPerInstance"]
    assert all(m.dimension_map["VariantName"] == "canary" for m in instances.metrics)
    Alarm(stack, "few", metric=instances, threshold=1, comparison="LessThanThreshold",
          name="few", summary="canary has no instance")  # fmt: skip
    queries = _alarms(stack)["few"]["metric_query"]
    assert [(q["id"], q["return_data"]) for q in queries] == [
        ("m1_0", False),
        ("m1_1", False),
        ("e1", True),
    ]
    assert queries[0]["metric"]["metric_name"] == "Invocations"
    assert queries[1]["metric"]["stat"] == "Sum"
    assert queries[2]["expression"] == "m1_0 / m1_1"
    rows = instances.widget_metrics(3)
    assert rows[-1][0]["expression"] == "m3_0 / m3_1"
    assert [row[-1]["visible"] for row in rows[:-1]] == [False, False]
    with pytest.raises(ValueError, match=r"names a metric it was not given"):
        MathSpec(expression="{0} / {2}", metrics=instances.metrics, label="bad")


# ----------------------------------------------------------------------- dashboards
def _check_put_dashboard_body(body: dict[str, Any]) -> None:
    """What PutDashboard validates: widget types, the grid, and the metric arrays."""
    occupied: set[tuple[int, int]] = set()
    for widget in body["widgets"]:
        assert widget["type"] in {"metric", "text"}
        x, y, width, height = (widget[k] for k in ("x", "y", "width", "height"))
        assert x >= 0 and x + width <= 24 and 1 <= width <= 24 and 1 <= height <= 1000
        cells = {(column, row) for column in range(x, x + width) for row in range(y, y + height)}
        assert not cells & occupied, f"{widget} overlaps another widget"
        occupied |= cells
        properties = widget["properties"]
        if widget["type"] == "text":
            assert properties["markdown"]
            continue
        assert properties["region"] and properties["view"] == "timeSeries"
        ids: list[str] = []
        expressions: list[str] = []
        for row in properties["metrics"]:
            *names, options = row
            assert isinstance(options, dict)
            if "id" in options:
                assert re.fullmatch(r"[a-z][a-zA-Z0-9_]*", options["id"]), options
                ids.append(options["id"])
            if "expression" in options:
                assert names == []
                expressions.append(options["expression"])
                continue
            namespace, metric, *dimensions = names
            assert all(isinstance(part, str) and part for part in (namespace, metric, *dimensions))
            assert len(dimensions) % 2 == 0 and len(dimensions) <= 60
            # CloudWatch's metric widget options (dashboard body structure); "region": a
            # metric published in another region, graphed from there.
            assert set(options) <= {"stat", "period", "label", "id", "visible", "region"}
            assert options["period"] % 60 == 0
        assert len(ids) == len(set(ids))
        for expression in expressions:  # metric math names only ids of this widget
            if not expression.startswith("SELECT "):
                assert set(re.findall(r"\b[a-z][a-zA-Z0-9_]*\b", expression)) <= set(ids)
        for line in properties.get("annotations", {}).get("horizontal", []):
            assert isinstance(line["value"], float | int)


@pytest.mark.parametrize("environment", ["local", "dev", "staging", "prod"])
def test_every_endpoint_variant_and_pool_has_its_widgets_in_a_valid_body(
    environment: str,
) -> None:
    from mlplatform.decisions.dashboard import dashboard_body, platform_widgets
    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader(ROOT / "environments").load(environment)
    body = dashboard_body(platform_widgets(config), config.region)
    _check_put_dashboard_body(body)
    titles = [w["properties"].get("title") or w["properties"]["markdown"] for w in body["widgets"]]
    naming = Naming.for_environment(config)
    for key, props in config.ml.serving.items() if config.ml else ():
        assert f"## Serving {naming.resource('serving', key)}" in titles
        for variant in plan_endpoint(naming, key, props).variants:
            for graph in ("invocations", "model latency (µs)", "errors"):
                assert f"{variant.name}: {graph}" in titles
            per_instance = f"{variant.name}: invocations per instance" in titles
            assert per_instance == (props.serverless is None)
            if props.serverless is None:
                low, high = (
                    (variant.scaling.min_capacity, variant.scaling.max_capacity)
                    if variant.scaling
                    else (variant.initial_instance_count, variant.initial_instance_count)
                )
                assert low is not None and high is not None
                instances = next(
                    w
                    for w in body["widgets"]
                    if w["properties"].get("title", "").startswith(f"{variant.name}: instances")
                )
                assert instances["properties"]["annotations"]["horizontal"] == [
                    {"label": "min", "value": float(low)},
                    {"label": "max", "value": float(high)},
                ]
                [math] = [r[0] for r in instances["properties"]["metrics"] if len(r) == 1]
                assert math["expression"] == "m1_0 / m1_1"
    for pool, pool_props in config.compute.gpu_pools.items() if config.compute else ():
        nodes = next(
            w
            for w in body["widgets"]
            if w["properties"].get("title") == (f"GPU pool {pool}: nodes running")
        )
        assert nodes["properties"]["annotations"]["horizontal"] == [
            {"label": "max_nodes", "value": float(pool_props.max_nodes)}
        ]
        assert f"GPU pool {pool}: GPU utilisation %" in titles
    if config.compute is not None:
        for graph in ("API errors and throttling", "API GET p99 (s)"):
            assert f"control plane: {graph}" in titles
    store = config.feature_store
    if store is not None:
        assert f"## Feature store ({store.online_store.type})" in titles
        rows = json.dumps([w["properties"].get("metrics") for w in body["widgets"]])
        for group in store.feature_groups if store.dynamodb else ():
            assert f'"TableName", "{naming.prefix}-features-{group}"' in rows
        if store.redis is not None:
            assert f"{naming.prefix}-features-{1 + store.redis.replicas:03d}'" in rows
    assert "lake bytes (daily)" in titles


def test_dashboard_construct_renders_the_body_for_put_dashboard() -> None:
    from mlplatform.constructs.dashboard import Dashboard
    from mlplatform.decisions.dashboard import Widget

    stack = _stack()
    endpoint = _endpoint(stack)
    pool = _pool(stack, "g5.2xlarge")
    Dashboard(
        stack,
        "ranking-dashboard",
        name="ranking-prod",
        region="us-east-1",
        widgets=[
            Widget("ranker p99", (endpoint.metric_model_latency(),), width=12),
            Widget("ranking nodes", (pool.metric_nodes(),), horizontal=(("max", 4),), width=12),
            Widget("ranking GPU %", (pool.metric_gpu_utilization(),), width=24),
        ],
    )
    synth: dict[str, Any] = json.loads(Testing.synth(stack))
    (dashboard,) = synth["resource"]["aws_cloudwatch_dashboard"].values()
    body = json.loads(dashboard["dashboard_body"])
    _check_put_dashboard_body(body)
    assert [(w["x"], w["y"]) for w in body["widgets"]] == [(0, 0), (12, 0), (0, 6)]
    with pytest.raises(ValueError, match="does not fit the grid"):
        Widget("too wide", (endpoint.metric_invocations(),), width=25)


# ----------------------------------------------------------------------- config
def _config_problems(**sections: Any) -> tuple[str, ...]:
    import yaml

    from mlplatform.loader import ConfigError, EnvironmentLoader

    data: dict[str, Any] = yaml.safe_load((ROOT / "environments" / "dev.yaml").read_text())
    data.update(sections)
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(yaml.safe_dump(data), ROOT / "environments" / "qa.yaml")
    return tuple(caught.value.problems)


@pytest.mark.parametrize(
    ("sections", "field", "says"),
    [
        (
            {"observability": {"subscriptions": {"email": ["oncall.example.com"]}}},
            "observability.subscriptions.email",
            "'oncall.example.com' is not an email address",
        ),
        (
            {"observability": {"subscriptions": {"https": ["http://hooks.example.com/x"]}}},
            "observability.subscriptions.https",
            "is not an HTTPS endpoint",
        ),
        (
            {"observability": {"subscriptions": {"sqs": ["chat-bridge"]}}},
            "observability.subscriptions.sqs",
            "is not an SQS queue ARN",
        ),
        (
            {"budgets": {"monthly_limit_usd": 0}},
            "budgets.monthly_limit_usd",
            "0 is not a positive amount; write",
        ),
        (
            {"budgets": {"monthly_limit_usd": 10, "teams": {"ranking": {"monthly_limit_usd": -5}}}},
            "budgets.teams.ranking.monthly_limit_usd",
            "-5 is not a positive amount",
        ),
        (
            {"budgets": {"monthly_limit_usd": 10, "forecast_threshold_percent": 0}},
            "budgets.forecast_threshold_percent",
            "0% is outside 1-1000%",
        ),
        (
            {"budgets": {"monthly_limit_usd": 10, "actual_threshold_percent": 1001}},
            "budgets.actual_threshold_percent",
            "1001% is outside 1-1000%",
        ),
        ({"budgets": {"monthly_limit": 10}}, "budgets.monthly_limit", "unknown key"),
    ],
)
def test_a_bad_observability_or_budget_setting_names_file_field_and_fix(
    sections: dict[str, Any], field: str, says: str
) -> None:
    problems = _config_problems(**sections)
    assert any(p.startswith(f"{field}: ") and says in p for p in problems), problems


def test_a_gpu_budget_needs_gpu_pools() -> None:
    (problem,) = _config_problems(
        compute=None, budgets={"monthly_limit_usd": 10, "gpu_monthly_limit_usd": 5}
    )
    assert "budgets.gpu_monthly_limit_usd" in problem and "no compute.gpu_pools" in problem


def test_the_alarm_topic_admits_cloudwatch_and_budgets_and_subscribes_the_file() -> None:
    from mlplatform.config import SubscriptionsProps
    from mlplatform.constructs.alarm_topic import AlarmTopic

    stack = _stack()
    AlarmTopic(
        stack,
        "alarms",
        naming=NAMING,
        component="ml",
        subscriptions=SubscriptionsProps(
            email=("oncall@example.com",),
            https=("https://hooks.example.com/x",),
            sqs=("arn:aws:sqs:us-east-1:333333333333:chat-bridge",),
        ),
    )
    synth: dict[str, Any] = json.loads(Testing.synth(stack))
    resources = synth["resource"]
    subscriptions = resources["aws_sns_topic_subscription"].values()
    assert sorted((s["protocol"], s["endpoint"]) for s in subscriptions) == [
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/x"),
        ("sqs", "arn:aws:sqs:us-east-1:333333333333:chat-bridge"),
    ]
    (topic_policy,) = resources["aws_sns_topic_policy"].values()
    publish = json.loads(topic_policy["policy"])["Statement"][1]
    assert publish["Principal"]["Service"] == ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    assert publish["Action"] == "sns:Publish"
    (key,) = resources["aws_kms_key"].values()
    services = [
        s["Principal"]["Service"]
        for s in json.loads(key["policy"])["Statement"]
        if "Service" in s.get("Principal", {})
    ]
    assert ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] in services


@pytest.mark.parametrize("environment", ["local", "dev", "staging", "prod"])
def test_every_platform_alarm_notifies_the_topic_on_alarm_and_recovery_with_a_runbook(
    synthesized: Path, environment: str
) -> None:
    from tests.conftest import stack_dirs

    alarms = 0
    for stack in stack_dirs(synthesized, environment):
        document = json.loads((stack / "cdk.tf.json").read_text())
        for name, alarm in (
            document.get("resource", {}).get("aws_cloudwatch_metric_alarm", {}).items()
        ):
            alarms += 1
            assert alarm.get("alarm_actions") and alarm.get("ok_actions"), f"{stack.name}: {name}"
            assert alarm["alarm_actions"] == alarm["ok_actions"]
            assert ". Runbook: " in alarm["alarm_description"], f"{stack.name}: {name}"
    assert alarms


@pytest.mark.parametrize("environment", ["local", "dev", "staging", "prod"])
def test_a_redis_store_alarms_on_its_rotation_function_as_verify_expects(
    synthesized: Path, environment: str
) -> None:
    """The ml layer's alarm on the Redis passwords' rotation is the plan ``make verify``
    checks (``password_rotation.failure_alarm``), on the function the store deploys; a
    DynamoDB store has neither."""
    from mlplatform.decisions import password_rotation
    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader(ROOT / "environments").load(environment)
    assert config.feature_store is not None
    plan = password_rotation.failure_alarm(Naming.for_environment(config), config.feature_store)
    document = json.loads((synthesized / f"{environment}-ml" / "cdk.tf.json").read_text())
    resources = document["resource"]
    alarms = {a["alarm_name"]: a for a in resources["aws_cloudwatch_metric_alarm"].values()}
    functions = resources.get("aws_lambda_function", {})
    if config.feature_store.redis is None:
        assert plan is None and not functions
        assert not [n for n in alarms if "rotation" in n]
        assert "rotation" not in json.dumps(resources["aws_cloudwatch_dashboard"])
        return
    assert plan is not None
    [function] = functions.values()
    alarm = alarms[plan.name]
    assert alarm["dimensions"] == {"FunctionName": function["function_name"]} == plan.dimensions
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", "Errors")
    assert (alarm["statistic"], alarm["threshold"]) == ("Sum", 0)
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["evaluation_periods"] == alarm["datapoints_to_alarm"] == 1
    # The dashboard graphs the steps run and failed beside the store's other widgets.
    (dashboard,) = resources["aws_cloudwatch_dashboard"].values()
    [widget] = [
        w
        for w in json.loads(dashboard["dashboard_body"])["widgets"]
        if w["properties"].get("title") == "AUTH password rotation steps"
    ]
    graphed = [row[:4] for row in widget["properties"]["metrics"]]
    assert graphed == [
        ["AWS/Lambda", name, "FunctionName", function["function_name"]]
        for name in ("Invocations", "Errors")
    ]


@pytest.mark.parametrize("environment", ["local", "dev", "staging", "prod"])
def test_each_environment_has_one_dashboard_generated_from_its_file(
    synthesized: Path, environment: str
) -> None:
    from mlplatform.decisions.dashboard import dashboard_body, platform_widgets
    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader(ROOT / "environments").load(environment)
    document = json.loads((synthesized / f"{environment}-ml" / "cdk.tf.json").read_text())
    (dashboard,) = document["resource"]["aws_cloudwatch_dashboard"].values()
    assert dashboard["dashboard_name"] == f"mlp-{environment}-platform"
    body = json.loads(dashboard["dashboard_body"])
    assert body == dashboard_body(platform_widgets(config), config.region)
    _check_put_dashboard_body(body)


# ----------------------------------------------------------------------- budgets
def test_prod_has_one_environment_budget_its_team_budgets_and_a_gpu_budget(
    synthesized: Path,
) -> None:
    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader(ROOT / "environments").load("prod")
    assert config.budgets is not None
    document = json.loads((synthesized / "prod-ml" / "cdk.tf.json").read_text())
    topic = next(iter(document["resource"]["aws_sns_topic"]))
    budgets = {b["name"]: b for b in document["resource"]["aws_budgets_budget"].values()}
    assert sorted(budgets) == [
        "mlp-prod-budget",
        "mlp-prod-budget-gpu",
        *sorted(f"mlp-prod-budget-team-{team}" for team in config.budgets.teams),
    ]
    environment = budgets["mlp-prod-budget"]
    assert environment["limit_amount"] == "60000.00" and environment["time_unit"] == "MONTHLY"
    assert environment["cost_filter"] == [{"name": "TagKeyValue", "values": ["user:env$prod"]}]
    for budget in budgets.values():
        assert [(n["notification_type"], n["threshold"]) for n in budget["notification"]] == [
            ("FORECASTED", 80),
            ("ACTUAL", 100),
        ]
        for notification in budget["notification"]:
            assert notification["subscriber_sns_topic_arns"] == [f"${{aws_sns_topic.{topic}.arn}}"]
        names = [f["name"] for f in budget["cost_filter"]]
        assert len(names) == len(set(names)), "Budgets keeps one filter per name"
    ranking = budgets["mlp-prod-budget-team-ranking"]
    assert ranking["limit_amount"] == "25000.00"
    assert ranking["cost_filter"] == [{"name": "TagKeyValue", "values": ["user:team$ranking"]}]
    gpu = {f["name"]: f["values"] for f in budgets["mlp-prod-budget-gpu"]["cost_filter"]}
    assert gpu["Service"] == ["Amazon Elastic Compute Cloud - Compute"]
    assert {"g5.2xlarge", "g5.48xlarge", "g6.xlarge", "p4d.24xlarge"} <= set(gpu["InstanceType"])
    assert not any(t.startswith(("m", "c", "r")) for t in gpu["InstanceType"])


def test_no_budgets_section_no_budget() -> None:
    from mlplatform.decisions.budgets import plan_budgets
    from mlplatform.loader import EnvironmentLoader

    config = EnvironmentLoader(ROOT / "environments").load("dev")
    assert plan_budgets(config.model_copy(update={"budgets": None})) == ()
    assert [p.key for p in plan_budgets(config)] == ["environment", "gpu"]


# ----------------------------------------------------------------------- verify (boto3)
def test_verify_finds_the_dashboard_budgets_and_subscriptions_and_names_a_change(
    emulated_aws: Any,
) -> None:
    import boto3

    from mlplatform.decisions.budgets import plan_budgets
    from mlplatform.decisions.dashboard import dashboard_body, platform_widgets
    from mlplatform.decisions.replication_plan import replication_alarms
    from mlplatform.emulator.clients import environment_clients
    from mlplatform.loader import EnvironmentLoader
    from mlplatform.verify.context import VerifyContext
    from mlplatform.verify.observability import ObservabilityChecker
    from tests.deployed_environment import Builder

    config = EnvironmentLoader(ROOT / "environments").load("local")
    sns = boto3.client("sns", region_name=config.region)
    topic = sns.create_topic(Name="mlp-local-ml-alarms")["TopicArn"]
    for address in config.observability.subscriptions.email:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    boto3.client("cloudwatch", region_name=config.region).put_dashboard(
        DashboardName="mlp-local-platform",
        DashboardBody=json.dumps(dashboard_body(platform_widgets(config), config.region)),
    )
    budgets = boto3.client("budgets", region_name=config.region)
    for plan in plan_budgets(config):
        budgets.create_budget(
            AccountId="123456789012",
            Budget={
                "BudgetName": plan.name,
                "BudgetLimit": {"Amount": f"{plan.limit_usd:.2f}", "Unit": "USD"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
            },
            NotificationsWithSubscribers=[
                {
                    "Notification": {
                        "NotificationType": kind,
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": percent,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": [{"SubscriptionType": "SNS", "Address": topic}],
                }
                for kind, percent in plan.notifications
            ],
        )

    # local replicates its lake: the ml layer alarms on each zone's failed replication.
    builder = Builder(config)
    for alarm in replication_alarms(builder.naming, config.data_lake).values():
        builder.metric_alarm(alarm, topic)

    def verify() -> list[str]:
        context = VerifyContext(config, environment_clients(config, emulated_aws.endpoint))
        ObservabilityChecker(context, topic).check()
        return context.findings.problems

    assert verify() == []
    budgets.delete_budget(AccountId="123456789012", BudgetName="mlp-local-budget-gpu")
    assert any("mlp-local-budget-gpu" in p for p in verify())


def test_the_readme_team_example_synthesizes_alarms_and_a_dashboard() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**In a team repo**") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    stack = _stack()
    namespace: dict[str, Any] = {
        "stack": stack,
        "endpoint": _endpoint(stack),
        "pool": _pool(stack, "g5.2xlarge"),
        "platform_topic_arn": TOPIC,
    }
    exec(compile(code, "README.md", "exec"), namespace)
    synth: dict[str, Any] = json.loads(Testing.synth(stack))
    alarms = synth["resource"]["aws_cloudwatch_metric_alarm"]
    assert {"ranker-p99", "ranking-gpus-idle"} <= set(alarms)
    assert all(alarms[a]["ok_actions"] == [TOPIC] for a in ("ranker-p99", "ranking-gpus-idle"))
    assert len(synth["resource"]["aws_cloudwatch_dashboard"]) == 1
