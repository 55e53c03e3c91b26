"""The emulator answers concurrent requests one at a time, as AWS answers each call whole.

terraform calls AWS with up to ten requests in flight. moto's server runs each
request on its own thread over shared dictionaries, so a read that iterates a
service's state while another thread writes to it fails with HTTP 500
("dictionary changed size during iteration"). The provider's SDK retries a
500; when the failed request was a write that had already happened, the
retry is refused (``ParameterAlreadyExists``, the state lock's
``ConditionalCheckFailedException``) and the deploy fails although nothing
is wrong. AWS never answers a valid call with a 500 for that reason.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
from botocore.config import Config

from mlplatform.emulator.local_aws import LocalAws
from mlplatform.emulator.one_at_a_time import one_request_at_a_time

WRITERS = 3
READERS = 2
PARAMETERS_PER_WRITER = 120


def ssm(endpoint: str) -> Any:
    """A client that shows the first 500 instead of retrying it away."""
    return boto3.client(
        "ssm",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="mlplatform-local",
        aws_secret_access_key="mlplatform-local",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


class Overlap:
    """A stand-in WSGI app that records how many of its calls ran at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.guard = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self.guard:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.guard:
            self.running -= 1
        return [b""]


def most_at_once(target: str | None, callers: int = 4) -> int:
    app = Overlap()
    call = one_request_at_a_time(type(app).__call__)
    environ = {"HTTP_X_AMZ_TARGET": target} if target else {}
    threads = [threading.Thread(target=call, args=(app, environ, None)) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return app.most


def test_requests_run_one_after_another() -> None:
    assert most_at_once(None) == 1
    assert most_at_once("AmazonSSM.PutParameter") == 1


def test_a_long_poll_does_not_hold_up_the_other_callers() -> None:
    # moto answers SQS's long poll by looping for up to 20 s inside the request.
    assert most_at_once("AmazonSQS.ReceiveMessage") == 4


def test_reads_during_writes_never_fail(emulated_aws: LocalAws) -> None:
    # What terraform does to the emulator: writes while other calls read. The race needs a
    # thread switch inside moto's loop over every parameter, so at this size it showed only
    # now and then before the fix (one run in three at 1,600 parameters, too slow to keep);
    # the tests above prove the serialization itself.
    failures: list[str] = []
    writing = threading.Event()
    writing.set()

    def write(writer: int) -> None:
        client = ssm(emulated_aws.endpoint)
        try:
            for number in range(PARAMETERS_PER_WRITER):
                client.put_parameter(
                    Name=f"/concurrency/{writer}/{number}", Value="v", Type="String"
                )
        except Exception as error:  # every failure is the finding
            failures.append(f"put_parameter: {error}")

    def read() -> None:
        client = ssm(emulated_aws.endpoint)
        while writing.is_set() and not failures:
            try:
                client.describe_parameters(
                    ParameterFilters=[
                        {"Key": "Name", "Option": "Equals", "Values": ["/concurrency/0/0"]}
                    ]
                )
            except Exception as error:  # every failure is the finding
                failures.append(f"describe_parameters: {error}")

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in [*readers, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    for thread in readers:
        thread.join()

    assert failures == []
    names = ssm(emulated_aws.endpoint).get_paginator("describe_parameters").paginate()
    assert sum(len(page["Parameters"]) for page in names) == WRITERS * PARAMETERS_PER_WRITER
