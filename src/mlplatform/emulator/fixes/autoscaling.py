"""Auto Scaling: the group behind an EKS managed node group can be tagged.

On AWS every managed node group runs in an Auto Scaling group that EKS
creates and names in the node group's ``resources``; the platform tags it
with the cluster autoscaler's node-template tags, so a GPU pool that has
scaled to zero can still be scaled up. moto's node groups name such a group
but none exists, so ``CreateOrUpdateTags`` fails on the unknown name.

The emulator runs no instances, so it does not make real Auto Scaling groups
(moto would launch instances into them); it keeps the tags of a node group's
group beside moto's groups, answers them in ``DescribeTags``, and drops them
when the node group goes, as AWS deletes the group with it. Tags of any
other group name still go to moto unchanged.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]


def apply() -> None:
    """Tag, list and untag the Auto Scaling groups of EKS node groups."""
    from moto.autoscaling.models import AutoScalingBackend

    if not once(AutoScalingBackend, "_mlplatform_node_group_tags"):
        return
    create_or_update = AutoScalingBackend.create_or_update_tags
    delete = AutoScalingBackend.delete_tags
    describe = AutoScalingBackend.describe_tags

    def node_group_tags(backend: Any, tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The tags among ``tags`` that name a node group's group, not one of moto's."""
        names = _node_group_asg_names(backend)
        return [
            t
            for t in tags
            if t["ResourceId"] not in backend.autoscaling_groups and t["ResourceId"] in names
        ]

    def create_or_update_tags(self: Any, tags: list[dict[str, Any]]) -> None:
        ours = node_group_tags(self, tags)
        for tag in ours:
            _store(self).setdefault(tag["ResourceId"], {})[tag["Key"]] = {
                "ResourceId": tag["ResourceId"],
                "ResourceType": "auto-scaling-group",
                "Key": tag["Key"],
                "Value": tag.get("Value", ""),
                "PropagateAtLaunch": _flag(tag.get("PropagateAtLaunch", False)),
            }
        create_or_update(self, [t for t in tags if t not in ours])

    def delete_tags(self: Any, tags: list[dict[str, Any]]) -> None:
        ours = node_group_tags(self, tags)
        for tag in ours:
            _store(self).get(tag["ResourceId"], {}).pop(tag["Key"], None)
        delete(self, [t for t in tags if t not in ours])

    def describe_tags(self: Any, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = describe(self, filters)
        live = _node_group_asg_names(self)
        for name in [n for n in _store(self) if n not in live]:
            del _store(self)[name]  # the node group and its group are gone
        ours = [tag for tags in _store(self).values() for tag in tags.values()]
        return found + [t for t in ours if _matches(t, filters)]

    AutoScalingBackend.create_or_update_tags = create_or_update_tags  # type: ignore[method-assign]
    AutoScalingBackend.delete_tags = delete_tags  # type: ignore[method-assign]
    AutoScalingBackend.describe_tags = describe_tags  # type: ignore[method-assign]


def _node_group_asg_names(backend: Any) -> set[str]:
    """Names of the Auto Scaling groups of the account and region's EKS node groups."""
    from moto.eks.models import eks_backends

    eks = eks_backends[backend.account_id][backend.region_name]
    resources: list[Any] = [
        node_group.resources
        for cluster in eks.clusters.values()
        for node_group in cluster.nodegroups.values()
    ]
    return {group["name"] for found in resources for group in found["autoScalingGroups"]}


def _store(backend: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Tags by group name, then by key."""
    if not hasattr(backend, "_emulator_node_group_tags"):
        backend._emulator_node_group_tags = {}
    store: dict[str, dict[str, dict[str, Any]]] = backend._emulator_node_group_tags
    return store


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _matches(tag: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    """Whether a tag passes DescribeTags' filters (each filter: any of its values)."""
    fields = {
        "auto-scaling-group": tag["ResourceId"],
        "key": tag["Key"],
        "value": tag["Value"],
        "propagate-at-launch": str(tag["PropagateAtLaunch"]).lower(),
    }
    for wanted in filters:
        name = wanted["Name"]
        values = [str(v).lower() if name == "propagate-at-launch" else v for v in wanted["Values"]]
        if name in fields and fields[name] not in values:
            return False
    return True
