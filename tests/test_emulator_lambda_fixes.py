"""The emulator runs a Python Lambda function's handler without Docker, as Lambda would.

Each test shows one behaviour of :mod:`mlplatform.emulator.fixes.lambda_invoke` over HTTP, with
boto3 against the emulator's own process: the handler's result, its environment, its calls
back into the emulator while the invocation waits, and errors reported as function errors.
Plain moto 5.2.5 ran a function only in a Docker container, which this machine does not have.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.emulator.local_aws import LocalAws

HANDLER = """\
import os

import boto3


def handler(event, context):
    if event.get("fail"):
        raise ValueError(f"refused {event['fail']}")
    print("handling", event)
    return {
        "event": event,
        "setting": os.environ.get("SETTING"),
        "region": os.environ.get("AWS_REGION"),
        "function": context.function_name,
        "buckets": [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]],
    }
"""


def code(files: dict[str, str]) -> bytes:
    """A zip of ``files`` (name: text), as a function's code."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as written:
        for name, text in files.items():
            written.writestr(name, text)
    return archive.getvalue()


def role() -> str:
    """A role functions can be created with (the emulator checks no policy)."""
    trust = service_trust_policy("lambda.amazonaws.com")
    created = boto3.client("iam").create_role(
        RoleName="function", AssumeRolePolicyDocument=json.dumps(trust)
    )
    return str(created["Role"]["Arn"])


@pytest.fixture
def functions(emulated_aws: LocalAws) -> Any:
    return boto3.client("lambda")


def _create(functions: Any, name: str = "probe", **settings: Any) -> None:
    defaults: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": role(),
        "Handler": "index.handler",
        "Code": {"ZipFile": code({"index.py": HANDLER})},
        "Environment": {"Variables": {"SETTING": "kept"}},
        "Timeout": 60,
    }
    functions.create_function(**{**defaults, **settings})


def _invoke(functions: Any, event: dict[str, Any], **options: Any) -> tuple[Any, dict[str, Any]]:
    answer = functions.invoke(FunctionName="probe", Payload=json.dumps(event), **options)
    return json.loads(answer["Payload"].read()), answer


def test_an_invocation_answers_the_handlers_result_and_the_handler_calls_the_emulator(
    functions: Any,
) -> None:
    boto3.client("s3").create_bucket(Bucket="features")
    _create(functions)

    result, answer = _invoke(functions, {"key": "value"})

    assert "FunctionError" not in answer
    assert answer["StatusCode"] == 200
    assert result == {
        "event": {"key": "value"},
        "setting": "kept",
        "region": "us-east-1",
        "function": "probe",
        "buckets": ["features"],  # listed by the handler, through the emulator itself
    }


def test_a_raised_error_is_a_function_error_and_the_log_is_returned_on_request(
    functions: Any,
) -> None:
    _create(functions)

    error, answer = _invoke(functions, {"fail": "this"}, LogType="Tail")

    assert answer["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "refused this"
    assert any("index.py" in line for line in error["stackTrace"])
    log = base64.b64decode(answer["LogResult"]).decode()
    assert "ValueError: refused this" in log


def test_what_the_function_prints_goes_to_its_log_group(functions: Any) -> None:
    _create(functions)
    _invoke(functions, {"key": "logged"})

    logs = boto3.client("logs")
    [stream] = logs.describe_log_streams(logGroupName="/aws/lambda/probe")["logStreams"]
    events = logs.get_log_events(
        logGroupName="/aws/lambda/probe", logStreamName=stream["logStreamName"]
    )["events"]
    assert any("handling {'key': 'logged'}" in e["message"] for e in events)


def test_a_handler_that_does_not_exist_or_does_not_import_is_a_function_error(
    functions: Any,
) -> None:
    _create(functions, Handler="index.missing")
    error, answer = _invoke(functions, {})
    assert (answer["FunctionError"], error["errorType"]) == ("Unhandled", "Runtime.HandlerNotFound")

    functions.update_function_code(
        FunctionName="probe", ZipFile=code({"index.py": "import not_installed_anywhere\n"})
    )
    functions.update_function_configuration(FunctionName="probe", Handler="index.handler")
    error, answer = _invoke(functions, {})
    assert (answer["FunctionError"], error["errorType"]) == (
        "Unhandled",
        "Runtime.ImportModuleError",
    )
    assert "not_installed_anywhere" in error["errorMessage"]


def test_a_handler_that_runs_past_its_timeout_is_stopped(functions: Any) -> None:
    slow = "import time\n\ndef handler(event, context):\n    time.sleep(30)\n"
    _create(functions, Code={"ZipFile": code({"index.py": slow})}, Timeout=1)

    error, answer = _invoke(functions, {})

    assert answer["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]


def test_a_function_the_emulator_cannot_run_is_refused_with_the_reason(functions: Any) -> None:
    _create(functions, Runtime="nodejs20.x")

    with pytest.raises(ClientError) as refused:
        _invoke(functions, {})

    assert refused.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "nodejs20.x" in refused.value.response["Error"]["Message"]
