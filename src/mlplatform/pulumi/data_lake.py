"""``DataLake`` on Pulumi: the lake key, zone buckets, Glue databases, Athena workgroup.

A translation of :class:`mlplatform.constructs.data_lake.DataLake`: names
from ``Naming``, lifecycle rules from ``decisions.lifecycle``, grant
statements from ``decisions.policies.s3``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from mlplatform.config import DataLakeProps
from mlplatform.decisions import lake_plan
from mlplatform.decisions.arns import s3_bucket
from mlplatform.decisions.bucket_plan import BucketPlan
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.item_selection import selected
from mlplatform.decisions.metrics import MetricSpec, bucket_objects, bucket_size
from mlplatform.decisions.ml_security_groups import glue_security_group
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.documents import Statement, policy_document
from mlplatform.decisions.policies.s3 import s3_read_statements, s3_write_statements
from mlplatform.decisions.replication_plan import (
    ReplicationMetric,
    ReplicationMetricHelpers,
    replication_metric,
)
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.lake_replication import LakeReplication
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.metrics import deferred
from mlplatform.pulumi.ml_security_groups import security_group
from mlplatform.pulumi.network import NetworkPlacement
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.pulumi.secure_bucket import SecureBucket

if TYPE_CHECKING:
    from mlplatform.pulumi.contract_data_lake import ContractDataLake

__all__ = ["DataLake", "DataLakeGrants", "ImportedDataLake"]


StatementBuilder = Callable[[list[str], str], list[Statement]]
"""``s3_read_statements`` or ``s3_write_statements``: bucket ARNs and key ARN to statements."""


class DataLakeGrants:
    """Grants on a lake, its own or imported: what :class:`DataLake` and
    :class:`ImportedDataLake` share (the cdktf ``DataLakeMixin``)."""

    path: str

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones this lake has."""
        raise NotImplementedError

    @property
    def key_arn(self) -> pulumi.Output[str]:
        """ARN of the KMS key that encrypts every zone."""
        raise NotImplementedError

    def bucket_arn(self, zone: str) -> pulumi.Output[str]:
        """ARN of one zone's bucket."""
        raise NotImplementedError

    def grant_read(
        self, role: aws.iam.Role, zone: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` list and read ``zone`` (default: every zone), and decrypt it."""
        return self._attach(role, "read", self._select(zone), s3_read_statements)

    def grant_write(
        self, role: aws.iam.Role, zone: str | Iterable[str] | None = None
    ) -> aws.iam.RolePolicy:
        """Let ``role`` put objects into ``zone`` (default: every zone); never delete."""
        return self._attach(role, "write", self._select(zone), s3_write_statements)

    def _attach(
        self,
        role: aws.iam.Role,
        access: str,
        zones: tuple[str, ...],
        statements: StatementBuilder,
    ) -> aws.iam.RolePolicy:
        # Beside the role, so a role in a later layer or a team's program refers to the lake,
        # never the other way round (as in cdktf).
        name = f"{self.path.rsplit('/', 1)[-1]}-{access}-{'-'.join(zones)}"

        def document(values: list[str]) -> str:
            return json.dumps(policy_document(statements(list(values[1:]), values[0])))

        return aws.iam.RolePolicy(
            f"{role._name}/{name}",
            name=name,
            role=role.name,
            policy=pulumi.Output.all(self.key_arn, *[self.bucket_arn(z) for z in zones]).apply(
                document
            ),
            opts=pulumi.ResourceOptions(parent=role, delete_before_replace=True),
        )

    def _select(self, zone: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen, unknown = selected(zone, self.zones)
        if unknown is not None:
            raise ValueError(
                f"the data lake has no zone {unknown!r}; its zones are {', '.join(self.zones)}"
            )
        return chosen


class DataLake(DataLakeGrants, ReplicationMetricHelpers, PlatformComponent):
    """``mlplatform:data:DataLake``: zone buckets, their KMS key, Glue databases and Athena."""

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        props: DataLakeProps | None = None,
        placement: NetworkPlacement | None = None,
    ) -> None:
        props = props or DataLakeProps()
        super().__init__(layer.layer, "DataLake", f"{layer.path}/{id}", parent=layer)
        naming = layer.naming
        self._layer = layer
        self._props = props
        self.key = PlatformKey(
            layer, self, "key", props=PlatformKeyProps(**lake_plan.key_settings(naming))
        )
        self.log_bucket = self._bucket(lake_plan.lake_access_log_bucket(naming, props), None)
        self.zone_buckets: dict[str, SecureBucket] = {}
        self.databases: dict[str, aws.glue.CatalogDatabase] = {}
        for zone, planned in lake_plan.zone_buckets(naming, props).items():
            bucket = self.zone_buckets[zone] = self._bucket(planned, self.log_bucket)
            self.databases[zone] = aws.glue.CatalogDatabase(
                self.child(f"catalog-{zone}"),
                **lake_plan.zone_database_settings(naming, zone),
                location_uri=pulumi.Output.concat("s3://", bucket.bucket_name, "/"),
                opts=self.options(protect=layer.retain),
            )

        self.workgroup: aws.athena.Workgroup | None = None
        self.query_results: SecureBucket | None = None
        """The bucket the Athena workgroup writes query results to (with the workgroup)."""
        results_plan = lake_plan.query_results_bucket(naming, props)
        if results_plan is not None:
            results = self.query_results = self._bucket(results_plan, self.log_bucket)
            self.workgroup = aws.athena.Workgroup(
                self.child("workgroup"),
                **lake_plan.workgroup_settings(naming, props),
                configuration={
                    "enforce_workgroup_configuration": True,
                    "publish_cloudwatch_metrics_enabled": True,
                    "result_configuration": {
                        "output_location": pulumi.Output.concat("s3://", results.bucket_name, "/"),
                        "encryption_configuration": {
                            "encryption_option": "SSE_KMS",
                            "kms_key_arn": self.key.arn,
                        },
                    },
                },
                opts=self.options(),
            )
        self.glue_connection: aws.glue.Connection | None = None
        if placement is not None:
            self.glue_connection = self._glue_network_connection(placement)
        self.replication: LakeReplication | None = None
        """The zones' replicas in another region, with ``props.replication``."""
        if props.replication is not None:
            self.replication = LakeReplication(
                layer,
                self,
                "replication",
                props=props,
                sources=self.zone_buckets,
                source_key=self.key,
                report_bucket=self.log_bucket,
            )
        self.register_outputs({"key_arn": self.key.arn})

    def _bucket(self, plan: BucketPlan, log_bucket: SecureBucket | None) -> SecureBucket:
        """One of the lake's buckets, as the plan has it, logging into ``log_bucket``."""
        return SecureBucket.planned(
            self._layer, self, plan, key_arn=self.key.arn, log_bucket=log_bucket
        )

    def _glue_network_connection(self, placement: NetworkPlacement) -> aws.glue.Connection:
        naming = self._layer.naming
        opts = self.options
        group = security_group(self, glue_security_group(naming), placement)
        return aws.glue.Connection(
            self.child("glue-connection"),
            **lake_plan.glue_connection_settings(naming),
            physical_connection_requirements={
                "availability_zone": placement.first_zone(),
                "subnet_id": placement.first_subnet(),
                "security_group_id_lists": [group.id],
            },
            opts=opts(),
        )

    # ----------------------------------------------------------------- what others use
    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(self.zone_buckets)

    @property
    def key_arn(self) -> pulumi.Output[str]:
        return self.key.arn

    def bucket_arn(self, zone: str) -> pulumi.Output[str]:
        return self.zone_buckets[self._select(zone)[0]].bucket_arn

    @property
    def bucket_names(self) -> dict[str, pulumi.Output[str]]:
        return {zone: bucket.bucket_name for zone, bucket in self.zone_buckets.items()}

    # A bucket's name is its resource's output here (cdktf's a token): each spec an Output.
    def metric_bucket_size(self, zone: str) -> pulumi.Output[MetricSpec]:
        """Bytes in one zone's bucket (Standard storage), reported by S3 once a day."""
        return deferred(self.bucket_names[self._select(zone)[0]], bucket_size)

    def metric_object_count(self, zone: str) -> pulumi.Output[MetricSpec]:
        """Objects in one zone's bucket, reported by S3 once a day."""
        return deferred(self.bucket_names[self._select(zone)[0]], bucket_objects)

    # Replication's names are the config's (no resource output in them): plain specs, as
    # cdktf's DataLake hands them out (ReplicationMetricHelpers).
    def _replication_metric(self, zone: str, kind: ReplicationMetric) -> MetricSpec:
        (chosen,) = self._select(zone)
        try:
            return replication_metric(self._layer.naming, self._props, chosen, kind)
        except ValueError as error:
            raise ValueError(f"{self.path}: {error}") from None

    @staticmethod
    def from_environment(
        layer: Layer,
        id: str,
        *,
        platform: PlatformContract | None = None,
        zones: Sequence[str] = (),
    ) -> ContractDataLake:
        """The platform's lake, read from its contract in SSM (``/<org>/<env>/platform/data/...``)
        as cdktf's ``DataLake.from_environment``: same grants, no resources.

        ``platform`` defaults to ``layer``'s environment; ``zones`` are the zones a grant
        without a zone covers.
        """
        # Imported here: the importer builds on this module's DataLakeGrants.
        from mlplatform.pulumi.contract_data_lake import ContractDataLake

        return ContractDataLake(layer, id, platform=platform, zones=zones)

    @staticmethod
    def from_names(
        layer: Layer,
        id: str,
        *,
        zones: tuple[str, ...] = ("raw", "curated", "features"),
        partition: str | None = None,
        naming: Naming | None = None,
    ) -> ImportedDataLake:
        """The lake of ``naming``'s environment (default ``layer``'s) by its names, outside
        the platform contract, as cdktf's ``DataLake.from_names``: same grants, no resources."""
        return ImportedDataLake(layer, id, zones=zones, partition=partition, naming=naming)


class ImportedDataLake(DataLakeGrants, PlatformComponent):
    """``mlplatform:<layer>:ImportedDataLake``: the platform's lake seen from a team's program.

    Creates no resources: bucket names come from ``Naming``; the key is looked up
    through its alias (``alias/<org>-<env>-datalake``), because IAM statements need
    the key's ARN (as the cdktf ``ImportedDataLake``).
    """

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        zones: tuple[str, ...] = ("raw", "curated", "features"),
        partition: str | None = None,
        naming: Naming | None = None,
    ) -> None:
        super().__init__(layer.layer, "ImportedDataLake", f"{layer.path}/{id}", parent=layer)
        naming = naming or layer.naming
        self._zones = tuple(zones)
        self.bucket_names = {zone: naming.bucket("datalake", zone) for zone in zones}
        self._key_arn: pulumi.Output[str] = aws.kms.get_alias_output(
            name=naming.kms_alias("datalake"),
            opts=pulumi.InvokeOutputOptions(parent=self, provider=layer.provider),
        ).target_key_arn
        # The layer's own partition by default (aws-us-gov, aws-cn: the provider knows).
        self._partition: pulumi.Output[str] = (
            pulumi.Output.from_input(partition) if partition else layer.partition
        )
        self.register_outputs({})

    @property
    def zones(self) -> tuple[str, ...]:
        return self._zones

    @property
    def key_arn(self) -> pulumi.Output[str]:
        return self._key_arn

    def bucket_arn(self, zone: str) -> pulumi.Output[str]:
        name = self.bucket_names[self._select(zone)[0]]
        return self._partition.apply(lambda partition: s3_bucket(partition, name))

    # The buckets are known by the platform's names, so these are cdktf's specs.
    def metric_bucket_size(self, zone: str) -> MetricSpec:
        """Bytes in one zone's bucket (Standard storage), reported by S3 once a day."""
        return bucket_size(self.bucket_names[self._select(zone)[0]])

    def metric_object_count(self, zone: str) -> MetricSpec:
        """Objects in one zone's bucket, reported by S3 once a day."""
        return bucket_objects(self.bucket_names[self._select(zone)[0]])
