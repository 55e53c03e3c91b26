"""The data lake: where every dataset the platform trains on lives, zone by zone.

``raw`` holds data as it lands, ``curated`` the cleaned tables, ``features``
the offline feature store. Each zone is a :class:`SecureBucket` encrypted with
the lake's own KMS key plus a Glue catalog database, so Athena, Spark and
training jobs see the same tables. A separate log bucket receives every zone's
server access logs. Access is never by bucket policy: components get
least-privilege IAM statements through ``grant_read`` and ``grant_write``, which include the KMS permissions SSE-KMS needs.

A team repo references the lake with :meth:`DataLake.from_environment`, which
reads the platform contract (SSM): same grants (:class:`DataLakeMixin` serves
both), no resources. :meth:`DataLake.from_names` derives the names instead,
for a lake the contract does not describe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import TerraformProvider
from constructs import Construct

from mlplatform.bindings.aws.athena_workgroup import (
    AthenaWorkgroup,
    AthenaWorkgroupConfiguration,
    AthenaWorkgroupConfigurationResultConfiguration,
    AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration,
)
from mlplatform.bindings.aws.glue_catalog_database import GlueCatalogDatabase
from mlplatform.bindings.aws.glue_connection import (
    GlueConnection,
    GlueConnectionPhysicalConnectionRequirements,
)
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.config import DataLakeProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.grant_policy import check_policy_name, check_role
from mlplatform.constructs.item_grants import no_such_item
from mlplatform.constructs.lake_replication import LakeReplication
from mlplatform.constructs.ml_security_groups import security_group
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.constructs.secure_bucket import SecureBucket
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions import lake_plan
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
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IDataLake, IRole, VpcPlacement

if TYPE_CHECKING:
    from mlplatform.constructs.contract_data_lake import ContractDataLake

__all__ = ["DataLake"]


@dataclass(frozen=True)
class DataLakeRefs:
    """What grants and properties need: names and ARNs, from resources or from names."""

    zones: tuple[str, ...]
    bucket_names: Mapping[str, str]
    bucket_arns: Mapping[str, str]
    key_arn: str


class DataLakeMixin:
    """The lake as :class:`~mlplatform.interfaces.IDataLake` describes it, read from ``_refs``.

    Mixed into :class:`DataLake` and ``ImportedDataLake`` (constructs both), so
    a team repo grants against the platform's lake exactly as the platform does.
    """

    _refs: DataLakeRefs

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones this lake has."""
        return self._refs.zones

    @property
    def key_arn(self) -> str:
        """ARN of the KMS key that encrypts every zone."""
        return self._refs.key_arn

    def bucket_name(self, zone: str) -> str:
        """Bucket of one zone."""
        self._select(zone)
        return self._refs.bucket_names[zone]

    def bucket_arn(self, zone: str) -> str:
        """ARN of one zone's bucket."""
        self._select(zone)
        return self._refs.bucket_arns[zone]

    def metric_bucket_size(self, zone: str) -> MetricSpec:
        """Bytes in one zone's bucket (Standard storage), reported by S3 once a day."""
        return bucket_size(self.bucket_name(zone))

    def metric_object_count(self, zone: str) -> MetricSpec:
        """Objects in one zone's bucket, reported by S3 once a day."""
        return bucket_objects(self.bucket_name(zone))

    def grant_read(self, role: IRole, zone: str | Iterable[str] | None = None) -> IamRolePolicy:
        """Let ``role`` list and read ``zone`` (default: every zone), and decrypt it."""
        zones = self._select(zone)
        statements = s3_read_statements([self.bucket_arn(z) for z in zones], self.key_arn)
        return self._attach(role, "read", zones, statements)

    def grant_write(self, role: IRole, zone: str | Iterable[str] | None = None) -> IamRolePolicy:
        """Let ``role`` put objects into ``zone`` (default: every zone); never delete."""
        zones = self._select(zone)
        statements = s3_write_statements([self.bucket_arn(z) for z in zones], self.key_arn)
        return self._attach(role, "write", zones, statements)

    def _attach(
        self,
        role: IRole,
        access: str,
        zones: tuple[str, ...],
        statements: list[Statement],
    ) -> IamRolePolicy:
        if not isinstance(self, Construct):
            raise TypeError(f"{type(self).__name__}: DataLakeMixin is for constructs only")
        # The policy lives beside the role, so a role in a later layer (compute) or in
        # a team's stack references the lake, never the other way round.
        name = f"{self.node.id}-{access}-{'-'.join(zones)}"
        check_role(self, f"grant_{access}", role)
        check_policy_name(self, name)
        return IamRolePolicy(
            _construct_of(role),
            name,
            name=name,
            role=role.name,
            policy=json.dumps(policy_document(statements)),
        )

    def _select(self, zone: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen, unknown = selected(zone, self.zones)
        if unknown is not None:
            raise no_such_item(
                self,
                "data lake",
                unknown,
                self.zones,
                item="zone",
                items="zones",
                fix="add the zone to the platform's data_lake.zones",
            )
        return chosen


def _construct_of(role: IRole) -> Construct:
    """The construct ``role.node`` belongs to: a generated or prebuilt role, or a team's own."""
    if isinstance(role, Construct):
        return role
    parent = role.node.scope
    found = parent.node.try_find_child(role.node.id) if parent is not None else None
    if not isinstance(found, Construct):
        raise TypeError(f"role {role.node.path!r}: its node belongs to no construct in a tree")
    return found


class DataLake(DataLakeMixin, ReplicationMetricHelpers, Construct):
    """Zone buckets, their KMS key, Glue databases and an Athena workgroup.

    ``placement``, when given, adds a Glue NETWORK connection and its security
    group in the first private subnet, so Glue jobs reach the lake through the
    VPC's S3 gateway endpoint instead of the internet. With ``props.replication``,
    every zone replicates into that region (:class:`LakeReplication`), where
    ``replica_provider`` (a ``PlatformStack``'s or ``TeamStack``'s ``regional_provider``)
    makes the replicas.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        props: DataLakeProps | None = None,
        placement: VpcPlacement | None = None,
        replica_provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        props = props or DataLakeProps()
        self._naming = naming
        self._props = props
        account = AccountContext.of(self)
        self._key = self._lake_key()
        # Access logs first: every other bucket logs into it.
        self._log_bucket = self._bucket(
            lake_plan.lake_access_log_bucket(naming, props), None, account
        )
        self._zones, self._databases = self._zone_buckets_and_databases(account)
        self._refs = DataLakeRefs(
            zones=tuple(self._zones),
            bucket_names={zone: bucket.bucket_name for zone, bucket in self._zones.items()},
            bucket_arns={zone: bucket.bucket_arn for zone, bucket in self._zones.items()},
            key_arn=self._key.arn,
        )
        self._results, self._workgroup = self._athena(account)
        self._glue_connection: GlueConnection | None = None
        if placement is not None:
            self._glue_connection = self._glue_network_connection(placement)
        self.replication = self._replication(replica_provider)
        """The zones' replicas in another region, or ``None`` without ``props.replication``."""

    # ----------------------------------------------------------------- steps
    def _lake_key(self) -> PlatformKey:
        """The lake's key: every zone and the query results are encrypted with it."""
        return PlatformKey(
            self,
            "key",
            props=PlatformKeyProps(
                **lake_plan.key_settings(self._naming), alias_moved_from="key-alias"
            ),
        )

    def _zone_buckets_and_databases(
        self, account: AccountContext
    ) -> tuple[dict[str, SecureBucket], dict[str, GlueCatalogDatabase]]:
        """One bucket and one Glue database per zone, the database located in the bucket."""
        zones: dict[str, SecureBucket] = {}
        databases: dict[str, GlueCatalogDatabase] = {}
        for zone, planned in lake_plan.zone_buckets(self._naming, self._props).items():
            bucket = zones[zone] = self._bucket(planned, self._log_bucket, account)
            databases[zone] = GlueCatalogDatabase(
                self,
                f"catalog-{zone}",
                **lake_plan.zone_database_settings(self._naming, zone),
                location_uri=f"s3://{bucket.bucket_name}/",
            )
            StateRetention.protect(databases[zone])
        return zones, databases

    def _athena(
        self, account: AccountContext
    ) -> tuple[SecureBucket | None, AthenaWorkgroup | None]:
        """Athena, if on: a results bucket (lake key) and a workgroup enforcing its settings."""
        results_plan = lake_plan.query_results_bucket(self._naming, self._props)
        if results_plan is None:
            return None, None
        results = self._bucket(results_plan, self._log_bucket, account)
        workgroup = AthenaWorkgroup(
            self,
            "workgroup",
            **lake_plan.workgroup_settings(self._naming, self._props),
            configuration=AthenaWorkgroupConfiguration(
                enforce_workgroup_configuration=True,
                publish_cloudwatch_metrics_enabled=True,
                result_configuration=AthenaWorkgroupConfigurationResultConfiguration(
                    output_location=f"s3://{results.bucket_name}/",
                    encryption_configuration=AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration(
                        encryption_option="SSE_KMS", kms_key_arn=self._key.arn
                    ),
                ),
            ),
        )
        return results, workgroup

    def _replication_metric(self, zone: str, kind: ReplicationMetric) -> MetricSpec:
        (chosen,) = self._select(zone)
        try:
            return replication_metric(self._naming, self._props, chosen, kind)
        except ValueError as error:
            raise ConstructError(f"{self.node.path}: {error}") from None

    def _replication(self, provider: TerraformProvider | None) -> LakeReplication | None:
        """The zones replicated into the replica region, if the props ask for it."""
        replication = self._props.replication
        if replication is None:
            return None
        if provider is None:
            raise ConstructError(
                f"{self.node.path}: data_lake.replication replicates into "
                f"{replication.region!r}, and the lake has no provider for that region; pass "
                f"replica_provider=, an aliased AwsProvider(region={replication.region!r}) of "
                "the stack (a PlatformStack or TeamStack makes one with its settings: "
                f"stack.regional_provider({replication.region!r}))"
            )
        return LakeReplication(
            self,
            "replication",
            naming=self._naming,
            props=self._props,
            sources=self._zones,
            source_key=self._key,
            report_bucket=self._log_bucket,
            provider=provider,
        )

    def _bucket(
        self, plan: BucketPlan, log_bucket: SecureBucket | None, account: AccountContext
    ) -> SecureBucket:
        """One of the lake's buckets, as the plan has it, logging into ``log_bucket``."""
        return SecureBucket.planned(
            self, plan, key_arn=self._key.arn, log_bucket=log_bucket, account_id=account.account_id
        )

    def _glue_network_connection(self, placement: VpcPlacement) -> GlueConnection:
        """A security group and Glue NETWORK connection in the first private subnet."""
        group = security_group(self, glue_security_group(self._naming), placement)
        return GlueConnection(
            self,
            "glue-connection",
            **lake_plan.glue_connection_settings(self._naming),
            physical_connection_requirements=GlueConnectionPhysicalConnectionRequirements(
                availability_zone=placement.availability_zones[0],
                subnet_id=placement.private_subnet_ids[0],
                security_group_id_list=[group.id],
            ),
        )

    # ----------------------------------------------------------------- properties
    @property
    def log_bucket_name(self) -> str:
        """Bucket receiving the zones' server access logs."""
        return self._log_bucket.bucket_name

    @property
    def workgroup_name(self) -> str | None:
        """The Athena workgroup's name, or ``None`` when it is turned off."""
        return self._workgroup.name if self._workgroup else None

    @property
    def query_results_bucket_arn(self) -> str | None:
        """ARN of the bucket the workgroup writes results to, or ``None`` without a workgroup."""
        return self._results.bucket_arn if self._results else None

    @property
    def glue_connection_name(self) -> str | None:
        """The Glue NETWORK connection, or ``None`` when the lake has no VPC placement."""
        return self._glue_connection.name if self._glue_connection else None

    def database_name(self, zone: str) -> str:
        """Glue database of one zone."""
        self._select(zone)
        return self._databases[zone].name

    # ----------------------------------------------------------------- importing
    @classmethod
    def from_environment(
        cls,
        scope: Construct,
        id: str,
        *,
        platform: PlatformContract | None = None,
        zones: Sequence[str] = (),
    ) -> ContractDataLake:
        """The platform's lake, read from its contract in SSM: same grants, no resources.

        ``platform`` defaults to the ``TeamStack``'s platform environment. ``zones``
        are the zones a grant without a zone covers; the platform's own zones are
        read per zone asked for, never assumed.
        """
        # Imported here: the importer builds on this module's DataLakeMixin.
        from mlplatform.constructs.contract_data_lake import ContractDataLake
        from mlplatform.constructs.contract_reader import check_construct_id

        return ContractDataLake(
            scope,
            check_construct_id(id, "DataLake.from_environment"),
            platform=platform,
            zones=zones,
        )

    @classmethod
    def from_names(
        cls,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        zones: Sequence[str] = ("raw", "curated", "features"),
    ) -> IDataLake:
        """A lake outside the contract, by the names ``naming`` gives it (and its zones, which
        must be the lake's own): same grants, no resources."""
        from mlplatform.constructs.contract_reader import check_construct_id
        from mlplatform.constructs.imported_data_lake import ImportedDataLake

        return ImportedDataLake(
            scope, check_construct_id(id, "DataLake.from_names"), naming=naming, zones=tuple(zones)
        )
