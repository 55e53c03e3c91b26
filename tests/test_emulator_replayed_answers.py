"""A retried AWS call gets the answer its first attempt got, instead of running twice.

Seen in an end-to-end deploy: the emulator answered the provider's
CreateAccessEntry with a 200, the answer never reached it, its SDK retried, and
the second run was refused as a duplicate (409), failing the deploy. Attempts of
one call share the ``amz-sdk-invocation-id`` header; the emulator keeps the 2xx
answers by it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from mlplatform.emulator.local_aws import LocalAws
from mlplatform.emulator.replayed_answers import REPLAY_NOTE, replaying_answers


class Counting:
    """A stand-in WSGI app: answers ``status`` with a body naming how often it ran."""

    def __init__(self, status: str = "200 OK") -> None:
        self.runs = 0
        self.status = status

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.runs += 1
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"run ", str(self.runs).encode()]


def ask(app: Counting, call: Any, invocation: str | None, attempt: int) -> tuple[str, bytes]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "Svc.Op"}
    if invocation is not None:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = invocation
    environ["HTTP_AMZ_SDK_REQUEST"] = f"attempt={attempt}; max=3"
    started: list[str] = []
    body = b"".join(call(app, environ, lambda status, headers, exc=None: started.append(status)))
    return started[0], body


def test_a_retry_of_an_answered_call_gets_the_same_answer_without_running_it() -> None:
    app = Counting()
    call = replaying_answers(type(app).__call__)

    assert ask(app, call, "call-1", 1) == ("200 OK", b"run 1")
    assert ask(app, call, "call-1", 2) == ("200 OK", b"run 1")  # replayed
    assert app.runs == 1
    assert ask(app, call, "call-2", 2) == ("200 OK", b"run 2")  # first seen: runs
    assert ask(app, call, None, 1) == ("200 OK", b"run 3")  # no invocation id: runs
    assert ask(app, call, None, 2) == ("200 OK", b"run 4")


@pytest.mark.parametrize("status", ["409 Conflict", "500 Internal Server Error"])
def test_a_retry_of_a_failed_call_runs_again(status: str) -> None:
    app = Counting(status)
    call = replaying_answers(type(app).__call__)

    ask(app, call, "call-1", 1)
    ask(app, call, "call-1", 2)

    assert app.runs == 2


def test_only_the_most_recent_answers_are_kept() -> None:
    app = Counting()
    call = replaying_answers(type(app).__call__, kept=1)

    ask(app, call, "call-1", 1)
    ask(app, call, "call-2", 1)  # call-1's answer makes room
    assert ask(app, call, "call-2", 2) == ("200 OK", b"run 2")
    assert ask(app, call, "call-1", 2) == ("200 OK", b"run 3")


def test_the_emulator_replays_a_write_its_caller_retries(emulated_aws: LocalAws) -> None:
    """The failure as the provider met it: a write answered, then sent again as attempt 2."""
    assert emulated_aws.log_file is not None
    ssm = boto3.client("ssm")
    attempts = iter([1, 2])

    def same_call_again(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = "a-put-whose-answer-was-lost"
        request.headers["amz-sdk-request"] = f"attempt={next(attempts)}; max=3"

    ssm.meta.events.register("before-send.ssm.PutParameter", same_call_again)
    first = ssm.put_parameter(Name="/answered-once", Value="v", Type="String")
    again = ssm.put_parameter(Name="/answered-once", Value="v", Type="String")  # no AlreadyExists

    assert again["Version"] == first["Version"] == 1
    notes = [
        line
        for line in emulated_aws.log_file.read_text().splitlines()
        if line.startswith(REPLAY_NOTE)
    ]
    assert notes[-1] == f"{REPLAY_NOTE}: AmazonSSM.PutParameter (attempt 2)"
