"""The emulator answers like AWS where the data layer and the clean-up check need it to.

Without these fixes plain moto calls a new Athena workgroup missing (so
``local`` could not have one); reads a Glue connection back without its type
and can neither update nor delete one, and drops the description of the Glue
workers' self-referencing rules (so every plan would change them); and
reports the keys AWS makes for its services as the customer's (so the check
for leftovers after ``destroy`` could not tell them from the platform's keys).
The emulator also makes a KMS key's key pair only when a call reads it.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mlplatform.emulator.fixes.kms import MadeOnFirstUse
from mlplatform.emulator.local_aws import LocalAws

ACCOUNT = "123456789012"


@pytest.fixture
def athena(emulated_aws: LocalAws) -> Any:
    return boto3.client("athena")


def test_a_workgroup_without_tags_lists_no_tags(athena: Any) -> None:
    athena.create_work_group(Name="plain", Configuration={})
    athena.create_work_group(Name="tagged", Configuration={}, Tags=[{"Key": "env", "Value": "l"}])

    arn = f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/"
    assert athena.list_tags_for_resource(ResourceARN=f"{arn}plain")["Tags"] == []
    assert athena.list_tags_for_resource(ResourceARN=f"{arn}tagged")["Tags"] == [
        {"Key": "env", "Value": "l"}
    ]
    athena.tag_resource(ResourceARN=f"{arn}plain", Tags=[{"Key": "team", "Value": "ml"}])
    assert athena.list_tags_for_resource(ResourceARN=f"{arn}plain")["Tags"] == [
        {"Key": "team", "Value": "ml"}
    ]


def test_a_missing_workgroups_tags_are_an_error(athena: Any) -> None:
    with pytest.raises(ClientError, match="Does Not Exist"):
        athena.list_tags_for_resource(
            ResourceARN=f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/missing"
        )


def test_keys_aws_makes_for_its_services_are_aws_managed(emulated_aws: LocalAws) -> None:
    # DynamoDB encrypting with its default key makes the AWS managed alias/aws/dynamodb.
    boto3.client("dynamodb").create_table(
        TableName="t",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )
    kms = boto3.client("kms")
    own = kms.create_key(Description="the platform's")["KeyMetadata"]

    assert kms.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]["KeyManager"] == "AWS"
    assert own["KeyManager"] == "CUSTOMER"
    assert kms.describe_key(KeyId=own["KeyId"])["KeyMetadata"]["KeyManager"] == "CUSTOMER"


def test_callers_cannot_name_an_alias_as_aws_does(emulated_aws: LocalAws) -> None:
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]

    with pytest.raises(ClientError, match="NotAuthorizedException"):
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=key)
    kms.create_alias(AliasName="alias/mine", TargetKeyId=key)
    assert kms.describe_key(KeyId="alias/mine")["KeyMetadata"]["KeyManager"] == "CUSTOMER"


def test_a_key_pair_is_made_when_a_call_first_reads_it() -> None:
    made: list[str] = []

    def make() -> SimpleNamespace:
        made.append("pair")
        return SimpleNamespace(public="public bytes")

    pair = MadeOnFirstUse(make)

    assert made == []  # creating the key made nothing
    assert copy.copy(pair) is not pair and made == []  # moto copies a key to replicate it
    assert pair.public == "public bytes"
    assert pair.public == "public bytes"
    assert made == ["pair"]  # once


def test_asymmetric_keys_still_sign_verify_and_give_their_public_key(
    emulated_aws: LocalAws,
) -> None:
    kms = boto3.client("kms")
    for spec, algorithm in (("RSA_2048", "RSASSA_PSS_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256")):
        key = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=spec)["KeyMetadata"]["KeyId"]
        signed = kms.sign(KeyId=key, Message=b"model", SigningAlgorithm=algorithm)["Signature"]

        verified = kms.verify(
            KeyId=key, Message=b"model", Signature=signed, SigningAlgorithm=algorithm
        )
        assert verified["SignatureValid"] is True
        assert kms.get_public_key(KeyId=key)["PublicKey"]
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError, match="SIGN_VERIFY"):  # a symmetric key signs nothing
        kms.sign(KeyId=symmetric, Message=b"model", SigningAlgorithm="RSASSA_PSS_SHA_256")


NETWORK = {
    "Name": "lake-vpc",
    "Description": "Runs Glue jobs in the private subnets",
    "ConnectionType": "NETWORK",
    "ConnectionProperties": {},
    "PhysicalConnectionRequirements": {
        "SubnetId": "subnet-1",
        "SecurityGroupIdList": ["sg-1"],
        "AvailabilityZone": "us-east-1a",
    },
}


def test_a_glue_connection_reports_its_type_and_can_be_updated_and_deleted(
    emulated_aws: LocalAws,
) -> None:
    glue = boto3.client("glue")
    glue.create_connection(ConnectionInput=NETWORK)

    created = glue.get_connection(Name="lake-vpc")["Connection"]
    assert created["ConnectionType"] == "NETWORK"
    assert created["PhysicalConnectionRequirements"]["SubnetId"] == "subnet-1"

    glue.update_connection(
        Name="lake-vpc", ConnectionInput={**NETWORK, "Description": "moved to subnet 2"}
    )
    updated = glue.get_connection(Name="lake-vpc")["Connection"]
    assert updated["Description"] == "moved to subnet 2"
    assert updated["ConnectionType"] == "NETWORK"

    glue.delete_connection(ConnectionName="lake-vpc")
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        glue.get_connection(Name="lake-vpc")
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        glue.delete_connection(ConnectionName="lake-vpc")


def test_a_rule_allowing_a_security_group_keeps_its_description(emulated_aws: LocalAws) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="glue", Description="d", VpcId=vpc)["GroupId"]
    self_reference = {"GroupId": group, "Description": "Glue workers talk to each other"}
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [self_reference]}]
    )

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    [ingress] = [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]
    assert ingress["ReferencedGroupInfo"]["GroupId"] == group
    assert ingress["Description"] == "Glue workers talk to each other"
