"""Athena: an existing workgroup without tags lists no tags; a Glue table's metadata is answered.

moto answers ``ListTagsForResource`` from its tag store alone, and a resource
created without tags never enters it, so moto calls the new workgroup
missing. The provider lists tags right after ``CreateWorkGroup`` and fails
the apply. AWS answers an empty tag list for any workgroup, data catalog or
capacity reservation that exists, and an error only for one that does not.

moto has no ``GetTableMetadata``, which ``feast apply`` calls to validate each
Athena source. AWS answers it for the ``AwsDataCatalog`` catalog from the Glue
Data Catalog of the same account and region (name, type, columns, partition
keys, parameters), and a ``MetadataException`` for a table that is not there.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]


def apply() -> None:
    """Answer every existing Athena resource's tags, an empty list included; add
    GetTableMetadata over the Glue catalog."""
    _add_table_metadata()
    from moto.athena.models import AthenaBackend

    if not once(AthenaBackend, "_mlplatform_tags_of_untagged"):
        return
    list_tags = AthenaBackend.list_tags_for_resource

    def list_tags_of_existing(self: Any, resource_arn: str) -> dict[str, Any] | None:
        resources = [
            *self.work_groups.values(),
            *self.data_catalogs.values(),
            *self.capacity_reservations.values(),
        ]
        if any(resource.arn == resource_arn for resource in resources):
            tags: dict[str, Any] = self.tagger.list_tags_for_resource(resource_arn)
            return tags
        result: dict[str, Any] | None = list_tags(self, resource_arn)
        return result

    AthenaBackend.list_tags_for_resource = list_tags_of_existing  # type: ignore[method-assign]


def _add_table_metadata() -> None:
    import json

    from moto.athena.exceptions import MetadataException
    from moto.athena.responses import AthenaResponse
    from moto.glue.exceptions import EntityNotFoundException
    from moto.glue.models import glue_backends

    if not once(AthenaResponse, "_mlplatform_table_metadata"):
        return

    def get_table_metadata(self: Any) -> str:
        catalog = self._get_param("CatalogName")
        database, name = self._get_param("DatabaseName"), self._get_param("TableName")
        if catalog != "AwsDataCatalog":
            raise MetadataException(f"Catalog {catalog} is not the Glue Data Catalog")
        glue = glue_backends[self.current_account][self.region]
        try:
            table = glue.get_table(database, name).as_dict()
        except EntityNotFoundException:
            raise MetadataException(f"Table {name} not found in database {database}") from None
        columns = table.get("StorageDescriptor", {}).get("Columns", [])
        metadata = {
            "Name": table["Name"],
            "CreateTime": table["CreateTime"].timestamp(),
            "TableType": table.get("TableType", "EXTERNAL_TABLE"),
            "Columns": [{"Name": c["Name"], "Type": c.get("Type", "")} for c in columns],
            "PartitionKeys": [
                {"Name": k["Name"], "Type": k.get("Type", "")}
                for k in table.get("PartitionKeys", [])
            ],
            "Parameters": table.get("Parameters", {}),
        }
        return json.dumps({"TableMetadata": metadata})

    AthenaResponse.get_table_metadata = get_table_metadata  # type: ignore[attr-defined]
