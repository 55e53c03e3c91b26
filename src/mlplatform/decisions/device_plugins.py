"""Which device plugins a cluster needs, and on which pools' nodes they run.

A GPU is schedulable only once a device plugin advertises it (``nvidia.com/gpu``,
``vpc.amazonaws.com/efa``, ``aws.amazon.com/neuron``). The platform installs a
plugin only where the node image lacks it, and restricts each to the pools
that need it:

- NVIDIA: Bottlerocket's NVIDIA variant ships the plugin; the EKS-optimized
  AL2023 NVIDIA image does not (AWS EKS guide), so pools on ``al2023`` get it.
  The chart's default affinity waits for node-feature-discovery labels the
  platform does not install, so the affinity names the pools instead.
- EFA: every pool with ``efa: true`` needs the AWS EFA device plugin, pulled
  from the EKS image registry of the cluster's region (the chart's default is
  us-west-2's; see :mod:`mlplatform.catalogs.eks_images`).
- Neuron: both AL2023 and Bottlerocket ship the driver but not the plugin,
  so every Inferentia/Trainium pool gets the AWS Neuron chart's device plugin on
  its instance types (its node problem detector stays off: one concern per release).

Plain functions of the config; the values use only keys of the pinned charts
(``tests/test_cluster_manifests.py`` checks them against each chart's values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlplatform.catalogs.eks_images import eks_image_registry
from mlplatform.config import ClusterLayerProps, GpuPoolProps
from mlplatform.decisions.helm_chart import HelmChart
from mlplatform.decisions.scheduling import POOL_LABEL, gpu_pool_taints

__all__ = ["device_plugin_charts", "pools_needing"]

NVIDIA_REPOSITORY = "https://nvidia.github.io/k8s-device-plugin"
EKS_CHARTS_REPOSITORY = "https://aws.github.io/eks-charts"
NEURON_REPOSITORY = "oci://public.ecr.aws/neuron"
EFA_IMAGE = "eks/aws-efa-k8s-device-plugin"
"""The EFA device plugin's repository in an EKS image registry."""


def pools_needing(pools: Mapping[str, GpuPoolProps]) -> dict[str, list[str]]:
    """Pool names by plugin (``nvidia``, ``efa``, ``neuron``), only plugins some pool needs."""
    needs: dict[str, list[str]] = {"nvidia": [], "efa": [], "neuron": []}
    for name, props in sorted(pools.items()):
        vendor = props.accelerators[0].vendor
        if vendor == "nvidia" and props.node_image == "al2023":
            needs["nvidia"].append(name)
        if vendor == "neuron":
            needs["neuron"].append(name)
        if props.efa:
            needs["efa"].append(name)
    return {plugin: names for plugin, names in needs.items() if names}


def device_plugin_charts(
    pools: Mapping[str, GpuPoolProps], versions: ClusterLayerProps, region: str
) -> list[HelmChart]:
    """The device plugin releases the pools need, each pinned and restricted to those pools;
    images come from ``region`` where the chart's default registry is another region's."""
    needs = pools_needing(pools)
    values: dict[str, dict[str, Any]] = {}
    if "nvidia" in needs:
        values["nvidia"] = {"affinity": _on_pools(needs["nvidia"])}
    if "efa" in needs:
        registry = eks_image_registry(region)
        if registry is None:
            raise ValueError(
                f"no EKS image registry is known for {region!r}, where the EFA pools "
                f"{', '.join(needs['efa'])} need the AWS EFA device plugin; add the region's "
                "registry to mlplatform.catalogs.eks_images"
            )
        values["efa"] = {
            "image": {"repository": f"{registry}/{EFA_IMAGE}"},
            # The chart builds its node affinity from these: the EFA pools, by label.
            "supportedInstanceLabels": {"keys": [POOL_LABEL], "values": needs["efa"]},
            "tolerations": _tolerations({n: pools[n] for n in needs["efa"]}),
        }
    if "neuron" in needs:
        values["neuron"] = {
            # The chart builds its node affinity from instance types: the pools' own.
            "neuronInstances": sorted(
                {t for n in needs["neuron"] for t in pools[n].instance_types}
            ),
            "devicePlugin": {"tolerations": _tolerations({n: pools[n] for n in needs["neuron"]})},
            "npd": {"enabled": False},
        }
    releases = {
        "nvidia": ("nvidia-device-plugin", NVIDIA_REPOSITORY, "nvidia-device-plugin"),
        "efa": ("aws-efa-k8s-device-plugin", EKS_CHARTS_REPOSITORY, "aws-efa-k8s-device-plugin"),
        "neuron": ("neuron-device-plugin", NEURON_REPOSITORY, "neuron-helm-chart"),
    }
    pins = {
        "nvidia": versions.nvidia_device_plugin,
        "efa": versions.efa_device_plugin,
        "neuron": versions.neuron_device_plugin,
    }
    return [
        HelmChart(
            release=releases[plugin][0],
            repository=releases[plugin][1],
            chart=releases[plugin][2],
            version=pins[plugin],
            namespace="kube-system",
            values=plugin_values,
        )
        for plugin, plugin_values in values.items()
    ]


def _on_pools(names: list[str]) -> dict[str, Any]:
    """A required node affinity for the nodes of the named pools."""
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": POOL_LABEL, "operator": "In", "values": names}]}
                ]
            }
        }
    }


def _tolerations(pools: Mapping[str, GpuPoolProps]) -> list[dict[str, str]]:
    """Tolerate the pools' accelerator taints, so the plugin runs where the jobs do."""
    taints = {t for props in pools.values() for t in gpu_pool_taints(props.accelerators)}
    return [
        {"key": t.key, "operator": "Exists", "effect": t.effect}
        for t in sorted(taints, key=lambda t: t.key)
    ]
