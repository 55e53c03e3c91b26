"""The SNS topic the ml layer's alarms notify, encrypted with a key CloudWatch may use.

SNS topics encrypted with the AWS managed key silently drop alarm
notifications, because that key's policy does not admit CloudWatch. So the
topic gets its own rotating key whose policy lets CloudWatch alarms and AWS
Budgets of this account (and only this account) encrypt messages to it, and a
topic policy that lets both publish (Budgets is refused without it).
Subscriptions (email, HTTPS, SQS for a chat bridge) come from the
environment file's ``observability.subscriptions``; email and HTTPS ones stay
pending until their owner confirms them.
"""

from __future__ import annotations

import hashlib
import json

from constructs import Construct

from mlplatform.bindings.aws.sns_topic import SnsTopic
from mlplatform.bindings.aws.sns_topic_policy import SnsTopicPolicy
from mlplatform.bindings.aws.sns_topic_subscription import SnsTopicSubscription
from mlplatform.config import SubscriptionsProps
from mlplatform.constructs.account_context import AccountContext
from mlplatform.constructs.platform_key import PlatformKey, PlatformKeyProps
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.kms import alarm_topic_key_statement
from mlplatform.decisions.policies.sns import alarm_topic_policy

__all__ = ["AlarmTopic"]


class AlarmTopic(Construct):
    """A KMS-encrypted SNS topic named ``<org>-<env>-<component>-alarms``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        component: str,
        subscriptions: SubscriptionsProps | None = None,
    ) -> None:
        super().__init__(scope, id)
        account = AccountContext.of(self)
        key = PlatformKey(
            self,
            "key",
            props=PlatformKeyProps(
                alias=naming.kms_alias(component, "alarms"),
                description=f"Alarm notifications of {naming.prefix} {component}",
                service_statements=[alarm_topic_key_statement(account.account_id)],
                alias_moved_from="key-alias",
            ),
        )
        self._topic = SnsTopic(
            self,
            "topic",
            name=naming.resource(component, "alarms", max_length=256),
            kms_master_key_id=key.arn,
        )
        SnsTopicPolicy(
            self,
            "policy",
            arn=self._topic.arn,
            policy=json.dumps(
                alarm_topic_policy(self._topic.arn, account.account_id, account.partition)
            ),
        )
        subscriptions = subscriptions or SubscriptionsProps()
        endpoints = [
            *(("email", address) for address in subscriptions.email),
            *(("https", url) for url in subscriptions.https),
            *(("sqs", arn) for arn in subscriptions.sqs),
        ]
        for protocol, endpoint in endpoints:
            # Named by the endpoint, so reordering the list in the file changes nothing.
            digest = hashlib.sha256(endpoint.encode()).hexdigest()[:8]
            SnsTopicSubscription(
                self,
                f"subscription-{protocol}-{digest}",
                topic_arn=self._topic.arn,
                protocol=protocol,
                endpoint=endpoint,
            )

    @property
    def topic_arn(self) -> str:
        """ARN to name in alarm actions and subscriptions."""
        return self._topic.arn

    @property
    def topic_name(self) -> str:
        """The topic's name."""
        return self._topic.name
