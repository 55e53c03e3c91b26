"""Glue: a connection reports its type, and can be updated and deleted.

moto's ``GetConnection`` leaves out ``ConnectionType`` and ``MatchCriteria``
(it nests the whole input under a key AWS does not have, which the answer
drops), so the provider reads a NETWORK connection as typeless and plans an
update; moto has no ``UpdateConnection``, and the provider retries its
error until the apply times out. moto has no ``DeleteConnection`` either, so
``destroy`` would hang the same way. AWS returns the connection as it was
created or last updated, replaces it whole on update, and deletes it.
"""

from __future__ import annotations

from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]


def apply() -> None:
    """Answer a connection's type; add UpdateConnection and DeleteConnection."""
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.glue.exceptions import EntityNotFoundException
    from moto.glue.models import FakeConnection
    from moto.glue.responses import GlueResponse

    if not once(FakeConnection, "_mlplatform_connection_fixes"):
        return
    as_dict = FakeConnection.as_dict

    def as_dict_with_type(self: Any, hide_password: bool = False) -> dict[str, Any]:
        answer: dict[str, Any] = as_dict(self, hide_password)
        answer["ConnectionType"] = self.connection_input.get("ConnectionType")
        answer["MatchCriteria"] = self.connection_input.get("MatchCriteria", [])
        return answer

    def connection(response: Any, name: str) -> Any:
        found = response.glue_backend.connections.get(name)
        if found is None:
            raise EntityNotFoundException(f"Connection {name} not found")
        return found

    def update_connection(self: Any) -> ActionResult:
        name = self._get_param("Name")
        current = connection(self, name)
        new_input = self._get_param("ConnectionInput")
        current.connection_input = new_input
        current.name = new_input.get("Name", name)
        current.description = new_input.get("Description")
        current.connection_properties = new_input.get("ConnectionProperties", {})
        current.spark_properties = new_input.get("SparkProperties", {})
        current.athena_properties = new_input.get("AthenaProperties", {})
        current.python_properties = new_input.get("PythonProperties", {})
        current.updated_time = utcnow()
        connections = self.glue_backend.connections
        connections[current.name] = connections.pop(name)
        return ActionResult({})

    def delete_connection(self: Any) -> ActionResult:
        name = self._get_param("ConnectionName")
        connection(self, name)
        del self.glue_backend.connections[name]
        return ActionResult({})

    FakeConnection.as_dict = as_dict_with_type  # type: ignore[method-assign]
    GlueResponse.update_connection = update_connection  # type: ignore[attr-defined]
    GlueResponse.delete_connection = delete_connection  # type: ignore[attr-defined]
