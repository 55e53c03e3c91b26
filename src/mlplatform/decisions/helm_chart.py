"""A Helm release as plain data: which chart, at which pinned version, with which values.

The ``<env>-cluster`` layer installs everything in the cluster as Helm
releases; these records are what the decisions modules produce and what the
construct translates into ``helm_release`` resources, so the choice of chart,
version and values is testable without an engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["HelmChart"]


@dataclass(frozen=True)
class HelmChart:
    """One Helm release of a pinned chart."""

    release: str
    """The release's name in the cluster."""
    repository: str
    """Chart repository: an ``https://`` index or an ``oci://`` registry."""
    chart: str
    """The chart's name in the repository."""
    version: str
    """The pinned chart version (from the environment file)."""
    namespace: str
    """Namespace the release installs into."""
    values: dict[str, Any] = field(default_factory=dict)
    """Values that differ from the chart's defaults; every key exists in the chart's values."""
    skip_crds: bool = False
    """Leave the chart's ``crds/`` alone (another release owns and upgrades them)."""
