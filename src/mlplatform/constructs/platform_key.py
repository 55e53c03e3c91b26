"""A customer-managed KMS key of the platform: rotating, with a key policy, an alias and grants.

Every encrypted component (the network's flow logs, the data lake, the
cluster's secrets and logs, the model registry, the alarm topic) has one. The
key policy lets the account administer the key through IAM and lets the
listed AWS services use it; nobody gets key use in the key policy itself, so
every use by a role is an IAM grant that ``grant_decrypt`` and
``grant_encrypt_decrypt`` write, least privilege and visible in review.

The key is this construct's ``Default`` child, so its Terraform address is the
one the component's own key had before this construct existed: adopting
``PlatformKey`` moves no key. The alias moved from ``<component>/key-alias``
to ``<component>/key/alias``; ``PlatformKeyProps.alias_moved_from`` keeps its
state with a Terraform ``moved`` block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformProvider
from constructs import Construct

from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.bindings.aws.kms_alias import KmsAlias
from mlplatform.bindings.aws.kms_key import KmsKey
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.moves import moved_from, path_below_stack
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.policies.kms import kms_key_policy
from mlplatform.interfaces import IRole

__all__ = ["PlatformKey", "PlatformKeyProps"]

DECRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
ENCRYPT_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt")


@dataclass(frozen=True)
class PlatformKeyProps:
    """What differs between the platform's keys; rotation and the admin statement never do."""

    alias: str
    """``alias/<org>-<env>-<component>`` (``Naming.kms_alias``)."""
    description: str
    service_statements: Sequence[dict[str, Any]] = ()
    """Key policy statements for AWS services that use the key (CloudWatch Logs, SNS, ...)."""
    deletion_window_in_days: int = 30
    """Days a scheduled deletion can still be cancelled: AWS's maximum, the safe choice."""
    alias_moved_from: str | None = None
    """The construct id the alias had beside the key before this construct owned it
    (``key-alias``); its state moves to the new address. Drop it once every deployed
    environment has applied the move."""
    provider: TerraformProvider | None = None
    """The provider of another region (the lake's replica key); ``None``: the stack's own."""


class PlatformKey(Construct):
    """A rotating customer-managed key with a least-privilege key policy and an alias."""

    def __init__(self, scope: Construct, id: str, *, props: PlatformKeyProps) -> None:
        super().__init__(scope, id)
        context = AccountContext.of(self)
        self._key = KmsKey(
            self,
            "Default",
            provider=props.provider,
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=json.dumps(
                kms_key_policy(context.account_id, context.partition, props.service_statements)
            ),
        )
        StateRetention.protect(self._key)
        self._alias = KmsAlias(
            self,
            "alias",
            provider=props.provider,
            name=props.alias,
            target_key_id=self._key.key_id,
        )
        if props.alias_moved_from:
            beside_this = path_below_stack(self)[:-1]
            moved_from(self._alias, [*beside_this, props.alias_moved_from])

    @property
    def arn(self) -> str:
        """The key's ARN: what encryption settings and IAM grants name."""
        return self._key.arn

    @property
    def key_id(self) -> str:
        return self._key.key_id

    @property
    def alias_name(self) -> str:
        return self._alias.name

    def grant_decrypt(self, role: IRole) -> IamRolePolicy:
        """Let ``role`` read what the key protects."""
        return self._grant(role, "decrypt", DECRYPT_ACTIONS)

    def grant_encrypt_decrypt(self, role: IRole) -> IamRolePolicy:
        """Let ``role`` write and read what the key protects."""
        return self._grant(role, "encrypt-decrypt", ENCRYPT_DECRYPT_ACTIONS)

    def _grant(self, role: IRole, access: str, actions: Sequence[str]) -> IamRolePolicy:
        statement = {
            "Sid": "UseKey",
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": self._key.arn,
        }
        return IamRolePolicy(
            self,
            f"grant-{access}-{role.node.addr[:8]}",
            name=f"{self.node.id}-{access}"[:128],
            role=role.name,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
