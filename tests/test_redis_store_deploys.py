"""The Redis (Valkey) online store deploys into the emulator with the real terraform and provider,
and takes a change the way AWS does.

Staging and prod keep online features in ElastiCache; ``local`` keeps DynamoDB (Feast's round
trip in the end-to-end test needs a real online store, and the emulator runs no Redis server).
So this test is where the Redis store's resources are ever applied: one small stack with a
VPC, two private subnets and :class:`~mlplatform.constructs.feature_store.FeatureStore` with
staging's online store, applied and planned again (no changes); the writer's password
rotated by the store's own rotation function (the emulator runs it as Secrets Manager would)
and planned again (no changes: the passwords are the rotation's now); the writer deleted behind
Terraform's back, made again by the next apply with the rotated password (not Terraform's first
one) and put back in its user group, and planned again; then the store grown as its
platform team would grow it (a second read replica, two weeks of snapshots, ``allkeys-lfu``
eviction), synthesized into the same directory, applied (``ModifyCacheParameterGroup``,
``IncreaseReplicaCount``, ``ModifyReplicationGroup``), planned again (no changes) and checked
against what ElastiCache describes; then destroyed. The fixes of
:mod:`mlplatform.emulator.fixes.elasticache` answer the provider as AWS does.

The change leaves out ``node_type`` and ``engine_version`` on purpose: the construct does not
set ``apply_immediately``, so AWS (and the emulator) keep such a change pending until the
maintenance window and terraform plans it again until then (see
:mod:`mlplatform.emulator.fixes.elasticache.replication_group_changes`).

Each terraform command starts the provider (seconds of CPU): the test runs only init, three
applies, four plans and destroy. It takes about four minutes, most of them the provider's fixed
waits (30 s each to create and to delete the user group and the replication group, and 30 s
for the new replica), so ``make test`` runs it beside the suite (marker ``redis``), not in a
worker of it.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cdktf import App, LocalBackend, TerraformStack

from mlplatform.bindings.aws.kms_key import KmsKey
from mlplatform.bindings.aws.security_group import SecurityGroup
from mlplatform.bindings.aws.subnet import Subnet
from mlplatform.bindings.aws.vpc import Vpc
from mlplatform.config import FeatureStoreProps, RedisOnlineStoreProps
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.feature_store import FeatureStore
from mlplatform.constructs.state_retention import StateRetention
from mlplatform.decisions.feature_store import REDIS_USERS, feature_store_names
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.online_store_plan import REDIS_PASSWORD_LENGTH
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.interfaces import VpcPlacement
from mlplatform.loader import EnvironmentLoader
from mlplatform.stacks.aws_connection import configure_provider
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.feature_store import FeatureStoreChecker, check_rotation
from mlplatform.verify.findings import Findings
from mlplatform.verify.keys import KeyChecker
from tests.conftest import ENVIRONMENTS, terraform_in

REGION = "us-east-1"
ZONES = ("us-east-1a", "us-east-1b")
STAGING = EnvironmentLoader().load("staging")
NAMING = Naming.for_environment(STAGING)
"""Staging's names, so ``make verify``'s checker reads the store as it reads staging's."""


def _staging_store() -> FeatureStoreProps:
    """Staging's ``feature_store`` section, read as the environment loader reads it."""
    section = yaml.safe_load((ENVIRONMENTS / "staging.yaml").read_text())["feature_store"]
    store = FeatureStoreProps.model_validate(section)
    assert store.redis is not None and store.redis.replicas >= 1 and store.redis.multi_az
    return store


def _synth_store(outdir: Path, state: Path, endpoint: str, store: FeatureStoreProps) -> Path:
    """One stack: a VPC, two private subnets, a client group and the Redis feature store."""
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "redis")
    LocalBackend(stack, path=str(state))
    configure_provider(
        stack,
        region=REGION,
        tags={"env": "redis", "component": "ml"},
        emulator=True,
        account_id=None,
        endpoint=endpoint,
    )
    StateRetention.opt_out(stack, "a test deploys and destroys the store in the emulator")
    vpc = Vpc(stack, "vpc", cidr_block="10.42.0.0/16")
    subnets = [
        Subnet(
            stack,
            f"private-{zone}",
            vpc_id=vpc.id,
            cidr_block=f"10.42.{index}.0/24",
            availability_zone=zone,
        )
        for index, zone in enumerate(ZONES)
    ]
    nodes = SecurityGroup(stack, "nodes", name="mlp-redis-nodes", vpc_id=vpc.id)
    # The registry's key in the platform: CloudWatch Logs may use it for the rotation's logs.
    logs_key = KmsKey(stack, "logs-key", description="the ml layer's key for logs")
    placement = VpcPlacement(
        vpc_id=vpc.id,
        vpc_cidr="10.42.0.0/16",
        private_subnet_ids=tuple(s.id for s in subnets),
        availability_zones=ZONES,
        s3_prefix_list_id="pl-63a5400a",
    )
    FeatureStore(
        stack,
        "features",
        naming=NAMING,
        props=store,
        lake=DataLake.from_names(stack, "lake", naming=NAMING),
        placement=placement,
        clients={"nodes": nodes.id},
        logs_key_arn=logs_key.arn,
    )
    app.synth()
    return outdir / "stacks" / "redis"


def _grown_store(store: FeatureStoreProps) -> FeatureStoreProps:
    """Staging's store as its platform team grows it: a second read replica, two weeks of
    snapshots, and eviction of the least frequently used keys of all (``allkeys-lfu``)."""
    assert store.redis is not None
    redis = RedisOnlineStoreProps.model_validate(
        {
            **store.redis.model_dump(),
            "replicas": store.redis.replicas + 1,
            "snapshot_retention_days": 14,
            "maxmemory_policy": "allkeys-lfu",
        }
    )
    assert redis.snapshot_retention_days != store.redis.snapshot_retention_days
    assert redis.maxmemory_policy != store.redis.maxmemory_policy
    return store.model_copy(update={"online_store": redis})


def _assert_grown(cache: Any, names: Mapping[str, str], store: FeatureStoreProps) -> None:
    """ElastiCache describes the grown store: one more member cluster, each available and
    alike, the new retention, and the new eviction policy in the store's parameter group."""
    redis = store.redis
    assert redis is not None
    [group] = cache.describe_replication_groups(ReplicationGroupId=names["replication_group"])[
        "ReplicationGroups"
    ]
    assert group["Status"] == "available"
    assert len(group["MemberClusters"]) == 1 + redis.replicas
    assert [len(g["NodeGroupMembers"]) for g in group["NodeGroups"]] == [1 + redis.replicas]
    assert group["SnapshotRetentionLimit"] == redis.snapshot_retention_days
    assert group["CacheNodeType"] == redis.node_type
    clusters = cache.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert sorted(c["CacheClusterId"] for c in clusters) == sorted(group["MemberClusters"])
    for cluster in clusters:
        assert cluster["CacheClusterStatus"] == "available"
        assert cluster["ReplicationGroupId"] == names["replication_group"]
        assert (cluster["Engine"], cluster["EngineVersion"]) == (redis.engine, redis.engine_version)
        assert cluster["CacheNodeType"] == redis.node_type
        assert cluster["SnapshotRetentionLimit"] == redis.snapshot_retention_days
        assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == names["parameter_group"]
        assert not cluster.get("PendingModifiedValues")
    assert {c["PreferredAvailabilityZone"] for c in clusters} == set(ZONES)
    [policy] = cache.describe_cache_parameters(
        CacheParameterGroupName=names["parameter_group"], Source="user"
    )["Parameters"]
    assert (policy["ParameterName"], policy["ParameterValue"]) == (
        "maxmemory-policy",
        redis.maxmemory_policy,
    )


def _rotate_the_writers_password(
    cache: Any, names: Mapping[str, str], store: FeatureStoreProps
) -> None:
    """The store's rotation function, deployed by terraform and run by the emulator as Secrets
    Manager runs it, gives the writer a new password and keeps the old one valid beside it;
    the schedule is the file's."""
    assert store.redis is not None
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secret = names["secret:writer"]
    findings = Findings()
    for user in REDIS_USERS:  # as make verify reads them
        described = secrets.describe_secret(SecretId=names[f"secret:{user}"])
        check_rotation(findings, user, described, names, store.redis)
    assert findings.problems == [] and len(findings.passed) == 3 * len(REDIS_USERS)
    first = secrets.get_secret_value(SecretId=secret)["SecretString"]

    secrets.rotate_secret(SecretId=secret)

    current = secrets.get_secret_value(SecretId=secret)["SecretString"]
    previous = secrets.get_secret_value(SecretId=secret, VersionStage="AWSPREVIOUS")
    assert current != first and previous["SecretString"] == first
    assert len(current) == REDIS_PASSWORD_LENGTH
    [writer] = cache.describe_users(UserId=names["user:writer"])["Users"]
    assert writer["Status"] == "active"
    assert writer["Authentication"] == {"Type": "password", "PasswordCount": 2}
    [reader] = cache.describe_users(UserId=names["user:reader"])["Users"]
    assert reader["Authentication"]["PasswordCount"] == 1  # rotated on its own schedule


def _state(workdir: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """The resources of the stack's state, values included (sensitive ones too)."""
    shown = subprocess.run(
        ["terraform", "show", "-json", "-no-color"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    resources: list[dict[str, Any]] = json.loads(shown.stdout)["values"]["root_module"]["resources"]
    return resources


def _recreate_the_deleted_writer(
    terraform: Any,
    workdir: Path,
    env: dict[str, str],
    cache: Any,
    names: Mapping[str, str],
    store: FeatureStoreProps,
) -> None:
    """The writer, deleted behind Terraform's back after its password rotated, is made again
    with the secret's current password (not the first one Terraform kept) and put back in the
    user group, which lost it with the user (as AWS's DeleteUser documents); ``make verify``
    names the group's missing user until then."""
    writer = names["user:writer"]
    current = boto3.client("secretsmanager", region_name=REGION).get_secret_value(
        SecretId=names["secret:writer"]
    )["SecretString"]
    [first] = [
        r["values"]["secret_string"]
        for r in _state(workdir, env)
        if r["mode"] == "managed"
        and r["type"] == "aws_secretsmanager_secret_version"
        and "writer" in r["address"]
    ]
    assert first != current  # the rotation retired Terraform's first password
    cache.delete_user(UserId=writer)
    for _ in range(120):  # as AWS, a while "deleting" (a plan then fails to read the user)
        try:
            cache.describe_users(UserId=writer)
        except cache.exceptions.UserNotFoundFault:
            break
        time.sleep(1)
    else:
        raise AssertionError(f"{writer} is still there two minutes after DeleteUser")
    [group] = cache.describe_user_groups(UserGroupId=names["user_group"])["UserGroups"]
    assert writer not in group["UserIds"]
    expected = sorted(names[f"user:{u}"] for u in ("default", "reader", "writer"))
    assert _verified(store) == [
        f"ElastiCache user group {names['user_group']}: users is "
        f"[{', '.join(u for u in expected if u != writer)}], expected [{', '.join(expected)}]"
    ]

    recreated = terraform("apply", "-auto-approve")

    assert recreated.returncode == 0, recreated.stdout[-4000:] + recreated.stderr
    assert "1 added, 1 changed, 0 destroyed" in recreated.stdout
    [made] = [
        r
        for r in _state(workdir, env)
        if r["type"] == "aws_elasticache_user" and r["values"]["user_id"] == writer
    ]
    assert made["values"]["authentication_mode"][0]["passwords"] == [current]
    [group] = cache.describe_user_groups(UserGroupId=names["user_group"])["UserGroups"]
    assert writer in group["UserIds"]
    assert _verified(store) == []


def _verified(store: FeatureStoreProps) -> list[str]:
    """What ``make verify`` finds wrong with the deployed online store against ``store``
    (the offline tables are the data layer's, which this test does not deploy)."""
    context = VerifyContext(STAGING.model_copy(update={"feature_store": store}), boto3.client)
    FeatureStoreChecker(context, KeyChecker(context), store).check()
    return [p for p in context.findings.problems if not p.startswith("Glue table")]


@pytest.mark.redis
def test_redis_store_applies_replans_clean_and_destroys(
    tmp_path: Path, terraform_env: dict[str, str], emulated_aws: LocalAws
) -> None:
    store = _staging_store()
    names = feature_store_names(NAMING, store)
    # The lake is another stack's: its key exists before the store is applied.
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="the lake's key")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key)
    kms.create_alias(AliasName=names["key_alias"], TargetKeyId=key)
    workdir = _synth_store(
        tmp_path / "out", tmp_path / "redis.tfstate", emulated_aws.endpoint, store
    )

    terraform = terraform_in(workdir, terraform_env)

    initialized = terraform("init")
    assert initialized.returncode == 0, initialized.stderr
    applied = terraform("apply", "-auto-approve")
    assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr

    cache = boto3.client("elasticache", region_name=REGION)
    [group] = cache.describe_replication_groups(ReplicationGroupId=names["replication_group"])[
        "ReplicationGroups"
    ]
    assert group["Status"] == "available"
    assert len(group["MemberClusters"]) == 1 + store.redis.replicas  # type: ignore[union-attr]
    assert group["MultiAZ"] == "enabled" and group["AutomaticFailover"] == "enabled"
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"]
    assert group["UserGroupIds"] == [names["user_group"]]

    replanned = terraform("plan", "-detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout[-6000:] + replanned.stderr

    _rotate_the_writers_password(cache, names, store)
    replanned = terraform("plan", "-detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout[-6000:] + replanned.stderr
    assert _verified(store) == []
    _recreate_the_deleted_writer(terraform, workdir, terraform_env, cache, names, store)
    replanned = terraform("plan", "-detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout[-6000:] + replanned.stderr

    grown = _grown_store(store)
    resynthesized = _synth_store(
        tmp_path / "out", tmp_path / "redis.tfstate", emulated_aws.endpoint, grown
    )
    assert resynthesized == workdir  # the directory terraform init prepared
    changed = terraform("apply", "-auto-approve")
    assert changed.returncode == 0, changed.stdout[-4000:] + changed.stderr
    replanned = terraform("plan", "-detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout[-6000:] + replanned.stderr
    _assert_grown(cache, names, grown)
    assert _verified(grown) == []
    # Checked against the file it was not deployed from, the store is named as drifted.
    assert _verified(store) == [
        f"ElastiCache replication group {names['replication_group']}: snapshot retention "
        f"(days) is {grown.redis.snapshot_retention_days}, expected "  # type: ignore[union-attr]
        f"{store.redis.snapshot_retention_days}"  # type: ignore[union-attr]
    ]

    destroyed = terraform("destroy", "-auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr

    assert cache.describe_replication_groups()["ReplicationGroups"] == []
    assert cache.describe_cache_clusters()["CacheClusters"] == []
    assert cache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    parameter_groups = cache.describe_cache_parameter_groups()["CacheParameterGroups"]
    assert names["parameter_group"] not in {g["CacheParameterGroupName"] for g in parameter_groups}
    assert cache.describe_user_groups()["UserGroups"] == []
    assert {u["UserId"] for u in cache.describe_users()["Users"]} == {"default"}
    # As on AWS, the final snapshot the replication group was deleted with is kept.
    [final] = cache.describe_snapshots()["Snapshots"]
    assert final["SnapshotName"] == f"{names['replication_group']}-final"
    secrets = boto3.client("secretsmanager", region_name=REGION).list_secrets()["SecretList"]
    assert not {s["Name"] for s in secrets} & {names[f"secret:{u}"] for u in REDIS_USERS}
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []
    ec2 = boto3.client("ec2", region_name=REGION)
    assert ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.42.0.0/16"]}])["Vpcs"] == []
    leftover = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [names["security_group"], "mlp-redis-nodes"]}]
    )["SecurityGroups"]
    assert leftover == []


def test_the_stack_holds_every_type_local_leaves_to_it(tmp_path: Path) -> None:
    """The emulator coverage counts the types local leaves out with this file named as their
    deployer (``EMULATOR_GAPS``); the stack applied above must hold each of them."""
    from tests.test_e2e_local import EMULATOR_GAPS, REDIS_DEPLOY

    workdir = _synth_store(
        tmp_path / "out", tmp_path / "redis.tfstate", "http://127.0.0.1:4566", _staging_store()
    )
    held = set(json.loads((workdir / "cdk.tf.json").read_text())["resource"])
    left_to_this_file = {k for k, gap in EMULATOR_GAPS.items() if gap.deployed_by == REDIS_DEPLOY}
    assert left_to_this_file and left_to_this_file <= held
