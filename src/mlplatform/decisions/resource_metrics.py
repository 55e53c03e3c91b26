"""The ``metric_*`` helpers' choices for a GPU pool and a serving endpoint, for either engine.

A pool's per-GPU metrics exist for NVIDIA instance types only, and its node count
is its GPUs over the GPUs of one node; an endpoint's metrics are per variant, and
a variant that is not the endpoint's is refused before an alarm watches nothing.
Both engines' constructs hand these out unchanged (cdktf's and Pulumi's
``GpuTrainingPool.metric_*`` and ``ServingEndpoint.metric_*``), so the choices
live here once. Errors are ``ValueError`` with the resource named; a construct
may re-raise them as its own kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplatform.catalogs.gpu import accelerator_type
from mlplatform.decisions.metrics import (
    MathSpec,
    MetricSpec,
    QuerySpec,
    pool_gpu_utilization,
    pool_gpus_running,
    pool_nodes,
    variant_instances,
    variant_metric,
)

__all__ = ["EndpointMetricMethods", "EndpointMetrics", "PoolMetrics"]


@dataclass(frozen=True)
class PoolMetrics:
    """The Container Insights queries of one GPU pool on one cluster."""

    pool: str
    cluster_name: str
    instance_types: tuple[str, ...]

    def _nvidia_types(self) -> tuple[str, ...]:
        """The pool's instance types, refused unless NVIDIA (the add-on's per-GPU metrics are)."""
        vendor = accelerator_type(self.instance_types[0]).vendor
        if vendor != "nvidia":
            raise ValueError(
                f"GPU pool {self.pool!r}: Container Insights publishes per-GPU metrics by "
                f"instance type for NVIDIA GPUs only, not {vendor}"
            )
        return self.instance_types

    def gpus_running(self, *, period: int = 60) -> QuerySpec:
        """GPUs of the pool's instance types reporting to Container Insights."""
        return pool_gpus_running(self.pool, self.cluster_name, self._nvidia_types(), period=period)

    def nodes(self, *, period: int = 60) -> QuerySpec:
        """Nodes running: GPUs reporting over GPUs per node (a pool's types share the count)."""
        types = self._nvidia_types()
        gpus_per_node = accelerator_type(types[0]).count
        return pool_nodes(self.pool, self.cluster_name, types, gpus_per_node, period=period)

    def gpu_utilization(self, *, period: int = 60) -> QuerySpec:
        """Average GPU utilisation (%) of the pool's instance types; no data while idle."""
        return pool_gpu_utilization(
            self.pool, self.cluster_name, self._nvidia_types(), period=period
        )


class EndpointMetricMethods:
    """The ``metric_*`` helpers of a serving endpoint, written once for every holder of an
    :class:`EndpointMetrics`: cdktf's and Pulumi's ``ServingEndpoint`` mix them in, and
    ``EndpointMetrics`` itself answers them (under its shorter names too).

    A holder says which endpoint (:meth:`_endpoint_metrics`) and how a variant the endpoint
    does not have is refused (:meth:`_refused`: a ``ValueError`` unless it says otherwise).
    """

    def _endpoint_metrics(self) -> EndpointMetrics:
        raise NotImplementedError

    def _refused(self, error: ValueError) -> Exception:
        """The error to raise for ``error`` (no such variant): a construct's own kind, say."""
        return error

    def _variant(self, variant: str | None) -> tuple[str, str]:
        """The endpoint's name and ``variant`` (or the primary), refused unless it has it."""
        metrics = self._endpoint_metrics()
        try:
            return metrics.endpoint_name, metrics.variant(variant)
        except ValueError as error:
            raise self._refused(error) from None

    def metric(
        self,
        metric_name: str,
        *,
        variant: str | None = None,
        statistic: str = "Sum",
        period: int = 60,
    ) -> MetricSpec:
        """Any ``AWS/SageMaker`` invocation metric of one variant (default: the primary)."""
        endpoint, name = self._variant(variant)
        return variant_metric(endpoint, name, metric_name, statistic=statistic, period=period)

    def metric_invocations(
        self, *, variant: str | None = None, statistic: str = "Sum", period: int = 60
    ) -> MetricSpec:
        """Requests sent to the variant's model (``Invocations``)."""
        return self.metric("Invocations", variant=variant, statistic=statistic, period=period)

    def metric_invocations_per_instance(
        self, *, variant: str | None = None, statistic: str = "Sum", period: int = 60
    ) -> MetricSpec:
        """Invocations divided by the variant's instances: what autoscaling tracks."""
        return self.metric(
            "InvocationsPerInstance", variant=variant, statistic=statistic, period=period
        )

    def metric_model_latency(
        self, *, variant: str | None = None, statistic: str = "p99", period: int = 60
    ) -> MetricSpec:
        """Time the model takes to answer, in microseconds (``ModelLatency``)."""
        return self.metric("ModelLatency", variant=variant, statistic=statistic, period=period)

    def metric_4xx_errors(
        self, *, variant: str | None = None, statistic: str = "Sum", period: int = 60
    ) -> MetricSpec:
        """Requests the model refused (``Invocation4XXErrors``)."""
        return self.metric(
            "Invocation4XXErrors", variant=variant, statistic=statistic, period=period
        )

    def metric_5xx_errors(
        self, *, variant: str | None = None, statistic: str = "Sum", period: int = 60
    ) -> MetricSpec:
        """Requests the model failed (``Invocation5XXErrors``)."""
        return self.metric(
            "Invocation5XXErrors", variant=variant, statistic=statistic, period=period
        )

    def metric_instances(self, *, variant: str | None = None, period: int = 60) -> MathSpec:
        """Instances serving the variant while it has traffic (metric math: invocations over
        invocations per instance; SageMaker publishes no instance count). No traffic, no data."""
        endpoint, name = self._variant(variant)
        return variant_instances(endpoint, name, period=period)


@dataclass(frozen=True)
class EndpointMetrics(EndpointMetricMethods):
    """The ``AWS/SageMaker`` metrics of one endpoint's variants."""

    key: str
    """The endpoint's key in the configuration (what an error names)."""
    endpoint_name: str
    variant_names: tuple[str, ...]
    """Production variants in the order of the configuration; the first is the primary."""

    def _endpoint_metrics(self) -> EndpointMetrics:
        return self

    # The helpers' names without ``metric_``, as this class has always answered them.
    invocations = EndpointMetricMethods.metric_invocations
    invocations_per_instance = EndpointMetricMethods.metric_invocations_per_instance
    model_latency = EndpointMetricMethods.metric_model_latency
    errors_4xx = EndpointMetricMethods.metric_4xx_errors
    errors_5xx = EndpointMetricMethods.metric_5xx_errors
    instances = EndpointMetricMethods.metric_instances

    def variant(self, variant: str | None) -> str:
        """``variant``, or the primary; refused unless the endpoint has it."""
        name = variant or self.variant_names[0]
        if name not in self.variant_names:
            raise ValueError(
                f"serving endpoint {self.key!r} has no variant {name!r}; "
                f"its variants: {', '.join(self.variant_names)}"
            )
        return name
