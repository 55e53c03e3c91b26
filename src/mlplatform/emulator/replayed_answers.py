"""Answer a retried AWS call with the answer its first attempt got, instead of running it twice.

An SDK retries a call only when it did not get an answer. Now and then the
provider's SDK retries a call the emulator had already answered with a 200:
the answer was lost on its way, after moto ran the call (seen in the
emulator's log as a 200 followed by ``retried request: POST
/clusters/.../access-entries (attempt 2)``). Run again, a write is refused
(``ResourceInUseException``, ``ParameterAlreadyExists``) and a deploy fails
although nothing is wrong with it. Why the answer went missing is not proven
(moto's server closes the connection after every answer); in AWS it does not
happen often enough to matter.

Every attempt of one call carries the same ``amz-sdk-invocation-id`` header
(AWS SDKs send it; the attempt number is in ``amz-sdk-request``). So the
emulator keeps the successful answers of the most recent calls by that id, and
a later attempt of a call answered with a 2xx gets the same answer again,
without running it: what the SDK would have received the first time. A call
that failed (4xx, 5xx) runs again, as before. Each replay is written to the
emulator's log.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mlplatform.emulator.retry_log import attempt_of, described

__all__ = ["REPLAY_NOTE", "replaying_answers"]

App = TypeVar("App")
WsgiCall = Callable[[App, dict[str, Any], Any], Any]

REPLAY_NOTE = "mlplatform emulator: replayed the answer to a retried request"
"""How each note of a replay starts, for whoever searches the log."""

KEPT_ANSWERS = 4096
"""How many calls' answers are kept: far more than terraform has in flight."""
LARGEST_KEPT = 1 << 20
"""Bigger answers (an object read from S3) are not kept; their calls run again."""

Answer = tuple[str, list[tuple[str, str]], bytes]


def replaying_answers(call: WsgiCall[App], kept: int = KEPT_ANSWERS) -> WsgiCall[App]:
    """Wrap a WSGI ``__call__`` so a retried call gets its first attempt's 2xx answer again."""
    answers: OrderedDict[str, Answer] = OrderedDict()
    guard = threading.Lock()

    def answered(app: App, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation:
            result: Iterable[bytes] = call(app, environ, start_response)
            return result
        if attempt_of(environ) > 1:
            with guard:
                earlier = answers.get(invocation)
            if earlier is not None:
                status, headers, body = earlier
                note = f"{REPLAY_NOTE}: {described(environ)} (attempt {attempt_of(environ)})"
                print(note, file=sys.stderr, flush=True)
                start_response(status, headers)
                return [body]
        seen: dict[str, Any] = {}

        def keeping(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = call(app, environ, keeping)
        if not str(seen.get("status", "")).startswith("2"):
            return result
        body = b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()
        if len(body) <= LARGEST_KEPT:
            with guard:
                answers[invocation] = (seen["status"], list(seen["headers"]), body)
                answers.move_to_end(invocation)
                while len(answers) > kept:
                    answers.popitem(last=False)
        return [body]

    return answered
