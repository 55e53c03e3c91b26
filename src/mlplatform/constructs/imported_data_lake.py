"""A reference to a data lake another stack (or repo) owns, found by its deterministic names.

Made by :meth:`DataLake.from_names
<mlplatform.constructs.data_lake.DataLake.from_names>`, for a lake the
platform contract does not describe (``DataLake.from_environment`` reads the
contract). Creates no
resources: bucket names come from :class:`~mlplatform.decisions.naming.Naming`
and the key is looked up through its alias (``alias/<org>-<env>-datalake``),
because IAM statements need the key's ARN, not the alias.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.bindings.aws.data_aws_kms_alias import DataAwsKmsAlias
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.data_lake import DataLakeMixin, DataLakeRefs
from mlplatform.decisions.arns import s3_bucket
from mlplatform.decisions.naming import Naming

__all__ = ["ImportedDataLake"]


class ImportedDataLake(DataLakeMixin, Construct):
    """The platform's lake as seen from a team's stack: names, key and grants."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        zones: tuple[str, ...] = ("raw", "curated", "features"),
        partition: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        # The stack's own partition by default (aws-us-gov, aws-cn: the provider knows).
        partition = partition or AccountContext.of(self).partition
        key = DataAwsKmsAlias(self, "key", name=naming.kms_alias("datalake"))
        buckets = {zone: naming.bucket("datalake", zone) for zone in zones}
        self._refs = DataLakeRefs(
            zones=tuple(zones),
            bucket_names=buckets,
            bucket_arns={zone: s3_bucket(partition, name) for zone, name in buckets.items()},
            key_arn=key.target_key_arn,
        )
