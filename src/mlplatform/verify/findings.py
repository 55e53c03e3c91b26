"""What a verification found: ``ok`` lines for what matches, one ``problem`` line per drift.

Every checker writes here in the same words, so a person reading the output
(or a test asserting on it) sees for each drifted setting the resource, the
setting, the value found and the value the environment file asks for:
``bucket mlp-local-datalake-raw: versioning is Suspended, expected Enabled``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Findings"]


def show(value: Any) -> str:
    """A value as a person reads it: ``not set`` for nothing, lists without quotes."""
    if value is None or value == "":
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(sorted(show(v) for v in value)) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Findings:
    """The ``passed`` and ``problems`` lines of one verification, in the order checked."""

    def __init__(self) -> None:
        self.passed: list[str] = []
        self.problems: list[str] = []

    def ok(self, message: str) -> None:
        """Record something found as configured."""
        self.passed.append(message)

    def problem(self, message: str) -> None:
        """Record one drift or missing resource."""
        self.problems.append(message)

    def expect(self, condition: bool, ok: str, problem: str) -> bool:
        """Record ``ok`` when ``condition`` holds, else ``problem``; return ``condition``."""
        if condition:
            self.ok(ok)
        else:
            self.problem(problem)
        return condition

    def compare(self, resource: str, setting: str, found: Any, expected: Any) -> bool:
        """``<resource>: <setting> is <found>, expected <expected>`` unless they are equal."""
        return self.expect(
            found == expected,
            f"{resource}: {setting} {show(expected)}",
            f"{resource}: {setting} is {show(found)}, expected {show(expected)}",
        )

    def missing(self, resource: str, detail: str = "") -> None:
        """``<resource>: not found``, with what was looked for when the name alone is unclear."""
        self.problem(f"{resource}: not found" + (f" ({detail})" if detail else ""))
