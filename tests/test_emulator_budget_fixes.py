"""The emulator answers the Budgets calls the provider makes as AWS documents them.

``aws_budgets_budget`` reads each notification's subscribers
(``DescribeSubscribersForNotification``) and the budget's tags
(``ListTagsForResource``) after every create; plain moto implements neither.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.local_aws import LocalAws

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:mlp-local-ml-alarms"
FORECAST = {
    "NotificationType": "FORECASTED",
    "ComparisonOperator": "GREATER_THAN",
    "Threshold": 80.0,
    "ThresholdType": "PERCENTAGE",
}


@pytest.fixture
def budgets(emulated_aws: LocalAws) -> object:
    client = boto3.client("budgets", region_name="us-east-1")
    client.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "mlp-local-budget",
            "BudgetLimit": {"Amount": "100.00", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        NotificationsWithSubscribers=[
            {
                "Notification": FORECAST,
                "Subscribers": [{"SubscriptionType": "SNS", "Address": TOPIC}],
            }
        ],
        ResourceTags=[{"Key": "env", "Value": "local"}],
    )
    return client


def test_subscribers_of_a_notification_are_those_it_was_created_with(budgets: object) -> None:
    client = boto3.client("budgets", region_name="us-east-1")
    found = client.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName="mlp-local-budget", Notification=FORECAST
    )
    assert found["Subscribers"] == [{"SubscriptionType": "SNS", "Address": TOPIC}]
    with pytest.raises(ClientError, match="NotFoundException"):
        client.describe_subscribers_for_notification(
            AccountId=ACCOUNT,
            BudgetName="mlp-local-budget",
            Notification={**FORECAST, "Threshold": 100.0},
        )
    with pytest.raises(ClientError, match="NotFoundException"):
        client.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="absent", Notification=FORECAST
        )


def test_a_budget_keeps_its_tags_by_arn(budgets: object) -> None:
    client = boto3.client("budgets", region_name="us-east-1")
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/mlp-local-budget"
    assert client.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [
        {"Key": "env", "Value": "local"}
    ]
    client.tag_resource(ResourceARN=arn, ResourceTags=[{"Key": "team", "Value": "ml-platform"}])
    client.untag_resource(ResourceARN=arn, ResourceTagKeys=["env"])
    assert client.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [
        {"Key": "team", "Value": "ml-platform"}
    ]
    client.delete_budget(AccountId=ACCOUNT, BudgetName="mlp-local-budget")
    assert client.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == []
