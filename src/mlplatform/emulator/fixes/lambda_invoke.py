"""Lambda: invoking a Python function runs its handler, without Docker.

AWS runs a function's handler in its runtime (``python3.12``: the standard library and boto3)
with the function's code, its environment variables and credentials of its role, and answers
``Invoke`` with the handler's result, or with the error as a function error
(``X-Amz-Function-Error: Unhandled``, a payload of ``errorMessage``, ``errorType`` and
``stackTrace``) when the handler raised, timed out or could not be imported. Secrets Manager
invokes a secret's rotation function the same way, once per step. moto runs a function only in
a Docker container of the runtime's image, and this machine has no Docker: every Invoke (and
so every rotation) failed.

The emulator runs a ``python3.x`` function whose code is a zip in a process of its own: the
emulator's own Python (``sys.executable``, so 3.11 whatever minor version the function names,
and the emulator's boto3) runs :mod:`mlplatform.emulator.fixes._lambda_bootstrap` in the
unzipped code, on ``sys.path`` first, with the function's environment variables, the
runtime's reserved ones (``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``, ...), the emulator's
placeholder credentials and ``AWS_ENDPOINT_URL`` pointing at the emulator itself, so the
function's boto3 clients call the emulator. The event is passed as JSON and the answer is the
handler's result, or the error as Lambda reports it; what the function logs goes to its
CloudWatch log group (``/aws/lambda/<name>``), to the emulator's log and, with
``LogType=Tail``, to ``X-Amz-Log-Result``. The handler's time is bounded by the function's
``Timeout`` as in AWS.

Differences from AWS: every invocation starts afresh (no warm environment), layers, VPC
settings and memory size are not applied, an ``Event`` (asynchronous) invocation runs before
the answer, and the role's permissions are not enforced (the emulator checks no IAM policy).
Container runtimes stay unsupported: an image function or one of another runtime is refused
with ``InvalidRuntimeException`` naming why.

While the handler runs, the emulator keeps answering other requests, among them the
function's own calls back into it: the request that invokes lets go of its turn
(:func:`mlplatform.emulator.one_at_a_time.others_served_meanwhile`) until the handler is done.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["apply"]

BOOTSTRAP = Path(__file__).with_name("_lambda_bootstrap.py")
"""The script that runs one invocation in the function's process."""
INIT_ALLOWANCE_SECONDS = 60.0
"""Time for starting Python and importing the function, beyond its own ``Timeout`` (Lambda
bounds its init phase apart from the handler's time); after both the process is killed."""
TAIL_BYTES = 4096
"""How much of the end of the log ``LogType=Tail`` returns, as in AWS."""

_server_port: dict[str, str] = {}
"""The port this emulator answers on, as its requests name it (``port``)."""


@dataclass(frozen=True)
class Outcome:
    """One invocation's answer: the payload, whether it is a function error, and the log."""

    payload: bytes
    failed: bool
    log: str


def apply() -> None:
    """Run Python zip functions in a subprocess instead of a Docker container (see the module)."""
    from moto.awslambda.models import LambdaFunction
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if not once(LambdaFunction, "_mlplatform_invoke_without_docker"):
        return
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    serve = DomainDispatcherApplication.__call__

    def noting_the_port(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
        _server_port["port"] = str(environ.get("SERVER_PORT") or "")
        return serve(app, environ, start_response)

    DomainDispatcherApplication.__call__ = noting_the_port  # type: ignore[method-assign,assignment]


def _invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    """moto's ``LambdaFunction.invoke``, which Invoke, InvokeAsync and Secrets Manager's
    rotation call: run the handler and answer as Lambda does."""
    _refuse_what_cannot_run(self)
    kind = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    if kind == "DryRun":
        return b""
    event = json.loads(body) if body else {}
    outcome = run(self, event)
    self.logs_backend.ensure_log_group(self.logs_group_name)
    self.save_logs(outcome.log or "\n")
    if outcome.failed:
        response_headers["x-amz-function-error"] = "Unhandled"
    tail = outcome.log.encode("utf-8")[-TAIL_BYTES:]
    response_headers["x-amz-log-result"] = base64.b64encode(tail).decode("ascii")
    response_headers["x-amz-executed-version"] = str(self.version)
    return b"" if kind == "Event" else outcome.payload


def run(function: Any, event: Any) -> Outcome:
    """Run ``function``'s handler on ``event`` in a process of its own (see the module)."""
    from mlplatform.emulator.one_at_a_time import others_served_meanwhile

    request_id = str(uuid.uuid4())
    timeout = float(function.timeout or 3)
    with tempfile.TemporaryDirectory(prefix="mlplatform-lambda-") as workdir:
        code = Path(workdir) / "task"
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(code)
        outcome_file = Path(workdir) / "outcome.json"
        command = [
            sys.executable,
            "-P",  # the bootstrap's own directory is not put on sys.path
            "-B",
            str(BOOTSTRAP),
            str(function.handler),
            str(outcome_file),
            str(timeout),
            request_id,
        ]
        environment = _environment(function, str(code), workdir, request_id)
        with others_served_meanwhile():
            try:
                finished = subprocess.run(
                    command,
                    input=json.dumps(event).encode("utf-8"),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    cwd=code,
                    env=environment,
                    timeout=timeout + INIT_ALLOWANCE_SECONDS,
                    check=False,
                )
                log = finished.stdout.decode("utf-8", "replace")
            except subprocess.TimeoutExpired as expired:
                log = (expired.output or b"").decode("utf-8", "replace")
        log = f"START RequestId: {request_id}\n{log}END RequestId: {request_id}\n"
        _note(function.function_name, log)
        if not outcome_file.is_file():
            message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
            error = {"errorMessage": message, "errorType": "Runtime.ExitError"}
            return Outcome(json.dumps(error).encode("utf-8"), True, log)
        outcome = json.loads(outcome_file.read_text(encoding="utf-8"))
    return Outcome(str(outcome["payload"]).encode("utf-8"), bool(outcome["failed"]), log)


def _refuse_what_cannot_run(function: Any) -> None:
    """Refuse, naming why, a function the emulator cannot run without a container runtime."""
    from moto.core.exceptions import JsonRESTError

    name = function.function_name
    reason = None
    if function.package_type != "Zip":
        reason = f"function {name} is a container image"
    elif not str(function.run_time or "").startswith("python3"):
        reason = f"function {name} has runtime {function.run_time}"
    elif function.layers:
        reason = f"function {name} has layers"
    if reason is not None:
        raise JsonRESTError(
            "InvalidRuntimeException",
            f"The emulator runs only python3.x functions from a zip, without layers (it has no "
            f"container runtime): {reason}.",
        )


def _environment(function: Any, code: str, home: str, request_id: str) -> dict[str, str]:
    """The function's process environment: its variables, then the runtime's, which win as
    Lambda's reserved variables do; the AWS SDK calls the emulator with its credentials."""
    from mlplatform.emulator.local_aws import EMULATOR_ACCESS_KEY, HOST

    port = _server_port.get("port") or os.environ.get("MOTO_PORT", "5000")
    region = str(function.region)
    stream = f"{request_id[:8]}/[{function.version}]{request_id.replace('-', '')}"
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": home,
        **{str(k): str(v) for k, v in (function.environment_vars or {}).items()},
        "LAMBDA_TASK_ROOT": code,
        "_HANDLER": str(function.handler),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": str(function.function_name),
        "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": str(function.logs_group_name),
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "MLPLATFORM_LAMBDA_FUNCTION_ARN": str(function.function_arn),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": EMULATOR_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_ACCESS_KEY,
        "AWS_ENDPOINT_URL": f"http://{HOST}:{port}",
        # Only the emulator: never a profile, a config file or the instance metadata service.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _header(headers: Any, name: str) -> str | None:
    """A request header, whether moto passes werkzeug's headers or a plain dict."""
    for key, value in (headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _note(name: str, log: str) -> None:
    """Copy a run's log to the emulator's log, where a failing test's trace is read."""
    for line in log.splitlines():
        print(f"lambda {name}: {line}", file=sys.stderr, flush=True)
