"""EC2: rules keep their descriptions, launch templates their own tags, placement groups exist.

AWS keeps the description of every security group rule. moto keeps it only
for a rule with a CIDR range, so a rule allowing a prefix list (the S3
gateway endpoint) or another security group (Glue workers talking to each
other) loses it, and every plan sets it again.

A launch template's own tags stay on the template, out of what it launches.
``CreateLaunchTemplate`` takes two kinds of tags. ``TagSpecifications`` with
resource type ``launch-template`` tag the template itself;
``LaunchTemplateData.TagSpecifications`` say how to tag what the template
launches (instances, volumes, network interfaces), and AWS accepts no
``launch-template`` entry there. moto appends the template's own tags to its
data, so ``DescribeLaunchTemplateVersions`` reports a tag specification
nobody configured and every later plan updates the template.

moto has no placement groups at all (``CreatePlacementGroup`` and
``DescribePlacementGroups`` are not implemented), so the provider waits
forever for a new group to become ``available``. A cluster placement group
holds no instances of its own: AWS creates it ``available`` at once, lists
it by name or id, and deletes it when asked.
"""

from __future__ import annotations

import secrets
from typing import Any

from mlplatform.emulator.fixes import once, side_table

__all__ = ["apply"]

_OWN_TAGS = "launch-template"


def apply() -> None:
    """Keep rule descriptions and launch templates' own tags apart; add placement groups."""
    _keep_rule_descriptions()
    _keep_launch_template_tags_apart()
    _add_placement_groups()


def _keep_rule_descriptions() -> None:
    """A rule's description, whatever it allows: a CIDR range, a prefix list or a group."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    if not once(SecurityGroupRule, "_mlplatform_rule_descriptions"):
        return
    init = SecurityGroupRule.__init__

    def init_keeping_description(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        # SecurityGroupRule(backend, protocol, group, from, to, ip_range, group_pair, prefix_list)
        prefix_list = kwargs.get("prefix_list_id") or (args[7] if len(args) > 7 else None)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    def description(self: Any) -> str | None:
        found: str | None = (
            self.ip_range.get("Description")
            or getattr(self, "prefix_list_description", None)
            or self.source_group.get("Description")
        )
        return found

    SecurityGroupRule.__init__ = init_keeping_description  # type: ignore[method-assign]
    SecurityGroupRule.description = property(description)  # type: ignore[assignment,method-assign]


def _keep_launch_template_tags_apart() -> None:
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


def _add_placement_groups() -> None:
    """CreatePlacementGroup, DescribePlacementGroups and DeletePlacementGroup, as AWS answers."""
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses import EC2Response

    if not once(EC2Response, "_mlplatform_placement_groups"):
        return

    def groups(response: Any) -> dict[str, dict[str, Any]]:
        """The placement groups of the request's account and region, by name."""
        return side_table(response.ec2_backend, "placement_groups")

    def unknown(name: str) -> EC2ClientError:
        return EC2ClientError(
            "InvalidPlacementGroup.Unknown", f"The Placement Group '{name}' is unknown."
        )

    def described(response: Any, group: dict[str, Any]) -> dict[str, Any]:
        tags = response.ec2_backend.tags.get(group["GroupId"], {})
        return {**group, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def create_placement_group(self: Any) -> ActionResult:
        name = self._get_param("GroupName")
        strategy = self._get_param("Strategy")
        self.error_on_dryrun()
        if name in groups(self):
            raise EC2ClientError(
                "InvalidPlacementGroup.Duplicate", f"The placement group '{name}' already exists."
            )
        group: dict[str, Any] = {
            "GroupName": name,
            "State": "available",
            "Strategy": strategy,
            "GroupId": f"pg-{secrets.token_hex(9)[:17]}",
            "GroupArn": (
                f"arn:{self.partition}:ec2:{self.region}:{self.current_account}"
                f":placement-group/{name}"
            ),
        }
        if strategy == "partition":
            group["PartitionCount"] = int(self._get_param("PartitionCount") or 2)
        if strategy == "spread":
            group["SpreadLevel"] = self._get_param("SpreadLevel") or "rack"
        groups(self)[name] = group
        tags = self._parse_tag_specification("placement-group").get("placement-group", {})
        if tags:
            self.ec2_backend.create_tags([group["GroupId"]], tags)
        return ActionResult({"PlacementGroup": described(self, group)})

    def describe_placement_groups(self: Any) -> ActionResult:
        names = self._get_param("GroupNames", [])
        ids = self._get_param("GroupIds", [])
        filters = self._filters_from_querystring()
        found = list(groups(self).values())
        for name in names:
            if name not in groups(self):
                raise unknown(name)
        if names:
            found = [g for g in found if g["GroupName"] in names]
        if ids:
            found = [g for g in found if g["GroupId"] in ids]
        for field, key in (("group-name", "GroupName"), ("strategy", "Strategy")):
            if field in filters:
                found = [g for g in found if g[key] in filters[field]]
        return ActionResult({"PlacementGroups": [described(self, g) for g in found]})

    def delete_placement_group(self: Any) -> ActionResult:
        name = self._get_param("GroupName")
        self.error_on_dryrun()
        group = groups(self).pop(name, None)
        if group is None:
            raise unknown(name)
        self.ec2_backend.tags.pop(group["GroupId"], None)
        return ActionResult({})

    EC2Response.create_placement_group = create_placement_group  # type: ignore[attr-defined]
    EC2Response.describe_placement_groups = describe_placement_groups  # type: ignore[attr-defined]
    EC2Response.delete_placement_group = delete_placement_group  # type: ignore[attr-defined]
