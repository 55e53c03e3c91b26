"""What Karpenter launches for each GPU pool: one EC2NodeClass and one NodePool, as plain dicts.

A pool in the environment file becomes its provisioner here, so the two can
never disagree: the same labels and taints as :mod:`mlplatform.decisions.scheduling`
gives the pool, its capacity type and instance types, its zones, and limits
of ``max_nodes`` nodes and ``max_nodes`` times the accelerators per node.

GPU nodes are consolidated only when empty (``WhenEmpty``): Karpenter's
default, utilisation-based consolidation cannot see GPU use and would evict
a busy training job to bin-pack its CPU requests. An idle pool drains to zero
``consolidate_after`` after its last job ends.

Objects are built for ``karpenter.sh/v1`` and ``karpenter.k8s.aws/v1``
(Karpenter 1.x); ``tests/test_cluster_manifests.py`` validates them against
the CRDs of the pinned release. Values that the compute layer owns (subnets,
security groups, the instance profile) arrive as :class:`NodeClassFacts`, so
the same functions serve both engines and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlplatform.config import ClusterLayerProps, GpuPoolProps
from mlplatform.decisions.scheduling import gpu_pool_labels, gpu_pool_taints

__all__ = ["NodeClassFacts", "node_class", "node_pool", "pool_gpu_limit"]

NODE_POOL_API = "karpenter.sh/v1"
NODE_CLASS_API = "karpenter.k8s.aws/v1"
CONSOLIDATE_AFTER = "5m"
"""How long an empty GPU node waits for the next job before Karpenter removes it."""
EXPIRE_AFTER = "720h"
"""Nodes are replaced after 30 days, so they pick up patched images; a running job holds its
node (no ``terminationGracePeriod``), so expiry never kills training midway."""
_CAPACITY = {"spot": "spot", "on_demand": "on-demand"}
# Bottlerocket keeps the OS on a small volume and containers/data on the second one.
_BOTTLEROCKET_OS_GIB = 4


@dataclass(frozen=True)
class NodeClassFacts:
    """What the ``<env>-compute`` layer made for a pool's nodes (strings may be tokens)."""

    instance_profile: str
    """The Karpenter node role's instance profile (Karpenter does not manage profiles)."""
    subnet_ids: Sequence[str]
    """The pool's private subnets (one zone's for a placement group)."""
    security_group_ids: Sequence[str]
    """The nodes' security groups: the cluster security group."""
    placement_group: str | None = None
    """Name of the pool's cluster placement group, or ``None``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every instance and volume Karpenter launches (cost allocation)."""


def pool_gpu_limit(props: GpuPoolProps) -> tuple[str, int]:
    """The accelerator resource and how many of them the pool may run: ``max_nodes`` full nodes."""
    accelerator = props.accelerators[0]
    return accelerator.resource_name, props.max_nodes * accelerator.count


def node_pool(name: str, props: GpuPoolProps) -> dict[str, Any]:
    """The pool's ``NodePool``: its nodes' labels, taints and requirements, its limits."""
    accelerators = props.accelerators
    requirements: list[dict[str, Any]] = [
        _requirement("node.kubernetes.io/instance-type", props.instance_types),
        _requirement("karpenter.sh/capacity-type", [_CAPACITY[props.capacity]]),
        _requirement("kubernetes.io/arch", ["amd64"]),
        _requirement("kubernetes.io/os", ["linux"]),
    ]
    if props.availability_zones:
        requirements.append(_requirement("topology.kubernetes.io/zone", props.availability_zones))
    resource, limit = pool_gpu_limit(props)
    return {
        "apiVersion": NODE_POOL_API,
        "kind": "NodePool",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "mlplatform"}},
        "spec": {
            "template": {
                "metadata": {"labels": gpu_pool_labels(name, accelerators)},
                "spec": {
                    "nodeClassRef": {
                        "group": NODE_CLASS_API.split("/")[0],
                        "kind": "EC2NodeClass",
                        "name": name,
                    },
                    "taints": [
                        {"key": t.key, "value": t.value, "effect": t.effect}
                        for t in gpu_pool_taints(accelerators)
                    ],
                    "requirements": requirements,
                    "expireAfter": EXPIRE_AFTER,
                },
            },
            "disruption": {
                "consolidationPolicy": "WhenEmpty",
                "consolidateAfter": CONSOLIDATE_AFTER,
            },
            "limits": {"nodes": str(props.max_nodes), resource: str(limit)},
        },
    }


def node_class(
    name: str, props: GpuPoolProps, facts: NodeClassFacts, versions: ClusterLayerProps
) -> dict[str, Any]:
    """The pool's ``EC2NodeClass``: pinned image, private subnets, IMDSv2, encrypted gp3."""
    image = props.node_image
    release = versions.bottlerocket_ami if image == "bottlerocket" else versions.al2023_ami
    spec: dict[str, Any] = {
        "amiSelectorTerms": [{"alias": f"{image}@{release}"}],
        "instanceProfile": facts.instance_profile,
        "subnetSelectorTerms": [{"id": subnet} for subnet in facts.subnet_ids],
        "securityGroupSelectorTerms": [{"id": group} for group in facts.security_group_ids],
        "associatePublicIPAddress": False,
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": props.imds_hop_limit,
            "httpTokens": "required",
        },
        "blockDeviceMappings": _volumes(image, props.root_volume_gib),
        "detailedMonitoring": True,
        "tags": dict(facts.tags),
    }
    if facts.placement_group is not None:
        spec["placementGroupSelector"] = {"name": facts.placement_group}
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": "EC2NodeClass",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "mlplatform"}},
        "spec": spec,
    }


def _requirement(key: str, values: Sequence[str]) -> dict[str, Any]:
    return {"key": key, "operator": "In", "values": list(values)}


def _volumes(image: str, data_gib: int) -> list[dict[str, Any]]:
    def volume(device: str, gib: int) -> dict[str, Any]:
        return {
            "deviceName": device,
            "ebs": {
                "volumeSize": f"{gib}Gi",
                "volumeType": "gp3",
                "encrypted": True,
                "deleteOnTermination": True,
            },
        }

    if image == "bottlerocket":
        return [volume("/dev/xvda", _BOTTLEROCKET_OS_GIB), volume("/dev/xvdb", data_gib)]
    return [volume("/dev/xvda", data_gib)]
