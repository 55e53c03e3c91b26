"""One deployable environment: everything ``environments/<env>.yaml`` holds.

Each layer's model checks itself; the rules that span layers (zones the
network spans, zones the lake has, families the registry holds) are checked
here, the one place that sees every layer at once. So are the rules that
depend on ``emulator``: a switch that exists only for the emulator (it turns
off a hardening the emulator cannot deploy) is refused in a real environment,
a real environment turns ``prevent_destroy`` off only with a named reason,
and a real cluster lists at least one admin role.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import Field, StrictBool, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from mlplatform.catalogs.eks_images import eks_image_registry
from mlplatform.catalogs.regions import partition_of
from mlplatform.catalogs.s3 import RESERVED_SUFFIXES
from mlplatform.config._base import _check_region, _Frozen
from mlplatform.config.compute import ComputeProps
from mlplatform.config.data_lake import DataLakeProps
from mlplatform.config.feature_store import FeatureStoreProps
from mlplatform.config.ml import MlProps
from mlplatform.config.network import NetworkProps
from mlplatform.config.node_group import CpuNodeGroupProps
from mlplatform.config.observability import BudgetsProps, ObservabilityProps, SubscriptionsProps
from mlplatform.config.retention import RetentionProps
from mlplatform.config.state_backend import StateBackendConfig
from mlplatform.config.tags import TagsConfig

__all__ = ["EnvironmentConfig"]

_BUCKET_SUFFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$")


# Why each switch that exists only for the emulator must stay on in a real account.
_EMULATOR_ONLY_WHY = {
    "addons": "on AWS the cluster would run EKS's unpinned self-installed vpc-cni, kube-proxy "
    "and coredns, and no EBS CSI driver",
    "access_entries": "on AWS the cluster would authenticate through the aws-auth ConfigMap and "
    "keep its creator as a standing admin",
    "launch_template": "on AWS the nodes would lose the platform's launch template: IMDSv2 "
    "required with a hop limit, and an encrypted gp3 root volume",
    "enabled": "on AWS nothing would scale the GPU pools up from zero and no device plugin "
    "would advertise their accelerators",
}


def _emulator_only_switches(compute: ComputeProps) -> list[tuple[tuple[str, ...], bool | None]]:
    """Location and value of each switch that exists only for the emulator and is turned on."""
    cluster = compute.cluster
    found: list[tuple[tuple[str, ...], bool | None]] = []
    if cluster.addons is None:
        found.append((("compute", "cluster", "addons"), None))
    if not cluster.access_entries:
        found.append((("compute", "cluster", "access_entries"), False))
    groups: dict[tuple[str, ...], CpuNodeGroupProps] = {
        ("compute", "cluster", "system_node_group"): cluster.system_node_group,
        **{
            ("compute", "cluster", "cpu_node_groups", n): g
            for n, g in cluster.cpu_node_groups.items()
        },
    }
    found += [
        ((*at, "launch_template"), False) for at, g in groups.items() if not g.launch_template
    ]
    if not compute.cluster_layer.enabled:
        found.append((("compute", "cluster_layer", "enabled"), False))
    return found


def _emulator_only_problem(loc: tuple[str, ...], value: bool | None) -> InitErrorDetails:
    """One error line: ``<field>: false is for the emulator only (<why>); <fix>``."""
    switch = loc[-1]
    fix = (
        "pin the add-on versions as environments/dev.yaml does"
        if switch == "addons"
        else "remove the line (default true)"
    )
    message = (
        f"{'null' if value is None else 'false'} is for the emulator only "
        f"({_EMULATOR_ONLY_WHY[switch]}); {fix}, or set emulator: true if this file targets "
        "the emulator"
    )
    return InitErrorDetails(type=PydanticCustomError("value_error", message), loc=loc, input=value)


class EnvironmentConfig(_Frozen):
    """One deployable environment: everything ``environments/<env>.yaml`` holds."""

    org: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    """Short organisation slug, first part of every name (2-12 lowercase letters/digits)."""
    environment: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,9}$")]
    """Environment name (2-10 lowercase letters/digits); stacks are ``<environment>-<layer>``."""
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    """AWS account the environment must deploy to; required unless ``emulator`` is on."""
    region: str
    """AWS region, for example eu-west-1."""
    availability_zones: tuple[str, ...]
    """Availability zones of the region, in order of preference."""
    emulator: StrictBool = False
    """Deploy into the embedded AWS emulator (moto server) instead of a real account."""
    bucket_suffix: str | None = None
    """Ends every platform bucket name, because S3 names are global across all accounts.
    Default: the account id (``mlp-dev-datalake-raw-111111111111``); in the emulator, none.
    1-16 lowercase letters, digits and inner '-', so the longest name stays within S3's 63."""
    tags: TagsConfig
    network: NetworkProps = NetworkProps()
    data_lake: DataLakeProps = DataLakeProps()
    state_backend: StateBackendConfig
    retention: RetentionProps = RetentionProps()
    """Whether stateful resources carry ``prevent_destroy`` (default on)."""
    compute: ComputeProps | None = None
    """The ``<env>-compute`` layer (EKS cluster, GPU pools); ``None`` means no compute layer."""
    ml: MlProps | None = None
    """The ``<env>-ml`` layer (model registry, serving endpoints); ``None`` means no ml layer."""
    feature_store: FeatureStoreProps | None = None
    """Feature groups: offline tables in ``<env>-data``, the online store in ``<env>-ml``
    (which it needs); ``None`` means no feature store."""
    observability: ObservabilityProps = ObservabilityProps()
    """The dashboard and who the alarm topic notifies (in the ml layer)."""
    budgets: BudgetsProps | None = None
    """Monthly AWS Budgets to the alarm topic; ``None`` means no budget."""

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _check_region(value)

    @field_validator("bucket_suffix")
    @classmethod
    def _bucket_suffix(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not _BUCKET_SUFFIX.match(value) or "--" in value:
            raise ValueError(
                f"{value!r} cannot end a bucket name; use 1-16 lowercase letters, digits and "
                "single inner '-', such as a short company slug or the account id"
            )
        reserved = next((r for r in RESERVED_SUFFIXES if f"-{value}".endswith(r)), None)
        if reserved is not None:
            raise ValueError(
                f"{value!r} would end every bucket name with {reserved!r}, which S3 reserves; "
                "choose another suffix"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.account_id is None and not self.emulator:
            raise ValueError(
                "account_id: required for a real AWS environment; set the 12-digit account id"
            )
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise ValueError("availability_zones: a zone is listed twice; list each once")
        for zone in self.availability_zones:
            if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                raise ValueError(
                    f"availability_zones: {zone!r} is not in region {self.region!r}; "
                    f"use {self.region}a, {self.region}b, ..."
                )
        state_bucket = self.state_backend.bucket
        markers = [m for m in (self.bucket_suffix, self.account_id) if m]
        if not self.emulator and not any(m in state_bucket for m in markers):
            raise ValueError(
                f"state_backend.bucket: {state_bucket!r} carries neither the account id nor "
                "bucket_suffix, and S3 bucket names are global, so another account may own it; "
                f"use {self.org}-{self.environment}-tfstate-{self.bucket_name_suffix}"
            )
        replication = self.data_lake.replication
        if replication is not None and replication.region == self.region:
            raise ValueError(
                f"data_lake.replication.region: {replication.region!r} is the environment's own "
                "region, and a replica there survives no regional outage; name another region "
                "of the partition, such as us-west-2 for us-east-1"
            )
        if replication is not None and partition_of(replication.region) != partition_of(
            self.region
        ):
            raise ValueError(
                f"data_lake.replication.region: {replication.region!r} is in another AWS "
                f"partition than {self.region!r}, and S3 replicates only within a partition; "
                f"name a region of the {partition_of(self.region)} partition"
            )
        if self.network.az_count > len(self.availability_zones):
            raise ValueError(
                f"network.az_count: {self.network.az_count} but only "
                f"{len(self.availability_zones)} availability_zones are listed; list more zones or lower az_count"
            )
        return self

    @model_validator(mode="after")
    def _ml_consistent(self) -> Self:
        """Endpoints name a registry family and capture into a zone the lake has."""
        if self.ml is None:
            return self
        families = self.ml.registry.model_families
        for name, endpoint in self.ml.serving.items():
            if endpoint.model_package_group not in families:
                raise ValueError(
                    f"ml.serving.{name}.model_package_group: {endpoint.model_package_group!r} is not "
                    f"a registry model family; add it to ml.registry.model_families ({', '.join(families)})"
                )
            if (
                endpoint.data_capture_percent
                and endpoint.data_capture_zone not in self.data_lake.zones
            ):
                raise ValueError(
                    f"ml.serving.{name}.data_capture_zone: the data lake has no "
                    f"{endpoint.data_capture_zone!r} zone; use one of {', '.join(self.data_lake.zones)}"
                )
        return self

    @model_validator(mode="after")
    def _observability_consistent(self) -> Self:
        """Alarms, the dashboard and budgets live in the ml layer; a GPU budget needs pools."""
        wants_ml = self.budgets is not None or self.observability.subscriptions != (
            SubscriptionsProps()
        )
        if wants_ml and self.ml is None:
            raise ValueError(
                "budgets, observability.subscriptions: they live in the <env>-ml layer, and this "
                "environment has no ml section; add one or remove them"
            )
        if (
            self.budgets is not None
            and self.budgets.gpu_monthly_limit_usd is not None
            and (self.compute is None or not self.compute.gpu_pools)
        ):
            raise ValueError(
                "budgets.gpu_monthly_limit_usd: the environment has no compute.gpu_pools to "
                "budget; remove it or add a pool"
            )
        return self

    @model_validator(mode="after")
    def _compute_consistent(self) -> Self:
        """GPU pools use only the network's zones and the lake's zones; an EFA pool's device
        plugin has an image registry in the region."""
        if self.compute is None:
            return self
        zones = self.used_availability_zones
        for name, pool in self.compute.gpu_pools.items():
            where = f"compute.gpu_pools.{name}"
            for zone in pool.availability_zones:
                if zone not in zones:
                    raise ValueError(
                        f"{where}.availability_zones: {zone!r} is not one of the network's zones "
                        f"({', '.join(zones)}); pick one of those"
                    )
            for field in ("lake_read_zones", "lake_write_zones"):
                for lake_zone in getattr(pool, field):
                    if lake_zone not in self.data_lake.zones:
                        raise ValueError(
                            f"{where}.{field}: the data lake has no {lake_zone!r} zone "
                            f"(it has {', '.join(self.data_lake.zones)}); remove it or add the zone"
                        )
            if pool.fsx_scratch is not None and "features" not in self.data_lake.zones:
                raise ValueError(
                    f"{where}.fsx_scratch: it links the features zone, which the data lake lacks; "
                    "add features to data_lake.zones or remove fsx_scratch"
                )
            if (
                pool.efa
                and self.compute.cluster_layer.enabled
                and eks_image_registry(self.region) is None
            ):
                raise ValueError(
                    f"{where}.efa: the cluster layer installs the AWS EFA device plugin from the "
                    f"EKS image registry of the cluster's region, and none is known for "
                    f"{self.region!r} (mlplatform.catalogs.eks_images); add the region's registry "
                    "there, or turn efa off"
                )
        return self

    @model_validator(mode="after")
    def _feature_store_consistent(self) -> Self:
        """Groups live in the lake's features zone, are read by endpoints, written by pools."""
        store = self.feature_store
        if store is None:
            return self
        if "features" not in self.data_lake.zones:
            raise ValueError(
                "feature_store: its offline tables live in the data lake's features zone, which "
                "data_lake.zones lacks; add features to data_lake.zones"
            )
        if self.ml is None:
            raise ValueError(
                "feature_store: the online store lives in the ml layer, which this file lacks; "
                "add an ml section or remove feature_store"
            )
        endpoints = self.ml.serving
        pools = self.compute.gpu_pools if self.compute is not None else {}
        for name, group in store.feature_groups.items():
            where = f"feature_store.feature_groups.{name}"
            for reader in group.online_readers:
                endpoint = endpoints.get(reader)
                if endpoint is None:
                    raise ValueError(
                        f"{where}.online_readers: {reader!r} is not a serving endpoint "
                        f"({', '.join(endpoints) or 'ml.serving is empty'}); name one of those"
                    )
                if store.redis is not None and endpoint.serverless is not None:
                    raise ValueError(
                        f"{where}.online_readers: endpoint {reader!r} is serverless, so it runs "
                        "outside the VPC and cannot reach the Redis online store; serve it from "
                        "instances, or use online_store type dynamodb"
                    )
                if endpoint.network_isolation:
                    raise ValueError(
                        f"{where}.online_readers: endpoint {reader!r} runs with "
                        "network_isolation, so its container can reach no online store; set "
                        f"ml.serving.{reader}.network_isolation: false, or remove {reader!r}"
                    )
            for pool in group.materializers:
                if pool not in pools:
                    raise ValueError(
                        f"{where}.materializers: {pool!r} is not a GPU pool "
                        f"({', '.join(pools) or 'compute.gpu_pools is empty'}); name one of those"
                    )
        return self

    @model_validator(mode="after")
    def _emulator_only(self) -> Self:
        """Switches that exist only for the emulator are refused in a real environment."""
        if self.emulator or self.compute is None:
            return self
        problems = [_emulator_only_problem(*s) for s in _emulator_only_switches(self.compute)]
        if problems:
            # One line per switch, each naming its own field, like any other bad value.
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    @model_validator(mode="after")
    def _retained_unless_named(self) -> Self:
        """A real environment gives up ``prevent_destroy`` only with a reason on record."""
        retention = self.retention
        if self.emulator or retention.prevent_destroy or retention.opt_out_reason:
            return self
        raise ValueError(
            "retention.prevent_destroy: false would let terraform destroy this environment's "
            "buckets, keys, tables and cluster; remove the line (default true), or add "
            "retention.opt_out_reason saying why this environment may be destroyed"
        )

    @model_validator(mode="after")
    def _cluster_has_an_admin(self) -> Self:
        """A real cluster grants no standing admin to its creator, so someone must be listed."""
        if self.emulator or self.compute is None or self.compute.cluster.admin_role_arns:
            return self
        raise ValueError(
            "compute.cluster.admin_role_arns: empty, so nobody could administer the cluster "
            "through Kubernetes (access entries give its creator no standing admin); list at "
            f"least one IAM role, such as arn:aws:iam::{self.account_id}:role/{self.org}-platform-admin"
        )

    @property
    def bucket_name_suffix(self) -> str | None:
        """What ends every platform bucket name: ``bucket_suffix``, else the account id outside
        the emulator; ``None`` (names unchanged) in the emulator without ``bucket_suffix``."""
        if self.bucket_suffix is not None:
            return self.bucket_suffix
        return None if self.emulator else self.account_id

    @property
    def used_availability_zones(self) -> tuple[str, ...]:
        """The zones the network spans: the first ``network.az_count`` listed."""
        return self.availability_zones[: self.network.az_count]
