"""What the cluster layer renders, checked offline against the pinned releases' own schemas.

Covers the decisions directly with concrete ids (subnets, security groups), so
schema patterns are checked on real-looking values; the synthesized
``<env>-cluster`` stacks are checked in ``tests/test_cluster_stack.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from mlplatform.config import ClusterLayerProps, GpuPoolProps
from mlplatform.decisions.device_plugins import device_plugin_charts, pools_needing
from mlplatform.decisions.job_accounts import job_account_manifests
from mlplatform.decisions.karpenter_release import karpenter_charts
from mlplatform.decisions.node_pools import NodeClassFacts, node_class, node_pool
from mlplatform.decisions.scheduling import gpu_pool_labels, gpu_pool_taints
from tests.cluster_schemas import unknown_value_keys, validate_manifest

VERSIONS = ClusterLayerProps()
FACTS = NodeClassFacts(
    instance_profile="mlp-dev-karpenter-node",
    subnet_ids=("subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"),
    security_group_ids=("sg-0a1b2c3d4e5f60718",),
    tags={"env": "dev", "team": "ml-platform"},
)
POOLS: dict[str, dict[str, Any]] = {
    "spot-a10g": {
        "instance_types": ["g5.xlarge", "g5.2xlarge"],
        "capacity": "spot",
        "max_nodes": 4,
    },
    "efa-a100": {
        "instance_types": ["p4d.24xlarge"],
        "max_nodes": 2,
        "efa": True,
        "availability_zones": ["us-east-1a"],
        "root_volume_gib": 500,
    },
    "al2023-l4": {"instance_types": ["g6.xlarge"], "max_nodes": 3, "ami_family": "al2023"},
    "trainium": {
        "instance_types": ["trn1.32xlarge"],
        "max_nodes": 2,
        "efa": True,
        "placement_group": False,
    },
    "inferentia": {"instance_types": ["inf2.xlarge"], "max_nodes": 1, "ami_family": "bottlerocket"},
}


def _pool(name: str) -> GpuPoolProps:
    return GpuPoolProps.model_validate(POOLS[name])


@pytest.mark.parametrize("name", sorted(POOLS))
def test_each_pools_node_pool_and_node_class_are_valid_karpenter_objects(name: str) -> None:
    props = _pool(name)
    facts = (
        FACTS if not props.uses_placement_group else _with_placement(FACTS, f"mlp-dev-gpu-{name}")
    )

    validate_manifest(node_pool(name, props), karpenter=VERSIONS.karpenter)
    validate_manifest(node_class(name, props, facts, VERSIONS), karpenter=VERSIONS.karpenter)


def _with_placement(facts: NodeClassFacts, group: str) -> NodeClassFacts:
    return NodeClassFacts(
        instance_profile=facts.instance_profile,
        subnet_ids=facts.subnet_ids[:1],
        security_group_ids=facts.security_group_ids,
        placement_group=group,
        tags=facts.tags,
    )


def test_the_schema_check_rejects_an_unknown_field_and_a_bad_enum() -> None:
    # The strict CRD check is what stands in for the API server here; show that it bites.
    pool = node_pool("spot-a10g", _pool("spot-a10g"))
    pool["spec"]["disruption"]["consolidateWhen"] = "empty"
    with pytest.raises(
        AssertionError, match=r"NodePool 'spot-a10g': spec.disruption: .*consolidateWhen"
    ):
        validate_manifest(pool, karpenter=VERSIONS.karpenter)

    pool = node_pool("spot-a10g", _pool("spot-a10g"))
    pool["spec"]["disruption"]["consolidationPolicy"] = "WhenIdle"
    with pytest.raises(AssertionError, match="consolidationPolicy: 'WhenIdle' is not one of"):
        validate_manifest(pool, karpenter=VERSIONS.karpenter)

    account = job_account_manifests({"a": ("training", "a-jobs", "arn:aws:iam::1:role/r")})[1]
    account["metadata"]["annotation"] = {}
    with pytest.raises(AssertionError, match="ServiceAccount 'a-jobs'"):
        validate_manifest(account, karpenter=VERSIONS.karpenter)


def test_the_schema_check_applies_the_crds_cel_rules() -> None:
    # What only the CRDs' x-kubernetes-validations catch, as the API server would.
    both = node_class("spot-a10g", _pool("spot-a10g"), FACTS, VERSIONS)
    both["spec"]["role"] = "mlp-dev-karpenter-node"
    with pytest.raises(
        AssertionError, match=r"spec: must specify exactly one of \['role', 'instanceProfile'\]"
    ):
        validate_manifest(both, karpenter=VERSIONS.karpenter)

    restricted = node_pool("spot-a10g", _pool("spot-a10g"))
    restricted["spec"]["template"]["metadata"]["labels"]["karpenter.sh/team"] = "ranking"
    with pytest.raises(AssertionError, match=r'label domain "karpenter\.sh" is restricted'):
        validate_manifest(restricted, karpenter=VERSIONS.karpenter)


def test_job_namespaces_and_service_accounts_are_valid_and_carry_the_role() -> None:
    manifests = job_account_manifests(
        {
            "experiments": ("training", "experiments-jobs", "arn:aws:iam::1:role/jobs-a"),
            "training": ("training", "training-jobs", "arn:aws:iam::1:role/jobs-b"),
        }
    )

    for manifest in manifests:
        validate_manifest(manifest, karpenter=VERSIONS.karpenter)
    assert [(m["kind"], m["metadata"]["name"]) for m in manifests] == [
        ("Namespace", "training"),
        ("ServiceAccount", "experiments-jobs"),
        ("ServiceAccount", "training-jobs"),
    ]
    assert manifests[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert manifests[2]["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/jobs-b"
    }


@pytest.mark.parametrize("name", sorted(POOLS))
def test_a_node_pool_agrees_with_its_pool(name: str) -> None:
    props = _pool(name)
    spec = node_pool(name, props)["spec"]
    template = spec["template"]
    requirements = {r["key"]: r["values"] for r in template["spec"]["requirements"]}
    accelerator = props.accelerators[0]

    assert template["metadata"]["labels"] == gpu_pool_labels(name, props.accelerators)
    assert template["spec"]["taints"] == [
        {"key": t.key, "value": t.value, "effect": t.effect}
        for t in gpu_pool_taints(props.accelerators)
    ]
    assert requirements["node.kubernetes.io/instance-type"] == list(props.instance_types)
    assert requirements["karpenter.sh/capacity-type"] == [
        "spot" if props.capacity == "spot" else "on-demand"
    ]
    assert requirements.get("topology.kubernetes.io/zone", []) == list(props.availability_zones)
    assert spec["limits"] == {
        "nodes": str(props.max_nodes),
        accelerator.resource_name: str(props.max_nodes * accelerator.count),
    }
    assert spec["disruption"]["consolidationPolicy"] == "WhenEmpty"


def test_a_node_class_pins_the_image_and_locks_the_node_down() -> None:
    bottlerocket = node_class("spot-a10g", _pool("spot-a10g"), FACTS, VERSIONS)["spec"]
    al2023 = node_class("al2023-l4", _pool("al2023-l4"), FACTS, VERSIONS)["spec"]

    assert bottlerocket["amiSelectorTerms"] == [{"alias": "bottlerocket@v1.46.0"}]
    assert al2023["amiSelectorTerms"] == [{"alias": "al2023@v20260520"}]
    for spec in (bottlerocket, al2023):
        assert spec["metadataOptions"]["httpTokens"] == "required"
        assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert spec["associatePublicIPAddress"] is False
        assert all(v["ebs"]["encrypted"] for v in spec["blockDeviceMappings"])
        assert spec["instanceProfile"] == "mlp-dev-karpenter-node"
        assert "role" not in spec
        assert spec["tags"]["team"] == "ml-platform"
    # Bottlerocket: the pool's volume size is the data volume; AL2023 has one root volume.
    assert [v["ebs"]["volumeSize"] for v in bottlerocket["blockDeviceMappings"]] == ["4Gi", "200Gi"]
    assert [v["ebs"]["volumeSize"] for v in al2023["blockDeviceMappings"]] == ["200Gi"]


def test_a_placement_group_pool_selects_its_group_and_others_select_none() -> None:
    efa = node_class(
        "efa-a100", _pool("efa-a100"), _with_placement(FACTS, "mlp-dev-gpu-efa-a100"), VERSIONS
    )
    spot = node_class("spot-a10g", _pool("spot-a10g"), FACTS, VERSIONS)

    assert efa["spec"]["placementGroupSelector"] == {"name": "mlp-dev-gpu-efa-a100"}
    assert "placementGroupSelector" not in spot["spec"]


def test_device_plugins_go_only_where_the_image_lacks_them() -> None:
    pools = {name: _pool(name) for name in POOLS}

    assert pools_needing(pools) == {
        "nvidia": ["al2023-l4"],  # Bottlerocket's NVIDIA variant ships its own plugin
        "efa": ["efa-a100", "trainium"],
        "neuron": ["inferentia", "trainium"],  # AL2023 and Bottlerocket both need it
    }
    assert pools_needing({"spot-a10g": pools["spot-a10g"]}) == {}
    assert device_plugin_charts({"spot-a10g": pools["spot-a10g"]}, VERSIONS, "us-east-1") == []


def test_each_device_plugin_is_pinned_restricted_to_its_pools_and_tolerates_their_taints() -> None:
    pools = {name: _pool(name) for name in POOLS}
    charts = {c.release: c for c in device_plugin_charts(pools, VERSIONS, "us-east-1")}

    nvidia = charts["nvidia-device-plugin"]
    assert nvidia.version == VERSIONS.nvidia_device_plugin
    terms = nvidia.values["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert terms["nodeSelectorTerms"] == [
        {
            "matchExpressions": [
                {"key": "mlplatform/pool", "operator": "In", "values": ["al2023-l4"]}
            ]
        }
    ]
    efa = charts["aws-efa-k8s-device-plugin"]
    assert efa.version == VERSIONS.efa_device_plugin
    assert efa.values["supportedInstanceLabels"] == {
        "keys": ["mlplatform/pool"],
        "values": ["efa-a100", "trainium"],
    }
    assert {t["key"] for t in efa.values["tolerations"]} == {
        "nvidia.com/gpu",
        "aws.amazon.com/neuron",
    }
    neuron = charts["neuron-device-plugin"]
    assert neuron.version == VERSIONS.neuron_device_plugin
    assert neuron.values["neuronInstances"] == ["inf2.xlarge", "trn1.32xlarge"]
    assert neuron.values["npd"] == {"enabled": False}


@pytest.mark.parametrize(
    ("region", "repository"),
    [
        ("us-east-1", "602401143452.dkr.ecr.us-east-1.amazonaws.com"),
        ("af-south-1", "877085696533.dkr.ecr.af-south-1.amazonaws.com"),  # an opt-in region
        ("us-gov-west-1", "013241004608.dkr.ecr.us-gov-west-1.amazonaws.com"),
        ("cn-north-1", "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn"),
    ],
)
def test_the_efa_plugin_comes_from_the_clusters_own_regions_registry(
    region: str, repository: str
) -> None:
    # The chart's default is us-west-2's registry, which GovCloud and China nodes cannot reach.
    charts = {
        c.release: c
        for c in device_plugin_charts({"efa-a100": _pool("efa-a100")}, VERSIONS, region)
    }

    image = charts["aws-efa-k8s-device-plugin"].values["image"]
    assert image == {"repository": f"{repository}/eks/aws-efa-k8s-device-plugin"}


def test_an_efa_pool_in_a_region_without_a_known_registry_is_refused() -> None:
    with pytest.raises(ValueError, match="no EKS image registry is known for 'xx-east-9'"):
        device_plugin_charts({"efa-a100": _pool("efa-a100")}, VERSIONS, "xx-east-9")
    # A region whose pools need no EFA needs no registry.
    assert device_plugin_charts({"al2023-l4": _pool("al2023-l4")}, VERSIONS, "xx-east-9")


def test_every_value_the_platform_sets_exists_in_the_pinned_chart() -> None:
    pools = {name: _pool(name) for name in POOLS}
    charts = [
        *karpenter_charts(
            VERSIONS,
            cluster_name="mlp-dev-eks",
            interruption_queue="mlp-dev-karpenter",
            controller_role_arn="arn:aws:iam::1:role/karpenter",
            system_nodes=2,
        ),
        *device_plugin_charts(pools, VERSIONS, "us-east-1"),
    ]

    assert [c.release for c in charts if not c.values] == ["karpenter-crd"]  # defaults only
    for chart in (c for c in charts if c.values):
        assert unknown_value_keys(chart.chart, chart.version, chart.values) == [], chart.release


def test_the_values_check_names_a_key_the_chart_does_not_have() -> None:
    assert unknown_value_keys(
        "karpenter", "1.14.1", {"settings": {"clusterName": "x", "interruptQueue": "q"}}
    ) == ["settings.interruptQueue"]


def test_karpenter_runs_two_replicas_only_where_two_system_nodes_always_exist() -> None:
    def replicas(system_nodes: int) -> int:
        _, controller = karpenter_charts(
            VERSIONS,
            cluster_name="c",
            interruption_queue="q",
            controller_role_arn="arn:aws:iam::1:role/k",
            system_nodes=system_nodes,
        )
        return int(controller.values["replicas"])

    assert (replicas(1), replicas(2), replicas(3)) == (1, 2, 2)
