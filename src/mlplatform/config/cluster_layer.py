"""The ``<env>-cluster`` layer: what runs inside the cluster, installed with Helm after compute.

Karpenter scales the GPU pools from zero; device plugins advertise the
accelerators the node image does not (see :mod:`mlplatform.decisions.device_plugins`).
Every chart and node image is pinned here, so an upgrade is a reviewed line in
the environment file; the defaults are the versions this release was tested
against. A version's form is checked at load, so ``karpenter: latest`` is an
error before anything synthesizes.
"""

from __future__ import annotations

import re

from pydantic import StrictBool, field_validator

from mlplatform.config._base import _Frozen

__all__ = ["ClusterLayerProps"]

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_V_SEMVER = re.compile(r"^v\d+\.\d+\.\d+$")
_AL2023_RELEASE = re.compile(r"^v20\d{6}$")


def _check(value: str, pattern: re.Pattern[str], example: str, what: str) -> str:
    if not pattern.match(value):
        raise ValueError(
            f"{value!r} is not a pinned {what} version; write it as {example} "
            "(a moving tag such as 'latest' would change the cluster without a reviewed change)"
        )
    return value


class ClusterLayerProps(_Frozen):
    """In-cluster add-ons of the ``<env>-cluster`` stack, with every version pinned."""

    enabled: StrictBool = True
    """Synthesize the ``<env>-cluster`` stack. Off only for an emulator, which has no
    Kubernetes API (refused unless ``emulator: true``)."""
    karpenter: str = "1.14.1"
    """Karpenter's Helm charts (``karpenter`` and ``karpenter-crd``), e.g. 1.14.1."""
    nvidia_device_plugin: str = "0.20.0"
    """NVIDIA device plugin chart, installed only for GPU pools on the AL2023 NVIDIA image."""
    efa_device_plugin: str = "v0.5.30"
    """AWS EFA device plugin chart (eks-charts), installed only for pools with ``efa: true``."""
    neuron_device_plugin: str = "1.0.0"
    """AWS Neuron chart (device plugin only), installed only for Inferentia/Trainium pools."""
    bottlerocket_ami: str = "v1.46.0"
    """Bottlerocket release for pools on ``ami_family: bottlerocket`` (Karpenter alias)."""
    al2023_ami: str = "v20260520"
    """EKS-optimized AL2023 release for pools on ``ami_family: al2023`` (Karpenter alias)."""

    @field_validator("karpenter", "nvidia_device_plugin", "neuron_device_plugin")
    @classmethod
    def _chart(cls, value: str) -> str:
        return _check(value, _SEMVER, "1.14.1", "chart")

    @field_validator("efa_device_plugin", "bottlerocket_ami")
    @classmethod
    def _v_chart(cls, value: str) -> str:
        return _check(value, _V_SEMVER, "v0.5.30", "release")

    @field_validator("al2023_ami")
    @classmethod
    def _al2023(cls, value: str) -> str:
        return _check(value, _AL2023_RELEASE, "v20260520", "AL2023 AMI release")
