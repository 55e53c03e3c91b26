"""The ml layer's alarm topic: it exists and is encrypted with its own key.

An SNS topic encrypted with the AWS managed key silently drops CloudWatch
alarm notifications, so the topic's key matters as much as the topic: this
check compares the topic's key with the platform's ``<org>-<env>-ml-alarms``
key.
"""

from __future__ import annotations

from mlplatform.verify.context import VerifyContext
from mlplatform.verify.keys import KeyChecker

__all__ = ["AlarmTopicChecker"]


class AlarmTopicChecker:
    """Finds the topic by name and returns its ARN for the alarms' actions."""

    def __init__(self, context: VerifyContext, keys: KeyChecker) -> None:
        self.context = context
        self.keys = keys

    def check(self) -> str | None:
        """The topic's ARN, or ``None`` when it is missing (reported)."""
        naming = self.context.naming
        alias = naming.kms_alias("ml", "alarms")
        key = self.keys.arn(alias)
        name = naming.resource("ml", "alarms", max_length=256)
        resource = f"SNS topic {name}"
        sns = self.context.client("sns")
        topics = sns.get_paginator("list_topics").paginate().build_full_result()["Topics"]
        arn = next((t["TopicArn"] for t in topics if t["TopicArn"].endswith(f":{name}")), None)
        if arn is None:
            self.context.findings.missing(resource)
            return None
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        if key is not None:
            self.context.findings.compare(
                resource, f"encryption key (the {alias} key)", attributes.get("KmsMasterKeyId"), key
            )
        return str(arn)
