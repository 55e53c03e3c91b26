"""What the Redis (Valkey) online store needs of ElastiCache, the emulator answers as AWS does.

Each test shows one behaviour of :mod:`mlplatform.emulator.fixes.elasticache` over HTTP, with
boto3 against the emulator's own process: parameter groups and their parameters, user groups
and their users, a replication group's member clusters, deleting subnet groups and replication
groups, changing a replication group and its number of replicas, changing a user, and tags on
the new kinds of resource. Plain moto 5.2.5 had no parameter groups, user groups, ModifyUser,
DeleteCacheSubnetGroup, IncreaseReplicaCount or DecreaseReplicaCount, named member clusters it
could not describe, ignored most of a ModifyReplicationGroup, and never finished deleting a
replication group.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.local_aws import LocalAws

GROUP = "features"


@pytest.fixture
def cache(emulated_aws: LocalAws) -> Any:
    return boto3.client("elasticache")


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def _subnet_group(name: str = "private") -> str:
    """A subnet group over two subnets in two zones of a new VPC."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    boto3.client("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName=name, CacheSubnetGroupDescription="private", SubnetIds=subnets
    )
    return name


def _users(cache: Any, *names: str) -> list[str]:
    """A ``default``-named user that is off, and one user with a password per name."""
    cache.create_user(
        UserId="store-default",
        UserName="default",
        Engine="valkey",
        AccessString="off -@all",
        AuthenticationMode={"Type": "no-password-required"},
    )
    for name in names:
        cache.create_user(
            UserId=f"store-{name}",
            UserName=name,
            Engine="valkey",
            AccessString="on ~* +@read",
            AuthenticationMode={"Type": "password", "Passwords": ["p" * 32]},
        )
    return ["store-default", *(f"store-{n}" for n in names)]


def _replication_group(cache: Any, **settings: Any) -> dict[str, Any]:
    """The store's replication group: a primary and a replica, Multi-AZ (``settings`` win)."""
    defaults: dict[str, Any] = {
        "ReplicationGroupId": GROUP,
        "ReplicationGroupDescription": "online features",
        "Engine": "valkey",
        "EngineVersion": "8.0",
        "CacheNodeType": "cache.r7g.large",
        "NumCacheClusters": 2,
        "AutomaticFailoverEnabled": True,
        "MultiAZEnabled": True,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
    }
    group: dict[str, Any] = cache.create_replication_group(**{**defaults, **settings})[
        "ReplicationGroup"
    ]
    return group


# --------------------------------------------------------------------- parameter groups
def test_a_parameter_groups_parameters_are_described_modified_and_reset(cache: Any) -> None:
    created = cache.create_cache_parameter_group(
        CacheParameterGroupName="features-params",
        CacheParameterGroupFamily="valkey8",
        Description="evict features",
    )["CacheParameterGroup"]
    assert created["CacheParameterGroupFamily"] == "valkey8"
    assert created["ARN"].endswith(":parametergroup:features-params")

    before = {
        p["ParameterName"]: p
        for p in cache.describe_cache_parameters(CacheParameterGroupName="features-params")[
            "Parameters"
        ]
    }
    assert before["maxmemory-policy"]["ParameterValue"] == "volatile-lru"
    assert before["maxmemory-policy"]["Source"] == "system"
    assert "allkeys-lfu" in before["maxmemory-policy"]["AllowedValues"]

    cache.modify_cache_parameter_group(
        CacheParameterGroupName="features-params",
        ParameterNameValues=[
            {"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lfu"}
        ],
    )
    [changed] = cache.describe_cache_parameters(
        CacheParameterGroupName="features-params", Source="user"
    )["Parameters"]
    assert (changed["ParameterName"], changed["ParameterValue"]) == (
        "maxmemory-policy",
        "allkeys-lfu",
    )

    cache.reset_cache_parameter_group(
        CacheParameterGroupName="features-params", ResetAllParameters=True
    )
    assert (
        cache.describe_cache_parameters(CacheParameterGroupName="features-params", Source="user")[
            "Parameters"
        ]
        == []
    )


def test_a_parameter_value_outside_its_allowed_values_is_refused(cache: Any) -> None:
    cache.create_cache_parameter_group(
        CacheParameterGroupName="strict", CacheParameterGroupFamily="redis7", Description="x"
    )
    with pytest.raises(ClientError) as refused:
        cache.modify_cache_parameter_group(
            CacheParameterGroupName="strict",
            ParameterNameValues=[{"ParameterName": "maxmemory-policy", "ParameterValue": "lru"}],
        )
    assert _code(refused) == "InvalidParameterValue"


def test_parameter_groups_are_listed_with_the_defaults_and_unknown_ones_are_not_found(
    cache: Any,
) -> None:
    cache.create_cache_parameter_group(
        CacheParameterGroupName="mine", CacheParameterGroupFamily="valkey8", Description="x"
    )
    listed = {
        g["CacheParameterGroupName"]
        for g in cache.describe_cache_parameter_groups()["CacheParameterGroups"]
    }
    assert {"mine", "default.valkey8", "default.redis7"} <= listed

    with pytest.raises(ClientError) as missing:
        cache.describe_cache_parameter_groups(CacheParameterGroupName="absent")
    assert _code(missing) == "CacheParameterGroupNotFound"
    with pytest.raises(ClientError) as twice:
        cache.create_cache_parameter_group(
            CacheParameterGroupName="mine", CacheParameterGroupFamily="valkey8", Description="x"
        )
    assert _code(twice) == "CacheParameterGroupAlreadyExists"
    with pytest.raises(ClientError) as family:
        cache.create_cache_parameter_group(
            CacheParameterGroupName="other", CacheParameterGroupFamily="valkey99", Description="x"
        )
    assert _code(family) == "InvalidParameterValue"


def test_a_default_parameter_group_cannot_be_modified_or_deleted(cache: Any) -> None:
    with pytest.raises(ClientError) as modified:
        cache.modify_cache_parameter_group(
            CacheParameterGroupName="default.valkey8",
            ParameterNameValues=[{"ParameterName": "timeout", "ParameterValue": "30"}],
        )
    assert _code(modified) == "InvalidParameterValue"
    with pytest.raises(ClientError) as deleted:
        cache.delete_cache_parameter_group(CacheParameterGroupName="default.valkey8")
    assert _code(deleted) == "InvalidParameterValue"


def test_a_parameter_group_in_use_cannot_be_deleted_and_one_not_in_use_can(cache: Any) -> None:
    cache.create_cache_parameter_group(
        CacheParameterGroupName="used", CacheParameterGroupFamily="valkey8", Description="x"
    )
    _replication_group(cache, CacheParameterGroupName="used")

    with pytest.raises(ClientError) as in_use:
        cache.delete_cache_parameter_group(CacheParameterGroupName="used")
    assert _code(in_use) == "InvalidCacheParameterGroupState"

    cache.delete_replication_group(ReplicationGroupId=GROUP)
    cache.delete_cache_parameter_group(CacheParameterGroupName="used")
    with pytest.raises(ClientError) as gone:
        cache.describe_cache_parameter_groups(CacheParameterGroupName="used")
    assert _code(gone) == "CacheParameterGroupNotFound"


# --------------------------------------------------------------------- user groups
def test_a_user_group_lists_its_users_and_each_user_its_group(cache: Any) -> None:
    users = _users(cache, "reader", "writer")

    created = cache.create_user_group(UserGroupId="store-users", Engine="valkey", UserIds=users)

    assert created["Status"] == "active"
    assert created["ARN"].endswith(":usergroup:store-users")
    [described] = cache.describe_user_groups(UserGroupId="store-users")["UserGroups"]
    assert sorted(described["UserIds"]) == sorted(users)
    [reader] = cache.describe_users(UserId="store-reader")["Users"]
    assert reader["UserGroupIds"] == ["store-users"]


def test_a_user_group_refuses_a_user_that_does_not_exist(cache: Any) -> None:
    users = _users(cache)
    with pytest.raises(ClientError) as refused:
        cache.create_user_group(
            UserGroupId="store-users", Engine="valkey", UserIds=[*users, "nobody"]
        )
    assert _code(refused) == "UserNotFound"
    assert cache.describe_user_groups()["UserGroups"] == []


def test_a_user_group_needs_a_default_user(cache: Any) -> None:
    users = _users(cache, "reader")
    with pytest.raises(ClientError) as refused:
        cache.create_user_group(UserGroupId="no-default", Engine="valkey", UserIds=users[1:])
    assert _code(refused) == "DefaultUserRequired"

    cache.create_user_group(UserGroupId="store-users", Engine="valkey", UserIds=users)
    with pytest.raises(ClientError) as removed:
        cache.modify_user_group(UserGroupId="store-users", UserIdsToRemove=["store-default"])
    assert _code(removed) == "DefaultUserRequired"


def test_a_user_group_takes_and_gives_back_users(cache: Any) -> None:
    users = _users(cache, "reader", "writer")
    cache.create_user_group(UserGroupId="store-users", Engine="valkey", UserIds=users[:2])

    modified = cache.modify_user_group(
        UserGroupId="store-users", UserIdsToAdd=["store-writer"], UserIdsToRemove=["store-reader"]
    )

    assert sorted(modified["UserIds"]) == ["store-default", "store-writer"]
    assert cache.describe_users(UserId="store-reader")["Users"][0]["UserGroupIds"] == []


def test_a_user_group_in_use_cannot_be_deleted_and_one_not_in_use_can(cache: Any) -> None:
    cache.create_user_group(UserGroupId="store-users", Engine="valkey", UserIds=_users(cache))
    _replication_group(cache, UserGroupIds=["store-users"])
    [described] = cache.describe_user_groups(UserGroupId="store-users")["UserGroups"]
    assert described["ReplicationGroups"] == [GROUP]

    with pytest.raises(ClientError) as in_use:
        cache.delete_user_group(UserGroupId="store-users")
    assert _code(in_use) == "InvalidUserGroupState"

    cache.delete_replication_group(ReplicationGroupId=GROUP)
    assert cache.delete_user_group(UserGroupId="store-users")["Status"] == "deleting"
    with pytest.raises(ClientError) as gone:
        cache.describe_user_groups(UserGroupId="store-users")
    assert _code(gone) == "UserGroupNotFound"
    assert cache.describe_users(UserId="store-default")["Users"][0]["UserGroupIds"] == []


def test_a_deleted_user_leaves_its_user_groups(cache: Any) -> None:
    users = _users(cache, "reader")
    cache.create_user_group(UserGroupId="store-users", Engine="valkey", UserIds=users)

    cache.delete_user(UserId="store-reader")

    [group] = cache.describe_user_groups(UserGroupId="store-users")["UserGroups"]
    assert group["UserIds"] == ["store-default"]


def test_parameter_groups_and_user_groups_carry_tags(cache: Any) -> None:
    parameters = cache.create_cache_parameter_group(
        CacheParameterGroupName="tagged",
        CacheParameterGroupFamily="valkey8",
        Description="x",
        Tags=[{"Key": "team", "Value": "ml"}],
    )["CacheParameterGroup"]["ARN"]
    users = cache.create_user_group(
        UserGroupId="tagged-users",
        Engine="valkey",
        UserIds=_users(cache),
        Tags=[{"Key": "team", "Value": "ml"}],
    )["ARN"]

    for arn in (parameters, users):
        assert cache.list_tags_for_resource(ResourceName=arn)["TagList"] == [
            {"Key": "team", "Value": "ml"}
        ]


# --------------------------------------------------------------------- users
def _user(cache: Any, user_id: str = "store-reader") -> dict[str, Any]:
    [user] = cache.describe_users(UserId=user_id)["Users"]
    return dict(user)


def test_a_user_changes_its_passwords_and_is_active_again(cache: Any) -> None:
    _users(cache, "reader")

    answer = cache.modify_user(
        UserId="store-reader",
        AuthenticationMode={"Type": "password", "Passwords": ["p" * 32, "q" * 64]},
    )

    assert answer["Status"] == "modifying"
    assert answer["Authentication"] == {"Type": "password", "PasswordCount": 2}
    user = _user(cache)
    assert user["Status"] == "active"
    assert user["Authentication"] == {"Type": "password", "PasswordCount": 2}
    assert user["AccessString"] == "on ~* +@read"  # not named: unchanged

    cache.modify_user(
        UserId="store-reader", AuthenticationMode={"Type": "password", "Passwords": ["q" * 64]}
    )
    assert _user(cache)["Authentication"] == {"Type": "password", "PasswordCount": 1}
    cache.modify_user(UserId="store-reader", Passwords=["r" * 16, "s" * 128])  # the older way
    assert _user(cache)["Authentication"] == {"Type": "password", "PasswordCount": 2}


def test_a_user_changes_its_access_string_and_its_authentication_type(cache: Any) -> None:
    _users(cache, "reader")

    cache.modify_user(UserId="store-reader", AccessString="on ~features:* +get")
    assert _user(cache)["AccessString"] == "on ~features:* +get"
    cache.modify_user(UserId="store-reader", AppendAccessString="+mget")
    assert _user(cache)["AccessString"] == "on ~features:* +get +mget"
    assert _user(cache)["Authentication"] == {"Type": "password", "PasswordCount": 1}

    cache.modify_user(UserId="store-reader", AuthenticationMode={"Type": "no-password-required"})
    assert _user(cache)["Authentication"]["Type"] == "no-password"
    cache.modify_user(UserId="store-reader", AuthenticationMode={"Type": "iam"})
    assert _user(cache)["Authentication"]["Type"] == "iam"
    cache.modify_user(UserId="store-reader", NoPasswordRequired=True)
    assert _user(cache)["Authentication"]["Type"] == "no-password"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"UserId": "nobody", "AccessString": "on"}, "UserNotFound"),
        ({"AuthenticationMode": {"Type": "password"}}, "InvalidParameterCombination"),
        (
            {"AuthenticationMode": {"Type": "password", "Passwords": ["a" * 16] * 3}},
            "InvalidParameterValue",
        ),
        (
            {"AuthenticationMode": {"Type": "password", "Passwords": ["short"]}},
            "InvalidParameterValue",
        ),
        (
            {"AuthenticationMode": {"Type": "iam", "Passwords": ["a" * 16]}},
            "InvalidParameterCombination",
        ),
        (
            {
                "AuthenticationMode": {"Type": "password", "Passwords": ["a" * 16]},
                "Passwords": ["b" * 16],
            },
            "InvalidParameterCombination",
        ),
        ({"NoPasswordRequired": True, "Passwords": ["a" * 16]}, "InvalidParameterCombination"),
        ({"AccessString": "on", "AppendAccessString": "+get"}, "InvalidParameterCombination"),
        ({}, "InvalidParameterCombination"),
    ],
)
def test_a_user_change_aws_refuses_is_refused_and_changes_nothing(
    cache: Any, change: dict[str, Any], code: str
) -> None:
    _users(cache, "reader")
    before = _user(cache)

    with pytest.raises(ClientError) as refused:
        cache.modify_user(**{"UserId": "store-reader", **change})

    assert _code(refused) == code
    assert _user(cache) == before


# --------------------------------------------------------------------- replication groups
def test_a_replication_groups_member_clusters_are_described(cache: Any) -> None:
    cache.create_cache_parameter_group(
        CacheParameterGroupName="params", CacheParameterGroupFamily="valkey8", Description="x"
    )
    group = _replication_group(
        cache,
        CacheParameterGroupName="params",
        CacheSubnetGroupName=_subnet_group(),
        SecurityGroupIds=["sg-12345678"],
    )

    assert len(group["MemberClusters"]) == 2
    clusters = cache.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert sorted(c["CacheClusterId"] for c in clusters) == sorted(group["MemberClusters"])
    for cluster in clusters:
        assert cluster["ReplicationGroupId"] == GROUP
        assert (cluster["Engine"], cluster["EngineVersion"]) == ("valkey", "8.0")
        assert cluster["CacheNodeType"] == "cache.r7g.large"
        assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "params"
        assert cluster["CacheSubnetGroupName"] == "private"
        assert [g["SecurityGroupId"] for g in cluster["SecurityGroups"]] == ["sg-12345678"]
        assert cluster["TransitEncryptionEnabled"] and cluster["AtRestEncryptionEnabled"]
        [node] = cluster["CacheNodes"]
        assert node["Endpoint"]["Port"] == 6379
    assert {c["PreferredAvailabilityZone"] for c in clusters} == {"us-east-1a", "us-east-1b"}

    [primary] = cache.describe_cache_clusters(CacheClusterId=group["MemberClusters"][0])[
        "CacheClusters"
    ]
    assert "CacheNodes" not in primary  # only with ShowCacheNodeInfo
    alone = cache.describe_cache_clusters(ShowCacheClustersNotInReplicationGroups=True)
    assert alone["CacheClusters"] == []


def test_a_replication_group_without_a_parameter_group_uses_the_default_one(cache: Any) -> None:
    group = _replication_group(cache)

    [cluster] = cache.describe_cache_clusters(CacheClusterId=group["MemberClusters"][0])[
        "CacheClusters"
    ]
    assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey8"


def test_a_replication_group_refuses_what_it_names_that_does_not_exist(cache: Any) -> None:
    for setting, code in (
        ({"CacheParameterGroupName": "absent"}, "CacheParameterGroupNotFound"),
        ({"CacheSubnetGroupName": "absent"}, "CacheSubnetGroupNotFoundFault"),
        ({"UserGroupIds": ["absent"]}, "UserGroupNotFound"),
    ):
        with pytest.raises(ClientError) as refused:
            _replication_group(cache, **setting)
        assert _code(refused) == code
    assert cache.describe_replication_groups()["ReplicationGroups"] == []


def test_automatic_failover_needs_two_clusters(cache: Any) -> None:
    with pytest.raises(ClientError) as refused:
        cache.create_replication_group(
            ReplicationGroupId=GROUP,
            ReplicationGroupDescription="one node",
            Engine="valkey",
            CacheNodeType="cache.t4g.micro",
            NumCacheClusters=1,
            AutomaticFailoverEnabled=True,
        )
    assert _code(refused) == "InvalidParameterCombination"


def test_a_deleted_replication_group_goes_with_its_clusters_and_leaves_its_final_snapshot(
    cache: Any,
) -> None:
    _replication_group(cache)

    deleted = cache.delete_replication_group(
        ReplicationGroupId=GROUP, FinalSnapshotIdentifier="features-final"
    )["ReplicationGroup"]

    assert deleted["Status"] == "deleting"
    with pytest.raises(ClientError) as gone:
        cache.describe_replication_groups(ReplicationGroupId=GROUP)
    assert _code(gone) == "ReplicationGroupNotFoundFault"
    assert cache.describe_cache_clusters()["CacheClusters"] == []
    [snapshot] = cache.describe_snapshots(SnapshotName="features-final")["Snapshots"]
    assert snapshot["ReplicationGroupId"] == GROUP


# --------------------------------------------------------------------- changing a group
def _members(cache: Any) -> dict[str, dict[str, Any]]:
    """The replication group's member clusters by id, as DescribeCacheClusters answers them."""
    [group] = cache.describe_replication_groups(ReplicationGroupId=GROUP)["ReplicationGroups"]
    clusters = cache.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert sorted(c["CacheClusterId"] for c in clusters) == sorted(group["MemberClusters"])
    return {c["CacheClusterId"]: c for c in clusters}


def _parameter_groups(cache: Any, *names: str, family: str = "valkey8") -> None:
    for name in names:
        cache.create_cache_parameter_group(
            CacheParameterGroupName=name, CacheParameterGroupFamily=family, Description=name
        )


def test_a_change_applied_immediately_is_described_by_the_group_and_each_member(
    cache: Any,
) -> None:
    _parameter_groups(cache, "params", "params-2")
    _replication_group(cache, CacheParameterGroupName="params", SecurityGroupIds=["sg-11111111"])

    changed = cache.modify_replication_group(
        ReplicationGroupId=GROUP,
        ApplyImmediately=True,
        EngineVersion="8.1",
        CacheNodeType="cache.r7g.xlarge",
        CacheParameterGroupName="params-2",
        PreferredMaintenanceWindow="SUN:05:00-SUN:06:30",
        SnapshotWindow="03:00-04:00",
        SnapshotRetentionLimit=14,
        SecurityGroupIds=["sg-22222222"],
        AutoMinorVersionUpgrade=False,
        ReplicationGroupDescription="online features, grown",
    )["ReplicationGroup"]

    assert changed["Description"] == "online features, grown"
    assert changed["CacheNodeType"] == "cache.r7g.xlarge"
    assert (changed["SnapshotWindow"], changed["SnapshotRetentionLimit"]) == ("03:00-04:00", 14)
    for cluster in _members(cache).values():
        assert (cluster["EngineVersion"], cluster["CacheNodeType"]) == ("8.1", "cache.r7g.xlarge")
        assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "params-2"
        assert cluster["PreferredMaintenanceWindow"] == "sun:05:00-sun:06:30"
        assert (cluster["SnapshotWindow"], cluster["SnapshotRetentionLimit"]) == (
            "03:00-04:00",
            14,
        )
        assert [g["SecurityGroupId"] for g in cluster["SecurityGroups"]] == ["sg-22222222"]
        assert cluster["AutoMinorVersionUpgrade"] is False
        assert "PendingModifiedValues" not in cluster
    # No cluster uses the group's former parameter group any more: it can go.
    cache.delete_cache_parameter_group(CacheParameterGroupName="params")


def test_node_changes_wait_for_the_maintenance_window_unless_applied_immediately(
    cache: Any,
) -> None:
    _replication_group(cache)

    waiting = cache.modify_replication_group(
        ReplicationGroupId=GROUP, CacheNodeType="cache.r7g.xlarge", EngineVersion="8.1"
    )["ReplicationGroup"]

    assert waiting["CacheNodeType"] == "cache.r7g.large"
    for cluster in _members(cache).values():
        assert (cluster["EngineVersion"], cluster["CacheNodeType"]) == ("8.0", "cache.r7g.large")
        assert cluster["PendingModifiedValues"] == {
            "CacheNodeType": "cache.r7g.xlarge",
            "EngineVersion": "8.1",
        }

    # ApplyImmediately applies "this request and any pending modifications".
    cache.modify_replication_group(
        ReplicationGroupId=GROUP, ApplyImmediately=True, SnapshotRetentionLimit=1
    )
    for cluster in _members(cache).values():
        assert (cluster["EngineVersion"], cluster["CacheNodeType"]) == ("8.1", "cache.r7g.xlarge")
        assert "PendingModifiedValues" not in cluster


def test_a_group_changes_its_user_groups(cache: Any) -> None:
    users = _users(cache, "reader")
    for group_id in ("users-a", "users-b"):
        cache.create_user_group(UserGroupId=group_id, Engine="valkey", UserIds=users)
    _replication_group(cache, UserGroupIds=["users-a"])

    changed = cache.modify_replication_group(
        ReplicationGroupId=GROUP, UserGroupIdsToAdd=["users-b"], UserGroupIdsToRemove=["users-a"]
    )["ReplicationGroup"]

    assert changed["UserGroupIds"] == ["users-b"]
    [former] = cache.describe_user_groups(UserGroupId="users-a")["UserGroups"]
    assert former["ReplicationGroups"] == []
    cache.delete_user_group(UserGroupId="users-a")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"EngineVersion": "7.2"}, "InvalidParameterCombination"),  # no downgrade
        ({"CacheParameterGroupName": "absent"}, "CacheParameterGroupNotFound"),
        ({"CacheParameterGroupName": "redis-params"}, "InvalidParameterCombination"),
        ({"UserGroupIdsToAdd": ["absent"]}, "UserGroupNotFound"),
        ({"AutomaticFailoverEnabled": False}, "InvalidParameterCombination"),  # Multi-AZ on
        ({"PreferredMaintenanceWindow": "sun:05:00-sun:05:30"}, "InvalidParameterValue"),
        ({"SnapshotRetentionLimit": 36}, "InvalidParameterValue"),
        ({"SnapshottingClusterId": "absent"}, "CacheClusterNotFound"),
        ({}, "InvalidParameterCombination"),  # no modifications were requested
    ],
)
def test_a_change_aws_refuses_is_refused_and_changes_nothing(
    cache: Any, change: dict[str, Any], code: str
) -> None:
    _parameter_groups(cache, "redis-params", family="redis7")
    _replication_group(cache)

    with pytest.raises(ClientError) as refused:
        cache.modify_replication_group(ReplicationGroupId=GROUP, ApplyImmediately=True, **change)

    assert _code(refused) == code
    [group] = cache.describe_replication_groups(ReplicationGroupId=GROUP)["ReplicationGroups"]
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    for cluster in _members(cache).values():
        assert cluster["EngineVersion"] == "8.0"
        assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey8"


# --------------------------------------------------------------------- replicas
def test_increasing_the_replica_count_adds_member_clusters(cache: Any) -> None:
    _replication_group(cache, CacheSubnetGroupName=_subnet_group())

    grown = cache.increase_replica_count(
        ReplicationGroupId=GROUP, NewReplicaCount=3, ApplyImmediately=True
    )["ReplicationGroup"]

    assert grown["MemberClusters"] == [f"{GROUP}-00{n}" for n in range(1, 5)]
    [node_group] = grown["NodeGroups"]
    assert [m["CurrentRole"] for m in node_group["NodeGroupMembers"]] == ["primary"] + [
        "replica"
    ] * 3
    members = _members(cache)
    assert {c["PreferredAvailabilityZone"] for c in members.values()} == {
        "us-east-1a",
        "us-east-1b",
    }
    for cluster in members.values():
        assert cluster["CacheClusterStatus"] == "available"
        assert (cluster["ReplicationGroupId"], cluster["CacheNodeType"]) == (
            GROUP,
            "cache.r7g.large",
        )
        assert cluster["CacheSubnetGroupName"] == "private"


def test_decreasing_the_replica_count_removes_member_clusters(cache: Any) -> None:
    _replication_group(cache, NumCacheClusters=5)

    cache.decrease_replica_count(
        ReplicationGroupId=GROUP, ReplicasToRemove=[f"{GROUP}-002"], ApplyImmediately=True
    )
    shrunk = cache.decrease_replica_count(
        ReplicationGroupId=GROUP, NewReplicaCount=1, ApplyImmediately=True
    )["ReplicationGroup"]

    assert shrunk["MemberClusters"] == [f"{GROUP}-001", f"{GROUP}-003"]
    assert sorted(_members(cache)) == [f"{GROUP}-001", f"{GROUP}-003"]


@pytest.mark.parametrize(
    ("operation", "request_", "code"),
    [
        ("decrease_replica_count", {"NewReplicaCount": 0}, "InvalidParameterCombination"),
        ("decrease_replica_count", {"ReplicasToRemove": [f"{GROUP}-001"]}, "InvalidParameterValue"),
        ("decrease_replica_count", {"NewReplicaCount": 2}, "InvalidParameterValue"),
        ("increase_replica_count", {"NewReplicaCount": 6}, "InvalidParameterValue"),
        ("increase_replica_count", {"NewReplicaCount": 1}, "NoOperationFault"),
        (
            "increase_replica_count",
            {"NewReplicaCount": 2, "ApplyImmediately": False},
            "InvalidParameterValue",
        ),
    ],
)
def test_a_replica_count_aws_refuses_is_refused(
    cache: Any, operation: str, request_: dict[str, Any], code: str
) -> None:
    _replication_group(cache)  # a primary and 1 replica, Multi-AZ with automatic failover

    with pytest.raises(ClientError) as refused:
        getattr(cache, operation)(
            ReplicationGroupId=GROUP, **{"ApplyImmediately": True, **request_}
        )

    assert _code(refused) == code
    assert sorted(_members(cache)) == [f"{GROUP}-001", f"{GROUP}-002"]


# --------------------------------------------------------------------- subnet groups
def test_a_subnet_group_in_use_cannot_be_deleted_and_one_not_in_use_can(cache: Any) -> None:
    name = _subnet_group()
    _replication_group(cache, CacheSubnetGroupName=name)

    with pytest.raises(ClientError) as in_use:
        cache.delete_cache_subnet_group(CacheSubnetGroupName=name)
    assert _code(in_use) == "CacheSubnetGroupInUse"

    cache.delete_replication_group(ReplicationGroupId=GROUP)
    cache.delete_cache_subnet_group(CacheSubnetGroupName=name)
    assert cache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    with pytest.raises(ClientError) as gone:
        cache.delete_cache_subnet_group(CacheSubnetGroupName=name)
    assert _code(gone) == "CacheSubnetGroupNotFoundFault"
