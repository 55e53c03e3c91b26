"""How the cluster layer's Helm releases are installed, whichever engine installs them.

Every release (Karpenter, the device plugins, the platform's and a team's
GPU pools) is atomic (a failed install or upgrade rolls back instead of
leaving a half-applied release, and cleans up what it created), waits up to
ten minutes for its pods and keeps ten revisions. The objects the platform
renders itself go in as ``values.manifests`` of the chart shipped in the
package (:data:`MANIFESTS_CHART`), which renders them as they are.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from mlplatform.decisions.helm_chart import HelmChart

__all__ = ["MANIFESTS_CHART", "RELEASE_TIMEOUT_SECONDS", "manifests_release", "release_settings"]

MANIFESTS_CHART = Path(str(files("mlplatform") / "charts" / "platform-manifests"))
"""``platform-manifests``, shipped in the package."""
RELEASE_TIMEOUT_SECONDS = 600
"""How long a release waits for its pods before it rolls back."""


def manifests_release(
    release: str,
    chart: str,
    values: dict[str, Any] | None = None,
    *,
    namespace: str = "kube-system",
) -> HelmChart:
    """Release ``release`` of the shipped manifests chart (``chart``: the engine's path to
    it) in ``namespace``: the platform's ``gpu-pools`` in ``kube-system``, a team's pools'
    release in the team's namespace (where Helm keeps its records, which the team may read).
    Unversioned, as it ships with mlplatform."""
    return HelmChart(
        release=release,
        repository="",
        chart=chart,
        version="",
        namespace=namespace,
        values=values or {},
    )


def release_settings(chart: HelmChart) -> dict[str, Any]:
    """``chart``'s release settings both engines' Helm releases take alike: name, pinned
    version, namespace, CRDs, and the install behaviour above (waiting is on by default in
    both, spelled differently: each engine says so itself)."""
    return {
        "name": chart.release,
        "version": chart.version or None,
        "namespace": chart.namespace,
        "skip_crds": chart.skip_crds or None,
        "atomic": True,
        "cleanup_on_fail": True,
        "timeout": RELEASE_TIMEOUT_SECONDS,
        "max_history": 10,
    }
