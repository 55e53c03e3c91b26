"""Secrets Manager rotates the online store's Redis AUTH passwords with the platform's function.

What the function does, may do and is called with is decided in
:mod:`mlplatform.decisions.password_rotation`; this construct makes it: the code (the
handler's directory, zipped as a cdktf asset), a role with exactly those permissions, an
encrypted and expiring log group made before Lambda would make one, the invoke permission
for Secrets Manager of this account only, and one rotation schedule per secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from mlplatform.bindings.aws.cloudwatch_log_group import CloudwatchLogGroup
from mlplatform.bindings.aws.elasticache_user import ElasticacheUser
from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionTracingConfig,
)
from mlplatform.bindings.aws.lambda_permission import LambdaPermission
from mlplatform.bindings.aws.secretsmanager_secret import SecretsmanagerSecret
from mlplatform.bindings.aws.secretsmanager_secret_rotation import (
    SecretsmanagerSecretRotation,
    SecretsmanagerSecretRotationRotationRules,
)
from mlplatform.config import RedisOnlineStoreProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.decisions import password_rotation as rotation
from mlplatform.decisions.policies.documents import policy_document, service_trust_policy
from mlplatform.lambdas import code_archive

__all__ = ["RedisPasswordRotation"]


class RedisPasswordRotation(Construct):
    """Rotates ``secrets`` (by user) as the passwords of ``users`` (by user).

    ``key_arn`` encrypts the secrets (the function reads and writes them) and the function's
    environment; ``log_key_arn`` encrypts its logs (a key CloudWatch Logs may use).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: Mapping[str, str],
        redis: RedisOnlineStoreProps,
        secrets: Mapping[str, SecretsmanagerSecret],
        users: Mapping[str, ElasticacheUser],
        key_arn: str,
        log_key_arn: str,
    ) -> None:
        super().__init__(scope, id)
        account = AccountContext.of(self)
        log_group = CloudwatchLogGroup(
            self,
            "logs",
            **rotation.log_group_settings(names, redis),
            kms_key_id=log_key_arn,
        )
        role = IamRole(
            self,
            "role",
            name=rotation.function_name(names),
            assume_role_policy=json.dumps(
                service_trust_policy("lambda.amazonaws.com", account.account_id)
            ),
        )
        statements = rotation.rotation_statements(
            secret_arns=[secrets[u].arn for u in sorted(secrets)],
            user_arns=[users[u].arn for u in sorted(secrets)],
            key_arn=key_arn,
            log_group_arn=log_group.arn,
        )
        policy = IamRolePolicy(
            self,
            "policy",
            name="rotate-redis-passwords",
            role=role.name,
            policy=json.dumps(policy_document(statements)),
        )
        code = TerraformAsset(
            self,
            "code",
            path=str(code_archive(rotation.FUNCTION_DIRECTORY, [rotation.HANDLER_FILE])),
            type=AssetType.FILE,
            # Named by the handler's content, as the function's source_code_hash is.
            asset_hash=rotation.code_id(),
        )
        self._function = LambdaFunction(
            self,
            "function",
            **rotation.function_settings(names),
            filename=code.path,
            role=role.arn,
            kms_key_arn=key_arn,
            environment=LambdaFunctionEnvironment(
                variables=rotation.function_environment(
                    rotation.users_variable(
                        {u: s.arn for u, s in secrets.items()},
                        {u: user.user_id for u, user in users.items()},
                    )
                )
            ),
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            # The role's policy and the log group exist before the first invocation.
            depends_on=[policy, log_group],
        )
        permission = LambdaPermission(
            self,
            "invoke",
            statement_id="SecretsManagerRotation",
            action="lambda:InvokeFunction",
            function_name=self._function.function_name,
            principal=rotation.INVOKING_SERVICE,
            source_account=account.account_id,
        )
        for user, secret in sorted(secrets.items()):
            SecretsmanagerSecretRotation(
                self,
                f"rotation-{user}",
                secret_id=secret.id,
                rotation_lambda_arn=self._function.arn,
                rotation_rules=SecretsmanagerSecretRotationRotationRules(
                    **rotation.rotation_rules(redis)
                ),
                # The first password is the one Terraform generated; the schedule takes over.
                rotate_immediately=False,
                depends_on=[permission, users[user]],
            )

    @property
    def function_name(self) -> str:
        """The rotation function's name (its ``Errors`` metric says a rotation failed)."""
        return self._function.function_name
