"""Guardrail rules, cdk-nag style: small functions over a stack's resources, each with an id.

A rule sees every resource of one stack as Terraform JSON (``{type: {name:
config}}``, references resolved to ``${type.name.attr}``), so rules that span
resources ("every bucket has a public access block") are as easy as rules on
one. Rules are plain Python: :class:`~mlplatform.guardrails.stack_check.Guardrails`
runs them once per cdktf stack at synth, and any engine's output could feed them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mlplatform.bindings.aws import TAGGABLE_TYPES
from mlplatform.decisions.retention import RETENTION_RULE_ID, STATEFUL_RESOURCE_TYPES

__all__ = ["PROVIDERS", "REQUIRED_TAGS", "RULES", "TAG_RULE_ID", "Finding", "Resources", "Rule"]

Resources = dict[str, dict[str, dict[str, Any]]]
"""``{resource_type: {logical_name: config}}`` of one stack."""


@dataclass(frozen=True)
class Finding:
    """One resource that breaks one rule."""

    resource: str
    """``<type>.<logical name>``."""
    message: str


@dataclass(frozen=True)
class Rule:
    """A guardrail: id, what it demands, and the check."""

    id: str
    info: str
    fix: str
    check: Callable[[Resources], Iterator[Finding]]


def _refers_to(value: Any, address: str) -> bool:
    return isinstance(value, str) and f"${{{address}." in value


def _companions(resources: Resources, kind: str, bucket_address: str) -> list[dict[str, Any]]:
    return [
        c for c in resources.get(kind, {}).values() if _refers_to(c.get("bucket"), bucket_address)
    ]


def _buckets(resources: Resources) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, config in resources.get("aws_s3_bucket", {}).items():
        yield f"aws_s3_bucket.{name}", config


def _first(block: Any) -> dict[str, Any]:
    if isinstance(block, list):
        return block[0] if block else {}
    return block if isinstance(block, dict) else {}


def _public_access_blocked(resources: Resources) -> Iterator[Finding]:
    flags = (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    )
    for address, _ in _buckets(resources):
        blocks = _companions(resources, "aws_s3_bucket_public_access_block", address)
        if not any(all(b.get(flag) is True for flag in flags) for b in blocks):
            yield Finding(address, "has no public access block with all four settings on")


def _kms_encrypted(resources: Resources) -> Iterator[Finding]:
    for address, _ in _buckets(resources):
        configs = _companions(
            resources, "aws_s3_bucket_server_side_encryption_configuration", address
        )
        algorithms = {
            _first(_first(c.get("rule")).get("apply_server_side_encryption_by_default")).get(
                "sse_algorithm"
            )
            for c in configs
        }
        if not algorithms & {"aws:kms", "aws:kms:dsse"}:
            yield Finding(address, "is not encrypted with a KMS key by default")


def _versioned(resources: Resources) -> Iterator[Finding]:
    for address, _ in _buckets(resources):
        configs = _companions(resources, "aws_s3_bucket_versioning", address)
        if not any(
            _first(c.get("versioning_configuration")).get("status") == "Enabled" for c in configs
        ):
            yield Finding(address, "does not have versioning enabled")


def _tls_only(resources: Resources) -> Iterator[Finding]:
    for address, _ in _buckets(resources):
        policies = _companions(resources, "aws_s3_bucket_policy", address)
        texts = [p.get("policy", "") for p in policies]
        if not any(
            '"aws:SecureTransport": "false"' in t or '"aws:SecureTransport":"false"' in t
            for t in texts
        ):
            yield Finding(address, "has no bucket policy denying requests without TLS")


def _replication_watched(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_s3_bucket_replication_configuration", {}).items():
        address = f"aws_s3_bucket_replication_configuration.{name}"
        for rule in _as_list(config.get("rule")):
            if not isinstance(rule, dict) or rule.get("status") != "Enabled":
                continue
            label = f"rule {rule.get('id') or '(no id)'}"
            selection = _first(
                _first(rule.get("source_selection_criteria")).get("sse_kms_encrypted_objects")
            )
            if selection.get("status") != "Enabled":
                yield Finding(
                    address,
                    f"{label} skips KMS-encrypted objects, which every platform bucket holds "
                    "(source_selection_criteria.sse_kms_encrypted_objects)",
                )
            metrics = _first(_first(rule.get("destination")).get("metrics"))
            if metrics.get("status") != "Enabled":
                yield Finding(
                    address,
                    f"{label} publishes no replication metrics, so no alarm can see a failure "
                    "(destination.metrics)",
                )


def _key_rotation(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_kms_key", {}).items():
        if config.get("enable_key_rotation") is not True:
            yield Finding(f"aws_kms_key.{name}", "does not rotate its key material")


def _log_groups(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_cloudwatch_log_group", {}).items():
        if not config.get("kms_key_id") or not config.get("retention_in_days"):
            yield Finding(
                f"aws_cloudwatch_log_group.{name}", "needs both kms_key_id and retention_in_days"
            )


def _functions_logged_and_keyed(resources: Resources) -> Iterator[Finding]:
    """A function's logs go to a group the stack makes (Lambda would otherwise make one with
    no key and no expiry, out of MLP-LOG-1's reach), and variables are under a customer key."""
    groups = {
        config.get("name") for config in resources.get("aws_cloudwatch_log_group", {}).values()
    }
    for name, config in resources.get("aws_lambda_function", {}).items():
        address = f"aws_lambda_function.{name}"
        function = config.get("function_name")
        group = _first(config.get("logging_config")).get("log_group") or (
            f"/aws/lambda/{function}" if isinstance(function, str) else None
        )
        if group is not None and "${" not in group and group not in groups:
            yield Finding(address, f"logs to {group}, which no aws_cloudwatch_log_group here makes")
        variables = _first(config.get("environment")).get("variables")
        if variables and not config.get("kms_key_arn"):
            yield Finding(address, "keeps environment variables without kms_key_arn")


_ANYWHERE = {"0.0.0.0/0", "::/0"}


def _no_open_ingress(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_vpc_security_group_ingress_rule", {}).items():
        if config.get("cidr_ipv4") in _ANYWHERE or config.get("cidr_ipv6") in _ANYWHERE:
            yield Finding(
                f"aws_vpc_security_group_ingress_rule.{name}", "allows ingress from anywhere"
            )
    for name, config in resources.get("aws_security_group_rule", {}).items():
        cidrs = set(config.get("cidr_blocks") or []) | set(config.get("ipv6_cidr_blocks") or [])
        if config.get("type") == "ingress" and cidrs & _ANYWHERE:
            yield Finding(f"aws_security_group_rule.{name}", "allows ingress from anywhere")
    for name, config in resources.get("aws_security_group", {}).items():
        for block in config.get("ingress") or []:
            if (
                set(block.get("cidr_blocks") or []) | set(block.get("ipv6_cidr_blocks") or [])
            ) & _ANYWHERE:
                yield Finding(f"aws_security_group.{name}", "allows ingress from anywhere")


def _statements(policy: Any) -> list[dict[str, Any]]:
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except json.JSONDecodeError:
        return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _no_admin_policies(resources: Resources) -> Iterator[Finding]:
    for kind in (
        "aws_iam_role_policy",
        "aws_iam_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
    ):
        for name, config in resources.get(kind, {}).items():
            for statement in _statements(config.get("policy")):
                if (
                    statement.get("Effect") == "Allow"
                    and "*" in _as_list(statement.get("Action"))
                    and "*" in _as_list(statement.get("Resource"))
                ):
                    yield Finding(f"{kind}.{name}", "allows every action on every resource")


def _flow_logs(resources: Resources) -> Iterator[Finding]:
    logged = list(resources.get("aws_flow_log", {}).values())
    for name in resources.get("aws_vpc", {}):
        if not any(_refers_to(f.get("vpc_id"), f"aws_vpc.{name}") for f in logged):
            yield Finding(f"aws_vpc.{name}", "has no flow log")


def _eks_endpoint_private(resources: Resources) -> Iterator[Finding]:
    # EKS makes the endpoint public when endpoint_public_access is left out.
    for name, config in resources.get("aws_eks_cluster", {}).items():
        vpc = _first(config.get("vpc_config"))
        if vpc.get("endpoint_public_access") is False:
            continue
        cidrs = set(vpc.get("public_access_cidrs") or [])
        if not cidrs or cidrs & _ANYWHERE:
            yield Finding(
                f"aws_eks_cluster.{name}", "exposes its API endpoint without a CIDR allowlist"
            )


def _eks_secrets_encrypted(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_eks_cluster", {}).items():
        encryption = _first(config.get("encryption_config"))
        if "secrets" not in (encryption.get("resources") or []) or not _first(
            encryption.get("provider")
        ).get("key_arn"):
            yield Finding(
                f"aws_eks_cluster.{name}", "does not envelope-encrypt secrets with a KMS key"
            )


def _imdsv2_required(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_launch_template", {}).items():
        if _first(config.get("metadata_options")).get("http_tokens") != "required":
            yield Finding(f"aws_launch_template.{name}", "does not require IMDSv2 (http_tokens)")


def _launch_template_volumes_encrypted(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_launch_template", {}).items():
        for mapping in _as_list(config.get("block_device_mappings") or []):
            ebs = _first(_first(mapping).get("ebs"))
            if ebs and str(ebs.get("encrypted")).lower() != "true":
                yield Finding(f"aws_launch_template.{name}", "launches unencrypted EBS volumes")


def _dynamodb_recoverable(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_dynamodb_table", {}).items():
        if _first(config.get("point_in_time_recovery")).get("enabled") is not True:
            yield Finding(f"aws_dynamodb_table.{name}", "has no point-in-time recovery")
        encryption = _first(config.get("server_side_encryption"))
        if encryption.get("enabled") is not True or not encryption.get("kms_key_arn"):
            yield Finding(f"aws_dynamodb_table.{name}", "is not encrypted with a customer KMS key")


def _ecr_repositories(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_ecr_repository", {}).items():
        address = f"aws_ecr_repository.{name}"
        if config.get("image_tag_mutability") != "IMMUTABLE":
            yield Finding(address, "lets a tag be pushed again (image_tag_mutability)")
        if _first(config.get("image_scanning_configuration")).get("scan_on_push") is not True:
            yield Finding(address, "does not scan images on push")
        if _first(config.get("encryption_configuration")).get("encryption_type") != "KMS":
            yield Finding(address, "is not encrypted with a KMS key")


def _sns_encrypted(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_sns_topic", {}).items():
        if not config.get("kms_master_key_id"):
            yield Finding(f"aws_sns_topic.{name}", "is not encrypted with a KMS key")


def _sagemaker_capture_encrypted(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_sagemaker_endpoint_configuration", {}).items():
        capture = _first(config.get("data_capture_config"))
        if capture and not capture.get("kms_key_id"):
            yield Finding(
                f"aws_sagemaker_endpoint_configuration.{name}",
                "captures requests without a KMS key",
            )


def _elasticache_protected(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_elasticache_replication_group", {}).items():
        address = f"aws_elasticache_replication_group.{name}"
        if config.get("transit_encryption_enabled") is not True:
            yield Finding(address, "accepts connections without TLS (transit_encryption_enabled)")
        if str(config.get("at_rest_encryption_enabled")).lower() != "true" or not config.get(
            "kms_key_id"
        ):
            yield Finding(address, "is not encrypted at rest with a customer KMS key")
        if not config.get("user_group_ids") and not config.get("auth_token"):
            yield Finding(address, "lets clients in without AUTH (no user_group_ids or auth_token)")
        if not config.get("subnet_group_name"):
            yield Finding(address, "has no subnet group, so it is not placed in private subnets")


def _secrets_encrypted(resources: Resources) -> Iterator[Finding]:
    for name, config in resources.get("aws_secretsmanager_secret", {}).items():
        if not config.get("kms_key_id"):
            yield Finding(
                f"aws_secretsmanager_secret.{name}", "is encrypted with the AWS managed key only"
            )


def _stateful_retained(resources: Resources) -> Iterator[Finding]:
    for kind in STATEFUL_RESOURCE_TYPES:
        for name, config in resources.get(kind, {}).items():
            if _first(config.get("lifecycle")).get("prevent_destroy") is not True:
                yield Finding(f"{kind}.{name}", "can be destroyed (no lifecycle.prevent_destroy)")


PROVIDERS = "//provider"
"""Key under which :func:`~mlplatform.guardrails.stack_check.guardrail_findings` passes the
stack's ``provider`` blocks (``{"aws": [config, ...]}``) to the rules; never a resource type."""
REQUIRED_TAGS = ("env", "team", "cost-center", "component")
TAG_RULE_ID = "MLP-TAG-1"


def _default_tags(resources: Resources, provider: str) -> dict[str, Any]:
    """The ``default_tags`` of provider ``aws`` or ``aws.<alias>`` in this stack."""
    _, _, alias = provider.partition(".")
    for config in _as_list(resources.get(PROVIDERS, {}).get("aws") or []):
        if config.get("alias", "") == alias:
            tags: dict[str, Any] = {}
            for block in _as_list(config.get("default_tags") or []):
                tags.update(block.get("tags") or {})
            return tags
    return {}


def _tagged(resources: Resources) -> Iterator[Finding]:
    taggable = TAGGABLE_TYPES
    for kind in sorted(resources):
        if kind == PROVIDERS:
            continue
        for name, config in resources[kind].items():
            # Other bindings' types (prebuilt mix-ins) count when they carry tags at all.
            if kind not in taggable and "tags" not in config:
                continue
            provider = config.get("provider", "aws").removeprefix("${").removesuffix("}")
            tags = {**_default_tags(resources, provider), **(config.get("tags") or {})}
            missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
            if missing:
                yield Finding(f"{kind}.{name}", f"is not tagged {', '.join(missing)}")


RULES: tuple[Rule, ...] = (
    Rule(
        "MLP-S3-1",
        "S3 buckets block all public access",
        "add an aws_s3_bucket_public_access_block with all four flags true (SecureBucket does)",
        _public_access_blocked,
    ),
    Rule(
        "MLP-S3-2",
        "S3 buckets are encrypted with a KMS key",
        "use SecureBucket with kms_key_arn, or suppress with the reason SSE-KMS is impossible",
        _kms_encrypted,
    ),
    Rule(
        "MLP-S3-3",
        "S3 buckets are versioned",
        "add aws_s3_bucket_versioning with status Enabled",
        _versioned,
    ),
    Rule(
        "MLP-S3-4",
        "S3 buckets refuse requests without TLS",
        "attach tls_only_bucket_policy() as the bucket policy",
        _tls_only,
    ),
    Rule(
        "MLP-S3-5",
        "S3 replication rules replicate KMS-encrypted objects and publish replication metrics",
        "set source_selection_criteria.sse_kms_encrypted_objects and destination.metrics to "
        "status Enabled, and alarm on OperationsFailedReplication (DataLake's replication does)",
        _replication_watched,
    ),
    Rule("MLP-KMS-1", "KMS keys rotate yearly", "set enable_key_rotation = true", _key_rotation),
    Rule(
        "MLP-LOG-1",
        "Log groups are KMS-encrypted and expire",
        "set kms_key_id and retention_in_days",
        _log_groups,
    ),
    Rule(
        "MLP-LAMBDA-1",
        "Lambda functions log to a log group of the stack and encrypt their variables with a "
        "customer KMS key",
        "add aws_cloudwatch_log_group /aws/lambda/<function name> (encrypted, expiring) and set "
        "kms_key_arn (RedisPasswordRotation does)",
        _functions_logged_and_keyed,
    ),
    Rule(
        "MLP-EC2-1",
        "No security group ingress from anywhere",
        "allow only the VPC CIDR or a security group",
        _no_open_ingress,
    ),
    Rule(
        "MLP-IAM-1",
        "No IAM policy allows every action on every resource",
        "list the actions and resources the role needs",
        _no_admin_policies,
    ),
    Rule(
        "MLP-VPC-1",
        "Every VPC has flow logs",
        "add an aws_flow_log for the VPC (Network does)",
        _flow_logs,
    ),
    Rule(
        "MLP-EKS-1",
        "EKS API endpoints are private, or public only to an allowlist",
        "set endpoint_public_access = false, or list public_access_cidrs without 0.0.0.0/0",
        _eks_endpoint_private,
    ),
    Rule(
        "MLP-EKS-2",
        "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key",
        "add encryption_config with resources [secrets] and a provider key_arn (ComputeCluster does)",
        _eks_secrets_encrypted,
    ),
    Rule(
        "MLP-EC2-2",
        "Launch templates require IMDSv2",
        "set metadata_options.http_tokens = required (ManagedNodeGroup does)",
        _imdsv2_required,
    ),
    Rule(
        "MLP-EC2-3",
        "Launch templates encrypt their EBS volumes",
        "set encrypted = true on every block_device_mappings ebs block",
        _launch_template_volumes_encrypted,
    ),
    Rule(
        "MLP-DDB-1",
        "DynamoDB tables have point-in-time recovery and a customer KMS key",
        "set point_in_time_recovery.enabled and server_side_encryption with kms_key_arn",
        _dynamodb_recoverable,
    ),
    Rule(
        "MLP-ECR-1",
        "ECR repositories have immutable tags, scan on push and KMS encryption",
        "set image_tag_mutability IMMUTABLE, scan_on_push true and encryption_type KMS (ModelRegistry does)",
        _ecr_repositories,
    ),
    Rule(
        "MLP-SNS-1",
        "SNS topics are encrypted with a KMS key",
        "set kms_master_key_id to a key whose policy admits the publishers (AlarmTopic does)",
        _sns_encrypted,
    ),
    Rule(
        "MLP-SM-1",
        "SageMaker data capture is encrypted with a KMS key",
        "set data_capture_config.kms_key_id (ServingEndpoint does)",
        _sagemaker_capture_encrypted,
    ),
    Rule(
        "MLP-REDIS-1",
        "ElastiCache replication groups use TLS, a customer KMS key at rest, AUTH and private "
        "subnets",
        "set transit_encryption_enabled, at_rest_encryption_enabled with kms_key_id, "
        "user_group_ids and subnet_group_name (FeatureStore does)",
        _elasticache_protected,
    ),
    Rule(
        "MLP-SECRET-1",
        "Secrets Manager secrets are encrypted with a customer KMS key",
        "set kms_key_id (FeatureStore uses the lake key)",
        _secrets_encrypted,
    ),
    Rule(
        RETENTION_RULE_ID,
        "Stateful resources cannot be destroyed by terraform (prevent_destroy)",
        "create it with mlplatform.StateRetention.protect(resource), or opt the environment "
        "out with retention.opt_out_reason (StateRetention.opt_out(stack, reason) in code)",
        _stateful_retained,
    ),
    Rule(
        TAG_RULE_ID,
        "Taggable resources carry env, team, cost-center and component",
        "deploy it through a PlatformStack (its provider's default_tags carry them) or set the "
        "missing tags on the resource",
        _tagged,
    ),
)
