"""Let the emulator handle one request at a time, as AWS answers every call whole.

moto's server runs each request on its own thread over shared dictionaries.
A read that iterates a service's state while another thread writes to it
fails with HTTP 500 ("dictionary changed size during iteration"). The
provider's SDK retries a 500; when the failed request was a write that had
already happened, the retry is refused (``ParameterAlreadyExists``, the state
lock's ``ConditionalCheckFailedException``) and a deploy fails although
nothing is wrong. AWS never fails a valid call that way.

Serializing costs little: moto is pure Python, so its threads share one
interpreter lock and never ran in parallel anyway. The one exception is
SQS's long poll (``ReceiveMessage`` with ``WaitTimeSeconds``), which moto
answers by looping for up to 20 seconds; holding the lock through it would
stall every other caller, so it runs beside the others as before.

A request that waits for calls back into the emulator (a Lambda function the emulator runs,
:mod:`mlplatform.emulator.fixes.lambda_invoke`) lets the others run while it waits
(:func:`others_served_meanwhile`); it would wait for them forever otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["one_request_at_a_time", "others_served_meanwhile"]

App = TypeVar("App")
WsgiCall = Callable[[App, dict[str, Any], Any], Any]

LONG_POLLS = frozenset({"AmazonSQS.ReceiveMessage"})
"""``X-Amz-Target`` values of calls that may wait by design, left outside the lock."""

_held = threading.local()
"""The lock this thread's request holds, if it holds one (``lock``)."""


def one_request_at_a_time(call: WsgiCall[App]) -> WsgiCall[App]:
    """Wrap a WSGI ``__call__`` so its requests run one after another.

    The response is built inside the lock; moto has computed the whole body
    by the time the WSGI call returns.
    """
    lock = threading.Lock()

    def serialized(app: App, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET") in LONG_POLLS:
            return call(app, environ, start_response)
        with lock:
            _held.lock = lock
            try:
                return call(app, environ, start_response)
            finally:
                _held.lock = None

    return serialized


@contextmanager
def others_served_meanwhile() -> Iterator[None]:
    """Let other requests run while this thread's request waits inside the block, and take
    its turn back after; outside a serialized request it changes nothing."""
    lock: threading.Lock | None = getattr(_held, "lock", None)
    if lock is None:
        yield
        return
    _held.lock = None
    lock.release()
    try:
        yield
    finally:
        lock.acquire()
        _held.lock = lock
