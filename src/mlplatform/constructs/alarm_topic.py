"""The SNS topic the ml layer's alarms notify, encrypted with a key CloudWatch may use.

SNS topics encrypted with the AWS managed key silently drop alarm
notifications, because that key's policy does not admit CloudWatch. So the
topic gets its own rotating key whose policy lets CloudWatch alarms of this
account (and only this account) encrypt messages to it. Subscriptions
(pager, chat, email) are the owning team's choice and are added by them.
"""

from __future__ import annotations

from constructs import Construct

from mlplatform.bindings.aws.sns_topic import SnsTopic
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.kms import alarm_topic_key_statement

__all__ = ["AlarmTopic"]


class AlarmTopic(Construct):
    """A KMS-encrypted SNS topic named ``<org>-<env>-<component>-alarms``."""

    def __init__(self, scope: Construct, id: str, *, naming: Naming, component: str) -> None:
        super().__init__(scope, id)
        key = PlatformKey(
            self,
            "key",
            props=PlatformKeyProps(
                alias=naming.kms_alias(component, "alarms"),
                description=f"Alarm notifications of {naming.prefix} {component}",
                service_statements=[alarm_topic_key_statement(AccountContext.of(self).account_id)],
                alias_moved_from="key-alias",
            ),
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
