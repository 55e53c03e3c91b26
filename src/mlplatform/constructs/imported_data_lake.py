"""A reference to a data lake another stack (or repo) owns, found by its deterministic names.

Creates no resources: bucket names come from :class:`~mlplatform.decisions.naming.Naming`
and the key is looked up through its alias (``alias/<org>-<env>-datalake``),
because IAM statements need the key's ARN, not the alias.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.bindings.aws.data_aws_kms_alias import DataAwsKmsAlias
from mlplatform.constructs.data_lake_access import DataLakeAccess
from mlplatform.decisions.naming import Naming

__all__ = ["ImportedDataLake"]


class ImportedDataLake(DataLakeAccess):
    """The platform's lake as seen from a team's stack: names, key and grants."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        zones: tuple[str, ...] = ("raw", "curated", "features"),
        partition: str = "aws",
    ) -> None:
        super().__init__(scope, id)
        self._naming = naming
        self._zones = tuple(zones)
        self._partition = partition
        self._alias = DataAwsKmsAlias(self, "key", name=naming.kms_alias("datalake"))

    @property
    def zones(self) -> tuple[str, ...]:
        return self._zones

    @property
    def key_arn(self) -> str:
        return self._alias.target_key_arn

    def bucket_name(self, zone: str) -> str:
        self._select(zone)
        return self._naming.bucket("datalake", zone)

    def bucket_arn(self, zone: str) -> str:
        return f"arn:{self._partition}:s3:::{self.bucket_name(zone)}"
