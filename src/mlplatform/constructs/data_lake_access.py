"""What every data lake offers to others, owned or imported: zone buckets, the key, and grants.

Both :class:`~mlplatform.constructs.data_lake.DataLake` (which creates the
lake) and the reference returned by ``DataLake.from_environment`` (which only
looks it up) derive from this, so a team repo grants against the platform's
lake exactly as the platform does.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterable

from constructs import Construct

from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.decisions.policies.documents import Statement, policy_document
from mlplatform.decisions.policies.s3 import s3_read_statements, s3_write_statements
from mlplatform.interfaces import IRole

__all__ = ["DataLakeAccess"]


class DataLakeAccess(Construct):
    """Zone lookups and least-privilege grants over a data lake's buckets and key."""

    @property
    @abstractmethod
    def zones(self) -> tuple[str, ...]:
        """The zones this lake has."""

    @property
    @abstractmethod
    def key_arn(self) -> str:
        """ARN of the KMS key that encrypts every zone."""

    @abstractmethod
    def bucket_name(self, zone: str) -> str:
        """Bucket of one zone."""

    @abstractmethod
    def bucket_arn(self, zone: str) -> str:
        """ARN of one zone's bucket."""

    def grant_read(self, role: IRole, zone: str | Iterable[str] | None = None) -> IamRolePolicy:
        """Let ``role`` list and read ``zone`` (default: every zone), and decrypt it."""
        zones = self._select(zone)
        statements = s3_read_statements([self.bucket_arn(z) for z in zones], self.key_arn)
        return self._attach(role, "read", zones, statements)

    def grant_write(self, role: IRole, zone: str | Iterable[str] | None = None) -> IamRolePolicy:
        """Let ``role`` put objects into ``zone`` (default: every zone); never delete."""
        zones = self._select(zone)
        statements = s3_write_statements([self.bucket_arn(z) for z in zones], self.key_arn)
        return self._attach(role, "write", zones, statements)

    def _attach(
        self,
        role: IRole,
        access: str,
        zones: tuple[str, ...],
        statements: list[Statement],
    ) -> IamRolePolicy:
        # The policy lives beside the role, so a role in a later layer (compute) or in
        # a team's stack references the lake, never the other way round.
        name = f"{self.node.id}-{access}-{'-'.join(zones)}"
        return IamRolePolicy(
            _construct_of(role),
            name,
            name=name,
            role=role.name,
            policy=json.dumps(policy_document(statements)),
        )

    def _select(self, zone: str | Iterable[str] | None) -> tuple[str, ...]:
        if zone is None:
            return self.zones
        chosen = (zone,) if isinstance(zone, str) else tuple(zone)
        unknown = [z for z in chosen if z not in self.zones]
        if unknown:
            raise ValueError(
                f"the data lake has no zone {unknown[0]!r}; its zones are {', '.join(self.zones)}"
            )
        return chosen


def _construct_of(role: IRole) -> Construct:
    """The construct ``role.node`` belongs to: a generated or prebuilt role, or a team's own."""
    if isinstance(role, Construct):
        return role
    parent = role.node.scope
    found = parent.node.try_find_child(role.node.id) if parent is not None else None
    if not isinstance(found, Construct):
        raise TypeError(f"role {role.node.path!r}: its node belongs to no construct in a tree")
    return found
