"""What a deploy of an environment leaves in AWS, made by hand with boto3 in the emulator.

The verifier's unit tests build a correct environment with this, change one
setting the way someone would behind Terraform's back, and expect exactly
that setting named. Values come from the environment file and the same
decisions the constructs use, so a correct build mirrors a real deploy (the
end-to-end test checks the verifier against a real deploy into the emulator).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from mlplatform.config import EnvironmentConfig, ObjectLockProps
from mlplatform.decisions.alarm_plan import AlarmPlan
from mlplatform.decisions.budgets import plan_budgets
from mlplatform.decisions.container_insights import container_insights_log_groups
from mlplatform.decisions.contract import PlatformContract, expected_parameters
from mlplatform.decisions.dashboard import dashboard_body, platform_widgets
from mlplatform.decisions.feature_store import (
    OFFLINE_PARTITION,
    ONLINE_HASH_KEY,
    TTL_ATTRIBUTE,
    feature_store_names,
    offline_columns,
    offline_location,
    offline_table_parameters,
)
from mlplatform.decisions.lifecycle import LifecycleRule, data_zone_rules, expiring_rules
from mlplatform.decisions.metrics import dashboard_name
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.documents import service_trust_policy
from mlplatform.decisions.policies.ecr import ecr_lifecycle_policy
from mlplatform.decisions.policies.eks import irsa_trust_policy
from mlplatform.decisions.policies.karpenter import (
    INTERRUPTION_EVENT_PATTERNS,
    INTERRUPTION_QUEUE_RETENTION_SECONDS,
    karpenter_controller_policy,
    karpenter_interruption_queue_policy,
)
from mlplatform.decisions.policies.s3 import s3_access_log_delivery_policy, tls_only_bucket_policy
from mlplatform.decisions.replication_plan import (
    batch_replication_role_name,
    replica_access_log_bucket,
    replica_buckets,
    replica_key_settings,
    replication_alarms,
    replication_role_name,
    replication_rule,
)
from mlplatform.decisions.serving_plan import plan_endpoint
from mlplatform.decisions.subnet_plan import SubnetPlan
from mlplatform.decisions.tagging import platform_tags
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.verify import EnvironmentVerifier

VERIFY_ENVIRONMENT = Path(__file__).parent / "fixtures" / "verify-local.yaml"
"""The environment these tests build: ``local`` as it was before the emulator could deploy
add-ons, access entries, launch templates, Athena and the Glue connection, so that the
build here stays small; tests switch those on one at a time where they check them. The
end-to-end test runs the verifier against a real deploy of today's ``local``."""
ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"
_clients: dict[str, Any] = {}


def client(service: str, region_name: str | None = None) -> Any:
    """A client of one long-lived session: botocore reads each service model once per
    process, not once per test. It talks to the endpoint the test's environment names
    (the session's emulator server, see ``emulated_aws`` in conftest), in ``REGION`` unless
    ``region_name`` names another (the lake's replicas)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    region = region_name or REGION
    key = f"{service}@{endpoint}@{region}"
    if key not in _clients:
        if "session" not in _clients:
            _clients["session"] = boto3.session.Session(region_name=REGION)
        _clients[key] = _clients["session"].client(service, region_name=region)
    return _clients[key]


def use_fake_account(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 must never find, let alone use, real credentials."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    # moto loads every AMI it knows into each fresh account otherwise; nothing here needs them.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


def verifier(config: EnvironmentConfig, clients: Any = client) -> EnvironmentVerifier:
    """A verifier with the tests' clients, which talk to the emulator server."""
    return EnvironmentVerifier(config, clients)


def local_with(*changes: tuple[str, str]) -> EnvironmentConfig:
    """``environments/local.yaml`` with lines changed, each ``(old, new)``."""
    text = VERIFY_ENVIRONMENT.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, f"local.yaml no longer has {old!r}; update this test's variant"
        text = text.replace(old, new)
    return EnvironmentLoader.parse(text)


class Builder:
    """Creates each layer of ``config`` in the mocked account."""

    def __init__(self, config: EnvironmentConfig) -> None:
        self.config = config
        self.naming = Naming.for_environment(config)
        self.region = config.region
        self.keys: dict[str, str] = {}
        self.private_subnets: list[str] = []
        self.config_names: dict[str, str] = {}
        """Each endpoint's configuration name without the apply-time suffix."""

    def client(self, service: str) -> Any:
        assert self.region == REGION, "the test clients are for us-east-1"
        return client(service)

    def tags(self, layer: str) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in platform_tags(self.config, layer).items()]

    # ----------------------------------------------------------------- shared
    def key(self, alias: str, region: str | None = None) -> str:
        kms = client("kms", region) if region else self.client("kms")
        key = kms.create_key(Description=alias)["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        kms.enable_key_rotation(KeyId=key["KeyId"])
        self.keys[alias] = key["Arn"]
        return str(key["Arn"])

    def log_group(self, name: str, retention: int, key_arn: str) -> None:
        logs = self.client("logs")
        logs.create_log_group(logGroupName=name, kmsKeyId=key_arn)
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)

    def bucket(
        self,
        name: str,
        layer: str,
        key_arn: str | None,
        rules: list[LifecycleRule],
        log_target: tuple[str, str] | None = None,
        object_lock: ObjectLockProps | None = None,
        region: str | None = None,
    ) -> None:
        s3 = client("s3", region) if region else self.client("s3")
        where = {"CreateBucketConfiguration": {"LocationConstraint": region}} if region else {}
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock is not None, **where)
        if object_lock is not None:
            s3.put_object_lock_configuration(
                Bucket=name,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {
                        "DefaultRetention": {
                            "Mode": object_lock.mode,
                            "Days": object_lock.retention_days,
                        }
                    },
                },
            )
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": self.tags(layer)})
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_ownership_controls(
            Bucket=name,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        default: dict[str, str] = (
            {"SSEAlgorithm": "AES256"}
            if key_arn is None
            else {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
        )
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
            },
        )
        arn = f"arn:aws:s3:::{name}"
        policy = (
            s3_access_log_delivery_policy(arn, ACCOUNT)
            if key_arn is None
            else tls_only_bucket_policy(arn)
        )
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={"Rules": [{**r, "Filter": {"Prefix": ""}} for r in rules]},
        )
        if log_target is not None:
            s3.put_bucket_logging(
                Bucket=name,
                BucketLoggingStatus={
                    "LoggingEnabled": {"TargetBucket": log_target[0], "TargetPrefix": log_target[1]}
                },
            )

    # ----------------------------------------------------------------- network
    def network(self) -> None:
        config, naming = self.config, self.naming
        ec2 = self.client("ec2")
        vpc_id = ec2.create_vpc(
            CidrBlock=config.network.cidr,
            TagSpecifications=[
                {
                    "ResourceType": "vpc",
                    "Tags": [
                        {"Key": "Name", "Value": naming.resource("vpc")},
                        *self.tags("network"),
                    ],
                }
            ],
        )["Vpc"]["VpcId"]
        default = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]
        if default["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(
                GroupId=default["GroupId"], IpPermissions=default["IpPermissionsEgress"]
            )
        if default["IpPermissions"]:
            ec2.revoke_security_group_ingress(
                GroupId=default["GroupId"], IpPermissions=default["IpPermissions"]
            )

        def subnet(cidr: str, zone: str, tier: str) -> str:
            tags = [{"Key": "tier", "Value": tier}]
            return str(
                ec2.create_subnet(
                    VpcId=vpc_id,
                    CidrBlock=cidr,
                    AvailabilityZone=zone,
                    TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
                )["Subnet"]["SubnetId"]
            )

        plans = SubnetPlan.for_vpc(config.network.cidr, config.used_availability_zones)
        public = [subnet(p.public_cidr, p.availability_zone, "public") for p in plans]
        self.private_subnets = [
            subnet(p.private_cidr, p.availability_zone, "private") for p in plans
        ]
        nat_count = len(plans) if config.network.nat_strategy == "one_per_az" else 1
        for index in range(nat_count):
            address = ec2.allocate_address(Domain="vpc")["AllocationId"]
            ec2.create_nat_gateway(SubnetId=public[index], AllocationId=address)
        routes = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        for gateway in ("s3", "dynamodb"):
            ec2.create_vpc_endpoint(
                VpcId=vpc_id,
                ServiceName=f"com.amazonaws.{self.region}.{gateway}",
                VpcEndpointType="Gateway",
                RouteTableIds=[routes],
            )
        for service in config.network.interface_endpoints:
            ec2.create_vpc_endpoint(
                VpcId=vpc_id,
                ServiceName=f"com.amazonaws.{self.region}.{service}",
                VpcEndpointType="Interface",
                SubnetIds=self.private_subnets,
            )
        key = self.key(naming.kms_alias("network-logs"))
        log_group = naming.log_group("network", "flow-logs")
        self.log_group(log_group, config.network.flow_logs_retention_days, key)
        ec2.create_flow_logs(
            ResourceIds=[vpc_id],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=log_group,
            DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/mlp-local-network-flow-logs",
        )

    # ----------------------------------------------------------------- data lake
    def data_lake(self) -> None:
        naming, lake = self.naming, self.config.data_lake
        key = self.key(naming.kms_alias("datalake"))
        log_bucket = naming.bucket("datalake", "access-logs")
        self.bucket(log_bucket, "data", None, expiring_rules(lake.access_log_expiry_days))
        glue = self.client("glue")
        rules = data_zone_rules(
            lake.intelligent_tiering_after_days, lake.noncurrent_version_expiry_days
        )
        for zone in lake.zones:
            bucket = naming.bucket("datalake", zone)
            self.bucket(bucket, "data", key, rules, (log_bucket, f"{zone}/"), lake.object_lock)
            glue.create_database(
                DatabaseInput={
                    "Name": naming.glue_database("datalake", zone),
                    "LocationUri": f"s3://{bucket}/",
                }
            )

    def replication(self) -> None:
        """The lake's replication as ``LakeReplication`` makes it: in the replica region a key,
        a log bucket and a replica per zone; in the lake's, a rule per zone, and the role Batch
        Replication runs as."""
        naming, lake = self.naming, self.config.data_lake
        replication = lake.replication
        assert replication is not None
        region = replication.region
        key = self.key(replica_key_settings(naming, replication)["alias"], region)
        logs = replica_access_log_bucket(naming, lake)
        self.bucket(logs.bucket_name, "data", None, list(logs.lifecycle_rules), region=region)
        role = f"arn:aws:iam::{ACCOUNT}:role/{replication_role_name(naming)}"
        for zone, plan in replica_buckets(naming, lake).items():
            log_target = (logs.bucket_name, plan.log_prefix or "")
            rules = list(plan.lifecycle_rules)
            self.bucket(plan.bucket_name, "data", key, rules, log_target, lake.object_lock, region)
            rule = replication_rule(zone, replication)
            self.client("s3").put_bucket_replication(
                Bucket=naming.bucket("datalake", zone),
                ReplicationConfiguration={
                    "Role": role,
                    "Rules": [
                        {
                            "ID": rule["id"],
                            "Priority": 1,
                            "Status": rule["status"],
                            "Filter": {"Prefix": ""},
                            "DeleteMarkerReplication": {"Status": rule["delete_marker_status"]},
                            "SourceSelectionCriteria": {
                                "SseKmsEncryptedObjects": {"Status": "Enabled"}
                            },
                            "Destination": {
                                "Bucket": f"arn:aws:s3:::{plan.bucket_name}",
                                "StorageClass": rule["storage_class"],
                                "EncryptionConfiguration": {"ReplicaKmsKeyID": key},
                                "Metrics": {"Status": rule["metrics_status"]},
                            },
                        }
                    ],
                },
            )
        self.client("iam").create_role(
            RoleName=batch_replication_role_name(naming),
            AssumeRolePolicyDocument=json.dumps(
                service_trust_policy("batchoperations.s3.amazonaws.com", ACCOUNT)
            ),
        )

    # ----------------------------------------------------------------- compute
    def compute(self) -> None:
        assert self.config.compute is not None, "the environment has no compute layer"
        compute, naming = self.config.compute, self.naming
        props = compute.cluster
        name = naming.resource("eks")
        key = self.key(naming.kms_alias("eks"))
        self.log_group(f"/aws/eks/{name}/cluster", props.log_retention_days, key)
        if props.addons is not None:
            for group in container_insights_log_groups(name):
                self.log_group(group, props.log_retention_days, key)
        eks = self.client("eks")
        role = f"arn:aws:iam::{ACCOUNT}:role/{naming.iam('eks', 'cluster')}"
        cluster = eks.create_cluster(
            name=name,
            version=props.kubernetes_version,
            roleArn=role,
            resourcesVpcConfig={
                "subnetIds": self.private_subnets,
                "endpointPrivateAccess": True,
                "endpointPublicAccess": props.endpoint_public_access,
            },
            logging={
                "clusterLogging": [{"types": list(props.control_plane_logs), "enabled": True}]
            },
            encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}],
            tags=platform_tags(self.config, "compute"),
        )["cluster"]
        issuer = cluster["identity"]["oidc"]["issuer"]
        provider = self.client("iam").create_open_id_connect_provider(
            Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["0" * 40]
        )["OpenIDConnectProviderArn"]
        node_role = f"arn:aws:iam::{ACCOUNT}:role/{naming.iam('eks', 'node')}"
        groups = {"system": props.system_node_group, **props.cpu_node_groups}
        for group, group_props in groups.items():
            eks.create_nodegroup(
                clusterName=name,
                nodegroupName=naming.resource("cpu", group),
                nodeRole=node_role,
                subnets=self.private_subnets,
                instanceTypes=list(group_props.instance_types),
                amiType="AL2023_x86_64_STANDARD",
                capacityType="SPOT" if group_props.capacity == "spot" else "ON_DEMAND",
                scalingConfig={
                    "minSize": group_props.min_nodes,
                    "maxSize": group_props.max_nodes,
                    "desiredSize": group_props.min_nodes,
                },
                diskSize=group_props.root_volume_gib,
                labels={"mlplatform/node-group": group},
            )
        if compute.gpu_pools:
            self.karpenter(name, provider, issuer.removeprefix("https://"))

    def karpenter(self, cluster: str, oidc_provider: str, issuer_host: str) -> None:
        """Karpenter's AWS side as KarpenterController makes it (the node role's AWS managed
        policies aside: the tests' emulator does not load them, and the verifier does not
        check them)."""
        naming, iam = self.naming, self.client("iam")
        queue = naming.resource("karpenter", "interruptions", max_length=80)
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"
        self.client("sqs").create_queue(
            QueueName=queue,
            Attributes={
                "MessageRetentionPeriod": str(INTERRUPTION_QUEUE_RETENTION_SECONDS),
                "SqsManagedSseEnabled": "true",
                "Policy": json.dumps(karpenter_interruption_queue_policy(queue_arn)),
            },
        )
        events = self.client("events")
        for rule, pattern in INTERRUPTION_EVENT_PATTERNS.items():
            events.put_rule(
                Name=naming.resource("karpenter", rule), EventPattern=json.dumps(pattern)
            )
            events.put_targets(
                Rule=naming.resource("karpenter", rule),
                Targets=[{"Id": "karpenter-interruption-queue", "Arn": queue_arn}],
            )
        node = naming.iam("karpenter", "node")
        node_arn = iam.create_role(
            RoleName=node,
            AssumeRolePolicyDocument=json.dumps(service_trust_policy("ec2.amazonaws.com")),
        )["Role"]["Arn"]
        profile_arn: str = iam.create_instance_profile(InstanceProfileName=node)["InstanceProfile"][
            "Arn"
        ]
        iam.add_role_to_instance_profile(InstanceProfileName=node, RoleName=node)
        controller = naming.iam("karpenter", "controller")
        trust = irsa_trust_policy(oidc_provider, issuer_host, "kube-system", "karpenter")
        iam.create_role(RoleName=controller, AssumeRolePolicyDocument=json.dumps(trust))
        policy = karpenter_controller_policy(
            partition="aws",
            region=REGION,
            account_id=ACCOUNT,
            cluster_name=cluster,
            cluster_arn=f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{cluster}",
            queue_arn=queue_arn,
            node_role_arn=node_arn,
            instance_profile_arn=profile_arn,
        )
        iam.put_role_policy(
            RoleName=controller,
            PolicyName="karpenter-controller",
            PolicyDocument=json.dumps(policy),
        )

    # ----------------------------------------------------------------- ml
    def ml(self) -> None:
        assert self.config.ml is not None, "the environment has no ml layer"
        ml, naming = self.config.ml, self.naming
        registry = ml.registry
        key = self.key(naming.kms_alias("registry"))
        log_bucket = naming.bucket("registry", "access-logs")
        self.bucket(log_bucket, "ml", None, expiring_rules(registry.access_log_expiry_days))
        artifacts = naming.bucket("registry", "artifacts")
        rules = data_zone_rules(
            registry.intelligent_tiering_after_days, registry.noncurrent_version_expiry_days
        )
        self.bucket(artifacts, "ml", key, rules, (log_bucket, "artifacts/"), registry.object_lock)
        dynamodb = self.client("dynamodb")
        table = naming.resource("registry", "models", max_length=255)
        dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "model", "AttributeType": "S"},
                {"AttributeName": "version", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "model", "KeyType": "HASH"},
                {"AttributeName": "version", "KeyType": "RANGE"},
            ],
            SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
            DeletionProtectionEnabled=registry.deletion_protection,
        )
        dynamodb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        ecr = self.client("ecr")
        sagemaker = self.client("sagemaker")
        urls: dict[str, str] = {}
        for family in registry.model_families:
            repository = naming.resource("registry", family, max_length=256)
            urls[family] = ecr.create_repository(
                repositoryName=repository,
                imageTagMutability="IMMUTABLE",
                imageScanningConfiguration={"scanOnPush": True},
                encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
            )["repository"]["repositoryUri"]
            ecr.put_lifecycle_policy(
                repositoryName=repository,
                lifecyclePolicyText=json.dumps(
                    ecr_lifecycle_policy(registry.image_retention_count)
                ),
            )
            sagemaker.create_model_package_group(
                ModelPackageGroupName=naming.resource("registry", family, max_length=63)
            )

        alarms_key = self.key(naming.kms_alias("ml", "alarms"))
        topic = self.client("sns").create_topic(
            Name=naming.resource("ml", "alarms", max_length=256),
            Attributes={"KmsMasterKeyId": alarms_key},
        )["TopicArn"]
        self.endpoints(urls, artifacts, key, topic)
        self.observability(topic)

    def observability(self, topic: str) -> None:
        """The topic's subscriptions, the dashboard, the budgets and the lake's replication
        alarms, as the ml stack makes them."""
        config, naming = self.config, self.naming
        wanted = config.observability.subscriptions
        for protocol, endpoints in (
            ("email", wanted.email),
            ("https", wanted.https),
            ("sqs", wanted.sqs),
        ):
            for endpoint in endpoints:
                self.client("sns").subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
        if config.observability.dashboard:
            self.client("cloudwatch").put_dashboard(
                DashboardName=dashboard_name(naming.prefix),
                DashboardBody=json.dumps(
                    dashboard_body(platform_widgets(config, naming), config.region)
                ),
            )
        account = self.client("sts").get_caller_identity()["Account"]
        for plan in plan_budgets(config, naming):
            self.client("budgets").create_budget(
                AccountId=account,
                Budget={
                    "BudgetName": plan.name,
                    "BudgetLimit": {"Amount": f"{plan.limit_usd:.2f}", "Unit": "USD"},
                    "TimeUnit": "MONTHLY",
                    "BudgetType": "COST",
                },
                NotificationsWithSubscribers=[
                    {
                        "Notification": {
                            "NotificationType": kind,
                            "ComparisonOperator": "GREATER_THAN",
                            "Threshold": percent,
                            "ThresholdType": "PERCENTAGE",
                        },
                        "Subscribers": [{"SubscriptionType": "SNS", "Address": topic}],
                    }
                    for kind, percent in plan.notifications
                ],
            )
        for alarm in replication_alarms(naming, config.data_lake).values():
            self.metric_alarm(alarm, topic)

    def endpoints(self, urls: dict[str, str], artifacts: str, key: str, topic: str) -> None:
        assert self.config.ml is not None
        naming = self.naming
        sagemaker = self.client("sagemaker")
        scaling = self.client("application-autoscaling")
        cloudwatch = self.client("cloudwatch")
        role = f"arn:aws:iam::{ACCOUNT}:role/endpoint"
        for name, props in self.config.ml.serving.items():
            plan = plan_endpoint(naming, name, props)
            self.log_group(plan.log_group_name, props.log_retention_days, key)
            variants = []
            for variant in plan.variants:
                model = f"{variant.model.name}-0a1b"
                sagemaker.create_model(
                    ModelName=model,
                    ExecutionRoleArn=role,
                    EnableNetworkIsolation=variant.model.network_isolation,
                    PrimaryContainer={
                        "Image": f"{urls[variant.model.family]}:{variant.model.image_tag}",
                        "ModelDataUrl": f"s3://{artifacts}/{variant.model.artifact_key}",
                    },
                )
                variants.append(
                    {
                        "VariantName": variant.name,
                        "ModelName": model,
                        "InitialVariantWeight": variant.weight,
                        "InstanceType": variant.instance_type,
                        "InitialInstanceCount": variant.initial_instance_count,
                    }
                )
            capture: dict[str, Any] = {}
            if plan.data_capture_prefix is not None:
                bucket = naming.bucket("datalake", props.data_capture_zone)
                capture["DataCaptureConfig"] = {
                    "EnableCapture": True,
                    "InitialSamplingPercentage": plan.data_capture_percent,
                    "DestinationS3Uri": f"s3://{bucket}/{plan.data_capture_prefix}",
                    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                }
            config_name = f"{plan.config_name}-2c3d"
            self.config_names[name] = plan.config_name
            sagemaker.create_endpoint_config(
                EndpointConfigName=config_name,
                ProductionVariants=variants,
                KmsKeyId=key,
                **capture,
            )
            deployment: dict[str, Any] = {}
            if plan.rollout is not None:
                rollout = plan.rollout
                deployment["DeploymentConfig"] = {
                    "BlueGreenUpdatePolicy": {
                        "TrafficRoutingConfiguration": {
                            "Type": rollout.traffic_routing,
                            "WaitIntervalInSeconds": rollout.wait_interval_seconds,
                        },
                        "TerminationWaitInSeconds": rollout.termination_wait_seconds,
                        "MaximumExecutionTimeoutInSeconds": rollout.maximum_execution_timeout_seconds,
                    },
                    "AutoRollbackConfiguration": {
                        "Alarms": [{"AlarmName": a.name} for a in rollout.rollback_alarms]
                    },
                }
                for rollback in rollout.rollback_alarms:
                    cloudwatch.put_metric_alarm(
                        AlarmName=rollback.name,
                        EvaluationPeriods=rollback.evaluation_periods,
                        DatapointsToAlarm=rollback.datapoints_to_alarm,
                        Threshold=rollback.threshold,
                        ComparisonOperator=rollback.comparison_operator,
                        TreatMissingData=rollback.treat_missing_data,
                        AlarmActions=[topic],
                        OKActions=[topic],
                        Metrics=[
                            *(
                                {
                                    "Id": m.id,
                                    "ReturnData": False,
                                    "MetricStat": {
                                        "Metric": {
                                            "Namespace": "AWS/SageMaker",
                                            "MetricName": m.metric_name,
                                            "Dimensions": [
                                                {"Name": k, "Value": v}
                                                for k, v in m.dimensions.items()
                                            ],
                                        },
                                        "Period": rollback.period,
                                        "Stat": m.stat,
                                    },
                                }
                                for m in rollback.metrics
                            ),
                            {
                                "Id": "endpoint",
                                "Expression": rollback.expression,
                                "ReturnData": True,
                            },
                        ],
                    )
            sagemaker.create_endpoint(
                EndpointName=plan.endpoint_name, EndpointConfigName=config_name, **deployment
            )
            for variant in plan.variants:
                if variant.scaling is None:
                    continue
                wanted = variant.scaling
                scaling.register_scalable_target(
                    ServiceNamespace="sagemaker",
                    ResourceId=wanted.resource_id,
                    ScalableDimension=wanted.scalable_dimension,
                    MinCapacity=wanted.min_capacity,
                    MaxCapacity=wanted.max_capacity,
                )
                scaling.put_scaling_policy(
                    PolicyName=wanted.policy_name,
                    ServiceNamespace="sagemaker",
                    ResourceId=wanted.resource_id,
                    ScalableDimension=wanted.scalable_dimension,
                    PolicyType="TargetTrackingScaling",
                    TargetTrackingScalingPolicyConfiguration={
                        "TargetValue": wanted.target_value,
                        "PredefinedMetricSpecification": {
                            "PredefinedMetricType": wanted.predefined_metric
                        },
                        "ScaleInCooldown": wanted.scale_in_cooldown,
                        "ScaleOutCooldown": wanted.scale_out_cooldown,
                    },
                )
            for alarm in plan.alarms:
                self.metric_alarm(alarm, topic)

    def metric_alarm(self, alarm: AlarmPlan, topic: str) -> None:
        """One planned alarm on one metric, notifying ``topic``, as ``Alarm`` makes it."""
        statistic = (
            {"ExtendedStatistic": alarm.extended_statistic}
            if alarm.extended_statistic
            else {"Statistic": alarm.statistic}
        )
        self.client("cloudwatch").put_metric_alarm(
            AlarmName=alarm.name,
            AlarmDescription=alarm.description,
            Namespace=alarm.namespace,
            MetricName=alarm.metric_name,
            Dimensions=[{"Name": k, "Value": v} for k, v in alarm.dimensions.items()],
            Period=alarm.period,
            EvaluationPeriods=alarm.evaluation_periods,
            DatapointsToAlarm=alarm.datapoints_to_alarm,
            Threshold=alarm.threshold,
            ComparisonOperator=alarm.comparison_operator,
            TreatMissingData=alarm.treat_missing_data,
            AlarmActions=[topic],
            OKActions=[topic],
            **statistic,
        )


def build_feature_store(builder: Builder) -> None:
    """The feature store as FeatureTables and FeatureStore (DynamoDB) make it."""
    store = builder.config.feature_store
    assert store is not None and store.dynamodb is not None, "a DynamoDB feature store"
    naming = builder.naming
    names = feature_store_names(naming, store)
    bucket = naming.bucket("datalake", "features")
    glue, dynamodb = builder.client("glue"), builder.client("dynamodb")
    key = builder.keys[names["key_alias"]]
    for group, props in store.feature_groups.items():
        glue.create_table(
            DatabaseName=naming.glue_database("datalake", "features"),
            TableInput={
                "Name": names[f"offline_table:{group}"],
                "TableType": "EXTERNAL_TABLE",
                "Parameters": offline_table_parameters(bucket, group),
                "PartitionKeys": [{"Name": OFFLINE_PARTITION, "Type": "string"}],
                "StorageDescriptor": {
                    "Location": offline_location(bucket, group),
                    "Columns": [{"Name": n, "Type": t} for n, t in offline_columns(props)],
                },
            },
        )
        table = names[f"online_table:{group}"]
        dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": ONLINE_HASH_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": ONLINE_HASH_KEY, "AttributeType": "S"}],
            SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
            DeletionProtectionEnabled=store.dynamodb.deletion_protection,
        )
        dynamodb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        dynamodb.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )


_BUILT: dict[tuple[str, str], tuple[str, Builder]] = {}
"""Each environment built so far, by (emulator endpoint, config): its snapshot and builder."""


def build_environment(config: EnvironmentConfig) -> Builder:
    """Every layer ``config`` describes, as a deploy makes it; returns the builder (key ARNs).

    Callers start from the emptied emulator (``emulated_aws``). The first build of a config
    in an emulator is saved as a snapshot (:mod:`mlplatform.emulator.snapshots`); a later
    call puts the emulator back to it, which is the same state as building again, in one
    call instead of about 150, and gets its own copy of the builder.
    """
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    emulator = LocalAws(int(endpoint.rsplit(":", 1)[1]))
    key = (endpoint, config.model_dump_json())
    if key in _BUILT:
        snapshot, built = _BUILT[key]
        emulator.restore(snapshot)
        return copy.deepcopy(built)
    builder = _build(config)
    snapshot = f"verify-build-{len(_BUILT)}"
    emulator.snapshot(snapshot)
    _BUILT[key] = (snapshot, copy.deepcopy(builder))
    return builder


def _build(config: EnvironmentConfig) -> Builder:
    builder = Builder(config)
    builder.network()
    builder.data_lake()
    if config.data_lake.replication is not None:
        builder.replication()
    if config.compute is not None:
        builder.compute()
    if config.ml is not None:
        builder.ml()
    if config.feature_store is not None:
        build_feature_store(builder)
    build_contract(builder)
    return builder


def build_contract(builder: Builder) -> None:
    """The platform contract's parameters: the file's values, and the VPC's id (the rest of
    what only a deploy knows is a placeholder the verifier does not compare)."""
    ssm = builder.client("ssm")
    config = builder.config
    vpcs = builder.client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": [builder.naming.resource("vpc")]}]
    )["Vpcs"]
    contract = PlatformContract(config.org, config.environment)
    vpc_name = contract.name("network/vpc-id")
    karpenter_role = contract.name("compute/karpenter/node-role-arn")
    for name, value in expected_parameters(config).items():
        if name == vpc_name:
            value = vpcs[0]["VpcId"]
        if name == karpenter_role:
            role = builder.client("iam").get_role(RoleName=builder.naming.iam("karpenter", "node"))
            value = role["Role"]["Arn"]
        ssm.put_parameter(Name=name, Value=value or "deployed", Type="String")


def change_alarm(name: str, **changes: Any) -> None:
    """Put alarm ``name`` again as it is, but for ``changes`` (``Threshold=50.0``): what
    someone editing it in the console does."""
    cloudwatch = client("cloudwatch")
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    kept = (
        "AlarmName",
        "AlarmDescription",
        "Namespace",
        "MetricName",
        "Dimensions",
        "Statistic",
        "Period",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "AlarmActions",
        "OKActions",
    )
    cloudwatch.put_metric_alarm(**{**{k: alarm[k] for k in kept if k in alarm}, **changes})
