"""The SNS topic the ml layer's alarms notify, encrypted with a key CloudWatch may use.

SNS topics encrypted with the AWS managed key silently drop alarm
notifications, because that key's policy does not admit CloudWatch. So the
topic gets its own rotating key whose policy lets CloudWatch alarms of this
account (and only this account) encrypt messages to it. Subscriptions
(pager, chat, email) are the owning team's choice and are added by them.
"""

from __future__ import annotations

import json

from constructs import Construct

from mlplatform.bindings.aws.data_aws_caller_identity import DataAwsCallerIdentity
from mlplatform.bindings.aws.data_aws_partition import DataAwsPartition
from mlplatform.bindings.aws.kms_alias import KmsAlias
from mlplatform.bindings.aws.kms_key import KmsKey
from mlplatform.bindings.aws.sns_topic import SnsTopic
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.kms import alarm_topic_key_statement, kms_key_policy

__all__ = ["AlarmTopic"]


class AlarmTopic(Construct):
    """A KMS-encrypted SNS topic named ``<org>-<env>-<component>-alarms``."""

    def __init__(self, scope: Construct, id: str, *, naming: Naming, component: str) -> None:
        super().__init__(scope, id)
        account = DataAwsCallerIdentity(self, "account")
        partition = DataAwsPartition(self, "partition")
        key = KmsKey(
            self,
            "key",
            description=f"Alarm notifications of {naming.prefix} {component}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(
                kms_key_policy(
                    account.account_id,
                    partition.partition,
                    [alarm_topic_key_statement(account.account_id)],
                )
            ),
        )
        KmsAlias(
            self,
            "key-alias",
            name=naming.kms_alias(component, "alarms"),
            target_key_id=key.key_id,
        )
        self._topic = SnsTopic(
            self,
            "topic",
            name=naming.resource(component, "alarms", max_length=256),
            kms_master_key_id=key.arn,
        )

    @property
    def topic_arn(self) -> str:
        """ARN to name in alarm actions and subscriptions."""
        return self._topic.arn

    @property
    def topic_name(self) -> str:
        """The topic's name."""
        return self._topic.name
