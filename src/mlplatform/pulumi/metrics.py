"""The ``metric_*`` helpers on Pulumi: the cdktf constructs' specs, honest about unknown names.

A cdktf construct's metric spec may hold a token where a name is only known at apply
(the platform's bucket, a name read from the contract): to Python it is a ``str``.
Pulumi has no such string: a name known only at apply is a ``pulumi.Output[str]``.
So a helper whose names are plain strings (names the platform decides:
``ComputeCluster``, ``ServingEndpoint``, ``FeatureStore``, the names-based importers)
returns the very spec cdktf's returns, and one whose name is an ``Output`` (the
platform's buckets, anything read from the contract, a pool's cluster) returns
``pulumi.Output[<spec>]`` of it. :func:`mlplatform.pulumi.alarm.alarm` takes either.
Errors (no such zone, variant or group, not an NVIDIA pool) are raised when the
helper is called, never inside the ``Output``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypeVar

import pulumi

from mlplatform.decisions.feature_metrics import FeatureStoreMetrics
from mlplatform.decisions.metrics import (
    MetricSpec,
    Watchable,
    cluster_api_latency,
    cluster_api_requests,
    cluster_failed_nodes,
    cluster_nodes,
    cluster_pending_pods,
)

__all__ = ["OutputClusterMetrics", "deferred", "deferred_redis_metric", "deferred_store_metric"]

Spec = TypeVar("Spec", bound=Watchable)


def deferred(name: pulumi.Input[str], spec: Callable[[str], Spec]) -> pulumi.Output[Spec]:
    """``spec(name)`` once ``name`` is known; ``spec`` is called with a placeholder first, so
    a refusal (an unknown zone, a non-NVIDIA pool) is raised now, not at apply."""
    spec("placeholder")
    return pulumi.Output.from_input(name).apply(spec)


def deferred_store_metric(
    metrics: FeatureStoreMetrics,
    tables: Mapping[str, pulumi.Input[str]],
    spec: Callable[[FeatureStoreMetrics], Spec],
) -> pulumi.Output[Spec]:
    """``spec`` of a store whose DynamoDB table names are known at apply (read from the
    contract); ``spec`` runs first over the groups' own names, so a refusal is raised now."""
    groups = list(tables)
    spec(_with_tables(metrics, {g: g for g in groups}))
    names = pulumi.Output.all(*(tables[g] for g in groups))
    return names.apply(
        lambda known: spec(_with_tables(metrics, dict(zip(groups, known, strict=True))))
    )


def deferred_redis_metric(
    metrics: FeatureStoreMetrics,
    node_ids: Callable[[], pulumi.Output[list[str]]],
    spec: Callable[[FeatureStoreMetrics], Spec],
) -> pulumi.Output[Spec]:
    """``spec`` of a Redis store whose nodes are known at apply (read from the contract by
    ``node_ids``); ``spec`` runs first over a placeholder node, so a refusal is raised now
    and reads nothing."""
    spec(replace(metrics, node_ids=("placeholder",)))
    return node_ids().apply(lambda known: spec(replace(metrics, node_ids=tuple(known))))


def _with_tables(metrics: FeatureStoreMetrics, tables: Mapping[str, str]) -> FeatureStoreMetrics:
    return replace(metrics, tables=tables)


class OutputClusterMetrics:
    """:class:`mlplatform.decisions.cluster_metrics.ClusterMetrics`' helpers on the Pulumi
    ``ImportedComputeCluster``, whose name may be read from the contract: each spec an
    ``Output``. (The platform's ``ComputeCluster`` mixes in ``ClusterMetrics`` itself.)"""

    _metrics_cluster_name: pulumi.Input[str]

    def metric_nodes(self) -> pulumi.Output[MetricSpec]:
        """Worker nodes in the cluster (Container Insights ``cluster_node_count``)."""
        return deferred(self._metrics_cluster_name, cluster_nodes)

    def metric_failed_nodes(self) -> pulumi.Output[MetricSpec]:
        """Nodes with a failing condition (Container Insights ``cluster_failed_node_count``)."""
        return deferred(self._metrics_cluster_name, cluster_failed_nodes)

    def metric_api_requests(self, status: str = "5XX") -> pulumi.Output[MetricSpec]:
        """API server requests answered with ``status`` (``5XX``, ``4XX`` or ``429``) a minute."""
        return deferred(self._metrics_cluster_name, lambda n: cluster_api_requests(n, status))

    def metric_api_latency(self) -> pulumi.Output[MetricSpec]:
        """The API server's p99 latency of GET requests, in seconds."""
        return deferred(self._metrics_cluster_name, cluster_api_latency)

    def metric_pending_pods(self) -> pulumi.Output[MetricSpec]:
        """Pods waiting for the scheduler, such as GPU jobs waiting for Karpenter's nodes."""
        return deferred(self._metrics_cluster_name, cluster_pending_pods)
