"""``LakeReplication`` on Pulumi: every zone bucket replicated into another region.

The same resources as the cdktf construct
(:class:`mlplatform.constructs.lake_replication.LakeReplication`), from the same
decisions (:mod:`mlplatform.decisions.replication_plan`, the replication role's
policy in ``decisions.policies.s3``): the replica key, access-log bucket and
replica buckets through the layer's provider for the replica region (this
component's provider, which its children inherit), the role and the rules
through the layer's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import DataLakeProps
from mlplatform.decisions import replication_plan
from mlplatform.decisions.policies.documents import policy_document, service_trust_policy
from mlplatform.decisions.policies.s3 import (
    s3_batch_replication_statements,
    s3_replication_statements,
)
from mlplatform.errors import ConstructError
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.pulumi.secure_bucket import SecureBucket

__all__ = ["LakeReplication"]


class LakeReplication(PlatformComponent):
    """``mlplatform:data:LakeReplication``: ``sources`` (zone buckets, by zone) replicated
    into ``props.replication``'s region; ``source_key`` encrypts the zones, and Batch
    Replication reports go into ``report_bucket``."""

    def __init__(
        self,
        layer: Layer,
        parent: PlatformComponent,
        id: str,
        *,
        props: DataLakeProps,
        sources: Mapping[str, SecureBucket],
        source_key: PlatformKey,
        report_bucket: SecureBucket,
    ) -> None:
        replication = props.replication
        if replication is None:
            raise ConstructError(
                f"{parent.child(id)}: the lake's props have no replication; set "
                "data_lake.replication, or make no LakeReplication"
            )
        replica_provider = layer.regional_provider(replication.region)
        super().__init__(
            layer.layer,
            "LakeReplication",
            parent.child(id),
            parent=parent,
            opts=pulumi.ResourceOptions(providers=[replica_provider]),
        )
        self._layer = layer
        naming = layer.naming
        self.key = PlatformKey(
            layer,
            self,
            "key",
            props=PlatformKeyProps(**replication_plan.replica_key_settings(naming, replication)),
        )
        log_bucket = SecureBucket.planned(
            layer,
            self,
            replication_plan.replica_access_log_bucket(naming, props),
            key_arn=self.key.arn,
            log_bucket=None,
        )
        self.replicas = {
            zone: SecureBucket.planned(
                layer, self, plan, key_arn=self.key.arn, log_bucket=log_bucket
            )
            for zone, plan in replication_plan.replica_buckets(naming, props).items()
        }
        role, policy = self._role(sources, source_key, replication.region)
        for zone, source in sources.items():
            rule = replication_plan.replication_rule(zone, replication)
            replica = self.replicas[zone]
            aws.s3.BucketReplicationConfig(
                self.child(f"rule-{zone}"),
                bucket=source.bucket.bucket,
                role=role.arn,
                rules=[
                    {
                        "id": rule["id"],
                        "status": rule["status"],
                        "filter": {"prefix": ""},
                        "delete_marker_replication": {"status": rule["delete_marker_status"]},
                        "source_selection_criteria": {
                            "sse_kms_encrypted_objects": {"status": "Enabled"}
                        },
                        "destination": {
                            "bucket": replica.bucket_arn,
                            "storage_class": rule["storage_class"],
                            "encryption_configuration": {"replica_kms_key_id": self.key.arn},
                            "metrics": {"status": rule["metrics_status"]},
                        },
                    }
                ],
                opts=self._own_region(depends_on=[source.versioning, replica.versioning, policy]),
            )
        self._batch_role(sources, report_bucket)
        self.register_outputs({})

    def _own_region(
        self, depends_on: list[pulumi.Resource] | None = None
    ) -> pulumi.ResourceOptions:
        """Options of what lives in the lake's region: the layer's own provider."""
        return pulumi.ResourceOptions.merge(
            self.options(depends_on=depends_on),
            pulumi.ResourceOptions(provider=self._layer.provider),
        )

    def _role(
        self, sources: Mapping[str, SecureBucket], source_key: PlatformKey, replica_region: str
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """The role S3 replicates as, and its least-privilege policy."""
        layer = self._layer
        count = len(sources)

        def policy_of(_account: str, _partition: str, *values: Any) -> dict[str, Any]:
            region, dns_suffix, source_key_arn, replica_key_arn, *arns = values
            return policy_document(
                s3_replication_statements(
                    arns[:count],
                    arns[count:],
                    source_key_arn=source_key_arn,
                    replica_key_arn=replica_key_arn,
                    source_region=region,
                    replica_region=replica_region,
                    dns_suffix=dns_suffix,
                )
            )

        policy = layer.document(
            policy_of,
            layer.region,
            layer.dns_suffix,
            source_key.arn,
            self.key.arn,
            *(bucket.bucket_arn for bucket in sources.values()),
            *(bucket.bucket_arn for bucket in self.replicas.values()),
        )
        name = replication_plan.replication_role_name(layer.naming)
        return self._service_role("role", name, "s3.amazonaws.com", "replicate-lake", policy)

    def _batch_role(self, sources: Mapping[str, SecureBucket], report_bucket: SecureBucket) -> None:
        """The role S3 Batch Operations replicates the zones' objects live replication did not
        as, under the zones' own rules."""
        layer = self._layer

        def policy_of(_account: str, _partition: str, report: str, *arns: str) -> dict[str, Any]:
            prefix = f"{report}/{replication_plan.BATCH_REPORT_PREFIX}"
            return policy_document(s3_batch_replication_statements(arns, prefix))

        policy = layer.document(
            policy_of, report_bucket.bucket_arn, *(b.bucket_arn for b in sources.values())
        )
        self._service_role(
            "batch-role",
            replication_plan.batch_replication_role_name(layer.naming),
            "batchoperations.s3.amazonaws.com",
            "replicate-existing-objects",
            policy,
        )

    def _service_role(
        self, id: str, name: str, service: str, policy_name: str, policy: pulumi.Output[str]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """A role ``service`` assumes for this account only, with ``policy`` as its one inline
        policy (``<id>-policy``), in the lake's region."""
        role = aws.iam.Role(
            self.child(id),
            name=name,
            assume_role_policy=self._layer.document(
                lambda account_id, _partition: service_trust_policy(service, account_id)
            ),
            opts=self._own_region(),
        )
        role_policy = aws.iam.RolePolicy(
            self.child(f"{id}-policy"),
            name=policy_name,
            role=role.id,
            policy=policy,
            opts=self._own_region(),
        )
        return role, role_policy
