"""The data layer: the lake's key, zone buckets, access-log bucket, Glue catalog, and (where
the environment turns them on) the Athena workgroup, the Glue VPC connection and the zones'
replication into another region (each zone's rule, and the replicas, key and log bucket
there, checked like the zones, and the role Batch Replication runs as).

Zone buckets hold every dataset the platform trains on; their settings are
compared one by one (see :mod:`mlplatform.verify.buckets`), with the
lifecycle rules and Object Lock the environment file asks for.
"""

from __future__ import annotations

from typing import Any

from mlplatform.decisions.bucket_plan import BucketPlan
from mlplatform.decisions.lake_plan import (
    lake_access_log_bucket,
    query_results_bucket,
    zone_buckets,
)
from mlplatform.decisions.replication_plan import (
    batch_replication_role_name,
    replica_access_log_bucket,
    replica_buckets,
    replica_key_settings,
    replication_role_name,
    replication_rule,
)
from mlplatform.verify.buckets import BucketChecker, ExpectedBucket
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.reads import NOT_FOUND, policy_of, read_or_none

__all__ = ["DataLakeChecker"]


class DataLakeChecker:
    """The ``<env>-data`` stack's resources, named as ``DataLake`` names them."""

    def __init__(self, context: VerifyContext, keys: KeyChecker) -> None:
        self.context = context
        self.keys = keys
        self.buckets = BucketChecker(context, keys.arn)

    def check(self) -> None:
        naming = self.context.naming
        lake = self.context.config.data_lake
        alias = naming.kms_alias("datalake")
        self.keys.arn(alias)
        logs = lake_access_log_bucket(naming, lake)
        glue = self.context.client("glue")
        for zone, plan in zone_buckets(naming, lake).items():
            self.buckets.check(self._planned(plan, alias, logs))
            self._database(glue, naming.glue_database("datalake", zone), plan.bucket_name)
        self.buckets.check(self._planned(logs, alias, logs))
        if lake.athena_workgroup:
            self._athena(alias, logs)
        if lake.glue_vpc_connection:
            self._glue_connection(glue)
        if lake.replication is not None:
            self._replication()

    def _replication(self) -> None:
        """Each zone's rule into its replica; the replicas, their key and log bucket in the
        replica region, with every setting a zone bucket has."""
        naming, lake = self.context.naming, self.context.config.data_lake
        replication = lake.replication
        assert replication is not None
        findings = self.context.findings
        s3 = self.context.client("s3")
        replicas = replica_buckets(naming, lake)
        for zone, plan in zone_buckets(naming, lake).items():
            resource = f"bucket {plan.bucket_name}"
            found = read_or_none(
                s3.get_bucket_replication,
                NOT_FOUND | {"ReplicationConfigurationNotFoundError"},
                Bucket=plan.bucket_name,
            )
            if found is None:
                findings.missing(f"{resource} replication", f"no rule into {replication.region}")
                continue
            configuration = found["ReplicationConfiguration"]
            expected = replication_rule(zone, replication)
            rules = [r for r in configuration["Rules"] if r.get("ID") == expected["id"]]
            if not rules:
                findings.missing(f"{resource} replication rule {expected['id']}")
                continue
            rule, where = rules[0], f"{resource} replication"
            findings.compare(where, "status", rule.get("Status"), expected["status"])
            destination = rule.get("Destination", {})
            replica = replicas[zone].bucket_name
            findings.compare(
                where, "replica", destination.get("Bucket", "").split(":")[-1], replica
            )
            findings.compare(
                where, "storage class", destination.get("StorageClass"), expected["storage_class"]
            )
            findings.compare(
                where,
                "replication metrics",
                destination.get("Metrics", {}).get("Status"),
                expected["metrics_status"],
            )
            findings.compare(
                where,
                "delete markers",
                rule.get("DeleteMarkerReplication", {}).get("Status"),
                expected["delete_marker_status"],
            )
            selection = rule.get("SourceSelectionCriteria", {}).get("SseKmsEncryptedObjects", {})
            findings.compare(where, "SSE-KMS objects", selection.get("Status"), "Enabled")
            role = configuration.get("Role", "").split("/")[-1]
            findings.compare(where, "role", role, replication_role_name(naming))
        there = self.context.in_region(replication.region)
        keys = KeyChecker(there)
        alias = replica_key_settings(naming, replication)["alias"]
        keys.arn(alias)
        logs = replica_access_log_bucket(naming, lake)
        buckets = BucketChecker(there, keys.arn)
        for plan in replicas.values():
            buckets.check(self._planned(plan, alias, logs))
        buckets.check(self._planned(logs, alias, logs))
        self._batch_role()

    def _batch_role(self) -> None:
        """The role ``mlplatform lake replicate-existing`` hands S3 Batch Operations: there,
        and S3 Batch Operations' to assume."""
        name = batch_replication_role_name(self.context.naming)
        found = read_or_none(self.context.client("iam").get_role, RoleName=name)
        if found is None:
            self.context.findings.missing(
                f"IAM role {name}",
                "Batch Replication runs as it (mlplatform lake replicate-existing)",
            )
            return
        trust = policy_of(found["Role"].get("AssumeRolePolicyDocument"))
        services = [
            s.get("Principal", {}).get("Service")
            for s in trust.get("Statement", [])
            if s.get("Effect") == "Allow"
        ]
        self.context.findings.compare(
            f"IAM role {name}", "trusted services", services, ["batchoperations.s3.amazonaws.com"]
        )

    def _database(self, glue: Any, database: str, bucket: str) -> None:
        findings = self.context.findings
        resource = f"Glue database {database}"
        found = read_or_none(glue.get_database, Name=database)
        if found is None:
            findings.missing(resource)
            return
        findings.ok(f"{resource}: exists")
        location = found["Database"].get("LocationUri")
        if location is not None:
            findings.compare(resource, "location", location, f"s3://{bucket}/")

    def _planned(self, plan: BucketPlan, alias: str, logs: BucketPlan) -> ExpectedBucket:
        return ExpectedBucket.planned(
            plan, layer="data", key_alias=alias, log_bucket=logs.bucket_name
        )

    def _athena(self, alias: str, logs: BucketPlan) -> None:
        """Query results are encrypted with the lake's key, and users cannot turn that off."""
        naming = self.context.naming
        lake = self.context.config.data_lake
        results = query_results_bucket(naming, lake)
        if results is None:  # the environment has no workgroup
            return
        self.buckets.check(self._planned(results, alias, logs))
        findings = self.context.findings
        name = naming.resource("analytics")
        resource = f"Athena workgroup {name}"
        athena = self.context.client("athena")
        # AWS answers an unknown workgroup with InvalidRequestException, moto with nothing.
        found = read_or_none(athena.get_work_group, {"InvalidRequestException"}, WorkGroup=name)
        if not found or "WorkGroup" not in found:
            findings.missing(resource)
            return
        configuration = found["WorkGroup"].get("Configuration", {})
        findings.compare(
            resource,
            "enforce workgroup configuration",
            configuration.get("EnforceWorkGroupConfiguration"),
            True,
        )
        result = configuration.get("ResultConfiguration", {})
        findings.compare(
            resource,
            "output location",
            result.get("OutputLocation"),
            f"s3://{results.bucket_name}/",
        )
        encryption = result.get("EncryptionConfiguration", {})
        findings.compare(
            resource, "result encryption", encryption.get("EncryptionOption"), "SSE_KMS"
        )
        key = self.keys.arn(alias)
        if key is not None:
            findings.compare(
                resource, f"result encryption key (the {alias} key)", encryption.get("KmsKey"), key
            )

    def _glue_connection(self, glue: Any) -> None:
        """Glue jobs run in the private subnets only through this connection."""
        name = self.context.naming.resource("datalake", "vpc")
        resource = f"Glue connection {name}"
        found = read_or_none(glue.get_connection, Name=name)
        if found is None:
            self.context.findings.missing(resource)
            return
        connection = found["Connection"]
        if "ConnectionType" in connection:  # AWS always says; moto leaves it out
            self.context.findings.compare(resource, "type", connection["ConnectionType"], "NETWORK")
        else:
            self.context.findings.ok(f"{resource}: exists")
