"""What ``make up`` prints after a deploy: each stack's outputs, whole, one per line.

A deploy's outputs are what a user copies next (an ARN into a policy, a bucket into a
job's config), so every value is printed whole and on one line, where a table cut them
at the terminal's width (at 80 columns, an ARN lost its last 20 characters). cdktf's own
``cross-stack-output-*`` outputs are how one layer reads another's values; they are
sensitive and meant for no one else, so they are left out. A value longer than a screen
line's worth (the cluster's certificate authority) is shortened, with where to find it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

__all__ = ["DeploySummary"]

CROSS_STACK_PREFIX = "cross-stack-output-"
"""How cdktf names the outputs it adds for another stack's references."""
LONGEST_SHOWN = 160
"""Characters of a value printed whole; a longer one is shortened."""
_SHORTENED_TO = 40


class DeploySummary:
    """The outputs of a deploy's stacks (``cdktf deploy --outputs-file``), for a person."""

    def __init__(self, outputs: Mapping[str, Mapping[str, Any]], source: Path) -> None:
        self._outputs = outputs
        self._source = source

    @classmethod
    def from_file(cls, path: Path) -> DeploySummary:
        """The summary of the outputs file ``path``."""
        return cls(json.loads(path.read_text()), path)

    def lines(self) -> Iterator[str]:
        """A heading per stack (in name order), then ``  <output>  <value>`` per output; a
        map's entries one per line, as ``<output>.<key>``."""
        for stack, values in sorted(self._outputs.items()):
            shown = dict(self._rows(values))
            yield stack
            width = max((len(k) for k in shown), default=0)
            for key, text in shown.items():
                yield f"  {key.ljust(width)}  {text}"

    def _rows(self, values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        for key, value in sorted(values.items()):
            if key.startswith(CROSS_STACK_PREFIX):
                continue
            if isinstance(value, Mapping) and value:
                for item, item_value in sorted(value.items()):
                    yield f"{key}.{item}", self._text(item_value)
            else:
                yield key, self._text(value)

    def print(self, console: Console) -> None:
        """Write :meth:`lines` to ``console``, stack names in bold, nothing cut or wrapped."""
        for line in self.lines():
            markup = escape(line) if line.startswith(" ") else f"[bold]{escape(line)}[/]"
            console.print(markup, highlight=False, soft_wrap=True)

    def _text(self, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        if len(text) <= LONGEST_SHOWN:
            return text
        return f"{text[:_SHORTENED_TO]}… ({len(text):,} characters; whole in {self._source})"
