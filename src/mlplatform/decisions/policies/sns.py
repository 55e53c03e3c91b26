"""SNS topic policies: who may publish to the platform's alarm topic."""

from __future__ import annotations

from mlplatform.decisions.arns import iam_account_root
from mlplatform.decisions.policies.documents import PolicyDocument, policy_document

__all__ = ["ALARM_PUBLISHERS", "alarm_topic_policy"]

ALARM_PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
"""The services that notify the alarm topic: CloudWatch alarms and AWS Budgets."""


def alarm_topic_policy(topic_arn: str, account_id: str, partition: str = "aws") -> PolicyDocument:
    """The account manages the topic; CloudWatch and Budgets of this account publish to it.

    A topic policy replaces SNS's default one, so the owner's statement is kept;
    Budgets is refused without its own statement.
    """
    return policy_document(
        [
            {
                "Sid": "OwnerManages",
                "Effect": "Allow",
                "Principal": {"AWS": iam_account_root(partition, account_id)},
                "Action": [
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic",
                    "sns:Publish",
                ],
                "Resource": topic_arn,
            },
            {
                "Sid": "AlarmsAndBudgetsPublish",
                "Effect": "Allow",
                "Principal": {"Service": list(ALARM_PUBLISHERS)},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )
