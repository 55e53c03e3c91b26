"""ElastiCache parameter groups, as the ElastiCache API reference documents them.

AWS: ``CreateCacheParameterGroup`` makes a group of a known family (``redis7``, ``valkey8``, ...;
another is ``InvalidParameterValue``, a second group of the same name
``CacheParameterGroupAlreadyExists``); ``DescribeCacheParameterGroups`` lists the account's groups,
the ``default.<family>`` groups included, or the one named (``CacheParameterGroupNotFound``);
``DescribeCacheParameters`` answers a group's parameters with their values, ``Source`` (``user``
once modified, else ``system``), data type, allowed values and whether they can be modified,
filtered by ``Source``; ``ModifyCacheParameterGroup`` sets up to 20 parameters (a value outside a
parameter's allowed values, a parameter that cannot be modified and any change to a default group
are ``InvalidParameterValue``); ``ResetCacheParameterGroup`` puts back the defaults of some or all;
and ``DeleteCacheParameterGroup`` deletes a group no cluster uses (a default group cannot be
deleted: ``InvalidParameterValue``; one in use is ``InvalidCacheParameterGroupState``). moto had
none of these operations. The emulator knows the defaults of the parameters in
:data:`_REDIS_PARAMETERS` (memcached groups start with none); a parameter outside that list is
accepted as given and described with ``Source`` ``user``, where AWS would know it or refuse it.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import side_table
from mlplatform.emulator.fixes.elasticache._plumbing import (
    _ID,
    _arn,
    _backend,
    _empty,
    _in_pages,
    _refused,
    _result,
    _tag,
)

_FAMILIES = (
    "memcached1.4",
    "memcached1.5",
    "memcached1.6",
    "redis2.6",
    "redis2.8",
    "redis3.2",
    "redis4.0",
    "redis5.0",
    "redis6.x",
    "redis7",
    "valkey7",
    "valkey8",
)
"""Parameter group families ElastiCache knows (CreateCacheParameterGroup's
``CacheParameterGroupFamily``)."""

_EVICTION = "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction"
_REDIS_PARAMETERS: dict[str, dict[str, Any]] = {
    "activedefrag": {"value": "no", "type": "string", "allowed": "yes,no", "since": "4.0.9"},
    "appendonly": {"value": "no", "type": "string", "allowed": "yes,no", "modifiable": False},
    "cluster-enabled": {"value": "no", "type": "string", "allowed": "yes,no", "reboot": True},
    "databases": {"value": "16", "type": "integer", "allowed": "1-1200000", "reboot": True},
    "lazyfree-lazy-eviction": {
        "value": "no",
        "type": "string",
        "allowed": "yes,no",
        "since": "4.0.10",
    },
    "maxclients": {"value": "65000", "type": "integer", "allowed": "1-65000", "modifiable": False},
    "maxmemory-policy": {"value": "volatile-lru", "type": "string", "allowed": _EVICTION},
    "maxmemory-samples": {"value": "3", "type": "integer", "allowed": "1-"},
    "notify-keyspace-events": {"value": "", "type": "string", "allowed": None},
    "reserved-memory-percent": {"value": "25", "type": "integer", "allowed": "0-100"},
    "tcp-keepalive": {"value": "300", "type": "integer", "allowed": "0-"},
    "timeout": {"value": "0", "type": "integer", "allowed": "0,20-"},
}
"""The Redis OSS and Valkey parameters the emulator knows, with their defaults (ElastiCache
User Guide, "Redis OSS-specific parameters"); AWS knows many more."""


def _parameter_groups(self: Any) -> dict[str, dict[str, Any]]:
    """This region's parameter groups by name: the group as described, and ``parameters``,
    the values set by ModifyCacheParameterGroup."""
    return side_table(_backend(self), "cache_parameter_groups")


def _default_group(self: Any, family: str) -> dict[str, Any]:
    name = f"default.{family}"
    return {
        "CacheParameterGroupName": name,
        "CacheParameterGroupFamily": family,
        "Description": f"Default parameter group for {family}",
        "IsGlobal": False,
        "ARN": _arn(self, "parametergroup", name),
        "parameters": {},
    }


def _parameter_group(self: Any, name: str | None) -> dict[str, Any]:
    groups = _parameter_groups(self)
    if name in groups:
        return groups[name]
    if name and name.startswith("default.") and name[len("default.") :] in _FAMILIES:
        return _default_group(self, name[len("default.") :])
    raise _refused("CacheParameterGroupNotFound", f"CacheParameterGroup {name} not found.")


def _described_group(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k != "parameters"}


def _create_parameter_group(self: Any) -> Any:
    name = self._get_param("CacheParameterGroupName") or ""
    family = self._get_param("CacheParameterGroupFamily")
    if not _ID.match(name) or len(name) > 255:
        raise _refused(
            "InvalidParameterValue",
            "The parameter CacheParameterGroupName must begin with a letter, contain only "
            "letters, digits and hyphens, and not end with a hyphen or hold two in a row.",
        )
    if name.startswith("default."):
        raise _refused("InvalidParameterValue", "Only ElastiCache makes default parameter groups.")
    if family not in _FAMILIES:
        raise _refused(
            "InvalidParameterValue",
            f"The parameter CacheParameterGroupFamily is not valid: {family}. "
            f"Valid families: {', '.join(_FAMILIES)}",
        )
    groups = _parameter_groups(self)
    if name in groups:
        raise _refused(
            "CacheParameterGroupAlreadyExists", f"Parameter group {name} already exists."
        )
    group = {
        "CacheParameterGroupName": name,
        "CacheParameterGroupFamily": family,
        "Description": self._get_param("Description"),
        "IsGlobal": False,
        "ARN": _arn(self, "parametergroup", name),
        "parameters": {},
    }
    groups[name] = group
    _tag(self, group["ARN"])
    return _result({"CacheParameterGroup": _described_group(group)})


def _describe_parameter_groups(self: Any) -> Any:
    name = self._get_param("CacheParameterGroupName")
    if name:
        listed = [_parameter_group(self, name)]
    else:
        defaults = [_default_group(self, family) for family in _FAMILIES]
        listed = [*defaults, *_parameter_groups(self).values()]
    return _in_pages({"CacheParameterGroups": [_described_group(g) for g in listed]})


def _catalogue(family: str) -> dict[str, dict[str, Any]]:
    return _REDIS_PARAMETERS if not family.startswith("memcached") else {}


def _parameters(group: dict[str, Any]) -> list[dict[str, Any]]:
    """Every parameter of ``group`` as DescribeCacheParameters answers it, by name."""
    known = _catalogue(group["CacheParameterGroupFamily"])
    set_by_user: dict[str, str] = group["parameters"]
    described = []
    for name in sorted({*known, *set_by_user}):
        spec = known.get(name, {"value": None, "type": "string", "allowed": None})
        parameter = {
            "ParameterName": name,
            "ParameterValue": set_by_user.get(name, spec["value"]),
            "Source": "user" if name in set_by_user else "system",
            "DataType": spec["type"],
            "AllowedValues": spec["allowed"],
            "IsModifiable": spec.get("modifiable", True),
            "MinimumEngineVersion": spec.get("since", "2.6.13"),
            "ChangeType": "requires-reboot" if spec.get("reboot") else "immediate",
        }
        described.append({k: v for k, v in parameter.items() if v is not None})
    return described


def _describe_parameters(self: Any) -> Any:
    group = _parameter_group(self, self._get_param("CacheParameterGroupName"))
    source = self._get_param("Source")
    parameters = _parameters(group)
    if source == "user":
        parameters = [p for p in parameters if p["Source"] == "user"]
    elif source in ("system", "engine-default"):
        parameters = [p for p in parameters if p["Source"] == "system"]
    return _in_pages({"Parameters": parameters, "CacheNodeTypeSpecificParameters": []})


def _allows(allowed: str | None, value: str) -> bool:
    """Whether ``value`` is among a parameter's ``AllowedValues`` (a list or numeric ranges)."""
    if allowed is None:
        return True
    for choice in allowed.split(","):
        low, dash, high = choice.partition("-")
        if not dash or not low.isdigit():
            if value == choice:
                return True
        elif value.isdigit() and int(low) <= int(value) and (not high or int(value) <= int(high)):
            return True
    return False


def _changeable_group(self: Any) -> dict[str, Any]:
    name = self._get_param("CacheParameterGroupName")
    group = _parameter_group(self, name)
    if name not in _parameter_groups(self):
        raise _refused(
            "InvalidParameterValue",
            f"A default parameter group ({name}) cannot be modified or deleted.",
        )
    return group


def _modify_parameter_group(self: Any) -> Any:
    group = _changeable_group(self)
    changes = self._get_param("ParameterNameValues", [])
    if not 1 <= len(changes) <= 20:
        raise _refused("InvalidParameterValue", "Modify between 1 and 20 parameters at a time.")
    known = _catalogue(group["CacheParameterGroupFamily"])
    values: dict[str, str] = {}
    for change in changes:
        name, value = change.get("ParameterName"), change.get("ParameterValue")
        if not name or value is None:
            raise _refused("InvalidParameterValue", "Each parameter needs a name and a value.")
        spec = known.get(name)
        if spec is not None and not spec.get("modifiable", True):
            raise _refused("InvalidParameterValue", f"Parameter {name} is not modifiable.")
        if spec is not None and not _allows(spec["allowed"], str(value)):
            raise _refused(
                "InvalidParameterValue",
                f"Value {value} for parameter {name} is invalid. "
                f"The allowed values are: {spec['allowed']}",
            )
        values[name] = str(value)
    group["parameters"].update(values)
    return _result({"CacheParameterGroupName": group["CacheParameterGroupName"]})


def _reset_parameter_group(self: Any) -> Any:
    group = _changeable_group(self)
    if self._get_bool_param("ResetAllParameters", False):
        group["parameters"].clear()
    else:
        names = [p.get("ParameterName") for p in self._get_param("ParameterNameValues", [])]
        if not names:
            raise _refused(
                "InvalidParameterCombination",
                "Name the parameters to reset, or set ResetAllParameters.",
            )
        for name in names:
            group["parameters"].pop(name, None)
    return _result({"CacheParameterGroupName": group["CacheParameterGroupName"]})


def _delete_parameter_group(self: Any) -> Any:
    name = self._get_param("CacheParameterGroupName")
    _changeable_group(self)
    users = [
        c.cache_cluster_id
        for c in _backend(self).cache_clusters.values()
        if _parameter_group_name(c) == name
    ]
    if users:
        raise _refused(
            "InvalidCacheParameterGroupState",
            f"Parameter group {name} is in use by cache clusters: {', '.join(sorted(users))}",
        )
    group = _parameter_groups(self).pop(name)
    _backend(self).tagging_service.delete_all_tags_for_resource(group["ARN"])
    return _empty()


def _parameter_group_name(cluster: Any) -> str | None:
    described = getattr(cluster, "cache_parameter_group", None)
    if isinstance(described, dict):
        return described.get("CacheParameterGroupName")
    name: str | None = getattr(cluster, "cache_parameter_group_name", None)
    return name
