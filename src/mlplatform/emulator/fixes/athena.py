"""Athena: an existing workgroup without tags lists no tags; moto says it does not exist.

moto answers ``ListTagsForResource`` from its tag store alone, and a resource
created without tags never enters it, so moto calls the new workgroup
missing. The provider lists tags right after ``CreateWorkGroup`` and fails
the apply. AWS answers an empty tag list for any workgroup, data catalog or
capacity reservation that exists, and an error only for one that does not.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]


def apply() -> None:
    """Answer every existing Athena resource's tags, an empty list included."""
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
