"""A GPU pool's scratch FSx for Lustre file system: its security group's rules and settings.

Lustre clients (the pool's nodes, in the cluster security group) talk to the
file servers on TCP 988 and 1018-1023, and the servers talk to each other on
the same ports; nothing else is open. The file system is ``SCRATCH_2`` (no
replication: scratch space for a job's inputs, rebuilt from the lake) with LZ4
compression, and, linked to the lake's features zone, imports new, changed
and deleted objects on its own. Both engines make the same rules and file
system from these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["LUSTRE_PORTS", "LustreRule", "lustre_rules", "scratch_settings"]

LUSTRE_PORTS = ((988, 988), (1018, 1023))
"""The TCP ports Lustre clients reach the file servers on (FSx for Lustre user guide)."""


@dataclass(frozen=True)
class LustreRule:
    """One rule of the scratch file system's security group."""

    id: str
    direction: Literal["ingress", "egress"]
    peer: Literal["nodes", "servers"]
    """The cluster security group (the nodes) or the file system's own group (the servers)."""
    settings: dict[str, Any]
    """``ip_protocol``, ``from_port``, ``to_port`` and ``description``."""


def lustre_rules() -> tuple[LustreRule, ...]:
    """Per port range: in from the nodes and from the other servers, out to the servers."""
    rules: list[LustreRule] = []
    for low, high in LUSTRE_PORTS:
        ports = {"ip_protocol": "tcp", "from_port": low, "to_port": high}
        rules += [
            LustreRule(
                f"scratch-lustre-{low}-from-{peer}",
                "ingress",
                peer,
                {**ports, "description": f"Lustre from the cluster's {peer}"},
            )
            for peer in ("nodes", "servers")
        ]
        rules.append(
            LustreRule(
                f"scratch-lustre-{low}-to-servers",
                "egress",
                "servers",
                {**ports, "description": "Lustre between the file servers"},
            )
        )
    return tuple(rules)


def scratch_settings(storage_gib: int, import_path: object | None) -> dict[str, Any]:
    """The file system's settings but its subnet, security group and name; ``import_path``
    (the features zone's ``s3://`` path, possibly an engine's token) links it to the lake."""
    return {
        "deployment_type": "SCRATCH_2",
        "storage_capacity": storage_gib,
        "data_compression_type": "LZ4",
        "import_path": import_path,
        "auto_import_policy": "NEW_CHANGED_DELETED" if import_path else None,
    }
