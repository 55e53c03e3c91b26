"""Write every retried AWS call into the emulator's log, with what it was.

A retry means the caller did not get the first answer. When the first
attempt was a write that had already happened, the retry is refused
(``ParameterAlreadyExists``, ``ConditionalCheckFailedException``) and a deploy
fails for no reason of its own. The werkzeug request log shows only
``POST /``; this line names the call, so such a failure can be traced from the
emulator's log alone. AWS SDKs mark every attempt in the ``amz-sdk-request``
header (``attempt=2; max=25``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["RETRY_NOTE", "attempt_of", "described", "noting_retries"]

App = TypeVar("App")
WsgiCall = Callable[[App, dict[str, Any], Any], Any]

ATTEMPT = re.compile(r"attempt=(\d+)")
RETRY_NOTE = "mlplatform emulator: retried request"
"""How each note starts, for whoever searches the log."""


def attempt_of(environ: dict[str, Any]) -> int:
    """Which attempt of its call a request is (1 when the caller does not say)."""
    found = ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(found.group(1)) if found else 1


def described(environ: dict[str, Any]) -> str:
    """The call a request makes: its ``X-Amz-Target``, else its method and path."""
    target: str | None = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target
    query = environ.get("QUERY_STRING")
    return f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}" + (
        f"?{query}" if query else ""
    )


def noting_retries(call: WsgiCall[App]) -> WsgiCall[App]:
    """Wrap a WSGI ``__call__`` so every attempt after the first is written to stderr."""

    def noted(app: App, environ: dict[str, Any], start_response: Any) -> Any:
        attempt = attempt_of(environ)
        if attempt > 1:
            print(
                f"{RETRY_NOTE}: {described(environ)} (attempt {attempt})",
                file=sys.stderr,
                flush=True,
            )
        return call(app, environ, start_response)

    return noted
