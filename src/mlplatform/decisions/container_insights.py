"""Where CloudWatch Container Insights writes a cluster's logs, and who writes them.

The ``amazon-cloudwatch-observability`` EKS add-on runs the CloudWatch agent
and Fluent Bit on every node (GPU nodes included: its DaemonSets tolerate
every taint by default), sending node, pod and GPU metrics (NVIDIA DCGM,
AWS Neuron) and container logs to CloudWatch. It writes into four log groups
named after the cluster; made beforehand, they get the cluster's KMS key and
retention instead of the agent's defaults (unencrypted, kept forever).

Plain Python: the construct, the verifier and tests use the same names.
"""

from __future__ import annotations

__all__ = [
    "CLOUDWATCH_AGENT_SERVICE_ACCOUNT",
    "CONTAINER_INSIGHTS_LOG_KINDS",
    "container_insights_log_groups",
]

CLOUDWATCH_AGENT_SERVICE_ACCOUNT = ("amazon-cloudwatch", "cloudwatch-agent")
"""Namespace and name of the add-on's service account (fixed by the add-on)."""

CONTAINER_INSIGHTS_LOG_KINDS = ("performance", "application", "dataplane", "host")
"""Metrics as embedded-metric logs, container logs, Kubernetes data plane logs, node logs."""


def container_insights_log_groups(cluster_name: str) -> tuple[str, ...]:
    """The log groups Container Insights writes for one cluster, one per kind."""
    return tuple(
        f"/aws/containerinsights/{cluster_name}/{kind}" for kind in CONTAINER_INSIGHTS_LOG_KINDS
    )
