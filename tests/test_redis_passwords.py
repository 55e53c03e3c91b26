"""``mlplatform features rotate-passwords``: rotate the Redis store's passwords now, and wait.

Staging's store as the ml layer names it is built in the emulator with boto3 (users with one
password, their secrets, the store's rotation function, rotation on), and the command rotates
through Secrets Manager as an operator would run it; the emulator runs the function.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.config import EnvironmentConfig
from mlplatform.decisions import password_rotation
from mlplatform.decisions.feature_store import REDIS_USERS, feature_store_names
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.online_store_plan import REDIS_PASSWORD_LENGTH
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.redis_passwords import PasswordRotationError, RedisPasswordRotations
from tests.test_redis_password_rotation import zipped

FIRST = "f" * REDIS_PASSWORD_LENGTH


@pytest.fixture
def staging(emulated_aws: LocalAws) -> EnvironmentConfig:
    return EnvironmentLoader().load("staging")


def _names(config: EnvironmentConfig) -> dict[str, str]:
    assert config.feature_store is not None
    return feature_store_names(Naming.for_environment(config), config.feature_store)


def _deployed(config: EnvironmentConfig, rotation: bool = True) -> dict[str, str]:
    """The store's users, secrets and rotation function, as the ml layer deploys them; the
    secrets' ARNs by user."""
    names = _names(config)
    cache, secrets = boto3.client("elasticache"), boto3.client("secretsmanager")
    arns = {}
    for user in REDIS_USERS:
        cache.create_user(
            UserId=names[f"user:{user}"],
            UserName=names[f"user_name:{user}"],
            Engine="valkey",
            AccessString="on ~* +@all",
            AuthenticationMode={"Type": "password", "Passwords": [FIRST]},
        )
        arns[user] = secrets.create_secret(Name=names[f"secret:{user}"], SecretString=FIRST)["ARN"]
    role = boto3.client("iam").create_role(
        RoleName="rotation",
        AssumeRolePolicyDocument=json.dumps(service_trust_policy("lambda.amazonaws.com")),
    )
    variables = password_rotation.function_environment(
        password_rotation.users_variable(arns, {u: names[f"user:{u}"] for u in REDIS_USERS})
    )
    settings: dict[str, Any] = password_rotation.function_settings(names)
    function = boto3.client("lambda").create_function(
        FunctionName=settings["function_name"],
        Runtime=settings["runtime"],
        Handler=settings["handler"],
        Timeout=settings["timeout"],
        Role=role["Role"]["Arn"],
        Code={"ZipFile": zipped(password_rotation.CODE_DIRECTORY)},
        Environment={"Variables": variables},
    )["FunctionArn"]
    if rotation:
        for arn in arns.values():
            secrets.rotate_secret(
                SecretId=arn,
                RotationLambdaARN=function,
                RotationRules={"AutomaticallyAfterDays": 30},
                RotateImmediately=False,
            )
    return arns


def _current(secret: str) -> str:
    return str(boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])


def test_the_command_rotates_every_users_password_and_waits_for_it(
    staging: EnvironmentConfig, emulated_aws: LocalAws
) -> None:
    arns = _deployed(staging)

    result = CliRunner().invoke(
        app, ["features", "rotate-passwords", "staging", "--endpoint-url", emulated_aws.endpoint]
    )

    assert result.exit_code == 0, result.output
    names = _names(staging)
    for user in REDIS_USERS:
        assert f"{user}: rotating {names[f'secret:{user}']}" in result.output
        assert _current(arns[user]) != FIRST
        [described] = boto3.client("elasticache").describe_users(UserId=names[f"user:{user}"])[
            "Users"
        ]
        assert described["Authentication"] == {"Type": "password", "PasswordCount": 2}
    assert result.output.count("is current; the user holds 2 passwords") == 2


def test_rotating_twice_retires_the_first_password(staging: EnvironmentConfig) -> None:
    arns = _deployed(staging)
    rotations = RedisPasswordRotations.for_environment(staging, boto3.client)

    [first] = rotations.rotate(["writer"])
    between = _current(arns["writer"])
    [second] = rotations.rotate(["writer"])

    assert first.version != second.version and second.password_count == 2
    previous = boto3.client("secretsmanager").get_secret_value(
        SecretId=arns["writer"], VersionStage="AWSPREVIOUS"
    )
    assert previous["SecretString"] == between != FIRST
    assert _current(arns["reader"]) == FIRST  # only the user asked for


def test_a_store_without_rotation_says_what_failed(staging: EnvironmentConfig) -> None:
    _deployed(staging, rotation=False)
    rotations = RedisPasswordRotations.for_environment(staging, boto3.client)

    with pytest.raises(PasswordRotationError, match=r"secret mlp-staging/features/redis-reader: "):
        rotations.rotate(["reader"])


def test_an_undeployed_store_a_dynamodb_store_and_an_unknown_user_are_refused(
    staging: EnvironmentConfig,
) -> None:
    rotations = RedisPasswordRotations.for_environment(staging, boto3.client)
    with pytest.raises(PasswordRotationError, match=r"does not exist; deploy the ml layer first"):
        rotations.rotate()
    with pytest.raises(PasswordRotationError, match="no Redis user admin; the store's users are"):
        rotations.rotate(["admin"])
    dev = EnvironmentLoader().load("dev")
    with pytest.raises(PasswordRotationError, match="dev: the online store is not Redis"):
        RedisPasswordRotations.for_environment(dev, boto3.client)


def test_a_rotation_that_does_not_finish_names_the_functions_log_group(
    staging: EnvironmentConfig,
) -> None:
    """As on AWS when a step fails: AWSPENDING stays on the new version, which never becomes
    current; the wait ends at the timeout with where the steps are logged."""
    _deployed(staging)
    names = _names(staging)
    # The function may no longer change the user: setSecret fails.
    boto3.client("elasticache").delete_user(UserId=names["user:writer"])
    slept: list[float] = []
    rotations = RedisPasswordRotations.for_environment(
        staging, boto3.client, poll_seconds=5, timeout_seconds=20, sleep=slept.append
    )

    with pytest.raises(PasswordRotationError) as failure:
        rotations.rotate(["writer"])

    assert "has not finished after 20 s" in str(failure.value)
    assert "/aws/lambda/mlp-staging-features-redis-rotation" in str(failure.value)
    assert slept == [5, 5, 5, 5]
