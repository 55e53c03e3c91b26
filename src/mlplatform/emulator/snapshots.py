"""Save everything the emulator holds under a name, and put it back later, in one call each.

Why: building a whole environment in the emulator takes hundreds of calls, and many tests
need the same one before each changes one thing; putting a saved one back is one deep copy
in the emulator's process (tens of milliseconds). A user who deployed ``local`` can save it
and go back to it after an experiment instead of deploying again: the Terraform state and
its lock table live in the emulator too, so state and resources come back together.

What is saved is every moto backend in use (``BackendDict._instances``: each service's
accounts and regions), copied in one pass so that references between services stay
references between the copies, and the emulator's own side tables with them (they hang on
moto's objects, :func:`mlplatform.emulator.fixes.side_table`). Restoring replaces what
each backend holds by a fresh copy of the saved one, so a snapshot can be restored again;
a service first used after the save is emptied, as moto's reset would.

Runs only in the emulator's process, under its one-request-at-a-time lock
(:mod:`mlplatform.emulator.one_at_a_time`), so no request sees half a restore; the one
exception is an SQS long poll already waiting outside that lock, which may answer from
the state it started on.
"""

from __future__ import annotations

import copy
import copyreg
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from mlplatform.emulator.fixes import once

__all__ = ["ROUTE", "SnapshotError", "restore", "save", "saved_names", "serving_snapshots"]

ROUTE = "/_mlplatform/snapshots"
"""``POST <ROUTE>/<name>`` saves, ``POST <ROUTE>/<name>/restore`` restores, ``GET <ROUTE>``
lists: answered by the emulator itself, never passed to moto."""
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class SnapshotError(KeyError):
    """No snapshot has the name asked for; the message lists the saved ones."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class _Saved:
    backends: tuple[Any, ...]
    """The live ``BackendDict`` objects (module singletons), in ``_instances`` order."""
    contents: tuple[dict[str, Any], ...]
    """A private deep copy of what each held: account id -> its regions' backends."""


_SAVED: dict[str, _Saved] = {}


def save(name: str) -> None:
    """Save what every backend in use holds as ``name`` (replacing an older ``name``)."""
    _make_copyable()
    backends = tuple(_in_use())
    _SAVED[name] = _Saved(backends, _copied(backends, tuple(dict(b) for b in backends)))


def restore(name: str) -> None:
    """Put back what was saved as ``name``; raise :class:`SnapshotError` if there is none."""
    saved = _SAVED.get(name)
    if saved is None:
        known = ", ".join(sorted(_SAVED)) or "none"
        raise SnapshotError(f"no emulator snapshot named {name!r} (saved: {known})")
    in_use = list(_in_use())
    contents = _copied(saved.backends + tuple(in_use), saved.contents)
    for backend in in_use:
        if backend not in saved.backends:
            backend.clear()
    for backend, held in zip(saved.backends, contents, strict=True):
        backend.clear()
        backend.update(held)
    _in_use()[:] = list(saved.backends)


def _in_use() -> list[Any]:
    """moto's own list of the ``BackendDict`` objects in use (the ones its reset empties)."""
    from moto.core.base_backend import BackendDict

    instances: list[Any] = cast(Any, BackendDict)._instances
    return instances


def saved_names() -> list[str]:
    """The names saved so far, sorted."""
    return sorted(_SAVED)


def _copied(backends: tuple[Any, ...], contents: tuple[dict[str, Any], ...]) -> Any:
    """A deep copy of ``contents`` in which every ``BackendDict`` stays the live one: they are
    module singletons that moto's code looks services up in, never copies."""
    memo: dict[int, Any] = {id(backend): backend for backend in backends}
    return copy.deepcopy(contents, memo)


def _make_copyable() -> None:
    """Teach ``copy`` the two kinds of object in moto's state it cannot copy by itself.

    A lock guards the object it sits on; the copy gets a fresh one. SSM keeps parameters in
    a ``defaultdict`` subclass whose constructor takes the account and region.
    """
    from moto.ssm.models import ParameterDict

    if not once(ParameterDict, "_mlplatform_copyable"):
        return
    for lock_type in (type(threading.Lock()), type(threading.RLock())):
        copyreg.pickle(lock_type, _fresh_lock)
    copyreg.pickle(ParameterDict, _parameter_dict)


def _fresh_lock(lock: Any) -> tuple[Any, tuple[()]]:
    factory = threading.RLock if "RLock" in type(lock).__name__ else threading.Lock
    return factory, ()


def _parameter_dict(parameters: Any) -> tuple[Any, ...]:
    return (
        type(parameters),
        (parameters.account_id, parameters.region_name),
        dict(vars(parameters)),
        None,
        iter(parameters.items()),
    )


App = TypeVar("App")
WsgiCall = Callable[[App, dict[str, Any], Any], Iterable[bytes]]


def serving_snapshots(call: WsgiCall[App]) -> WsgiCall[App]:
    """Wrap the server's WSGI ``__call__`` so that it answers :data:`ROUTE` itself."""

    def answered(app: App, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if path != ROUTE and not path.startswith(ROUTE + "/"):
            return call(app, environ, start_response)
        status, body = _answer(environ.get("REQUEST_METHOD", "GET"), path[len(ROUTE) :])
        payload = json.dumps(body).encode()
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    return answered


def _answer(method: str, rest: str) -> tuple[str, dict[str, Any]]:
    """The status and JSON body for ``method`` on ``ROUTE + rest``."""
    if method == "GET" and rest in ("", "/"):
        return "200 OK", {"snapshots": saved_names()}
    name, _, action = rest.strip("/").partition("/")
    if method != "POST" or action not in ("", "restore") or not _NAME.match(name):
        return "400 Bad Request", {
            "error": f"POST {ROUTE}/<name> saves, POST {ROUTE}/<name>/restore restores, "
            f"GET {ROUTE} lists; a name is 1 to 64 letters, digits, '.', '_' or '-'"
        }
    try:
        restore(name) if action else save(name)
    except SnapshotError as missing:
        return "404 Not Found", {"error": str(missing)}
    return "200 OK", {"snapshot": name, "restored" if action else "saved": True}
