"""The Redis (Valkey) store's password rotation function rotates users' passwords without downtime.

The function (``src/mlplatform/lambdas/redis_password_rotation``) is zipped as it is and
created in the emulator, which runs it the way Secrets Manager does: RotateSecret invokes each
step (:mod:`mlplatform.emulator.fixes.secrets_rotation`, :mod:`~mlplatform.emulator.fixes.lambda_invoke`)
and the function changes the ElastiCache user (:mod:`mlplatform.emulator.fixes.elasticache.users`).
Its branches are also run in this process, with the emulator's clients or small stand-ins.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.decisions.online_store_plan import REDIS_PASSWORD_LENGTH
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.lambdas import code_directory

CODE = code_directory("redis_password_rotation")
OLD = "o" * 64
"""The password each user and its secret start with."""


def load_function() -> ModuleType:
    """``index.py`` imported by its path, writing no ``__pycache__`` into the function's code."""
    spec = importlib.util.spec_from_file_location(
        "redis_password_rotation_index", CODE / "index.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes
    return module


index = load_function()


def zipped(directory: Path, extra: dict[str, str] | None = None) -> bytes:
    """The directory's files as a function's code (plus ``extra`` files, name: text)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as written:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                written.write(path, path.relative_to(directory).as_posix())
        for name, text in (extra or {}).items():
            written.writestr(name, text)
    return archive.getvalue()


@pytest.fixture
def store(emulated_aws: LocalAws) -> dict[str, str]:
    """Users ``reader`` and ``writer`` (one password each) and a secret per user holding it,
    plus a secret of a user the function is not deployed for; their ARNs by name."""
    cache = boto3.client("elasticache")
    secrets = boto3.client("secretsmanager")
    arns: dict[str, str] = {}
    for name in ("reader", "writer", "other"):
        cache.create_user(
            UserId=f"store-{name}",
            UserName=name,
            Engine="valkey",
            AccessString="on ~* +@all",
            AuthenticationMode={"Type": "password", "Passwords": [OLD]},
        )
        arns[name] = secrets.create_secret(Name=f"store/{name}", SecretString=OLD)["ARN"]
    return arns


def _function(store: dict[str, str], name: str = "rotate", **settings: Any) -> str:
    """The rotation function, for the reader's and the writer's secrets; its ARN."""
    trust = service_trust_policy("lambda.amazonaws.com")
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(trust))
    users = {store["reader"]: "store-reader", store["writer"]: "store-writer"}
    defaults: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": role["Role"]["Arn"],
        "Handler": "index.handler",
        "Code": {"ZipFile": zipped(CODE)},
        "Timeout": 300,
        "Environment": {
            "Variables": {"USERS": json.dumps(users), "PASSWORD_LENGTH": str(REDIS_PASSWORD_LENGTH)}
        },
    }
    created = boto3.client("lambda").create_function(**{**defaults, **settings})
    return str(created["FunctionArn"])


def _rotate(arn: str, function: str) -> None:
    boto3.client("secretsmanager").rotate_secret(
        SecretId=arn,
        RotationLambdaARN=function,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=True,
    )


def _value(arn: str, stage: str) -> str:
    answer = boto3.client("secretsmanager").get_secret_value(SecretId=arn, VersionStage=stage)
    return str(answer["SecretString"])


def _stages(arn: str) -> dict[str, list[str]]:
    described = boto3.client("secretsmanager").describe_secret(SecretId=arn)
    return dict(described["VersionIdsToStages"])


def _authentication(user_id: str) -> dict[str, Any]:
    [user] = boto3.client("elasticache").describe_users(UserId=user_id)["Users"]
    assert user["Status"] == "active"
    return dict(user["Authentication"])


# --------------------------------------------------------------------- through RotateSecret
def test_a_rotation_gives_the_user_a_second_password_and_makes_it_current(
    store: dict[str, str],
) -> None:
    _rotate(store["reader"], _function(store))

    new = _value(store["reader"], "AWSCURRENT")
    assert new != OLD
    assert len(new) == REDIS_PASSWORD_LENGTH
    assert new.isalnum()  # no punctuation, no space
    assert _value(store["reader"], "AWSPREVIOUS") == OLD
    assert (
        boto3.client("secretsmanager").get_secret_value(SecretId=store["reader"])["SecretString"]
        == new
    )
    assert _authentication("store-reader") == {"Type": "password", "PasswordCount": 2}
    assert not any("AWSPENDING" in s for s in _stages(store["reader"]).values())
    described = boto3.client("secretsmanager").describe_secret(SecretId=store["reader"])
    assert described["RotationEnabled"] is True
    # The writer's secret and user are left alone.
    assert _value(store["writer"], "AWSCURRENT") == OLD
    assert _authentication("store-writer") == {"Type": "password", "PasswordCount": 1}


def test_the_next_rotation_drops_the_oldest_password(store: dict[str, str]) -> None:
    function = _function(store)
    _rotate(store["reader"], function)
    first = _value(store["reader"], "AWSCURRENT")

    _rotate(store["reader"], function)

    second = _value(store["reader"], "AWSCURRENT")
    assert len({OLD, first, second}) == 3
    assert _value(store["reader"], "AWSPREVIOUS") == first
    assert _authentication("store-reader") == {"Type": "password", "PasswordCount": 2}
    labelled = sorted(tuple(s) for s in _stages(store["reader"]).values() if s)
    assert labelled == [("AWSCURRENT",), ("AWSPREVIOUS",)]  # the oldest version has none


def test_a_secret_the_function_is_not_deployed_for_is_refused(store: dict[str, str]) -> None:
    function = _function(store)

    _rotate(store["other"], function)  # RotateSecret answers; the rotation fails, as in AWS

    assert _value(store["other"], "AWSCURRENT") == OLD
    assert _authentication("store-other") == {"Type": "password", "PasswordCount": 1}
    [pending] = [v for v, s in _stages(store["other"]).items() if "AWSPENDING" in s]
    with pytest.raises(ClientError) as unfinished:
        _rotate(store["other"], function)
    assert unfinished.value.response["Error"]["Code"] == "InvalidRequestException"

    answer = boto3.client("lambda").invoke(
        FunctionName=function,
        Payload=json.dumps(
            {"Step": "createSecret", "SecretId": store["other"], "ClientRequestToken": pending}
        ),
    )
    error = json.loads(answer["Payload"].read())
    assert answer["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert store["other"] in error["errorMessage"]


def test_every_step_run_twice_rotates_as_once(store: dict[str, str]) -> None:
    twice = "import index\n\ndef handler(event, context):\n    index.handler(event, context)\n    index.handler(event, context)\n"
    function = _function(
        store, Handler="twice.handler", Code={"ZipFile": zipped(CODE, {"twice.py": twice})}
    )

    _rotate(store["writer"], function)

    new = _value(store["writer"], "AWSCURRENT")
    assert new != OLD
    assert _value(store["writer"], "AWSPREVIOUS") == OLD
    assert _authentication("store-writer") == {"Type": "password", "PasswordCount": 2}
    assert len(_stages(store["writer"])) == 2


def test_a_configuration_test_changes_nothing(store: dict[str, str]) -> None:
    function = _function(store)
    _rotate(store["reader"], function)
    current = _value(store["reader"], "AWSCURRENT")
    before = _stages(store["reader"])

    boto3.client("secretsmanager").rotate_secret(
        SecretId=store["reader"],
        RotationLambdaARN=function,
        RotationRules={"AutomaticallyAfterDays": 7},
        RotateImmediately=False,
    )

    assert _value(store["reader"], "AWSCURRENT") == current
    assert _stages(store["reader"]) == before
    assert _authentication("store-reader") == {"Type": "password", "PasswordCount": 2}
    _rotate(store["reader"], function)  # nothing is left pending
    assert _value(store["reader"], "AWSPREVIOUS") == current


def test_the_function_directory_is_only_the_functions_code() -> None:
    assert sorted(p.name for p in CODE.iterdir()) == ["index.py"]
    source = (CODE / "index.py").read_text()
    assert "mlplatform" not in "\n".join(
        line for line in source.splitlines() if line.startswith(("import", "from"))
    )


# --------------------------------------------------------------------- the branches, in process
@pytest.fixture
def rotating(store: dict[str, str]) -> Iterator[Any]:
    """A rotation of the store's secrets with the emulator's clients, that never sleeps."""
    users = {store["reader"]: "store-reader", store["writer"]: "store-writer"}
    yield index.Rotation(
        boto3.client("secretsmanager"),
        boto3.client("elasticache"),
        users,
        REDIS_PASSWORD_LENGTH,
        sleep=lambda seconds: None,
    )


def _event(arn: str, token: str, step: str) -> dict[str, str]:
    return {"SecretId": arn, "ClientRequestToken": token, "Step": step}


def test_a_secret_without_rotation_or_an_unknown_step_or_version_is_refused(
    rotating: Any, store: dict[str, str]
) -> None:
    arn = store["reader"]
    [current] = _stages(arn)
    with pytest.raises(ValueError, match="not enabled for rotation"):
        rotating.run(_event(arn, current, "createSecret"))
    with pytest.raises(ValueError, match="unknown rotation step"):
        rotating.run(_event(arn, current, "dropSecret"))
    with pytest.raises(ValueError, match="not one this function rotates"):
        rotating.run(_event(store["other"], current, "createSecret"))

    _rotate(arn, _function(store))
    with pytest.raises(ValueError, match="has no stage"):
        rotating.run(_event(arn, str(uuid.uuid4()), "createSecret"))
    previous = next(v for v, s in _stages(arn).items() if "AWSPREVIOUS" in s)
    with pytest.raises(ValueError, match="is not AWSPENDING"):
        rotating.run(_event(arn, previous, "setSecret"))


def test_a_current_version_is_left_alone_by_every_step(
    rotating: Any, store: dict[str, str]
) -> None:
    arn = store["reader"]
    _rotate(arn, _function(store))
    stages = _stages(arn)
    current = next(v for v, s in stages.items() if "AWSCURRENT" in s)

    for step in index.STEPS:
        rotating.run(_event(arn, current, step))

    assert _stages(arn) == stages
    assert _authentication("store-reader") == {"Type": "password", "PasswordCount": 2}


class Users:
    """An ElastiCache client whose user is ``modifying`` for a number of DescribeUsers."""

    def __init__(self, modifying_for: int, count: int = 2) -> None:
        self.modifying_for = modifying_for
        self.count = count
        self.modified: list[dict[str, Any]] = []

    def describe_users(self, UserId: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        status = "modifying" if self.modifying_for > 0 else "active"
        self.modifying_for -= 1
        authentication = {"Type": "password", "PasswordCount": self.count}
        return {"Users": [{"UserId": UserId, "Status": status, "Authentication": authentication}]}

    def modify_user(self, **request: Any) -> None:
        self.modified.append(request)


class Secrets:
    """A Secrets Manager client with a current and a pending value."""

    class exceptions:  # noqa: N801 (boto3's name)
        class ResourceNotFoundException(Exception):  # noqa: N818 (boto3's name)
            pass

    def __init__(self, current: str, pending: str | None) -> None:
        self.values = {"AWSCURRENT": current, "AWSPENDING": pending}

    def get_secret_value(self, **request: Any) -> dict[str, str]:
        value = self.values[request["VersionStage"]]
        if value is None:
            raise self.exceptions.ResourceNotFoundException("no value in this version")
        return {"SecretString": value}


def _unit(secrets: Secrets, users: Users, sleeps: list[float]) -> Any:
    return index.Rotation(
        secrets, users, {"arn": "user"}, 64, sleep=sleeps.append, wait_interval=2, wait_limit=10
    )


def test_set_secret_waits_for_the_user_and_gives_it_both_passwords() -> None:
    users, sleeps = Users(modifying_for=3), list[float]()
    _unit(Secrets("old" * 6, "new" * 6), users, sleeps).set_secret("arn", "token", "user")

    assert users.modified == [
        {
            "UserId": "user",
            "AuthenticationMode": {"Type": "password", "Passwords": ["old" * 6, "new" * 6]},
        }
    ]
    assert sleeps == [2, 2, 2]


def test_set_secret_gives_up_on_a_user_that_stays_modifying() -> None:
    with pytest.raises(TimeoutError, match="still 'modifying'"):
        _unit(Secrets("a" * 20, "b" * 20), Users(modifying_for=100), []).set_secret(
            "arn", "token", "user"
        )


def test_a_configuration_test_keeps_the_one_current_password() -> None:
    users: Users = Users(modifying_for=0, count=1)
    rotation = _unit(Secrets("same" * 5, "same" * 5), users, [])
    rotation.set_secret("arn", "token", "user")
    rotation.test_secret("arn", "token", "user")

    assert users.modified[0]["AuthenticationMode"]["Passwords"] == ["same" * 5]


@pytest.mark.parametrize("count", [1, 2])
def test_a_configuration_test_whose_pending_version_holds_no_value_checks_the_user(
    count: int,
) -> None:
    """AWS's configuration test (RotateImmediately false) makes an AWSPENDING version and
    removes it after testSecret; without a value there, the user's state is what is tested."""
    _unit(Secrets("a" * 20, None), Users(modifying_for=0, count=count), []).test_secret(
        "arn", "token", "user"
    )
    with pytest.raises(ValueError, match="'modifying'"):
        _unit(Secrets("a" * 20, None), Users(modifying_for=1, count=count), []).test_secret(
            "arn", "token", "user"
        )


def test_test_secret_refuses_a_user_without_both_passwords() -> None:
    with pytest.raises(ValueError, match="1 password"):
        _unit(Secrets("a" * 20, "b" * 20), Users(modifying_for=0, count=1), []).test_secret(
            "arn", "token", "user"
        )


def test_a_rotation_without_a_function_is_refused_as_aws_refuses_it(
    store: dict[str, str],
) -> None:
    """moto moved AWSCURRENT to a new version by itself; AWS needs a rotation function."""
    secrets = boto3.client("secretsmanager")
    before = _stages(store["reader"])

    with pytest.raises(ClientError) as refused:
        secrets.rotate_secret(SecretId=store["reader"])

    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "No Lambda rotation function" in refused.value.response["Error"]["Message"]
    assert _stages(store["reader"]) == before and _value(store["reader"], "AWSCURRENT") == OLD
