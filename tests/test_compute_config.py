"""The compute section of environment files: what each environment runs, and every bad
input failing with one line that names the pool (or group) and the field.

Pure Python: nothing here imports cdktf or the AWS bindings.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from mlplatform.catalogs.cpu import is_cpu_instance_type
from mlplatform.config import (
    ClusterLayerProps,
    ComputeClusterProps,
    CpuNodeGroupProps,
    EnvironmentConfig,
    GpuPoolProps,
)
from mlplatform.loader import ConfigError, EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ROOT / "environments"
BAD = "environments/bad.yaml"
ADDONS = {
    "vpc_cni": "v1.19.5-eksbuild.1",
    "coredns": "v1.12.1-eksbuild.2",
    "kube_proxy": "v1.33.0-eksbuild.2",
    "ebs_csi_driver": "v1.46.0-eksbuild.1",
}


def _load(name: str) -> EnvironmentConfig:
    return EnvironmentLoader(ENVIRONMENTS).load(name)


def _dev() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ENVIRONMENTS / "dev.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def _with_pool(**pool: Any) -> str:
    """dev.yaml with one GPU pool ``p`` described by ``pool``."""
    data = _dev()
    data["compute"]["gpu_pools"] = {"p": pool}
    return yaml.safe_dump(data, sort_keys=False)


def _with_cluster(**changes: Any) -> str:
    """dev.yaml with the cluster section updated by ``changes``."""
    data = _dev()
    data["compute"]["cluster"].update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def _error(text: str) -> str:
    """The one line a person sees: ``<file>: <field>: <problem>; <fix>``."""
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(text, BAD)
    (line,) = str(caught.value).splitlines()
    return line


def _spot(**extra: Any) -> dict[str, Any]:
    return {
        "instance_types": ["g5.xlarge", "g5.2xlarge"],
        "capacity": "spot",
        "max_nodes": 2,
        **extra,
    }


# --------------------------------------------------------------------------- shipped files


def test_dev_has_one_small_spot_g5_pool() -> None:
    compute = _load("dev").compute

    assert compute is not None
    (name,) = compute.gpu_pools
    pool = compute.gpu_pools[name]
    assert pool.capacity == "spot"
    assert pool.max_nodes == 2
    assert {a.family for a in pool.accelerators} == {"g5"}
    assert len(pool.instance_types) >= 2


def test_staging_adds_an_on_demand_pool() -> None:
    compute = _load("staging").compute

    assert compute is not None
    capacities = {name: p.capacity for name, p in compute.gpu_pools.items()}
    assert "spot" in capacities.values()
    assert "on_demand" in capacities.values()


def test_prod_runs_spot_experiments_and_on_demand_efa_training_on_a_private_endpoint() -> None:
    compute = _load("prod").compute

    assert compute is not None
    experiments = compute.gpu_pools["experiments"]
    training = compute.gpu_pools["training"]
    assert experiments.capacity == "spot"
    assert {a.family for a in experiments.accelerators} <= {"g5", "g6"}
    assert training.capacity == "on_demand"
    assert {a.family for a in training.accelerators} <= {"p4d", "p4de", "p5", "p5e", "p5en"}
    assert training.efa
    assert training.uses_placement_group
    assert len(training.availability_zones) == 1
    cluster = compute.cluster
    assert cluster.endpoint_public_access is False
    assert cluster.public_access_cidrs == ()
    assert cluster.access_entries
    assert cluster.addons is not None
    assert cluster.log_retention_days >= 365


@pytest.mark.parametrize("name", ["dev", "staging", "prod", "local"])
def test_every_environment_pins_kubernetes_and_keeps_pods_off_gpu_node_credentials(
    name: str,
) -> None:
    compute = _load(name).compute

    assert compute is not None
    assert compute.cluster.kubernetes_version == "1.33"
    assert compute.cluster.system_node_group.capacity == "on_demand"
    assert compute.cluster.system_node_group.min_nodes >= 1
    assert compute.gpu_pools
    for pool in compute.gpu_pools.values():
        assert pool.imds_hop_limit == 1


@pytest.mark.parametrize("name", ["dev", "staging", "prod", "local"])
def test_every_environment_file_pins_the_gpu_metrics_add_on(name: str) -> None:
    data = yaml.safe_load((ENVIRONMENTS / f"{name}.yaml").read_text(encoding="utf-8"))
    pinned = data["compute"]["cluster"]["addons"]["cloudwatch_observability"]

    compute = _load(name).compute
    assert compute is not None and compute.cluster.addons is not None
    assert compute.cluster.addons.by_addon()["amazon-cloudwatch-observability"] == pinned


@pytest.mark.parametrize("name", ["dev", "staging", "prod"])
def test_real_environments_keep_every_secure_default(name: str) -> None:
    compute = _load(name).compute

    assert compute is not None
    cluster = compute.cluster
    assert cluster.access_entries
    assert cluster.admin_role_arns
    assert cluster.system_node_group.launch_template
    assert set(cluster.control_plane_logs) == {
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    }


def test_local_keeps_every_hardening_since_the_emulator_deploys_it() -> None:
    compute = _load("local").compute

    assert compute is not None
    cluster = compute.cluster
    assert cluster.addons is not None
    assert cluster.access_entries is True
    assert len(cluster.admin_role_arns) == 1
    assert cluster.system_node_group.launch_template is True
    assert cluster.endpoint_public_access is False
    assert set(compute.gpu_pools) == {"experiments", "training"}
    for pool in compute.gpu_pools.values():
        assert not pool.efa
        assert pool.fsx_scratch is None
    training = compute.gpu_pools["training"]
    assert training.uses_placement_group
    assert training.availability_zones == ("us-east-1a",)


def test_an_environment_without_compute_has_no_compute_layer() -> None:
    data = _dev()
    del data["compute"]
    del data["feature_store"]  # its groups name GPU pools as materializers
    del data["budgets"]["gpu_monthly_limit_usd"]  # no pools, no GPU budget

    assert EnvironmentLoader.parse(yaml.safe_dump(data)).compute is None


# --------------------------------------------------------------------------- GPU pool errors


@pytest.mark.parametrize(
    ("pool", "expected"),
    [
        (
            {"instance_types": ["m5.large"], "max_nodes": 2},
            "compute.gpu_pools.p.instance_types: 'm5.large' is not a known GPU "
            "or accelerator instance type",
        ),
        (
            {"instance_types": ["g5.2xlarge", "g5.12xlarge"], "max_nodes": 2},
            "compute.gpu_pools.p.instance_types: every type of a pool needs the same "
            "vendor and accelerator count",
        ),
        (
            {"instance_types": ["g5.2xlarge"], "max_nodes": 2, "capacity": "spot"},
            "compute.gpu_pools.p: instance_types: a spot pool lists at least two instance types",
        ),
        (
            {"instance_types": ["g5.2xlarge"], "max_nodes": 2, "efa": True},
            "compute.gpu_pools.p: efa: g5.2xlarge cannot attach EFA; use g5.8xlarge, g5.12xlarge",
        ),
        (
            {"instance_types": ["p4d.24xlarge"], "max_nodes": 2, "efa": True},
            "compute.gpu_pools.p: availability_zones: a cluster placement group lives in one "
            "availability zone",
        ),
        (
            {
                "instance_types": ["g5.2xlarge"],
                "max_nodes": 2,
                "placement_group": True,
                "availability_zones": ["us-east-1a", "us-east-1b"],
            },
            "compute.gpu_pools.p: availability_zones: a cluster placement group lives in one",
        ),
        (
            {
                "instance_types": ["g5.2xlarge"],
                "max_nodes": 2,
                "availability_zones": ["us-east-1c"],
            },
            "compute.gpu_pools.p.availability_zones: 'us-east-1c' is not one of the network's "
            "zones (us-east-1a, us-east-1b)",
        ),
        (
            {"instance_types": ["g5.2xlarge"]},
            "compute.gpu_pools.p.max_nodes: required key is missing",
        ),
        (
            {"instance_types": ["g5.2xlarge"], "max_nodes": "8"},
            "compute.gpu_pools.p.max_nodes: expected a whole number, got '8'",
        ),
        (
            {"instance_types": ["g5.2xlarge"], "max_nodes": 2, "job_namespace": "Training"},
            "compute.gpu_pools.p.job_namespace: 'Training' is not a Kubernetes name",
        ),
        (
            {
                "instance_types": ["g5.2xlarge"],
                "max_nodes": 2,
                "fsx_scratch": {"storage_gib": 1000},
            },
            "compute.gpu_pools.p.fsx_scratch.storage_gib: 1000 GiB is not a SCRATCH_2 size",
        ),
    ],
)
def test_gpu_pool_errors_name_the_pool_and_the_field(pool: dict[str, Any], expected: str) -> None:
    problem = _error(_with_pool(**pool))

    assert problem.startswith(f"{BAD}: ")
    assert expected in problem


def test_a_typo_in_a_pool_lists_the_pool_keys() -> None:
    problem = _error(_with_pool(**_spot(max_node=3)))

    assert (
        "compute.gpu_pools.p.max_node: unknown key; allowed keys here: instance_types," in problem
    )
    assert "max_nodes" in problem


def test_pool_names_become_resource_names_so_they_are_checked() -> None:
    data = _dev()
    data["compute"]["gpu_pools"] = {"Big_GPUs": _spot()}

    problem = _error(yaml.safe_dump(data))

    assert "compute.gpu_pools: pool name 'Big_GPUs' must be 1-20 lowercase" in problem


def test_lake_grants_must_name_zones_the_lake_has() -> None:
    data = _dev()
    data["data_lake"]["zones"] = ["raw", "curated"]
    data["compute"]["gpu_pools"] = {"p": _spot(lake_write_zones=["curated"])}

    problem = _error(yaml.safe_dump(data))

    assert "compute.gpu_pools.p.lake_read_zones: the data lake has no 'features' zone" in problem


def test_an_efa_pool_needs_a_region_whose_eks_image_registry_is_known() -> None:
    data = _dev()
    data["region"] = "sa-west-1"  # a region whose EKS image registry the catalog lacks
    data["availability_zones"] = ["sa-west-1a", "sa-west-1b", "sa-west-1c"]
    data["compute"]["gpu_pools"] = {
        "experiments": {
            "instance_types": ["p4d.24xlarge"],
            "max_nodes": 2,
            "efa": True,
            "availability_zones": ["sa-west-1a"],
        }
    }

    problem = _error(yaml.safe_dump(data))

    assert problem == (
        f"{BAD}: compute.gpu_pools.experiments.efa: the cluster layer installs the AWS EFA device "
        "plugin from the EKS image registry of the cluster's region, and none is known for "
        "'sa-west-1' (mlplatform.catalogs.eks_images); add the region's registry there, or "
        "turn efa off"
    )
    # Without EFA the pool needs no image from the region.
    data["compute"]["gpu_pools"]["experiments"]["efa"] = False
    assert EnvironmentLoader.parse(yaml.safe_dump(data), BAD).region == "sa-west-1"


def test_two_pools_cannot_share_a_job_service_account() -> None:
    data = _dev()
    data["compute"]["gpu_pools"] = {
        "a": _spot(job_service_account="trainer"),
        "b": _spot(job_service_account="trainer"),
    }

    problem = _error(yaml.safe_dump(data))

    assert (
        "gpu_pools.b.job_service_account: training/trainer is already the job service account of pool 'a'"
        in problem
    )


# --------------------------------------------------------------------------- cluster errors


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"endpoint_public_access": True},
            "compute.cluster: public_access_cidrs: a public endpoint needs an allowlist",
        ),
        (
            {"endpoint_public_access": True, "public_access_cidrs": ["0.0.0.0/0"]},
            "compute.cluster.public_access_cidrs: '0.0.0.0/0' opens the API endpoint "
            "to the whole internet",
        ),
        (
            {"public_access_cidrs": ["198.51.100.0/24"]},
            "compute.cluster: public_access_cidrs: only used with endpoint_public_access: true",
        ),
        (
            {"kubernetes_version": 1.33},
            "compute.cluster.kubernetes_version: expected a string, got 1.33",
        ),
        (
            {"kubernetes_version": "1.32"},
            "compute.cluster: addons.kube_proxy: v1.33.0-eksbuild.2 is built for Kubernetes 1.33, "
            "but kubernetes_version is 1.32",
        ),
        (
            {"addons": {**ADDONS, "coredns": "1.12.1"}},
            "compute.cluster.addons.coredns: '1.12.1' is not an EKS add-on version",
        ),
        (
            {"addons": {**ADDONS, "cloudwatch_observability": "latest"}},
            "compute.cluster.addons.cloudwatch_observability: 'latest' is not an EKS add-on version",
        ),
        (
            {
                "system_node_group": {
                    "capacity": "spot",
                    "instance_types": ["m6i.large", "m6a.large"],
                }
            },
            "compute.cluster: system_node_group: cluster services need a node that is always there",
        ),
        (
            {"system_node_group": {"min_nodes": 0}},
            "compute.cluster: system_node_group: cluster services need a node that is always there",
        ),
        (
            {"access_entries": False},
            "compute.cluster: admin_role_arns: admins are granted through access entries",
        ),
        (
            {"admin_role_arns": ["arn:aws:iam::111111111111:user/alice"]},
            "compute.cluster.admin_role_arns: 'arn:aws:iam::111111111111:user/alice' "
            "is not an IAM role ARN",
        ),
        (
            {"cpu_node_groups": {"gpu": {"instance_types": ["g5.xlarge"]}}},
            "compute.cluster.cpu_node_groups.gpu.instance_types: 'g5.xlarge' is a "
            "GPU/accelerator type; put it in a gpu_pools entry",
        ),
        (
            {"cpu_node_groups": {"general": {"instance_types": ["m7g.large", "m7i.large"]}}},
            "compute.cluster.cpu_node_groups.general.instance_types: instance types "
            "mix arm64 (Graviton) and x86_64",
        ),
        (
            {"cpu_node_groups": {"system": {}}},
            "compute.cluster.cpu_node_groups: node group name 'system' must be",
        ),
        (
            {"log_retention_days": 10},
            "compute.cluster.log_retention_days: CloudWatch Logs accepts only these",
        ),
    ],
)
def test_cluster_errors_name_the_field(changes: dict[str, Any], expected: str) -> None:
    problem = _error(_with_cluster(**changes))

    assert expected in problem


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"cpu_node_groups": {"general": {"instance_types": ["m6i.large", "p99.mega"]}}},
            "compute.cluster.cpu_node_groups.general.instance_types: 'p99.mega' is not a CPU "
            "instance type the platform runs nodes on; use a general purpose (m6i.large, "
            "m7g.large), compute optimized (c6i.large, c7g.large) or memory optimized "
            "(r6i.large, r7g.large) type, or add its family to mlplatform.catalogs.cpu",
            id="unknown-family",
        ),
        pytest.param(
            {"system_node_group": {"instance_types": ["m6i.hugeish"]}},
            "compute.cluster.system_node_group.instance_types: 'm6i.hugeish' is not a size of "
            "m6i; did you mean m6i.large? m6i comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, "
            "12xlarge, 16xlarge, 24xlarge, 32xlarge, metal",
            id="unknown-size",
        ),
        pytest.param(
            {"cpu_node_groups": {"general": {"instance_types": ["c7.2xlarge"]}}},
            "compute.cluster.cpu_node_groups.general.instance_types: 'c7.2xlarge' is not a CPU "
            "instance type the platform runs nodes on; did you mean c7i.2xlarge, c7g.2xlarge or "
            "c7a.2xlarge? (allowed families: mlplatform.catalogs.cpu)",
            id="close-family",
        ),
    ],
)
def test_cpu_instance_types_are_checked_against_the_catalog(
    changes: dict[str, Any], expected: str
) -> None:
    assert _error(_with_cluster(**changes)) == f"{BAD}: {expected}"


def test_every_cpu_type_of_the_shipped_environments_is_in_the_catalog() -> None:
    for name in EnvironmentLoader(ENVIRONMENTS).available():
        compute = _load(name).compute
        assert compute is not None
        groups = [compute.cluster.system_node_group, *compute.cluster.cpu_node_groups.values()]
        assert all(is_cpu_instance_type(t) for g in groups for t in g.instance_types), name


def test_addons_must_be_written_down_even_when_off() -> None:
    data = _dev()
    del data["compute"]["cluster"]["addons"]

    assert "compute.cluster.addons: required key is missing" in _error(yaml.safe_dump(data))


# --------------------------------------------------------------------------- emulator-only switches

_EMULATOR_ONLY = ", or set emulator: true if this file targets the emulator"
_LAUNCH_TEMPLATE = (
    "false is for the emulator only (on AWS the nodes would lose the platform's launch "
    "template: IMDSv2 required with a hop limit, and an encrypted gp3 root volume); remove the "
    "line (default true)" + _EMULATOR_ONLY
)


def _dev_with(edit: Any) -> str:
    data = _dev()
    edit(data)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            lambda d: d["compute"]["cluster"].update(addons=None),
            "compute.cluster.addons: null is for the emulator only (on AWS the cluster would run "
            "EKS's unpinned self-installed vpc-cni, kube-proxy and coredns, and no EBS CSI "
            "driver); pin the add-on versions as environments/dev.yaml does" + _EMULATOR_ONLY,
            id="addons-null",
        ),
        pytest.param(
            lambda d: d["compute"]["cluster"].update(
                access_entries=False, admin_role_arns=[], team_deployers={}
            ),
            "compute.cluster.access_entries: false is for the emulator only (on AWS the cluster "
            "would authenticate through the aws-auth ConfigMap and keep its creator as a standing "
            "admin); remove the line (default true)" + _EMULATOR_ONLY,
            id="access-entries-off",
        ),
        pytest.param(
            lambda d: d["compute"]["cluster"]["system_node_group"].update(launch_template=False),
            f"compute.cluster.system_node_group.launch_template: {_LAUNCH_TEMPLATE}",
            id="system-group-launch-template-off",
        ),
        pytest.param(
            lambda d: d["compute"]["cluster"].update(
                cpu_node_groups={"general": {"launch_template": False}}
            ),
            f"compute.cluster.cpu_node_groups.general.launch_template: {_LAUNCH_TEMPLATE}",
            id="cpu-group-launch-template-off",
        ),
    ],
)
def test_emulator_only_switches_are_refused_in_a_real_environment(edit: Any, expected: str) -> None:
    assert _error(_dev_with(edit)) == f"{BAD}: {expected}"


def test_a_copy_of_local_without_the_emulator_drops_only_the_cluster_layer_switch() -> None:
    data = yaml.safe_load((ENVIRONMENTS / "local.yaml").read_text(encoding="utf-8"))
    data.update(emulator=False, account_id="444444444444")
    data["state_backend"]["bucket"] = "mlp-local-tfstate-444444444444"
    # What a copy must change is not a hardening but the emulator's two switches: the cluster
    # layer it turns off (the emulator has no Kubernetes API) ...
    assert _error(yaml.safe_dump(data)).startswith(
        f"{BAD}: compute.cluster_layer.enabled: false is for the emulator only"
    )
    del data["compute"]["cluster_layer"]
    # ... and the disposable emulator's retention opt-out, which a real environment makes
    # only with a reason.
    assert _error(yaml.safe_dump(data)).startswith(f"{BAD}: retention.prevent_destroy: false")
    del data["retention"]

    assert EnvironmentLoader.parse(yaml.safe_dump(data), BAD).emulator is False


def test_a_real_environment_with_every_emulator_only_switch_lists_each_one() -> None:
    def all_off(data: dict[str, Any]) -> None:
        data["compute"]["cluster"].update(
            addons=None, access_entries=False, admin_role_arns=[], team_deployers={}
        )
        data["compute"]["cluster"]["system_node_group"]["launch_template"] = False
        data["compute"]["cluster_layer"]["enabled"] = False

    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(_dev_with(all_off), BAD)

    fields = [line.split(": ")[1] for line in str(caught.value).splitlines()]
    assert fields == [
        "compute.cluster.addons",
        "compute.cluster.access_entries",
        "compute.cluster.system_node_group.launch_template",
        "compute.cluster_layer.enabled",
    ]


def test_the_emulator_may_turn_its_switches_off() -> None:
    text = _dev_with(
        lambda d: (
            d.update(emulator=True),
            d["compute"]["cluster"].update(
                addons=None, access_entries=False, admin_role_arns=[], team_deployers={}
            ),
            d["compute"]["cluster"]["system_node_group"].update(launch_template=False),
        )
    )

    compute = EnvironmentLoader.parse(text).compute
    assert compute is not None
    assert compute.cluster.addons is None


def test_a_real_cluster_needs_an_admin_role() -> None:
    text = _with_cluster(admin_role_arns=[])

    assert _error(text) == (
        f"{BAD}: compute.cluster.admin_role_arns: empty, so nobody could administer the cluster "
        "through Kubernetes (access entries give its creator no standing admin); list at least "
        "one IAM role, such as arn:aws:iam::111111111111:role/mlp-platform-admin"
    )


def test_the_emulator_and_an_environment_without_compute_need_no_admin_role() -> None:
    emulated = _dev_with(
        lambda d: (d.update(emulator=True), d["compute"]["cluster"].update(admin_role_arns=[]))
    )
    without_compute = _dev_with(
        lambda d: (
            d.pop("compute"),
            d.pop("feature_store"),
            d["budgets"].pop("gpu_monthly_limit_usd"),
        )
    )

    assert EnvironmentLoader.parse(emulated).compute is not None
    assert EnvironmentLoader.parse(without_compute).compute is None


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        (
            "min_nodes",
            0,
            "GPU pools scale from zero with Karpenter, which starts a node when a job",
        ),
        ("desired_nodes", 1, "Karpenter decides how many nodes a GPU pool runs"),
        ("launch_template", False, "Karpenter launches GPU nodes from the pool's EC2NodeClass"),
        ("autoscaler_asg_tags", True, "GPU pools have no Auto Scaling group any more"),
    ],
)
def test_a_node_group_field_of_a_gpu_pool_names_itself_and_the_fix(
    field: str, value: Any, why: str
) -> None:
    text = _dev_with(lambda d: d["compute"]["gpu_pools"]["experiments"].update({field: value}))

    message = _error(text)
    assert message.startswith(f"{BAD}: compute.gpu_pools.experiments: {field}: {why}")
    assert message.endswith("; remove the line")
    assert len(message.splitlines()) == 1  # one clear line, not also "unknown key"


# --------------------------------------------------------------------------- props used in code


def test_pool_props_default_to_on_demand_without_efa() -> None:
    pool = GpuPoolProps(instance_types=("g6e.12xlarge",), max_nodes=2)

    assert pool.capacity == "on_demand"
    assert not pool.efa
    assert not pool.uses_placement_group
    assert pool.root_volume_gib >= 100
    assert pool.service_account("ranking") == "ranking-jobs"
    assert pool.lake_read_zones == ("raw", "curated", "features")
    assert pool.lake_write_zones == ("features",)


def test_props_are_frozen_and_strict() -> None:
    pool = GpuPoolProps(instance_types=("g5.2xlarge",), max_nodes=2)
    with pytest.raises(ValidationError):
        pool.max_nodes = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        GpuPoolProps(instance_types=("g5.2xlarge",), max_nodes=True)


def test_cluster_props_default_to_a_private_endpoint_and_every_log() -> None:
    cluster = ComputeClusterProps(kubernetes_version="1.33", addons=None)

    assert cluster.endpoint_public_access is False
    assert cluster.access_entries
    assert len(cluster.control_plane_logs) == 5
    assert cluster.system_node_group == CpuNodeGroupProps(min_nodes=2, max_nodes=4)


# ----------------------------------------------------------------- the cluster layer's pins
@pytest.mark.parametrize(
    ("field", "value", "example"),
    [
        ("karpenter", "latest", "1.14.1"),
        ("nvidia_device_plugin", "v0.20.0", "1.14.1"),
        ("efa_device_plugin", "0.5.30", "v0.5.30"),
        ("bottlerocket_ami", "1.46", "v0.5.30"),
        ("al2023_ami", "v2026.05.20", "v20260520"),
    ],
)
def test_a_cluster_layer_version_that_is_not_pinned_names_the_field_and_form(
    field: str, value: str, example: str
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["compute"]["cluster_layer"][field] = value

    message = _error(_dev_with(edit))

    assert message.startswith(f"{BAD}: compute.cluster_layer.{field}: {value!r} is not a pinned")
    assert f"write it as {example}" in message


def test_every_real_environment_pins_each_cluster_layer_version_in_its_file() -> None:
    # Defaults exist for team repos, but the platform's own files say what they deploy.
    for env in ("dev", "staging", "prod"):
        data = yaml.safe_load((ENVIRONMENTS / f"{env}.yaml").read_text(encoding="utf-8"))
        pinned = set(data["compute"]["cluster_layer"])
        assert pinned == set(ClusterLayerProps.model_fields) - {"enabled"}, env


@pytest.mark.parametrize(
    ("instance_types", "ami_family", "expected"),
    [
        (("g5.xlarge",), None, "bottlerocket"),
        (("g5.xlarge",), "al2023", "al2023"),
        (("trn1.2xlarge",), None, "al2023"),
        (("inf2.xlarge",), "bottlerocket", "bottlerocket"),
    ],
)
def test_a_pool_runs_bottlerocket_for_nvidia_and_al2023_for_neuron_unless_told(
    instance_types: tuple[str, ...], ami_family: str | None, expected: str
) -> None:
    pool = GpuPoolProps.model_validate(
        {"instance_types": instance_types, "max_nodes": 1, "ami_family": ami_family}
    )

    assert pool.node_image == expected


def test_an_al2_node_image_is_refused() -> None:
    with pytest.raises(ValidationError, match="ami_family"):
        GpuPoolProps.model_validate(
            {"instance_types": ["g5.xlarge"], "max_nodes": 1, "ami_family": "al2"}
        )


# ----------------------------------------------------------------- team deployers
DEPLOY = "arn:aws:iam::111111111111:role/ranking-deploy"


def test_dev_registers_the_ranking_teams_deploy() -> None:
    compute = EnvironmentLoader(ENVIRONMENTS).load("dev").compute
    assert compute is not None
    assert compute.cluster.team_deployers == {"ranking": (DEPLOY,)}


@pytest.mark.parametrize(
    ("teams", "expected"),
    [
        (
            {"kube": [DEPLOY]},
            "compute: cluster.team_deployers.kube: the team may change what is named kube or "
            "kube-..., which includes kube-node-lease (a Kubernetes namespace); register the "
            "team under a name that covers nothing of the platform's or another team's",
        ),
        (
            {"experiments": [DEPLOY]},
            "compute: cluster.team_deployers.experiments: the team may change what is named "
            "experiments or experiments-..., which includes experiments (a platform GPU pool); "
            "register the team under a name that covers nothing of the platform's or another "
            "team's",
        ),
        (
            {"training": [DEPLOY]},
            "compute: cluster.team_deployers.training: the team may change what is named "
            "training or training-..., which includes training (a platform job namespace); "
            "register the team under a name that covers nothing of the platform's or another "
            "team's",
        ),
        (
            {"rank": [DEPLOY], "rank-x": ["arn:aws:iam::111111111111:role/x"]},
            "compute: cluster.team_deployers.rank: the team may change what is named rank or "
            "rank-..., which includes rank-x (another team); register the team under a name "
            "that covers nothing of the platform's or another team's",
        ),
        (
            {"ranking": ["arn:aws:iam::111111111111:role/mlp-platform-admin"]},
            "compute.cluster: team_deployers.ranking: "
            "arn:aws:iam::111111111111:role/mlp-platform-admin is also in admin_role_arns, "
            "which would make the team's deploy cluster-admin; give the team a role of its own",
        ),
        (
            {"ranking": []},
            "compute.cluster.team_deployers: ranking: list the IAM roles the team deploys with",
        ),
        (
            {"Ranking": [DEPLOY]},
            "compute.cluster.team_deployers: team 'Ranking' must be named as in its team.yaml: "
            "1-20 lowercase letters, digits and inner '-', e.g. ranking",
        ),
        (
            {"ranking": ["ranking-deploy"]},
            "compute.cluster.team_deployers: 'ranking-deploy' is not an IAM role ARN; use "
            "arn:aws:iam::<account>:role/<name>",
        ),
    ],
    ids=[
        "kubernetes",
        "platform-pool",
        "platform-job-namespace",
        "another-team",
        "admin",
        "no-role",
        "name",
        "arn",
    ],
)
def test_a_team_deployer_that_could_reach_beyond_its_team_is_refused(
    teams: dict[str, list[str]], expected: str
) -> None:
    assert _error(_with_cluster(team_deployers=teams)) == f"{BAD}: {expected}"


def test_team_deployers_need_the_admission_policy_api_and_the_cluster_layer() -> None:
    old = _dev_with(lambda d: d["compute"]["cluster"].update(kubernetes_version="1.29"))
    assert "ValidatingAdmissionPolicy, which Kubernetes 1.29 lacks" in _error(old)
    no_layer = _dev_with(lambda d: d["compute"]["cluster_layer"].update(enabled=False))
    assert _error(no_layer).startswith(
        f"{BAD}: compute: cluster.team_deployers: a team's pools join Karpenter, which the "
        "cluster layer installs"
    )
