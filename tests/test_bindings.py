"""The generated bindings: fresh from the real provider schema, and what their runtime promises."""

from __future__ import annotations

import json

import pytest
from cdktf import Fn, TerraformStack, Testing

from mlplatform.bindings._runtime import to_terraform
from mlplatform.bindings.aws.eks_cluster import EksCluster, EksClusterVpcConfig
from mlplatform.bindings.aws.kms_key import KmsKey
from mlplatform.bindings.aws.provider import AwsProviderEndpoints
from mlplatform.bindings.aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleFilterAnd,
)
from mlplatform.bindings.aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from mlplatform.bindings.aws.security_group import SecurityGroup
from tests.conftest import ROOT, load_script

generator = load_script("generate_bindings")


def test_committed_bindings_are_what_the_generator_writes_from_the_real_schema(
    terraform_env: dict[str, str],
) -> None:
    schema = generator.provider_schema(terraform_env)
    files = generator.render_all(schema)
    output = ROOT / "src" / "mlplatform" / "bindings" / "aws"

    stale = sorted(n for n, text in files.items() if (output / n).read_text() != text)
    extra = sorted(p.name for p in output.glob("*.py") if p.name not in files)

    assert (stale, extra) == ([], []), "run: .venv/bin/python scripts/generate_bindings.py"
    assert generator.render_all(schema) == files  # deterministic


def test_the_taggable_types_are_the_resources_whose_class_takes_tags() -> None:
    """The table MLP-TAG-1 reads agrees with the generated classes it stands for."""
    import importlib
    import inspect

    from mlplatform.bindings.aws import MODULES, TAGGABLE_TYPES

    taking_tags = set()
    for name in MODULES:
        module = importlib.import_module(f"mlplatform.bindings.aws.{name}")
        for value in vars(module).values():
            kind = getattr(value, "TERRAFORM_TYPE", "")
            if (
                kind.startswith("aws_")
                and not name.startswith("data_")
                and "tags" in inspect.signature(value.__init__).parameters
            ):
                taking_tags.add(kind)
    assert taking_tags == TAGGABLE_TYPES
    assert {"aws_s3_bucket", "aws_kms_key", "aws_vpc"} <= TAGGABLE_TYPES
    assert "aws_s3_bucket_policy" not in TAGGABLE_TYPES


def test_unset_arguments_are_left_out_and_falsy_ones_kept() -> None:
    condition = S3BucketLifecycleConfigurationRuleFilterAnd(
        prefix="",
        object_size_greater_than=0,
        tags={"Name": "x", "unset": None},  # type: ignore[dict-item]  # None must be dropped
    )

    assert to_terraform(condition) == {
        "prefix": "",
        "object_size_greater_than": 0,
        "tags": {"Name": "x"},
    }


def test_python_keywords_keep_their_terraform_names() -> None:
    rule_filter = S3BucketLifecycleConfigurationRuleFilter(
        and_=[S3BucketLifecycleConfigurationRuleFilterAnd(prefix="logs/")]
    )

    assert to_terraform(rule_filter) == {"and": [{"prefix": "logs/"}]}
    assert to_terraform(AwsProviderEndpoints(lambda_="http://127.0.0.1:5000")) == {
        "lambda": "http://127.0.0.1:5000"
    }


def test_single_blocks_are_objects_and_repeated_blocks_lists(stack: TerraformStack) -> None:
    key = KmsKey(stack, "key", enable_key_rotation=True)
    S3BucketServerSideEncryptionConfigurationA(
        stack,
        "sse",
        bucket="b",
        rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=(
                    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    )
                ),
                bucket_key_enabled=True,
            )
        ],
    )
    SecurityGroup(stack, "sg", name="sg", tags={"Name": "sg"})

    document = json.loads(Testing.synth(stack))

    (sse,) = document["resource"]["aws_s3_bucket_server_side_encryption_configuration"].values()
    assert sse["rule"] == [
        {
            "apply_server_side_encryption_by_default": {
                "kms_master_key_id": "${aws_kms_key.key.arn}",
                "sse_algorithm": "aws:kms",
            },
            "bucket_key_enabled": True,
        }
    ]
    assert document["resource"]["aws_security_group"]["sg"]["tags"] == {"Name": "sg"}


def test_references_read_nested_objects_and_expressions_pass_through(
    stack: TerraformStack,
) -> None:
    cluster = EksCluster(
        stack,
        "cluster",
        name=Fn.join("-", ["a", "b"]),
        role_arn="arn:aws:iam::111111111111:role/eks",
        vpc_config=EksClusterVpcConfig(subnet_ids=["subnet-1"]),
    )
    SecurityGroup(stack, "sg", name=cluster.identity.get(0).oidc.get(0).issuer)
    SecurityGroup(stack, "other", name=cluster.vpc_config.cluster_security_group_id)

    document = json.loads(Testing.synth(stack))

    assert document["resource"]["aws_eks_cluster"]["cluster"]["name"] == '${join("-", ["a", "b"])}'
    groups = document["resource"]["aws_security_group"]
    assert groups["sg"]["name"] == "${aws_eks_cluster.cluster.identity[0].oidc[0].issuer}"
    assert groups["other"]["name"] == (
        "${aws_eks_cluster.cluster.vpc_config[0].cluster_security_group_id}"
    )
    assert cluster.arn is cluster.arn  # one token per attribute, reused


def test_a_missing_required_argument_fails_where_it_is_written(stack: TerraformStack) -> None:
    with pytest.raises(TypeError, match="vpc_config"):
        EksCluster(stack, "cluster", name="c", role_arn="arn")  # type: ignore[call-arg]


def test_a_block_is_a_frozen_value_with_keyword_arguments() -> None:
    """What the frozen, keyword-only dataclasses gave, without compiling three methods per
    block at import (type checkers still see dataclasses: ``dataclass_transform``)."""
    import dataclasses

    from mlplatform.bindings.aws.s3_bucket_versioning import (
        S3BucketVersioningVersioningConfiguration as Versioning,
    )

    enabled = Versioning(status="Enabled")
    assert enabled.mfa_delete is None  # an unset optional field is None
    assert enabled == Versioning(status="Enabled", mfa_delete=None)
    assert enabled != Versioning(status="Suspended")
    assert len({enabled, Versioning(status="Enabled")}) == 1
    assert (
        repr(enabled)
        == "S3BucketVersioningVersioningConfiguration(status='Enabled', mfa_delete=None)"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        enabled.status = "Suspended"  # type: ignore[misc]
    with pytest.raises(
        TypeError,
        match=r"missing required keyword argument 'status' \(Terraform block versioning_configuration\)",
    ):
        Versioning()  # type: ignore[call-arg]
    with pytest.raises(
        TypeError, match="unexpected keyword arguments statuss; its fields are status, mfa_delete"
    ):
        Versioning(statuss="Enabled")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Versioning("Enabled")  # type: ignore[call-arg]  # keyword only
    # A renamed field keeps its Python name on the object and its Terraform name in JSON.
    rule_filter = S3BucketLifecycleConfigurationRuleFilter(and_=None, prefix="logs/")
    assert [(f.python, f.terraform) for f in rule_filter.fields() if f.python == "and_"] == [
        ("and_", "and")
    ]


# What the generated classes themselves may define before cdktf's classes in the MRO: the
# type, the generator's metadata, the constructor and the two overrides jsii must find.
SCANNED_BY_JSII = {
    "TERRAFORM_TYPE",
    "GENERATOR",
    "_prepared_by_cdktf",
    "add_override",
    "preparable_arguments",
    "terraform_arguments",
    "_synthesize_attributes",
}


def test_jsii_scans_no_attribute_reader_and_cdktf_shadows_none() -> None:
    """On every object it creates, jsii looks up each name the Python classes before the first
    jsii class of the MRO define, on that class and its interfaces, for overrides: the readers
    (20-60 a type) sit after cdktf's classes, each still the one its type declares."""
    import importlib
    import inspect

    from mlplatform.bindings._runtime import GeneratedDataSource, GeneratedResource, References
    from mlplatform.bindings.aws import MODULES

    checked = 0
    for name in MODULES:
        module = importlib.import_module(f"mlplatform.bindings.aws.{name}")
        for element in vars(module).values():
            if not (
                inspect.isclass(element)
                and issubclass(element, (GeneratedResource, GeneratedDataSource))
                and element.__module__ == module.__name__
            ):
                continue
            mro = element.mro()
            first_jsii = next(i for i, c in enumerate(mro) if "__jsii_declared_type__" in vars(c))
            scanned = {n for c in mro[:first_jsii] for n in vars(c) if not n.startswith("__")}
            assert scanned <= SCANNED_BY_JSII, (element, scanned - SCANNED_BY_JSII)
            (readers,) = [c for c in mro[first_jsii:] if c.__name__.endswith("Attributes")]
            assert issubclass(readers, References)
            names = [n for n in vars(readers) if not n.startswith("__")]
            assert "id" in names, element
            for reader in names:
                assert inspect.getattr_static(element, reader) is vars(readers)[reader], reader
            checked += 1
    assert checked == len(MODULES) - 1  # the provider is no element
