"""What constructs take from each other: protocols for components, frozen dataclasses for values.

A grant needs a role's name and a construct node to hang the policy from, not
a particular binding class, so a role made with the generated bindings, the
prebuilt ones or a team's own construct can all be granted to.

Components that run inside the VPC take a :class:`VpcPlacement` rather than a
``Network``, and a serving endpoint takes a :class:`DataCaptureDestination`
rather than a ``DataLake``: both are plain values, so they can come from a
VPC or bucket the platform did not create. Nothing here depends on an engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mlplatform.decisions.naming import Naming

if TYPE_CHECKING:  # only annotations name it: importing this module starts no jsii runtime
    from constructs import Node

    from mlplatform.decisions.metrics import MetricSpec, QuerySpec, Watchable

__all__ = [
    "DataCaptureDestination",
    "IComputeCluster",
    "IDataLake",
    "IDependable",
    "IFeatureStore",
    "IModelRegistry",
    "IRole",
    "VpcPlacement",
]


class IDependable(Protocol):
    """What a resource can wait for (``depends_on``): another resource or data source.

    cdktf's ``ITerraformDependable`` asks for nothing more than this, so every
    cdktf resource is one, and this module needs no engine import.
    """

    @property
    def fqn(self) -> str:
        """The element's fully qualified name in the stack."""
        ...


class IRole(Protocol):
    """An IAM role as grants see it."""

    @property
    def name(self) -> str:
        """The role's name (what ``aws_iam_role_policy`` attaches to)."""
        ...

    @property
    def arn(self) -> str:
        """The role's ARN."""
        ...

    @property
    def node(self) -> Node:
        """The role's construct node: a grant's policy is named from its address or placed beside it."""
        ...


@dataclass(frozen=True)
class VpcPlacement:
    """A VPC, its CIDR, and private subnets (with their zones) to place interfaces in."""

    vpc_id: str
    vpc_cidr: str
    private_subnet_ids: tuple[str, ...]
    availability_zones: tuple[str, ...]
    s3_prefix_list_id: str
    """Prefix list of the S3 gateway endpoint, so egress to S3 needs no internet route."""
    dynamodb_prefix_list_id: str | None = None
    """Prefix list of the DynamoDB gateway endpoint (the platform's network always has one);
    ``None`` for a placement that does not know it."""


@dataclass(frozen=True)
class DataCaptureDestination:
    """An SSE-KMS bucket (name and ARN) and the key that encrypts what is captured into it.

    The platform passes a lake zone; a team repo can pass any SSE-KMS bucket it owns.
    """

    bucket_name: str
    bucket_arn: str
    key_arn: str
    """KMS key SageMaker encrypts captured objects with; the endpoint's role may use it to encrypt."""


class IDataLake(Protocol):
    """Zone buckets, the key that encrypts them, and grants over both.

    ``DataLake`` (the platform's own) and ``DataLake.from_environment`` (a
    team repo's reference to it through the platform contract) or
    ``DataLake.from_names`` (by names) satisfy it, like AWS CDK's ``IBucket``.
    """

    @property
    def node(self) -> Node:
        """The lake's construct node (grants name their policies after its id)."""
        ...

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones this lake has."""
        ...

    @property
    def key_arn(self) -> str:
        """ARN of the KMS key that encrypts every zone."""
        ...

    def bucket_name(self, zone: str) -> str:
        """Bucket of one zone."""
        ...

    def bucket_arn(self, zone: str) -> str:
        """ARN of one zone's bucket."""
        ...

    def grant_read(self, role: IRole, zone: str | Iterable[str] | None = None) -> IDependable:
        """Let ``role`` list and read ``zone`` (default: every zone), and decrypt it."""
        ...

    def grant_write(self, role: IRole, zone: str | Iterable[str] | None = None) -> IDependable:
        """Let ``role`` put objects into ``zone`` (default: every zone); never delete."""
        ...

    def metric_bucket_size(self, zone: str) -> MetricSpec:
        """Bytes in one zone's bucket (Standard storage), reported by S3 once a day."""
        ...

    def metric_object_count(self, zone: str) -> MetricSpec:
        """Objects in one zone's bucket, reported by S3 once a day."""
        ...


class IComputeCluster(Protocol):
    """A cluster that node groups can join and service accounts can get IAM roles from.

    ``ComputeCluster`` (the platform's own) and ``ComputeCluster.from_cluster_name``
    (a team repo's reference to it) both satisfy it, so a GPU pool is written
    once and works against either, like AWS CDK's ``ICluster``.
    """

    @property
    def node(self) -> Node:
        """The cluster's construct node."""
        ...

    @property
    def naming(self) -> Naming:
        """Names for resources made against the cluster (node groups, roles)."""
        ...

    @property
    def cluster_name(self) -> str:
        """The EKS cluster's name."""
        ...

    @property
    def oidc_provider_arn(self) -> str:
        """IAM OIDC provider of the cluster's service account issuer (for IRSA)."""
        ...

    @property
    def oidc_issuer_url(self) -> str:
        """The cluster's OIDC issuer, ``https://oidc.eks.<region>.amazonaws.com/id/<id>``."""
        ...

    @property
    def node_role_arn(self) -> str:
        """IAM role that worker nodes run with."""
        ...

    @property
    def cluster_security_group_id(self) -> str | None:
        """The security group EKS made for the cluster; ``None`` when not known."""
        ...

    @property
    def placement(self) -> VpcPlacement:
        """The VPC and private subnets nodes are placed in."""
        ...

    @property
    def compute_dependencies(self) -> Sequence[IDependable]:
        """What a node group must wait for (node role policies, CNI); empty when imported."""
        ...

    def service_account_role(
        self, namespace: str, name: str, *, role_name: str | None = None
    ) -> IRole:
        """An IAM role that only service account ``namespace/name`` may assume (IRSA)."""
        ...

    def metric_nodes(self) -> MetricSpec:
        """Worker nodes in the cluster (Container Insights)."""
        ...

    def metric_failed_nodes(self) -> MetricSpec:
        """Nodes with a failing condition (Container Insights)."""
        ...

    def metric_api_requests(self, status: str = "5XX") -> MetricSpec:
        """API server requests answered with ``status`` (``5XX``, ``4XX`` or ``429``)."""
        ...

    def metric_api_latency(self) -> MetricSpec:
        """The API server's p99 latency of GET requests, in seconds."""
        ...

    def metric_pending_pods(self) -> MetricSpec:
        """Pods waiting for the scheduler."""
        ...


class IModelRegistry(Protocol):
    """Where model families' artifacts, metadata rows, serving images and packages live, and grants.

    ``ModelRegistry`` (the platform's own) and ``ModelRegistry.from_environment``
    (a team repo's reference to it through the platform contract) or
    ``ModelRegistry.from_names`` satisfy it, so a serving endpoint is written
    once and reads from any.
    """

    @property
    def node(self) -> Node:
        """The registry's construct node (grants name their policies after its id)."""
        ...

    @property
    def naming(self) -> Naming:
        """Names of the registry's environment; endpoints reading from it are named the same way."""
        ...

    @property
    def model_families(self) -> tuple[str, ...]:
        """The model families the registry holds."""
        ...

    @property
    def bucket_name(self) -> str:
        """The artifact bucket."""
        ...

    @property
    def bucket_arn(self) -> str:
        """ARN of the artifact bucket."""
        ...

    @property
    def key_arn(self) -> str:
        """ARN of the registry's KMS key."""
        ...

    @property
    def table_name(self) -> str:
        """The metadata table (partition key ``model``, sort key ``version``)."""
        ...

    @property
    def table_arn(self) -> str:
        """ARN of the metadata table."""
        ...

    @property
    def repository_urls(self) -> dict[str, str]:
        """Serving image repository URL of each family, for ``docker push``."""
        ...

    def repository_url(self, family: str) -> str:
        """Serving image repository URL of one family."""
        ...

    def repository_arn(self, family: str) -> str:
        """ARN of one family's serving image repository."""
        ...

    def package_group_name(self, family: str) -> str:
        """SageMaker model package group of one family."""
        ...

    def artifact_uri(self, family: str, version: str) -> str:
        """``s3://<bucket>/<family>/<version>/model.tar.gz``: where a version's artifact lives."""
        ...

    def grant_publish(self, role: IRole, family: str | Iterable[str] | None = None) -> IDependable:
        """Let ``role`` publish ``family`` (default: every family); nothing can be deleted."""
        ...

    def grant_read(self, role: IRole, family: str | Iterable[str] | None = None) -> IDependable:
        """Let ``role`` read ``family``'s artifacts (and decrypt them) and pull its serving images."""
        ...


class IFeatureStore(Protocol):
    """Feature groups' online storage, their offline tables, and grants over both.

    ``FeatureStore`` (the platform's own) and ``FeatureStore.from_environment``
    (a team repo's reference to it through the platform contract) or
    ``FeatureStore.from_names`` satisfy it.
    """

    @property
    def node(self) -> Node:
        """The store's construct node (grants name their policies after its id)."""
        ...

    @property
    def naming(self) -> Naming:
        """Names of the store's environment."""
        ...

    @property
    def feature_groups(self) -> tuple[str, ...]:
        """The feature groups the store holds."""
        ...

    @property
    def online_store(self) -> str:
        """``dynamodb`` or ``redis``."""
        ...

    @property
    def online_table_names(self) -> dict[str, str]:
        """The DynamoDB table of each group (empty with Redis)."""
        ...

    def grant_read_online(
        self, role: IRole, group: str | Iterable[str] | None = None
    ) -> IDependable:
        """Let ``role`` read ``group``'s online features (default: every group)."""
        ...

    def grant_materialize(
        self, role: IRole, group: str | Iterable[str] | None = None
    ) -> IDependable:
        """Let ``role`` read ``group``'s offline table and write its online features."""
        ...

    def grant_read_offline(
        self, role: IRole, group: str | Iterable[str] | None = None
    ) -> IDependable:
        """Let ``role`` query ``group``'s offline tables."""
        ...

    def metric_read_latency(self, group: str | None = None, *, statistic: str = "p99") -> Watchable:
        """Online read latency: ``group``'s DynamoDB table, or the Redis cache's slowest node."""
        ...

    def metric_read_throttles(self, group: str | None = None) -> MetricSpec:
        """Throttled reads of ``group``'s DynamoDB table (a DynamoDB store only)."""
        ...

    def metric_cache_hit_rate(self) -> QuerySpec:
        """The Redis cache's hit rate, % (a Redis store only)."""
        ...

    def metric_evictions(self) -> QuerySpec:
        """Keys the Redis cache evicted for memory (a Redis store only)."""
        ...
