"""Which Terraform resource type each pulumi-aws 6.x type token stands for.

pulumi-aws 6.x bridges terraform-provider-aws 5.x: each Pulumi type is one
Terraform type with the same attributes in camelCase. Parity tests and the
guardrails read Pulumi resources as Terraform types through this table; a
token missing from it is an error naming it, never silently skipped.
"""

from __future__ import annotations

__all__ = ["ATTRIBUTE_RENAMES", "PROVIDER_TOKEN", "TERRAFORM_TYPES", "terraform_type"]

PROVIDER_TOKEN = "pulumi:providers:aws"

TERRAFORM_TYPES: dict[str, str] = {
    # network
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "aws_vpc_security_group_ingress_rule"
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    # logs, IAM, KMS
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/alias:Alias": "aws_kms_alias",
    # S3 (the V2 classes are the split resources Terraform has had since provider 4.x)
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": (
        "aws_s3_bucket_lifecycle_configuration"
    ),
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "aws_s3_bucket_logging",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2": (
        "aws_s3_bucket_object_lock_configuration"
    ),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (
        "aws_s3_bucket_replication_configuration"
    ),
    # data lake
    "aws:glue/catalogDatabase:CatalogDatabase": "aws_glue_catalog_database",
    "aws:glue/catalogTable:CatalogTable": "aws_glue_catalog_table",
    "aws:glue/connection:Connection": "aws_glue_connection",
    "aws:athena/workgroup:Workgroup": "aws_athena_workgroup",
    # compute
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "aws:eks/addon:Addon": "aws_eks_addon",
    "aws:eks/accessEntry:AccessEntry": "aws_eks_access_entry",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "aws_eks_access_policy_association",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:iam/instanceProfile:InstanceProfile": "aws_iam_instance_profile",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/placementGroup:PlacementGroup": "aws_placement_group",
    "aws:sqs/queue:Queue": "aws_sqs_queue",
    "aws:sqs/queuePolicy:QueuePolicy": "aws_sqs_queue_policy",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "aws_fsx_lustre_file_system",
    # ml: alarm topic, registry, observability
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:cloudwatch/dashboard:Dashboard": "aws_cloudwatch_dashboard",
    "aws:budgets/budget:Budget": "aws_budgets_budget",
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "aws_ecr_lifecycle_policy",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": "aws_sagemaker_model_package_group",
    # ml: serving
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:sagemaker/model:Model": "aws_sagemaker_model",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": (
        "aws_sagemaker_endpoint_configuration"
    ),
    "aws:sagemaker/endpoint:Endpoint": "aws_sagemaker_endpoint",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:appautoscaling/policy:Policy": "aws_appautoscaling_policy",
    # ml: the online feature store
    "aws:elasticache/subnetGroup:SubnetGroup": "aws_elasticache_subnet_group",
    "aws:elasticache/parameterGroup:ParameterGroup": "aws_elasticache_parameter_group",
    "aws:elasticache/user:User": "aws_elasticache_user",
    "aws:elasticache/userGroup:UserGroup": "aws_elasticache_user_group",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:secretsmanager/secretRotation:SecretRotation": "aws_secretsmanager_secret_rotation",
    # the platform contract
    "aws:ssm/parameter:Parameter": "aws_ssm_parameter",
    # the cluster layer (pulumi-kubernetes' Helm release, Terraform's hashicorp/helm)
    "kubernetes:helm.sh/v3:Release": "helm_release",
}

ATTRIBUTE_RENAMES: dict[str, dict[str, str]] = {
    # Top-level attributes pulumi-aws names apart from Terraform (snake_case Pulumi -> Terraform).
    "aws_sns_topic_subscription": {"topic": "topic_arn"},
    "aws_cloudwatch_metric_alarm": {"name": "alarm_name"},
    "aws_elasticache_parameter_group": {"parameters": "parameter"},
    "aws_lambda_function": {"name": "function_name"},
    "aws_lambda_permission": {"function": "function_name"},
}


def terraform_type(token: str) -> str:
    """The Terraform type of a pulumi-aws type token; KeyError naming the token if unmapped."""
    try:
        return TERRAFORM_TYPES[token]
    except KeyError:
        raise KeyError(
            f"no Terraform type for Pulumi type {token!r}: add it to "
            "mlplatform.pulumi.types.TERRAFORM_TYPES"
        ) from None
