"""Cross-region replication of the data lake's zone buckets, for disaster recovery.

A regional outage, or a key or bucket lost in one region, must not lose the
data every model trains on. With ``data_lake.replication`` set, S3 copies each
new object version of every zone into a replica bucket in another region. The
replicas are :class:`SecureBucket` like the zones (private, versioned, TLS only,
kept from ``terraform destroy``, under the zone's Object Lock) and encrypted
with a key of their own in that region; they log into an access-log bucket in
that region, since S3 logs only within a region. S3 replicates as a role that
may read the zones' versions and write replicas, and use each key only through
S3 in its own region. Each rule publishes S3 Replication metrics, on which the
ml layer alarms (``MlStack``). Live replication copies only what is written after
its rule exists, and never retries a FAILED object: a second role lets S3 Batch
Operations replicate those (``mlplatform lake replicate-existing``), writing its
reports into the lake's access-log bucket. What is made and how it is named is
decided in :mod:`mlplatform.decisions.replication_plan`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cdktf import TerraformProvider
from constructs import Construct

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleDestinationMetrics,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from mlplatform.config import DataLakeProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.constructs.secure_bucket import SecureBucket
from mlplatform.decisions import replication_plan
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.documents import (
    Statement,
    policy_document,
    service_trust_policy,
)
from mlplatform.decisions.policies.s3 import (
    s3_batch_replication_statements,
    s3_replication_statements,
)
from mlplatform.errors import ConstructError

__all__ = ["LakeReplication"]


class LakeReplication(Construct):
    """Every zone bucket of a lake (``sources``, by zone, in the stack's region) replicated into
    ``props.replication``'s region, where ``provider`` makes the replicas; ``source_key``
    encrypts the zones, and Batch Replication reports go into ``report_bucket``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        props: DataLakeProps,
        sources: Mapping[str, SecureBucket],
        source_key: PlatformKey,
        report_bucket: SecureBucket,
        provider: TerraformProvider,
    ) -> None:
        super().__init__(scope, id)
        replication = props.replication
        if replication is None:
            raise ConstructError(
                f"{self.node.path}: the lake's props have no replication; set "
                "data_lake.replication, or make no LakeReplication"
            )
        account = AccountContext.of(self)
        self._key = PlatformKey(
            self,
            "key",
            props=PlatformKeyProps(
                **replication_plan.replica_key_settings(naming, replication), provider=provider
            ),
        )
        log_bucket = SecureBucket.planned(
            self,
            replication_plan.replica_access_log_bucket(naming, props),
            key_arn=self._key.arn,
            log_bucket=None,
            account_id=account.account_id,
            provider=provider,
        )
        self._replicas = {
            zone: SecureBucket.planned(
                self,
                plan,
                key_arn=self._key.arn,
                log_bucket=log_bucket,
                account_id=account.account_id,
                provider=provider,
            )
            for zone, plan in replication_plan.replica_buckets(naming, props).items()
        }
        role, policy = self._role(naming, sources, source_key, replication.region)
        for zone, source in sources.items():
            self._rule(zone, props, source, role, policy)
        self._batch_role(naming, sources, report_bucket)

    def _role(
        self,
        naming: Naming,
        sources: Mapping[str, SecureBucket],
        source_key: PlatformKey,
        replica_region: str,
    ) -> tuple[IamRole, IamRolePolicy]:
        """The role S3 replicates as, and its least-privilege policy."""
        account = AccountContext.of(self)
        statements = s3_replication_statements(
            [bucket.bucket_arn for bucket in sources.values()],
            [bucket.bucket_arn for bucket in self._replicas.values()],
            source_key_arn=source_key.arn,
            replica_key_arn=self._key.arn,
            source_region=account.region,
            replica_region=replica_region,
            dns_suffix=account.dns_suffix,
        )
        return self._service_role(
            "role",
            replication_plan.replication_role_name(naming),
            "s3.amazonaws.com",
            "replicate-lake",
            statements,
        )

    def _batch_role(
        self, naming: Naming, sources: Mapping[str, SecureBucket], report_bucket: SecureBucket
    ) -> None:
        """The role S3 Batch Operations replicates the zones' objects live replication did not
        as, under the zones' own rules."""
        statements = s3_batch_replication_statements(
            [bucket.bucket_arn for bucket in sources.values()],
            f"{report_bucket.bucket_arn}/{replication_plan.BATCH_REPORT_PREFIX}",
        )
        self._service_role(
            "batch-role",
            replication_plan.batch_replication_role_name(naming),
            "batchoperations.s3.amazonaws.com",
            "replicate-existing-objects",
            statements,
        )

    def _service_role(
        self, id: str, name: str, service: str, policy_name: str, statements: list[Statement]
    ) -> tuple[IamRole, IamRolePolicy]:
        """A role ``service`` assumes for this account only, with ``statements`` as its one
        inline policy (``<id>-policy``)."""
        account = AccountContext.of(self)
        role = IamRole(
            self,
            id,
            name=name,
            assume_role_policy=json.dumps(service_trust_policy(service, account.account_id)),
        )
        policy = IamRolePolicy(
            self,
            f"{id}-policy",
            name=policy_name,
            role=role.id,
            policy=json.dumps(policy_document(statements)),
        )
        return role, policy

    def _rule(
        self,
        zone: str,
        props: DataLakeProps,
        source: SecureBucket,
        role: IamRole,
        policy: IamRolePolicy,
    ) -> None:
        """One zone's rule, put once both buckets are versioned and the role may replicate."""
        assert props.replication is not None
        rule = replication_plan.replication_rule(zone, props.replication)
        replica = self._replicas[zone]
        S3BucketReplicationConfigurationA(
            self,
            f"rule-{zone}",
            bucket=source.bucket_name,
            role=role.arn,
            rule=[
                S3BucketReplicationConfigurationRule(
                    id=rule["id"],
                    status=rule["status"],
                    filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                    delete_marker_replication=(
                        S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                            status=rule["delete_marker_status"]
                        )
                    ),
                    source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                        sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                            status="Enabled"
                        )
                    ),
                    destination=S3BucketReplicationConfigurationRuleDestination(
                        bucket=replica.bucket_arn,
                        storage_class=rule["storage_class"],
                        encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                            replica_kms_key_id=self._key.arn
                        ),
                        metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(
                            status=rule["metrics_status"]
                        ),
                    ),
                )
            ],
            depends_on=[source.versioning, replica.versioning, policy],
        )

    @property
    def replica_bucket_names(self) -> dict[str, str]:
        """Each zone's replica bucket, by zone."""
        return {zone: bucket.bucket_name for zone, bucket in self._replicas.items()}

    @property
    def replica_key_arn(self) -> str:
        """ARN of the key that encrypts the replicas, in the replica region."""
        return self._key.arn
