"""Secrets Manager rotates the online store's Redis AUTH passwords (Pulumi's side).

The same resources as cdktf's
:class:`~mlplatform.constructs.redis_password_rotation.RedisPasswordRotation`, at the same
paths, from the same decisions (:mod:`mlplatform.decisions.password_rotation`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.config import RedisOnlineStoreProps
from mlplatform.decisions import password_rotation as rotation
from mlplatform.decisions.policies.documents import policy_document, service_trust_policy
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["password_rotation"]


def password_rotation(
    store: PlatformComponent,
    layer: Layer,
    *,
    names: Mapping[str, str],
    redis: RedisOnlineStoreProps,
    secrets: Mapping[str, aws.secretsmanager.Secret],
    users: Mapping[str, aws.elasticache.User],
    key_arn: pulumi.Input[str],
    log_key_arn: pulumi.Input[str],
) -> aws.lambda_.Function:
    """The rotation function of ``store``'s ``secrets`` (by user) as ``users``' passwords, its
    role, log group, invoke permission and one schedule per secret; returns the function."""

    def child(id: str) -> str:
        return store.child(f"password-rotation/{id}")

    log_group = aws.cloudwatch.LogGroup(
        child("logs"),
        **rotation.log_group_settings(names, redis),
        kms_key_id=log_key_arn,
        opts=store.options(),
    )
    role = aws.iam.Role(
        child("role"),
        name=rotation.function_name(names),
        assume_role_policy=layer.document(
            lambda account, _partition: service_trust_policy("lambda.amazonaws.com", account)
        ),
        opts=store.options(),
    )
    user_names = sorted(secrets)

    def statements(values: list[Any]) -> Any:
        count = len(user_names)
        return policy_document(
            rotation.rotation_statements(
                secret_arns=values[:count],
                user_arns=values[count : 2 * count],
                key_arn=values[-2],
                log_group_arn=values[-1],
            )
        )

    policy = aws.iam.RolePolicy(
        child("policy"),
        name="rotate-redis-passwords",
        role=role.name,
        policy=pulumi.Output.all(
            *[secrets[u].arn for u in user_names],
            *[users[u].arn for u in user_names],
            key_arn,
            log_group.arn,
        ).apply(lambda values: json.dumps(statements(values))),
        opts=store.options(),
    )
    settings = rotation.function_settings(names)
    function = aws.lambda_.Function(
        child("function"),
        name=settings.pop("function_name"),
        **settings,
        code=pulumi.AssetArchive(
            {
                rotation.HANDLER_FILE: pulumi.FileAsset(
                    str(rotation.CODE_DIRECTORY / rotation.HANDLER_FILE)
                )
            }
        ),
        role=role.arn,
        kms_key_arn=key_arn,
        environment={
            "variables": rotation.function_environment(
                pulumi.Output.all(
                    *[secrets[u].arn for u in user_names], *[users[u].user_id for u in user_names]
                ).apply(
                    lambda values: rotation.users_variable(
                        dict(zip(user_names, values[: len(user_names)], strict=True)),
                        dict(zip(user_names, values[len(user_names) :], strict=True)),
                    )
                )
            )
        },
        tracing_config={"mode": "Active"},
        opts=store.options(depends_on=[policy, log_group]),
    )
    permission = aws.lambda_.Permission(
        child("invoke"),
        statement_id="SecretsManagerRotation",
        action="lambda:InvokeFunction",
        function=function.name,
        principal=rotation.INVOKING_SERVICE,
        source_account=layer.account_id,
        opts=store.options(),
    )
    for user in user_names:
        aws.secretsmanager.SecretRotation(
            child(f"rotation-{user}"),
            secret_id=secrets[user].id,
            rotation_lambda_arn=function.arn,
            rotation_rules=rotation.rotation_rules(redis),
            rotate_immediately=False,
            opts=store.options(depends_on=[permission, users[user]]),
        )
    return function
