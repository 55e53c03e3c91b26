"""EC2: a launch template's own tags stay on the template, out of what it launches.

``CreateLaunchTemplate`` takes two kinds of tags. ``TagSpecifications`` with
resource type ``launch-template`` tag the template itself;
``LaunchTemplateData.TagSpecifications`` say how to tag what the template
launches (instances, volumes, network interfaces), and AWS accepts no
``launch-template`` entry there. moto appends the template's own tags to its
data, so ``DescribeLaunchTemplateVersions`` reports a tag specification
nobody configured and every later plan updates the template.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]

_OWN_TAGS = "launch-template"


def apply() -> None:
    """Keep the template's own tags out of its first version's data."""
    from moto.ec2.responses.launch_templates import LaunchTemplates

    if not once(LaunchTemplates, "_mlplatform_launch_template_tags"):
        return
    create = LaunchTemplates.create_launch_template

    def create_keeping_own_tags_apart(self: Any) -> Any:
        result = create(self)
        template = self.ec2_backend.get_launch_template_by_name(
            self._get_param("LaunchTemplateName")
        )
        data = template.versions[0].data
        launched = [
            spec
            for spec in data.get("TagSpecifications", [])
            if spec.get("ResourceType") != _OWN_TAGS
        ]
        if launched:
            data["TagSpecifications"] = launched
        else:
            data.pop("TagSpecifications", None)
        return result

    LaunchTemplates.create_launch_template = create_keeping_own_tags_apart  # type: ignore[method-assign]
