"""The ml layer's config and decisions: environment files, errors, serving plan, policies, rules.

Pure Python: nothing here imports cdktf or the AWS bindings, so it runs in a second.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from mlplatform.catalogs.sagemaker import SAGEMAKER_INSTANCE_TYPES, sagemaker_instance_type
from mlplatform.config import (
    MlProps,
    ModelRegistryProps,
    ServingEndpointProps,
    VariantProps,
)
from mlplatform.decisions.naming import InvalidNameError, Naming
from mlplatform.decisions.policies import (
    ECR_PUSH_ACTIONS,
    STAR_ONLY_ACTIONS,
    VPC_ACCESS_ACTIONS,
    data_capture_statements,
    ecr_lifecycle_policy,
    endpoint_logging_statements,
    registry_publish_statements,
    registry_read_statements,
    vpc_access_statements,
)
from mlplatform.decisions.serving_plan import artifact_key, plan_endpoint
from mlplatform.guardrails import RULES, Resources
from mlplatform.loader import ConfigError, EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ROOT / "environments"
BAD_PATH = "environments/broken.yaml"
NAMING = Naming("mlp", "prod")

BUCKET = "arn:aws:s3:::mlp-prod-registry-artifacts"
KEY = "arn:aws:kms:us-east-1:333333333333:key/1234"
TABLE = "arn:aws:dynamodb:us-east-1:333333333333:table/mlp-prod-registry-models"
REPO = "arn:aws:ecr:us-east-1:333333333333:repository/mlp-prod-registry-ranker"
GROUP = "arn:aws:sagemaker:us-east-1:333333333333:model-package-group/mlp-prod-registry-ranker"
PACKAGES = "arn:aws:sagemaker:us-east-1:333333333333:model-package/mlp-prod-registry-ranker/*"

# The instance types moto 5.2.5 accepts in CreateEndpointConfig (measured; see local.yaml).
MOTO_ENDPOINT_TYPES = {"ml.m5.large", "ml.t2.medium", "ml.c5.large", "ml.m5.xlarge"}


def _endpoint(**overrides: Any) -> dict[str, Any]:
    """An instance-backed endpoint as YAML data, with ``overrides`` applied."""
    endpoint: dict[str, Any] = {
        "model_package_group": "ranker",
        "instance_type": "ml.g5.xlarge",
        "min_instances": 2,
        "max_instances": 20,
        "target_invocations_per_instance": 800,
        "data_capture_percent": 10,
        "variants": [{"name": "v7", "model_version": "7", "image_tag": "1.4.2"}],
    }
    endpoint.update(overrides)
    return endpoint


def _env(endpoint: dict[str, Any] | None = None, **ml: Any) -> str:
    """dev.yaml with its ranker endpoint replaced by ``endpoint`` and ``ml`` keys set."""
    data: dict[str, Any] = copy.deepcopy(
        yaml.safe_load((ENVIRONMENTS / "dev.yaml").read_text(encoding="utf-8"))
    )
    if endpoint is not None:
        data["ml"]["serving"] = {"ranker": endpoint}
        data.pop("feature_store")  # its groups name dev's ranker endpoint as an online reader
    data["ml"].update(ml)
    return yaml.safe_dump(data, sort_keys=False)


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(text, BAD_PATH)
    return list(caught.value.problems)


def _problem(text: str) -> str:
    problems = _problems(text)
    assert len(problems) == 1, problems
    return problems[0]


def _endpoint_props(**overrides: Any) -> ServingEndpointProps:
    return ServingEndpointProps.model_validate(_endpoint(**overrides))


# --------------------------------------------------------------------------- shipped files


def _load(name: str) -> Any:
    return EnvironmentLoader(ENVIRONMENTS).load(name)


@pytest.mark.parametrize("name", ["dev", "local", "staging", "prod"])
def test_every_environment_has_an_ml_layer_serving_ranker(name: str) -> None:
    config = _load(name)

    assert config.ml is not None
    assert config.ml.registry.model_families == ("ranker",)
    assert list(config.ml.serving) == ["ranker"]
    assert config.ml.serving["ranker"].model_package_group == "ranker"


def test_dev_serves_one_model_serverless() -> None:
    ranker = _load("dev").ml.serving["ranker"]

    assert ranker.serverless is not None
    assert ranker.instance_type is None
    assert len(ranker.variants) == 1
    assert ranker.data_capture_percent == 0
    assert plan_endpoint(Naming("mlp", "dev"), "ranker", ranker).variants[0].scaling is None


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_staging_and_prod_autoscale_and_capture_on_gpus(name: str) -> None:
    ranker = _load(name).ml.serving["ranker"]

    assert ranker.autoscaling is True
    assert ranker.uses_gpu
    # It reads its features online (feature_store.feature_groups.ranker.online_readers).
    assert ranker.network_isolation is False
    assert ranker.min_instances <= ranker.max_instances
    assert ranker.data_capture_percent > 0
    assert ranker.scale_in_cooldown_seconds > ranker.scale_out_cooldown_seconds


def test_prod_locks_artifacts_in_governance_mode_and_protects_the_table() -> None:
    registry = _load("prod").ml.registry

    assert registry.object_lock is not None
    assert registry.object_lock.mode == "GOVERNANCE"
    assert registry.deletion_protection is True
    assert registry.force_destroy is False


def test_prod_serves_on_two_instances_at_least() -> None:
    assert _load("prod").ml.serving["ranker"].min_instances >= 2


def test_staging_runs_a_canary() -> None:
    variants = _load("staging").ml.serving["ranker"].variants

    assert [(v.name, v.weight) for v in variants] == [("primary", 90), ("canary", 10)]


def test_local_picks_what_the_emulator_accepts() -> None:
    config = _load("local")
    ranker = config.ml.serving["ranker"]

    assert ranker.instance_type in MOTO_ENDPOINT_TYPES
    assert not ranker.uses_gpu
    # The emulator launcher fills in what plain moto lacks, so the secure defaults stay.
    assert ranker.autoscaling is True
    assert ranker.network_isolation is False  # it reads its features online, as everywhere
    # Destroy must leave the emulator empty.
    assert config.ml.registry.force_destroy is True
    assert config.ml.registry.deletion_protection is False


def test_local_yaml_says_why_it_serves_on_a_cpu_type() -> None:
    text = (ENVIRONMENTS / "local.yaml").read_text(encoding="utf-8")
    ml_section = text[text.index("\nml:") :]

    assert "moto rejects ml.g5" in ml_section


# --------------------------------------------------------------------------- instance types


def test_gpu_types_are_flagged_and_know_their_local_storage() -> None:
    g5 = sagemaker_instance_type("ml.g5.xlarge")
    m5 = sagemaker_instance_type("ml.m5.large")
    inf2 = sagemaker_instance_type("ml.inf2.xlarge")

    assert g5.gpu and g5.accelerators == 1 and g5.local_storage
    assert sagemaker_instance_type("ml.g5.12xlarge").accelerators == 4
    assert not m5.gpu and m5.accelerators == 0 and not m5.local_storage
    assert not inf2.gpu and inf2.accelerator == "inferentia"
    assert sagemaker_instance_type("ml.p3.2xlarge").gpu
    assert not sagemaker_instance_type("ml.p3.2xlarge").local_storage


def test_every_table_row_is_an_ml_type() -> None:
    for name, row in SAGEMAKER_INSTANCE_TYPES.items():
        assert name == row.name
        assert name.startswith("ml.")
        assert row.gpu == (row.accelerator == "nvidia")
        assert (row.accelerators > 0) == (row.accelerator is not None)


def test_an_ec2_type_name_gets_the_ml_prefix_suggested() -> None:
    with pytest.raises(ValueError, match=r"use 'ml\.g5\.xlarge'"):
        sagemaker_instance_type("g5.xlarge")


def test_a_typo_gets_the_closest_type_suggested_with_its_gpu_flag() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'ml\.g5\.xlarge' \(GPU\)\?"):
        sagemaker_instance_type("ml.g5.xlarg")


# --------------------------------------------------------------------------- config errors


def test_a_non_sagemaker_instance_type_names_the_endpoint_and_field() -> None:
    problem = _problem(_env(_endpoint(instance_type="g5.xlarge")))

    assert problem.startswith(
        "ml.serving.ranker.instance_type: 'g5.xlarge' is not a SageMaker real-time inference "
        "instance type; SageMaker hosting types start with 'ml.'; use 'ml.g5.xlarge'"
    )


def test_a_variant_instance_type_is_checked_too() -> None:
    variants = [{"name": "v7", "model_version": "7", "image_tag": "1", "instance_type": "ml.x9"}]

    problem = _problem(_env(_endpoint(variants=variants)))

    assert problem.startswith("ml.serving.ranker.variants[0].instance_type: 'ml.x9' is not a")


@pytest.mark.parametrize("weight", [0, -10])
def test_variant_weights_must_be_positive(weight: int) -> None:
    variants = [
        {"name": "v7", "model_version": "7", "image_tag": "1.4.2", "weight": 100},
        {"name": "v8", "model_version": "8", "image_tag": "1.5.0", "weight": weight},
    ]

    problem = _problem(_env(_endpoint(variants=variants)))

    assert problem == (
        f"ml.serving.ranker.variants[1].weight: Input should be greater than or equal to 1 "
        f"(got {weight})"
    )


def test_min_instances_above_max_names_both_fields() -> None:
    problem = _problem(_env(_endpoint(min_instances=5, max_instances=2)))

    assert problem == (
        "ml.serving.ranker: min_instances (5) is above max_instances (2); "
        "raise max_instances or lower min_instances"
    )


@pytest.mark.parametrize("percent", [-1, 101, 150])
def test_data_capture_must_be_between_0_and_100(percent: int) -> None:
    problem = _problem(_env(_endpoint(data_capture_percent=percent)))

    assert problem == (
        "ml.serving.ranker.data_capture_percent: data capture samples 0 to 100 percent of "
        f"requests (0 turns it off); got {percent}"
    )


@pytest.mark.parametrize("percent", [0, 100])
def test_data_capture_accepts_its_bounds(percent: int) -> None:
    config = EnvironmentLoader.parse(_env(_endpoint(data_capture_percent=percent)))

    assert config.ml is not None
    assert config.ml.serving["ranker"].data_capture_percent == percent


def test_scale_in_must_be_slower_than_scale_out() -> None:
    problem = _problem(
        _env(_endpoint(scale_in_cooldown_seconds=60, scale_out_cooldown_seconds=300))
    )

    assert problem.startswith(
        "ml.serving.ranker: scale_in_cooldown_seconds (60) must be longer than "
        "scale_out_cooldown_seconds (300)"
    )


def test_instance_type_is_required_unless_serverless() -> None:
    endpoint = _endpoint()
    del endpoint["instance_type"]

    assert _problem(_env(endpoint)).startswith("ml.serving.ranker: instance_type: required")


def test_serverless_excludes_instance_type() -> None:
    problem = _problem(_env(_endpoint(data_capture_percent=0, serverless={})))

    assert problem == (
        "ml.serving.ranker: instance_type and serverless exclude each other; remove one of them"
    )


def test_serverless_cannot_capture_data() -> None:
    endpoint = {
        "model_package_group": "ranker",
        "serverless": {"memory_size_mb": 2048},
        "data_capture_percent": 5,
        "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
    }

    assert _problem(_env(endpoint)) == (
        "ml.serving.ranker: data_capture_percent: SageMaker cannot capture data on a serverless "
        "endpoint; set it to 0"
    )


def test_serverless_rejects_autoscaling_settings() -> None:
    endpoint = {
        "model_package_group": "ranker",
        "serverless": {},
        "max_instances": 4,
        "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
    }

    assert _problem(_env(endpoint)) == (
        "ml.serving.ranker: max_instances: a serverless endpoint scales by itself; "
        "remove max_instances"
    )


def test_serverless_memory_comes_in_gigabyte_steps() -> None:
    endpoint = {
        "model_package_group": "ranker",
        "serverless": {"memory_size_mb": 1500},
        "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
    }

    assert _problem(_env(endpoint)) == (
        "ml.serving.ranker.serverless.memory_size_mb: serverless memory must be one of "
        "1024, 2048, 3072, 4096, 5120, 6144 MB"
    )


def test_three_variants_are_too_many() -> None:
    variants = [{"name": f"v{i}", "model_version": str(i), "image_tag": "1"} for i in range(3)]

    assert _problem(_env(_endpoint(variants=variants))) == (
        "ml.serving.ranker.variants: 3 variants listed; list one, or two while a canary "
        "takes a share of traffic"
    )


def test_variant_names_are_unique() -> None:
    variants = [
        {"name": "v7", "model_version": "7", "image_tag": "1"},
        {"name": "v7", "model_version": "8", "image_tag": "2"},
    ]

    assert _problem(_env(_endpoint(variants=variants))) == (
        "ml.serving.ranker.variants: variant names must be unique; 'v7' is listed twice"
    )


# --------------------------------------------------------------------------- rollout


def test_rollout_defaults_to_a_ten_percent_canary_baked_ten_minutes() -> None:
    rollout = _endpoint_props().rollout

    assert (rollout.strategy, rollout.canary_percent, rollout.bake_seconds) == ("canary", 10, 600)
    assert rollout.termination_wait_seconds == 300
    assert rollout.timeout_seconds == 3600


def test_prod_rolls_out_a_canary_and_staging_all_at_once() -> None:
    prod = _load("prod").ml.serving["ranker"].rollout
    staging = _load("staging").ml.serving["ranker"].rollout

    assert (prod.strategy, prod.canary_percent, prod.bake_seconds) == ("canary", 10, 600)
    # Staging's canary variant runs one instance, which a gradual shift cannot split.
    assert staging.strategy == "all_at_once"


@pytest.mark.parametrize(
    ("rollout", "field", "strategy"),
    [
        ({"strategy": "linear", "canary_percent": 20}, "canary_percent", "canary"),
        ({"linear_step_percent": 20}, "linear_step_percent", "linear"),
        ({"strategy": "all_at_once", "canary_percent": 20}, "canary_percent", "canary"),
    ],
)
def test_a_step_size_belongs_to_its_strategy(
    rollout: dict[str, Any], field: str, strategy: str
) -> None:
    problem = _problem(_env(_endpoint(rollout=rollout)))

    given = rollout.get("strategy", "canary")
    assert problem == (
        f"ml.serving.ranker.rollout: {field} applies to strategy {strategy}, but strategy is "
        f"{given}; remove {field} or set strategy: {strategy}"
    )


def test_a_bake_shorter_than_the_rollback_alarms_is_refused() -> None:
    problem = _problem(_env(_endpoint(rollout={"bake_seconds": 60})))

    assert problem.startswith(
        "ml.serving.ranker.rollout: bake_seconds (60) is shorter than the 180 s the rollback "
        "alarms need to judge a step"
    )
    assert problem.endswith("set bake_seconds to 180 or more")


def test_waits_must_fit_in_the_timeout_with_time_to_start_the_fleet() -> None:
    problem = _problem(_env(_endpoint(rollout={"strategy": "linear", "linear_step_percent": 10})))

    assert problem.startswith(
        "ml.serving.ranker.rollout: the deployment waits 6300 s (10 bakes of 600 s for strategy "
        "linear, then termination_wait_seconds 300), and SageMaker needs about 600 s to start "
        "the new fleet, so it cannot finish within timeout_seconds (3600)"
    )
    assert "take fewer steps" in problem


def test_the_timeout_stays_within_what_terraform_waits() -> None:
    problem = _problem(_env(_endpoint(rollout={"timeout_seconds": 7200})))

    assert problem == (
        "ml.serving.ranker.rollout: timeout_seconds (7200) is above 3600: terraform waits an hour "
        "for an updated endpoint and would report a failure while SageMaker carries on; set it "
        "to 3600 or less"
    )


@pytest.mark.parametrize(("field", "value"), [("canary_percent", 60), ("linear_step_percent", 5)])
def test_step_sizes_stay_within_what_aws_allows(field: str, value: int) -> None:
    strategy = "canary" if field == "canary_percent" else "linear"
    problem = _problem(_env(_endpoint(rollout={"strategy": strategy, field: value})))

    assert problem.startswith(f"ml.serving.ranker.rollout.{field}: Input should be")


def test_an_unknown_rollout_key_lists_the_allowed_keys() -> None:
    problem = _problem(_env(_endpoint(rollout={"wait": 3})))

    assert problem == (
        "ml.serving.ranker.rollout.wait: unknown key; allowed keys here: strategy, "
        "canary_percent, linear_step_percent, bake_seconds, termination_wait_seconds, "
        "timeout_seconds"
    )


def test_a_gradual_shift_needs_two_instances_of_the_autoscaled_primary() -> None:
    problem = _problem(_env(_endpoint(min_instances=1, max_instances=1)))

    assert problem == (
        "ml.serving.ranker: rollout.strategy: canary shifts part of the new fleet first, but "
        "variant 'v7' starts with 1 instance (max_instances); raise max_instances to 2, or set "
        "rollout.strategy: all_at_once"
    )


def test_a_gradual_shift_needs_two_instances_of_a_canary_variant() -> None:
    variants = [
        {"name": "primary", "model_version": "7", "image_tag": "1.4.2", "weight": 90},
        {"name": "canary", "model_version": "8", "image_tag": "1.5.0", "weight": 10},
    ]
    endpoint = _endpoint(min_instances=1, variants=variants, rollout={"strategy": "linear"})

    assert _problem(_env(endpoint)) == (
        "ml.serving.ranker: rollout.strategy: linear shifts part of the new fleet first, but "
        "variant 'canary' starts with 1 instance (min_instances); raise min_instances to 2, or "
        "set rollout.strategy: all_at_once"
    )
    all_at_once = _endpoint(min_instances=1, variants=variants, rollout={"strategy": "all_at_once"})
    assert EnvironmentLoader.parse(_env(all_at_once)).ml is not None


def test_a_serverless_endpoint_has_no_rollout() -> None:
    endpoint = {
        "model_package_group": "ranker",
        "serverless": {},
        "rollout": {"strategy": "canary"},
        "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
    }

    assert _problem(_env(endpoint)) == (
        "ml.serving.ranker: rollout: a serverless endpoint has no instance fleet to shift "
        "traffic between; remove rollout"
    )


def test_new_configurations_start_the_autoscaled_primary_at_max_instances() -> None:
    variants = [
        {"name": "primary", "model_version": "7", "image_tag": "1.4.2", "weight": 90},
        {"name": "canary", "model_version": "8", "image_tag": "1.5.0", "weight": 10},
    ]
    props = _endpoint_props(min_instances=2, max_instances=20, variants=variants)

    assert [props.initial_instances_of(i) for i in (0, 1)] == [20, 2]
    pinned = _endpoint_props(min_instances=3, max_instances=20, autoscaling=False)
    assert pinned.initial_instances_of(0) == 3


def test_an_endpoint_must_serve_a_registry_family() -> None:
    problem = _problem(_env(_endpoint(model_package_group="rankr")))

    assert problem == (
        "ml.serving.ranker.model_package_group: 'rankr' is not a registry model family; "
        "add it to ml.registry.model_families (ranker)"
    )


def test_data_capture_needs_a_zone_the_lake_has() -> None:
    data = yaml.safe_load(_env(_endpoint(data_capture_zone="curated")))
    data["data_lake"]["zones"] = ["raw", "features"]

    assert _problem(yaml.safe_dump(data)) == (
        "ml.serving.ranker.data_capture_zone: the data lake has no 'curated' zone; "
        "use one of raw, features"
    )


def test_an_unknown_endpoint_key_lists_the_allowed_keys() -> None:
    problem = _problem(_env(_endpoint(instance_count=3)))

    assert problem.startswith(
        "ml.serving.ranker.instance_count: unknown key; allowed keys here: model_package_group, "
        "variants, instance_type, serverless, min_instances"
    )


def test_a_quoted_instance_count_is_rejected() -> None:
    assert _problem(_env(_endpoint(min_instances="2"))) == (
        "ml.serving.ranker.min_instances: expected a whole number, got '2'"
    )


def test_latest_cannot_be_pinned_under_immutable_tags() -> None:
    variants = [{"name": "v7", "model_version": "7", "image_tag": "latest"}]

    assert _problem(_env(_endpoint(variants=variants))).startswith(
        "ml.serving.ranker.variants[0].image_tag: 'latest' cannot be pinned"
    )


def test_a_numeric_model_version_is_read_as_a_label() -> None:
    variant = VariantProps.model_validate({"name": "v7", "model_version": 7, "image_tag": "1.4"})

    assert variant.model_version == "7"


def test_a_model_version_with_a_slash_is_rejected() -> None:
    variants = [{"name": "v7", "model_version": "7/../8", "image_tag": "1"}]

    assert _problem(_env(_endpoint(variants=variants))).startswith(
        "ml.serving.ranker.variants[0].model_version: '7/../8' is not a model version"
    )


def test_endpoint_names_are_name_parts() -> None:
    data = yaml.safe_load(_env())
    data["ml"]["serving"] = {"Ranker_1": data["ml"]["serving"]["ranker"]}

    assert _problem(yaml.safe_dump(data)) == (
        "ml.serving: endpoint name 'Ranker_1' must be 1-20 lowercase letters, digits and inner '-'"
    )


def test_registry_compliance_lock_excludes_force_destroy() -> None:
    registry = {
        "model_families": ["ranker"],
        "object_lock": {"mode": "COMPLIANCE", "retention_days": 30},
        "force_destroy": True,
    }

    assert _problem(_env(registry=registry)) == (
        "ml.registry: object_lock mode COMPLIANCE and force_destroy exclude each other (no one "
        "can delete a version before its compliance retention ends); set force_destroy: false, "
        "or use mode GOVERNANCE"
    )


def test_registry_governance_lock_allows_force_destroy() -> None:
    registry = {
        "model_families": ["ranker"],
        "object_lock": {"mode": "GOVERNANCE", "retention_days": 1},
        "force_destroy": True,
    }

    config = EnvironmentLoader.parse(_env(registry=registry), BAD_PATH)

    assert config.ml is not None and config.ml.registry.force_destroy is True


@pytest.mark.parametrize(
    ("families", "message"),
    [
        ([], "list at least one model family"),
        (["ranker", "ranker"], "each model family may be listed once"),
    ],
)
def test_registry_families_are_listed_once(families: list[str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ModelRegistryProps(model_families=tuple(families))


def test_an_environment_without_ml_has_no_ml_layer() -> None:
    data = yaml.safe_load(_env())
    del data["ml"]
    del data["feature_store"]  # the online store lives in the ml layer
    del data["budgets"], data["observability"]  # both notify the ml layer's topic

    assert EnvironmentLoader.parse(yaml.safe_dump(data)).ml is None


def test_ml_props_default_to_no_endpoints() -> None:
    assert MlProps(registry=ModelRegistryProps(model_families=("ranker",))).serving == {}


def test_the_issue_example_validates() -> None:
    props = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "instance_type": "ml.g5.xlarge",
            "min_instances": 2,
            "max_instances": 20,
            "target_invocations_per_instance": 800,
            "data_capture_percent": 10,
            "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
        }
    )

    assert props.uses_gpu


# --------------------------------------------------------------------------- serving plan


def test_names_follow_the_platform_convention() -> None:
    plan = plan_endpoint(NAMING, "ranker", _endpoint_props())

    assert plan.endpoint_name == "mlp-prod-serving-ranker"
    assert plan.role_name == "mlp-prod-serving-ranker"
    assert plan.log_group_name == "/aws/sagemaker/Endpoints/mlp-prod-serving-ranker"
    assert plan.config_name.startswith("mlp-prod-serving-ranker-")
    assert plan.variants[0].model.name.startswith("mlp-prod-serving-ranker-v7-")
    assert plan.variants[0].model.artifact_key == "ranker/7/model.tar.gz"


def test_a_canary_keeps_the_endpoint_name_and_changes_the_configuration() -> None:
    v7 = {"name": "v7", "model_version": "7", "image_tag": "1.4.2"}
    v8 = {"name": "v8", "model_version": "8", "image_tag": "1.5.0", "weight": 10}
    before = plan_endpoint(NAMING, "ranker", _endpoint_props(variants=[v7]))
    canary = plan_endpoint(NAMING, "ranker", _endpoint_props(variants=[{**v7, "weight": 90}, v8]))
    promoted = plan_endpoint(NAMING, "ranker", _endpoint_props(variants=[{**v8, "weight": 100}]))

    assert before.endpoint_name == canary.endpoint_name == promoted.endpoint_name
    assert len({before.config_name, canary.config_name, promoted.config_name}) == 3
    # v7's model is the same model while the canary runs: nothing to replace.
    assert before.variants[0].model.name == canary.variants[0].model.name
    assert [v.weight for v in canary.variants] == [90.0, 10.0]
    assert canary.variants[1].model.name == promoted.variants[0].model.name


def test_a_new_version_or_image_is_a_new_model() -> None:
    base = plan_endpoint(NAMING, "ranker", _endpoint_props())
    other_version = plan_endpoint(
        NAMING,
        "ranker",
        _endpoint_props(variants=[{"name": "v7", "model_version": "8", "image_tag": "1.4.2"}]),
    )
    other_image = plan_endpoint(
        NAMING,
        "ranker",
        _endpoint_props(variants=[{"name": "v7", "model_version": "7", "image_tag": "1.4.3"}]),
    )

    names = {p.variants[0].model.name for p in (base, other_version, other_image)}
    assert len(names) == 3


def test_plans_are_deterministic() -> None:
    assert plan_endpoint(NAMING, "ranker", _endpoint_props()) == plan_endpoint(
        NAMING, "ranker", _endpoint_props()
    )


def test_autoscaling_tracks_invocations_and_scales_in_slowly() -> None:
    scaling = plan_endpoint(NAMING, "ranker", _endpoint_props()).variants[0].scaling

    assert scaling is not None
    assert scaling.resource_id == "endpoint/mlp-prod-serving-ranker/variant/v7"
    assert scaling.scalable_dimension == "sagemaker:variant:DesiredInstanceCount"
    assert scaling.predefined_metric == "SageMakerVariantInvocationsPerInstance"
    assert (scaling.min_capacity, scaling.max_capacity) == (2, 20)
    assert scaling.target_value == 800.0
    assert scaling.scale_in_cooldown > scaling.scale_out_cooldown


def test_only_the_primary_autoscales_so_a_canary_can_be_removed() -> None:
    props = _endpoint_props(
        variants=[
            {"name": "primary", "model_version": "7", "image_tag": "1.4.2", "weight": 90},
            {"name": "canary", "model_version": "8", "image_tag": "1.5.0", "weight": 10},
        ]
    )

    primary, canary = plan_endpoint(NAMING, "ranker", props).variants

    assert primary.scaling is not None
    assert canary.scaling is None
    assert canary.initial_instance_count == props.min_instances


def test_autoscaling_off_pins_variants_at_min_instances() -> None:
    plan = plan_endpoint(NAMING, "ranker", _endpoint_props(autoscaling=False))

    assert plan.variants[0].scaling is None
    assert plan.variants[0].initial_instance_count == 2


def test_gpu_types_with_local_storage_get_no_volume_key() -> None:
    gpu = plan_endpoint(NAMING, "ranker", _endpoint_props())
    cpu = plan_endpoint(NAMING, "ranker", _endpoint_props(instance_type="ml.m5.large"))
    nvme = plan_endpoint(NAMING, "ranker", _endpoint_props(instance_type="ml.m5d.large"))

    assert (gpu.uses_gpu, gpu.volume_encryption) == (True, False)
    assert (cpu.uses_gpu, cpu.volume_encryption) == (False, True)
    assert nvme.volume_encryption is False


def test_data_capture_goes_under_the_endpoint_prefix() -> None:
    on = plan_endpoint(NAMING, "ranker", _endpoint_props())
    off = plan_endpoint(NAMING, "ranker", _endpoint_props(data_capture_percent=0))

    assert on.data_capture_prefix == "data-capture/ranker/"
    assert off.data_capture_prefix is None


def test_alarms_watch_5xx_errors_and_p99_latency_per_variant() -> None:
    props = _endpoint_props(errors_alarm_threshold=3, latency_alarm_p99_ms=250)

    alarms = {a.metric_name: a for a in plan_endpoint(NAMING, "ranker", props).alarms}

    assert set(alarms) == {"Invocation5XXErrors", "ModelLatency"}
    errors, latency = alarms["Invocation5XXErrors"], alarms["ModelLatency"]
    assert errors.statistic == "Sum" and errors.threshold == 3.0
    assert latency.extended_statistic == "p99"
    assert latency.threshold == 250_000.0  # ModelLatency is in microseconds
    for alarm in (errors, latency):
        assert alarm.namespace == "AWS/SageMaker"
        assert alarm.dimensions == {"EndpointName": "mlp-prod-serving-ranker", "VariantName": "v7"}
        assert alarm.name.startswith("mlp-prod-serving-ranker-v7-")


def test_a_serverless_plan_has_no_instances() -> None:
    props = ServingEndpointProps.model_validate(
        {
            "model_package_group": "ranker",
            "serverless": {"memory_size_mb": 3072, "max_concurrency": 7},
            "variants": [{"name": "v1", "model_version": "1", "image_tag": "1.0.0"}],
        }
    )

    variant = plan_endpoint(NAMING, "ranker", props).variants[0]

    assert variant.instance_type is None and variant.initial_instance_count is None
    assert variant.serverless is not None and variant.serverless.memory_size_mb == 3072
    assert plan_endpoint(NAMING, "ranker", props).volume_encryption is False


def test_names_over_the_sagemaker_limit_fail_at_plan_time() -> None:
    long = Naming("longorgname1", "longenvnam")
    props = _endpoint_props(
        variants=[{"name": "canary-12345", "model_version": "7", "image_tag": "1"}]
    )

    # 63 minus the five characters the engine appends at apply time.
    with pytest.raises(InvalidNameError, match="over the limit of 58"):
        plan_endpoint(long, "ranker-endpoint-abc", props)


def test_artifact_key_layout() -> None:
    assert artifact_key("ranker", "2024-05-01") == "ranker/2024-05-01/model.tar.gz"


# --------------------------------------------------------------------------- policies


def _statements_by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _publish() -> list[dict[str, Any]]:
    return registry_publish_statements(
        models=["ranker"],
        bucket_arn=BUCKET,
        key_arn=KEY,
        table_arn=TABLE,
        repository_arns=[REPO],
        package_group_arns=[GROUP],
        model_package_arns=[PACKAGES],
    )


def test_publish_writes_the_family_prefix_rows_images_and_packages() -> None:
    by_sid = _statements_by_sid(_publish())

    assert "s3:PutObject" in by_sid["WriteModelArtifacts"]["Action"]
    assert by_sid["WriteModelArtifacts"]["Resource"] == [f"{BUCKET}/ranker/*"]
    assert by_sid["ListModelArtifacts"]["Condition"] == {"StringLike": {"s3:prefix": ["ranker/*"]}}
    rows = by_sid["RecordModelVersions"]
    assert "dynamodb:PutItem" in rows["Action"]
    assert rows["Resource"] == TABLE
    assert rows["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["ranker"]}}
    assert by_sid["PushServingImages"]["Action"] == list(ECR_PUSH_ACTIONS)
    assert by_sid["PushServingImages"]["Resource"] == [REPO]
    assert by_sid["RegisterModelPackages"]["Resource"] == [GROUP, PACKAGES]
    assert "kms:GenerateDataKey" in by_sid["EncryptModelArtifacts"]["Action"]


def test_publish_deletes_nothing() -> None:
    actions = [a for s in _publish() for a in _as_list(s["Action"])]

    assert not [a for a in actions if "Delete" in a or a.endswith("*")]


def test_read_only_reads_and_pulls() -> None:
    statements = registry_read_statements(
        models=["ranker"], bucket_arn=BUCKET, key_arn=KEY, repository_arns=[REPO]
    )
    actions = {a for s in statements for a in _as_list(s["Action"])}

    assert actions == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "kms:Decrypt",
        "kms:DescribeKey",
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetAuthorizationToken",
    }
    by_sid = _statements_by_sid(statements)
    assert by_sid["ReadModelArtifacts"]["Resource"] == [f"{BUCKET}/ranker/*"]
    assert by_sid["PullServingImages"]["Resource"] == [REPO]


def test_only_actions_without_resource_permissions_get_a_star() -> None:
    statements = [
        *_publish(),
        *registry_read_statements(
            models=["ranker"], bucket_arn=BUCKET, key_arn=KEY, repository_arns=[REPO]
        ),
        *endpoint_logging_statements("arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/x"),
        *data_capture_statements("arn:aws:s3:::lake", "data-capture/ranker/", KEY),
        *vpc_access_statements(),
    ]

    starred = {
        a for s in statements if "*" in _as_list(s["Resource"]) for a in _as_list(s["Action"])
    }

    assert starred == STAR_ONLY_ACTIONS
    assert starred == {
        "ecr:GetAuthorizationToken",
        "cloudwatch:PutMetricData",
        *VPC_ACCESS_ACTIONS,
    }
    assert all(
        (a.startswith("ec2:") and "NetworkInterface" in a) or a.startswith("ec2:Describe")
        for a in VPC_ACCESS_ACTIONS
    )
    metrics = next(s for s in statements if s["Action"] == "cloudwatch:PutMetricData")
    assert metrics["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}
    }


def test_data_capture_writes_only_under_its_prefix() -> None:
    write, encrypt = data_capture_statements("arn:aws:s3:::lake", "data-capture/ranker/", KEY)

    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == "arn:aws:s3:::lake/data-capture/ranker/*"
    assert encrypt["Resource"] == KEY


def test_ecr_lifecycle_keeps_the_newest_images() -> None:
    rules = ecr_lifecycle_policy(30)["rules"]

    assert [r["rulePriority"] for r in rules] == [1, 2]
    assert rules[0]["selection"]["tagStatus"] == "untagged"
    # ECR requires the "any" rule to come last.
    assert rules[-1]["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 30,
    }
    assert all(r["action"] == {"type": "expire"} for r in rules)
    with pytest.raises(ValueError, match="at least 1"):
        ecr_lifecycle_policy(0)


# --------------------------------------------------------------------------- guardrail rules


def _findings(resources: Resources) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rule in RULES:
        for finding in rule.check(resources):
            found.setdefault(rule.id, []).append(finding.message)
    return found


def test_ddb_rule_wants_pitr_and_a_customer_key() -> None:
    bare: Resources = {"aws_dynamodb_table": {"t": {"name": "t"}}}
    good: Resources = {
        "aws_dynamodb_table": {
            "t": {
                "point_in_time_recovery": {"enabled": True},
                "server_side_encryption": {"enabled": True, "kms_key_arn": KEY},
            }
        }
    }

    assert _findings(bare)["MLP-DDB-1"] == [
        "has no point-in-time recovery",
        "is not encrypted with a customer KMS key",
    ]
    assert "MLP-DDB-1" not in _findings(good)


def test_ecr_rule_wants_immutable_scanned_encrypted_repositories() -> None:
    bare: Resources = {"aws_ecr_repository": {"r": {"name": "r"}}}
    good: Resources = {
        "aws_ecr_repository": {
            "r": {
                "image_tag_mutability": "IMMUTABLE",
                "image_scanning_configuration": {"scan_on_push": True},
                "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KEY}],
            }
        }
    }

    assert len(_findings(bare)["MLP-ECR-1"]) == 3
    assert "MLP-ECR-1" not in _findings(good)


def test_sns_and_capture_rules_want_keys() -> None:
    resources: Resources = {
        "aws_sns_topic": {"plain": {"name": "x"}, "sealed": {"kms_master_key_id": KEY}},
        "aws_sagemaker_endpoint_configuration": {
            "open": {"data_capture_config": {"enable_capture": True}},
            "sealed": {"data_capture_config": {"enable_capture": True, "kms_key_id": KEY}},
            "none": {"production_variants": []},
        },
    }

    found = _findings(resources)

    assert found["MLP-SNS-1"] == ["is not encrypted with a KMS key"]
    assert found["MLP-SM-1"] == ["captures requests without a KMS key"]
