"""Physical names: deterministic shape, AWS length limits and charset rules checked at synth."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from mlplatform.decisions.naming import InvalidNameError, Naming

NAMING = Naming("mlp", "dev")


def test_invalid_name_error_is_a_value_error() -> None:
    # The CLI turns ValueError into one readable line; a name error must arrive there.
    assert issubclass(InvalidNameError, ValueError)


def test_prefix_is_org_and_environment() -> None:
    assert NAMING.prefix == "mlp-dev"
    assert Naming("acme", "prod").prefix == "acme-prod"


def test_naming_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        NAMING.org = "other"  # type: ignore[misc]
    assert NAMING.prefix == "mlp-dev"


@pytest.mark.parametrize(
    ("component", "name", "expected"),
    [
        pytest.param("network", None, "mlp-dev-network", id="component-only"),
        pytest.param("data", "raw", "mlp-dev-data-raw", id="component-and-name"),
        pytest.param("lake", "", "mlp-dev-lake", id="empty-name-is-omitted"),
        pytest.param("eks", "node-group-1", "mlp-dev-eks-node-group-1", id="hyphenated-name"),
    ],
)
def test_resource_shape(component: str, name: str | None, expected: str) -> None:
    assert NAMING.resource(component, name) == expected


def test_specialised_names() -> None:
    assert NAMING.bucket("lake", "raw") == "mlp-dev-lake-raw"
    assert NAMING.iam("flow-logs", "role") == "mlp-dev-flow-logs-role"
    assert NAMING.glue_database("lake", "raw-zone") == "mlp_dev_lake_raw_zone"
    assert NAMING.kms_alias("lake") == "alias/mlp-dev-lake"
    assert NAMING.kms_alias("lake", "logs") == "alias/mlp-dev-lake-logs"
    assert NAMING.log_group("network") == "/mlplatform/mlp-dev/network"
    assert NAMING.log_group("network", "flow-logs") == "/mlplatform/mlp-dev/network/flow-logs"


def test_glue_database_has_no_hyphens() -> None:
    name = Naming("my-org", "dev-2").glue_database("feature-store", "v-1")
    assert name == "my_org_dev_2_feature_store_v_1"
    assert "-" not in name


# "mlp-dev-c-" is 10 characters, so a name of n characters makes a 10 + n long result.
@pytest.mark.parametrize(
    ("make", "limit"),
    [
        pytest.param(NAMING.resource, 64, id="resource-default"),
        pytest.param(NAMING.iam, 64, id="iam"),
        pytest.param(NAMING.bucket, 63, id="bucket"),
        pytest.param(NAMING.glue_database, 255, id="glue-database"),
    ],
)
def test_length_limit(make: Callable[[str, str], str], limit: int) -> None:
    longest = make("c", "x" * (limit - 10))
    assert len(longest) == limit

    with pytest.raises(InvalidNameError, match=rf"is {limit + 1} characters.*limit of {limit}"):
        make("c", "x" * (limit - 9))


def test_resource_takes_a_custom_limit() -> None:
    assert NAMING.resource("c", "abcde", max_length=15) == "mlp-dev-c-abcde"
    with pytest.raises(InvalidNameError, match="limit of 14"):
        NAMING.resource("c", "abcde", max_length=14)


def test_kms_alias_fits_the_256_character_limit() -> None:
    alias = NAMING.kms_alias("c", "x" * 240)
    assert len(alias) == 256

    with pytest.raises(InvalidNameError, match="limit of 250"):
        NAMING.kms_alias("c", "x" * 241)


def test_log_group_fits_the_512_character_limit() -> None:
    # "/mlplatform/mlp-dev/c/" is 22 characters.
    assert len(NAMING.log_group("c", "x" * 490)) == 512

    with pytest.raises(InvalidNameError, match="over 512 characters"):
        NAMING.log_group("c", "x" * 491)


@pytest.mark.parametrize(
    ("org", "environment", "label"),
    [
        pytest.param("MLP", "dev", "org", id="uppercase-org"),
        pytest.param("ml_p", "dev", "org", id="underscore-org"),
        pytest.param("", "dev", "org", id="empty-org"),
        pytest.param("mlp", "dev.1", "environment", id="dot-environment"),
        pytest.param("mlp", "-dev", "environment", id="leading-hyphen-environment"),
        pytest.param("mlp", "d ev", "environment", id="space-environment"),
    ],
)
def test_naming_rejects_bad_org_or_environment(org: str, environment: str, label: str) -> None:
    with pytest.raises(InvalidNameError, match=rf"^{label} '.*' must be lowercase letters"):
        Naming(org, environment)


@pytest.mark.parametrize(
    ("component", "name", "bad"),
    [
        pytest.param("Data", None, "Data", id="uppercase-component"),
        pytest.param("data_lake", None, "data_lake", id="underscore-component"),
        pytest.param("", None, "", id="empty-component"),
        pytest.param("-data", None, "-data", id="leading-hyphen"),
        pytest.param("data", "raw zone", "raw zone", id="space-in-name"),
        pytest.param("data", "raw/zone", "raw/zone", id="slash-in-name"),
        pytest.param("data", "räw", "räw", id="non-ascii"),
    ],
)
def test_bad_characters_raise_and_name_the_part(component: str, name: str | None, bad: str) -> None:
    for make in (
        NAMING.resource,
        NAMING.bucket,
        NAMING.iam,
        NAMING.glue_database,
        NAMING.kms_alias,
    ):
        with pytest.raises(InvalidNameError, match=f"name part {bad!r} must be lowercase"):
            make(component, name)


@pytest.mark.parametrize(
    ("component", "name"),
    [
        pytest.param("10.0.0.1", None, id="ipv4-component"),
        pytest.param("data", "192.168.1.1", id="ipv4-name"),
        pytest.param("fe80::1", None, id="ipv6"),
    ],
)
def test_ip_shaped_bucket_names_are_rejected(component: str, name: str | None) -> None:
    with pytest.raises(InvalidNameError):
        NAMING.bucket(component, name)


@pytest.mark.parametrize(
    ("naming", "component", "name"),
    [
        pytest.param(Naming("xn--a", "dev"), "data", None, id="xn-prefix"),
        pytest.param(NAMING, "data", "s3alias", id="s3alias-suffix"),
        pytest.param(NAMING, "data", "a--ol-s3", id="ol-s3-suffix"),
    ],
)
def test_bucket_names_s3_reserves_are_rejected(
    naming: Naming, component: str, name: str | None
) -> None:
    with pytest.raises(InvalidNameError, match="reserves"):
        naming.bucket(component, name)
    # The same parts are fine where S3's reservations do not apply.
    assert naming.iam(component, name).startswith(naming.prefix)
