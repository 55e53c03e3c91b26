"""``AlarmTopic`` on Pulumi: the KMS-encrypted SNS topic alarms and budgets notify.

Key statement, topic policy and subscription naming as the cdktf construct
(``decisions.policies.kms`` and ``decisions.policies.sns``).
"""

from __future__ import annotations

import hashlib
import json

import pulumi
import pulumi_aws as aws

from mlplatform.config import SubscriptionsProps
from mlplatform.decisions.policies.kms import alarm_topic_key_statement
from mlplatform.decisions.policies.sns import alarm_topic_policy
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.platform_key import PlatformKey, PlatformKeyProps

__all__ = ["AlarmTopic"]


class AlarmTopic(PlatformComponent):
    """``mlplatform:<layer>:AlarmTopic``: ``<org>-<env>-<component>-alarms``."""

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        component: str,
        subscriptions: SubscriptionsProps | None = None,
    ) -> None:
        super().__init__(layer.layer, "AlarmTopic", f"{layer.path}/{id}", parent=layer)
        naming = layer.naming
        key = PlatformKey(
            layer,
            self,
            "key",
            props=PlatformKeyProps(
                alias=naming.kms_alias(component, "alarms"),
                description=f"Alarm notifications of {naming.prefix} {component}",
                service_statements=lambda account, _partition, _region: [
                    alarm_topic_key_statement(account)
                ],
            ),
        )
        self.topic = aws.sns.Topic(
            self.child("topic"),
            name=naming.resource(component, "alarms", max_length=256),
            kms_master_key_id=key.arn,
            opts=self.options(),
        )
        aws.sns.TopicPolicy(
            self.child("policy"),
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, layer.account_id, layer.partition).apply(
                lambda v: json.dumps(alarm_topic_policy(v[0], v[1], v[2]))
            ),
            opts=self.options(),
        )
        subscriptions = subscriptions or SubscriptionsProps()
        endpoints = [
            *(("email", address) for address in subscriptions.email),
            *(("https", url) for url in subscriptions.https),
            *(("sqs", arn) for arn in subscriptions.sqs),
        ]
        for protocol, endpoint in endpoints:
            digest = hashlib.sha256(endpoint.encode()).hexdigest()[:8]
            aws.sns.TopicSubscription(
                self.child(f"subscription-{protocol}-{digest}"),
                topic=self.topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                opts=self.options(),
            )
        self.register_outputs({"topic_arn": self.topic.arn})

    @property
    def topic_arn(self) -> pulumi.Output[str]:
        return self.topic.arn
