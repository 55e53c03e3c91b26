"""The emulator's stand-in for AWS Lambda's Python runtime: runs one invocation of a handler.

:mod:`mlplatform.emulator.fixes.lambda_invoke` starts this file as a script, in a process of
its own whose working directory is the function's unzipped code (``LAMBDA_TASK_ROOT``), with
the function's environment. Arguments: the handler (``index.handler``), the file to write the
outcome to, the function's timeout in seconds and the request id; the event is the JSON on
standard input. Whatever the function prints or logs is its log.

The outcome is a JSON object: ``payload`` (what Invoke answers: the handler's result as JSON,
or the error as Lambda reports it) and ``failed`` (whether Invoke reports a function error).
It goes to a file, not to standard output, so nothing the function prints can be mistaken for
it. Only the standard library is imported here: the function's own imports must not find
mlplatform's modules already loaded.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any


class Context:
    """The handler's ``context``, with the attributes Lambda's Python runtime gives it."""

    def __init__(self, request_id: str, timeout: float) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["MLPLATFORM_LAMBDA_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = request_id
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(argv: list[str]) -> None:
    handler_name, outcome_file, timeout_text, request_id = argv
    timeout = float(timeout_text)
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    _log_as_lambda_does(request_id)
    event = json.load(sys.stdin)
    module_name, _, function_name = handler_name.rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as error:
        message = f"Unable to import module '{module_name}': {error}"
        _finish(outcome_file, _error(error, message, "Runtime.ImportModuleError"))
        return
    function = getattr(module, function_name, None)
    if not callable(function):
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        _finish(outcome_file, {"errorMessage": message, "errorType": "Runtime.HandlerNotFound"})
        return

    def timed_out() -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        message = f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"
        print(message, file=sys.stderr, flush=True)
        _finish(outcome_file, {"errorMessage": message})
        os._exit(1)

    timer = threading.Timer(timeout, timed_out)
    timer.daemon = True
    timer.start()
    try:
        result = function(event, Context(request_id, timeout))
    except Exception as error:
        timer.cancel()
        traceback.print_exc()
        _finish(outcome_file, _error(error, str(error), frames_to_skip=1))
        return
    timer.cancel()
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as error:
        message = f"Unable to marshal response: {error}"
        _finish(outcome_file, {"errorMessage": message, "errorType": "Runtime.MarshalError"})
        return
    _finish(outcome_file, None, payload)


def _log_as_lambda_does(request_id: str) -> None:
    """Log records go to the function's log with the request id, as in Lambda's runtime."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"[%(levelname)s]\t%(asctime)s\t{request_id}\t%(message)s")
    )
    logging.getLogger().addHandler(handler)


def _error(
    error: BaseException, message: str, kind: str | None = None, frames_to_skip: int = 0
) -> dict[str, Any]:
    """An error as Lambda reports it to the caller (``kind``: the runtime's own error type);
    the stack trace starts in the function's code, not in this script."""
    trace = traceback.format_tb(error.__traceback__)[frames_to_skip:]
    return {
        "errorMessage": message,
        "errorType": kind or type(error).__name__,
        "stackTrace": [line.rstrip("\n") for line in trace],
    }


def _finish(outcome_file: str, error: dict[str, Any] | None, payload: str = "null") -> None:
    """Write the outcome, whole or not at all (a timeout may end the process any time)."""
    outcome = {"failed": error is not None, "payload": json.dumps(error) if error else payload}
    partial = f"{outcome_file}.partial"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(outcome, file)
    os.replace(partial, outcome_file)


if __name__ == "__main__":
    main(sys.argv[1:])
