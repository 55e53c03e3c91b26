"""mlplatform's own errors, and how a team app shows them: one line each, no traceback.

Every error mlplatform raises on purpose is an :class:`MlplatformError`: the
input was wrong, the message names the file, construct or field and says the
fix. A traceback adds 16-25 lines of jsii and cdktf internals to that and
helps nobody, so a team app prints ``error: <where>: <what>; <fix>`` instead,
as the platform's own command line does. Every other exception is a bug
somewhere, and keeps its full traceback.

The existing types stay what they were (``InvalidNameError`` and
:class:`ConstructError` are ``ValueError``s, ``GuardrailError`` a
``RuntimeError``), so ``except ValueError`` in a team's code still works.

**Why an excepthook installed on import, not a ``run()`` wrapper.** A team app
is whatever its ``main.py`` is: the README's examples, ``cdktf synth`` and
``python main.py`` all end in a bare ``app.synth()``. A wrapper helps only the
apps written with it; the hook helps every app that imports mlplatform, with
nothing to remember. It is careful about being global:

- it is installed only while ``sys.excepthook`` is Python's default, so it
  never replaces an IDE's, IPython's or another library's hook (pytest does not
  use the hook at all);
- it formats only mlplatform's errors, found directly or behind jsii's
  ``RuntimeError`` (an error raised while cdktf calls back into Python reaches
  the app as ``RuntimeError: Error: ...`` with ours as its context), and hands
  everything else to the hook it replaced;
- ``MLPLATFORM_TRACEBACK=1`` turns it off, for debugging mlplatform itself.

A props class that refuses a value (``GpuPoolProps(max_nodes=0)``) raises
pydantic's ``ValidationError``, which the hook formats the same way when the
model is one of :mod:`mlplatform.config`'s.

A construct error names the line of the team's own code that made the bad
call (the innermost frame outside this package), so ``error: main.py:14: GPU
pool 'ranking': ...`` points at what to edit.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["ConstructError", "MlplatformError", "format_error", "install_excepthook"]

_PACKAGE = Path(__file__).resolve().parent
# cdktf's App validation (Guardrails.apply's findings): "  [stack] MLP-S3-1: ...".
_FINDING = re.compile(r"^\s*\[(?P<stack>[^\]]+)\] (?P<finding>MLP-[A-Z0-9]+-\d+: .*)$")


class MlplatformError(Exception):
    """Base of the errors mlplatform raises on purpose: bad input, named, with its fix."""

    names_its_file = False
    """True when the message starts with the file at fault (an environment file), so the
    team's Python line would only add noise."""


class ConstructError(MlplatformError, ValueError):
    """A construct refused its input; the message names the construct, the field and the fix."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception behind it, as cause or as context.

    jsii raises ``RuntimeError(...) from JavaScriptError(...)`` while handling the
    Python exception a callback raised, so ours is the context, not the cause.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]


def _team_line(tb: TracebackType | None) -> str | None:
    """``file:line`` of the innermost frame outside mlplatform and the libraries (the team's)."""
    found = None
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        inside = _PACKAGE in path.resolve().parents or "site-packages" in path.parts
        if not inside and not path.name.startswith("<"):
            found = f"{_relative(path)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def format_error(error: BaseException, tb: TracebackType | None = None) -> list[str] | None:
    """The lines to print for one of mlplatform's errors, or ``None`` for any other exception."""
    ours = next((e for e in _chain(error) if isinstance(e, MlplatformError)), None)
    if ours is not None:
        lines = str(ours).removeprefix("Error: ").splitlines() or [type(ours).__name__]
        # A ConfigError's lines start with the environment file; others get the team's line.
        where = None if ours.names_its_file else _team_line(tb or error.__traceback__)
        prefix = f"{where}: " if where else ""
        return [f"error: {prefix}{line.strip()}" for line in lines if line.strip()]
    props = _props_problems(error)
    if props is not None:
        where = _team_line(tb or error.__traceback__)
        return [f"error: {where + ': ' if where else ''}{line}" for line in props]
    if isinstance(error, RuntimeError):
        findings = [m for m in map(_FINDING.match, str(error).splitlines()) if m]
        if findings:
            return [f"error: stack {m['stack']}: {m['finding']}" for m in findings]
    return None


_Hook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]
_installed: _Hook | None = None


def _props_problems(error: BaseException) -> list[str] | None:
    """``<Props>: <field>: <problem>`` lines of a pydantic error in one of mlplatform's props
    classes (``GpuPoolProps(max_nodes=0)`` in a team's code), or ``None`` for any other."""
    if type(error).__name__ != "ValidationError" or not type(error).__module__.startswith(
        "pydantic"
    ):
        return None
    # Imported here: this module is imported first and must stay free of dependencies.
    import mlplatform.config
    from mlplatform.loader import _describe

    title = getattr(error, "title", "")
    if title not in mlplatform.config.__all__:
        return None
    return [f"{title}: {_describe(detail)}" for detail in error.errors()]  # type: ignore[attr-defined]


def _hook(previous: _Hook) -> _Hook:
    def excepthook(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        lines = format_error(error, tb)
        if lines is None:
            previous(kind, error, tb)
            return
        for line in lines:
            print(line, file=sys.stderr)

    return excepthook


def install_excepthook() -> bool:
    """Show mlplatform's errors as one line each in this process; ``True`` if installed.

    Called by ``import mlplatform``. Leaves any hook but Python's default alone,
    and does nothing when ``MLPLATFORM_TRACEBACK`` is set to anything but ``0``.
    """
    if os.environ.get("MLPLATFORM_TRACEBACK", "0") not in ("", "0"):
        return False
    global _installed
    if _installed is not None and sys.excepthook is _installed:
        return True
    if sys.excepthook is not sys.__excepthook__:
        return False
    _installed = sys.excepthook = _hook(sys.excepthook)
    return True
