"""Parity: every environment file on Pulumi (under the mocks) against its cdktf synth.

The cdktf side is the session's synth (tests/conftest.py ``synthesized``); the
Pulumi side is ``PlatformEnvironment`` recorded once per environment in this
module. Both become ``(terraform type, physical name) -> settings``
(:mod:`mlplatform.pulumi.normalise`); the comparison names the first difference.
"""

from __future__ import annotations

import copy
import signal
from pathlib import Path

import pytest

from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import NOT_YET_TRANSLATED, PlatformEnvironment, Recorder, Recording
from mlplatform.pulumi.guardrails import check
from mlplatform.pulumi.normalise import (
    ENGINE_ONLY,
    OUTPUT_KIND,
    PROVIDER_KIND,
    Normalised,
    Resource,
    from_cdktf,
    from_pulumi,
)
from mlplatform.pulumi.parity import (
    compare,
    first_difference,
    set_aside_paths,
    synthesized_environment,
)
from tests.conftest import environment_names

ENVIRONMENTS = environment_names()


@pytest.fixture(scope="module")
def recordings(loader: EnvironmentLoader) -> dict[str, Recording]:
    """Every environment's Pulumi program, recorded once for this module."""
    found: dict[str, Recording] = {}
    for name in ENVIRONMENTS:
        config = loader.load(name)
        found[name] = Recorder.run(lambda c=config: PlatformEnvironment(c), stack=name)  # type: ignore[misc]
    return found


@pytest.fixture(scope="module")
def normalised(
    synthesized: Path, recordings: dict[str, Recording]
) -> dict[str, tuple[Normalised, Normalised]]:
    """``{environment: (cdktf, pulumi)}``, translated parts only."""
    pairs = {}
    for name in ENVIRONMENTS:
        aside = set_aside_paths(name)
        pairs[name] = (
            from_cdktf(synthesized_environment(synthesized, name)).without(aside),
            from_pulumi(recordings[name]).without(aside),
        )
    return pairs


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_environment_on_pulumi_passes_the_guardrails(
    recordings: dict[str, Recording], environment: str
) -> None:
    check(recordings[environment])


def test_all_four_environment_files_are_compared() -> None:
    assert set(ENVIRONMENTS) == {"dev", "local", "prod", "staging"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_pulumi_builds_what_cdktf_synthesizes(
    synthesized: Path, recordings: dict[str, Recording], environment: str
) -> None:
    assert compare(synthesized, recordings[environment], environment) is None


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_comparison_covers_every_translated_layer(
    normalised: dict[str, tuple[Normalised, Normalised]], environment: str
) -> None:
    cdktf, pulumi = normalised[environment]
    assert cdktf.resources.keys() == pulumi.resources.keys()
    kinds = cdktf.kinds()
    assert {
        PROVIDER_KIND,
        "aws_vpc",
        "aws_subnet",
        "aws_nat_gateway",
        "aws_flow_log",
        "aws_kms_key",
        "aws_iam_role_policy",
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_glue_catalog_database",
        "aws_glue_catalog_table",
    } <= kinds
    layers = {r.path.split("/")[0] for r in cdktf.resources.values()}
    expected = ["network", "data", "compute", "ml"] + (
        [] if environment == "local" else ["cluster"]
    )
    assert layers == {f"{environment}-{layer}" for layer in expected}
    assert {
        "aws_eks_cluster",
        "aws_eks_node_group",
        "aws_launch_template",
        "aws_eks_addon",
        "aws_iam_openid_connect_provider",
        "aws_sqs_queue",
        "aws_cloudwatch_event_rule",
        "aws_sns_topic",
        "aws_sns_topic_subscription",
        "aws_dynamodb_table",
        "aws_ecr_repository",
        "aws_sagemaker_model_package_group",
        "aws_cloudwatch_dashboard",
        "aws_budgets_budget",
        "aws_sagemaker_model",
        "aws_sagemaker_endpoint_configuration",
        "aws_sagemaker_endpoint",
        "aws_cloudwatch_metric_alarm",
    } <= kinds
    # Physical names, not construct paths, key the named resources.
    assert ("aws_s3_bucket", "mlp-" + environment) not in cdktf.resources
    buckets = [name for kind, name in cdktf.resources if kind == "aws_s3_bucket"]
    assert buckets and all(b.startswith(f"mlp-{environment}-") for b in buckets)
    assert f"mlp-{environment}-datalake-raw" in " ".join(buckets)


def test_tags_security_settings_and_policies_are_compared(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    cdktf, pulumi = normalised["prod"]
    provider = pulumi.resources[(PROVIDER_KIND, "prod-data")].config
    assert provider["default_tags"]["component"] == "data"
    assert provider["allowed_account_ids"]
    key = next(r for (kind, _), r in pulumi.resources.items() if kind == "aws_kms_key")
    # Policies are compared parsed, with references to the account lookups made engine-neutral.
    assert key.config["policy"]["Statement"][0]["Principal"]["AWS"] == (
        "arn:${data.aws_partition.partition}:iam::${data.aws_caller_identity.account_id}:root"
    )
    assert key.config["lifecycle"] == {"prevent_destroy": True}
    bucket = next(
        r
        for (kind, name), r in cdktf.resources.items()
        if kind == "aws_s3_bucket_server_side_encryption_configuration" and "zone-raw" in r.path
    )
    assert bucket.config["rule"]["apply_server_side_encryption_by_default"]["sse_algorithm"] == (
        "aws:kms"
    )


def _changed(normalised: Normalised, kind: str, field: str, value: object) -> Normalised:
    resources = copy.deepcopy(normalised.resources)
    key = sorted(k for k in resources if k[0] == kind)[0]
    resource = resources[key]
    config = resource.config
    *parents, last = field.split(".")
    for part in parents:
        config = config[part]
    config[last] = value
    resources[key] = Resource(resource.kind, resource.path, resource.config)
    return Normalised(resources)


@pytest.mark.parametrize(
    ("kind", "field", "value", "expected"),
    [
        (
            "aws_vpc",
            "tags.Name",
            "other",
            "field tags.Name: cdktf has 'mlp-dev-vpc', Pulumi has 'other'",
        ),
        (
            "aws_s3_bucket_public_access_block",
            "block_public_acls",
            False,
            "field block_public_acls",
        ),
        ("aws_kms_key", "policy.Statement", [], "field policy.Statement"),
        ("aws_kms_key", "lifecycle.prevent_destroy", False, "field lifecycle.prevent_destroy"),
        ("aws_eks_node_group", "lifecycle.ignore_changes", [], "field lifecycle.ignore_changes"),
        ("aws_sagemaker_model", "lifecycle", {}, "field lifecycle.create_before_destroy"),
        (PROVIDER_KIND, "default_tags.team", "someone", "field default_tags.team"),
    ],
)
def test_the_first_difference_is_named_by_type_name_and_field(
    normalised: dict[str, tuple[Normalised, Normalised]],
    kind: str,
    field: str,
    value: object,
    expected: str,
) -> None:
    cdktf, pulumi = normalised["dev"]
    found = first_difference(cdktf, _changed(pulumi, kind, field, value))
    assert found is not None
    assert found.startswith(f"{kind} ")
    assert expected in found


def test_a_resource_only_one_engine_has_is_named(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    cdktf, pulumi = normalised["dev"]
    key = ("aws_kms_alias", "alias/mlp-dev-datalake")
    assert key in pulumi.resources
    missing = Normalised({k: r for k, r in pulumi.resources.items() if k != key})
    assert first_difference(cdktf, missing) == (
        "aws_kms_alias 'alias/mlp-dev-datalake' (dev-data/data-lake/key/alias): "
        "only in the cdktf synth"
    )


def test_set_aside_parts_and_engine_only_types_say_why() -> None:
    assert all(reason.strip() for reason in {**NOT_YET_TRANSLATED, **ENGINE_ONLY}.values())
    assert "data.terraform_remote_state" in ENGINE_ONLY


def test_endpoint_variants_scaling_and_apply_time_names_are_compared(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    cdktf, pulumi = normalised["staging"]
    config = next(
        r.config
        for (kind, _), r in pulumi.resources.items()
        if kind == "aws_sagemaker_endpoint_configuration"
    )
    assert [v["variant_name"] for v in config["production_variants"]] == ["primary", "canary"]
    # The apply-time digest: Terraform's substr(sha1(join(...))) evaluated over the same
    # references Pulumi hashes, so a name only matches if both hash the same values.
    assert config["name"] == next(
        r.config["name"]
        for (kind, _), r in cdktf.resources.items()
        if kind == "aws_sagemaker_endpoint_configuration"
    )
    assert "${" not in config["name"]
    target = next(
        r.config for (kind, _), r in pulumi.resources.items() if kind == "aws_appautoscaling_target"
    )
    assert (target["min_capacity"], target["max_capacity"]) > (0, 1)


def test_the_online_feature_store_is_compared_in_both_kinds(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    dev, _ = normalised["dev"]
    assert ("aws_dynamodb_table", "mlp-dev-features-ranker") in dev.resources
    cdktf, pulumi = normalised["prod"]
    kinds = cdktf.kinds()
    assert {
        "aws_elasticache_replication_group",
        "aws_elasticache_user",
        "aws_elasticache_user_group",
        "aws_secretsmanager_secret",
        "aws_secretsmanager_secret_version",
    } <= kinds
    group = next(
        r.config
        for (kind, _), r in pulumi.resources.items()
        if kind == "aws_elasticache_replication_group"
    )
    assert group["transit_encryption_enabled"] is True
    assert group["at_rest_encryption_enabled"] is True
    grants = [name for kind, name in pulumi.resources if kind == "aws_iam_role_policy"]
    assert any(name.startswith("feature-store-read-online-") for name in grants)
    assert any(name.startswith("feature-store-materialize-") for name in grants)


def test_every_stack_output_is_compared(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    cdktf, pulumi = normalised["prod"]
    outputs = {name for kind, name in pulumi.resources if kind == OUTPUT_KIND}
    assert outputs == {f"prod-{layer}" for layer in ("network", "data", "compute", "cluster", "ml")}
    ml = pulumi.resources[(OUTPUT_KIND, "prod-ml")].config
    assert ml["feature_online_store"] == "redis"
    assert ml["endpoint_names"] == {
        "ranker": "${aws_sagemaker_endpoint.prod-ml/serving/ranker/endpoint.name}"
    }
    assert cdktf.resources[(OUTPUT_KIND, "prod-ml")].config == ml


def test_nothing_is_set_aside() -> None:
    assert NOT_YET_TRANSLATED == {}


def test_the_helm_layer_is_compared_release_by_release(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    cdktf, pulumi = normalised["prod"]
    releases = {name for kind, name in pulumi.resources if kind == "helm_release"}
    assert {"karpenter-crd", "karpenter", "gpu-pools", "aws-efa-k8s-device-plugin"} <= releases
    karpenter = pulumi.resources[("helm_release", "karpenter")].config
    assert karpenter["repository"] == "oci://public.ecr.aws/karpenter"
    assert karpenter["values"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == (
        "${aws_iam_role.prod-compute/cluster/irsa-kube-system-karpenter.arn}"
    )
    pools = pulumi.resources[("helm_release", "gpu-pools")].config["values"]["manifests"]
    node_pools = [m for m in pools if m["kind"] == "NodePool"]
    assert {m["metadata"]["name"] for m in node_pools} == {"experiments", "training"}
    assert cdktf.resources[("helm_release", "gpu-pools")].config["values"]["manifests"] == pools


def test_cross_stack_references_resolve_to_the_resource_they_name(
    normalised: dict[str, tuple[Normalised, Normalised]],
) -> None:
    cdktf, _ = normalised["dev"]
    connection = cdktf.resources[("aws_glue_connection", "mlp-dev-datalake-vpc")].config
    assert connection["physical_connection_requirements"]["subnet_id"] == (
        "${aws_subnet.dev-network/network/private-0.id}"
    )


def test_a_contract_value_that_holds_the_call_reading_it_is_read_once() -> None:
    """The normaliser evaluates ``join(...)`` over what it reads; a contract value holding
    that same call again (say, another environment's) is evaluated once and then kept as
    text: evaluating every call in the result again never ended."""
    read = '${join(",", [data.aws_ssm_parameter.zones.insecure_value])}'
    document = {
        "data": {"aws_ssm_parameter": {"zones": {"name": "/mlp/dev/platform/data/zones"}}},
        "resource": {
            "aws_ssm_parameter": {
                "copy": {"//": {"metadata": {"path": "team/copy"}}, "name": "copy", "value": read}
            }
        },
    }

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the normaliser did not finish reading the value")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    try:
        normalised = from_cdktf(
            {"team": document}, parameters={"/mlp/dev/platform/data/zones": read}
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    (copy,) = normalised.resources.values()
    assert copy.config["value"] == read  # the value read, its call left as written
