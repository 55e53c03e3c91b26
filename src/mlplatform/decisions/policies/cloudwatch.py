"""CloudWatch Logs and metrics: what VPC flow logs and serving containers may write."""

from __future__ import annotations

from mlplatform.decisions.policies.documents import (
    PolicyDocument,
    Statement,
    allow,
    policy_document,
)

__all__ = [
    "ENDPOINT_METRICS_NAMESPACE",
    "endpoint_logging_statements",
    "flow_logs_delivery_policy",
    "function_logging_statement",
    "rollback_alarm_statements",
]

ENDPOINT_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints"
"""Where SageMaker's endpoint agent publishes instance metrics (CPU, memory, disk)."""


def flow_logs_delivery_policy(log_group_arn: str) -> PolicyDocument:
    """What the VPC flow logs service needs to write into one log group, and nothing more."""
    return policy_document(
        [
            {
                "Sid": "WriteFlowLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            }
        ]
    )


def endpoint_logging_statements(log_group_arn: str) -> list[Statement]:
    """Container logs into the endpoint's own log group, instance metrics into SageMaker's namespace."""
    return [
        {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            # The group exists (the endpoint creates it, encrypted and expiring); the agent
            # still calls CreateLogGroup first and must not be refused.
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
        },
        {
            "Sid": "PublishEndpointMetrics",
            "Effect": "Allow",
            # PutMetricData has no resource-level permission; the namespace condition bounds it.
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": ENDPOINT_METRICS_NAMESPACE}},
        },
    ]


def function_logging_statement(log_group_arn: str) -> Statement:
    """A Lambda function's logs into its own log group (which the platform makes, encrypted
    and expiring, so the function needs no ``CreateLogGroup``)."""
    return allow(
        "WriteFunctionLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [log_group_arn, f"{log_group_arn}:log-stream:*"],
    )


def rollback_alarm_statements(alarm_arns: list[str]) -> list[Statement]:
    """What SageMaker needs, as the endpoint's execution role, to watch its rollback alarms.

    AWS: the execution role must be allowed ``cloudwatch:DescribeAlarms`` on
    the auto-rollback alarms, or a deployment cannot see them fire.
    """
    return [allow("ReadRollbackAlarms", "cloudwatch:DescribeAlarms", alarm_arns)]
