"""IAM, bucket, key and ECR lifecycle policy documents as plain dicts, one module per AWS service.

Grouped by service, not by layer, so the S3 actions the platform grants, or
everything it puts into a key policy, are in one place. Decisions, not
Terraform: a second engine (Pulumi) or a unit test calls them without cdktf.
Arguments may be literal ARNs or cdktf tokens; the functions only place them.

- :mod:`~.documents`: the document type and envelope, service trust, managed policy ARNs
- :mod:`~.s3`: bucket policies (TLS only, access log delivery) and grants on buckets
  and prefixes, each with the KMS statement its objects need
- :mod:`~.kms`: key policies, the statements admitting services to a key, key use
- :mod:`~.cloudwatch`: log delivery (flow logs, endpoints), endpoint metrics and the
  endpoint's rollback alarms, a Lambda function's logs
- :mod:`~.eks`: cluster and node managed policies, access policies, IRSA trust,
  secrets encryption
- :mod:`~.karpenter`: the Karpenter controller's policy (scoped to one cluster), its
  interruption queue's policy and the EventBridge patterns that feed the queue
- :mod:`~.ec2`: the network interfaces of VPC-attached SageMaker endpoints
- :mod:`~.ecr`: image pull and push, registry login, image lifecycle
- :mod:`~.dynamodb`: writes held to named partition keys; online feature reads and writes
- :mod:`~.glue`, :mod:`~.athena`: reading catalog tables, querying in one workgroup
- :mod:`~.secretsmanager`: reading named secrets (the online store's AUTH), rotating them
- :mod:`~.elasticache`: changing a Redis user's passwords (the rotation function)
- :mod:`~.xray`: sending traces
- :mod:`~.sagemaker`: model package registration
- :mod:`~.sns`: the alarm topic's policy (CloudWatch and Budgets publish)
- :mod:`~.grants`: what one role needs across services (publish to and read from the
  model registry, read and materialize features), and the short list of actions ever
  granted on ``"*"``
"""

from mlplatform.decisions.policies.cloudwatch import (
    ENDPOINT_METRICS_NAMESPACE,
    endpoint_logging_statements,
    flow_logs_delivery_policy,
    rollback_alarm_statements,
)
from mlplatform.decisions.policies.documents import (
    PolicyDocument,
    Statement,
    aws_managed_policy_arn,
    policy_document,
    service_trust_policy,
)
from mlplatform.decisions.policies.dynamodb import (
    METADATA_WRITE_ACTIONS,
    dynamodb_leading_keys_statement,
)
from mlplatform.decisions.policies.ec2 import VPC_ACCESS_ACTIONS, vpc_access_statements
from mlplatform.decisions.policies.ecr import (
    ECR_PULL_ACTIONS,
    ECR_PUSH_ACTIONS,
    ecr_images_statement,
    ecr_lifecycle_policy,
    ecr_token_statement,
)
from mlplatform.decisions.policies.eks import (
    EBS_CSI_DRIVER_POLICY,
    EKS_CLUSTER_ADMIN_ACCESS_POLICY,
    EKS_CLUSTER_MANAGED_POLICIES,
    EKS_CNI_POLICY,
    eks_access_policy_arn,
    eks_node_managed_policies,
    eks_secrets_encryption_policy,
    irsa_trust_policy,
)
from mlplatform.decisions.policies.grants import (
    STAR_ONLY_ACTIONS,
    feature_offline_read_statements,
    feature_online_statements,
    registry_publish_statements,
    registry_read_statements,
)
from mlplatform.decisions.policies.karpenter import (
    INTERRUPTION_EVENT_PATTERNS,
    INTERRUPTION_QUEUE_RETENTION_SECONDS,
    karpenter_controller_policy,
    karpenter_interruption_queue_policy,
    sqs_queue_arn,
)
from mlplatform.decisions.policies.kms import (
    alarm_topic_key_statement,
    cloudwatch_logs_key_statement,
    kms_key_policy,
    kms_read_statement,
    kms_write_statement,
)
from mlplatform.decisions.policies.s3 import (
    ARTIFACT_READ_ACTIONS,
    S3_LIST_ACTIONS,
    S3_READ_ACTIONS,
    S3_WRITE_ACTIONS,
    data_capture_statements,
    s3_access_log_delivery_policy,
    s3_prefix_list_statement,
    s3_prefix_objects_statement,
    s3_read_statements,
    s3_write_statements,
    tls_only_bucket_policy,
)
from mlplatform.decisions.policies.sagemaker import MODEL_PACKAGE_ACTIONS, model_packages_statement

__all__ = [
    "ARTIFACT_READ_ACTIONS",
    "EBS_CSI_DRIVER_POLICY",
    "ECR_PULL_ACTIONS",
    "ECR_PUSH_ACTIONS",
    "EKS_CLUSTER_ADMIN_ACCESS_POLICY",
    "EKS_CLUSTER_MANAGED_POLICIES",
    "EKS_CNI_POLICY",
    "ENDPOINT_METRICS_NAMESPACE",
    "INTERRUPTION_EVENT_PATTERNS",
    "INTERRUPTION_QUEUE_RETENTION_SECONDS",
    "METADATA_WRITE_ACTIONS",
    "MODEL_PACKAGE_ACTIONS",
    "S3_LIST_ACTIONS",
    "S3_READ_ACTIONS",
    "S3_WRITE_ACTIONS",
    "STAR_ONLY_ACTIONS",
    "VPC_ACCESS_ACTIONS",
    "PolicyDocument",
    "Statement",
    "alarm_topic_key_statement",
    "aws_managed_policy_arn",
    "cloudwatch_logs_key_statement",
    "data_capture_statements",
    "dynamodb_leading_keys_statement",
    "ecr_images_statement",
    "ecr_lifecycle_policy",
    "ecr_token_statement",
    "eks_access_policy_arn",
    "eks_node_managed_policies",
    "eks_secrets_encryption_policy",
    "endpoint_logging_statements",
    "feature_offline_read_statements",
    "feature_online_statements",
    "flow_logs_delivery_policy",
    "irsa_trust_policy",
    "karpenter_controller_policy",
    "karpenter_interruption_queue_policy",
    "kms_key_policy",
    "kms_read_statement",
    "kms_write_statement",
    "model_packages_statement",
    "policy_document",
    "registry_publish_statements",
    "registry_read_statements",
    "rollback_alarm_statements",
    "s3_access_log_delivery_policy",
    "s3_prefix_list_statement",
    "s3_prefix_objects_statement",
    "s3_read_statements",
    "s3_write_statements",
    "service_trust_policy",
    "sqs_queue_arn",
    "tls_only_bucket_policy",
    "vpc_access_statements",
]
