"""The ``metric_*`` helpers of an EKS cluster, for the platform's cluster and a team's import alike.

Both know the cluster by name, and every metric a cluster has is keyed by its
name alone, so a team repo hangs alarms off the platform's cluster exactly as
the platform does: Container Insights' node counts (from the
``amazon-cloudwatch-observability`` add-on) and the ``AWS/EKS`` control-plane
metrics that EKS publishes for free (Kubernetes 1.28 and later).
"""

from __future__ import annotations

from mlplatform.decisions.metrics import (
    MetricSpec,
    cluster_api_latency,
    cluster_api_requests,
    cluster_failed_nodes,
    cluster_nodes,
    cluster_pending_pods,
)

__all__ = ["ClusterMetrics"]


class ClusterMetrics:
    """Mixed into ``ComputeCluster`` and ``ImportedComputeCluster`` (cdktf) and the Pulumi
    ``ComputeCluster``, whose name is the platform's; reads ``_metrics_cluster_name``."""

    _metrics_cluster_name: str

    def metric_nodes(self) -> MetricSpec:
        """Worker nodes in the cluster (Container Insights ``cluster_node_count``)."""
        return cluster_nodes(self._metrics_cluster_name)

    def metric_failed_nodes(self) -> MetricSpec:
        """Nodes with a failing condition (Container Insights ``cluster_failed_node_count``)."""
        return cluster_failed_nodes(self._metrics_cluster_name)

    def metric_api_requests(self, status: str = "5XX") -> MetricSpec:
        """API server requests answered with ``status`` (``5XX``, ``4XX`` or ``429``) a minute."""
        return cluster_api_requests(self._metrics_cluster_name, status)

    def metric_api_latency(self) -> MetricSpec:
        """The API server's p99 latency of GET requests, in seconds."""
        return cluster_api_latency(self._metrics_cluster_name)

    def metric_pending_pods(self) -> MetricSpec:
        """Pods waiting for the scheduler, such as GPU jobs waiting for Karpenter's nodes."""
        return cluster_pending_pods(self._metrics_cluster_name)
