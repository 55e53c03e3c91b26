"""Physical names: deterministic shape, AWS length limits and charset rules checked at synth."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from mlplatform.catalogs.s3 import bucket_name_problem
from mlplatform.decisions.naming import InvalidNameError, Naming
from mlplatform.loader import EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]

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
        pytest.param(NAMING.glue_database, 255, id="glue-database"),
    ],
)
def test_length_limit(make: Callable[[str, str], str], limit: int) -> None:
    longest = make("c", "x" * (limit - 10))
    assert len(longest) == limit

    with pytest.raises(InvalidNameError, match=rf"is {limit + 1} characters.*limit of {limit}"):
        make("c", "x" * (limit - 9))


@pytest.mark.parametrize(
    "naming",
    [pytest.param(NAMING, id="bare"), pytest.param(Naming("mlp", "dev", "acme42"), id="suffixed")],
)
def test_bucket_length_limit_counts_the_suffix(naming: Naming) -> None:
    room = 63 - len(naming.bucket("c", "x"))
    assert len(naming.bucket("c", "x" * (1 + room))) == 63

    with pytest.raises(InvalidNameError) as caught:
        naming.bucket("c", "x" * (2 + room))
    assert "is not a valid S3 bucket name: it has 64 characters, and S3 allows 3 to 63; " in str(
        caught.value
    )


def test_bucket_names_end_with_the_suffix_and_other_names_do_not() -> None:
    naming = Naming("mlp", "dev", "111111111111")

    assert naming.bucket("datalake", "raw") == "mlp-dev-datalake-raw-111111111111"
    assert naming.bucket("registry") == "mlp-dev-registry-111111111111"
    assert naming.resource("datalake", "raw") == "mlp-dev-datalake-raw"
    assert naming.kms_alias("datalake") == "alias/mlp-dev-datalake"
    assert naming.glue_database("datalake", "raw") == "mlp_dev_datalake_raw"


def test_naming_rejects_a_bad_bucket_suffix() -> None:
    with pytest.raises(InvalidNameError, match=r"^bucket_suffix 'Acme' must be lowercase"):
        Naming("mlp", "dev", "Acme")


@pytest.mark.parametrize(
    ("environment", "suffix"),
    [
        pytest.param("dev", "111111111111", id="real-gets-the-account-id"),
        pytest.param("local", None, id="emulator-keeps-bare-names"),
    ],
)
def test_for_environment_takes_the_suffix_from_config(environment: str, suffix: str | None) -> None:
    config = EnvironmentLoader(ROOT / "environments").load(environment)

    naming = Naming.for_environment(config)

    assert (naming.org, naming.environment, naming.bucket_suffix) == ("mlp", environment, suffix)


def test_a_configured_suffix_replaces_the_account_id() -> None:
    config = EnvironmentLoader(ROOT / "environments").load("dev")
    custom = config.model_copy(update={"bucket_suffix": "acme42"})

    assert Naming.for_environment(custom).bucket("datalake", "raw") == "mlp-dev-datalake-raw-acme42"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("mlp-dev-datalake-raw-111111111111", None, id="valid"),
        pytest.param("mlp.dev.logs", None, id="dots-are-valid"),
        pytest.param("ab", "it has 2 characters, and S3 allows 3 to 63", id="too-short"),
        pytest.param("a" * 64, "it has 64 characters, and S3 allows 3 to 63", id="too-long"),
        pytest.param("MLP-dev", "S3 allows only lowercase letters", id="uppercase"),
        pytest.param("mlp_dev", "S3 allows only lowercase letters", id="underscore"),
        pytest.param(
            "-mlp-dev", "beginning and ending with a letter or digit", id="leading-hyphen"
        ),
        pytest.param("mlp-dev.", "beginning and ending with a letter or digit", id="trailing-dot"),
        pytest.param("mlp..dev", "it has two adjacent dots", id="adjacent-dots"),
        pytest.param("192.168.5.4", "it is shaped like an IP address", id="ip-address"),
        pytest.param("xn--mlp-dev", "it starts with 'xn--', which S3 reserves", id="xn"),
        pytest.param("sthree-mlp", "it starts with 'sthree-', which S3 reserves", id="sthree"),
        pytest.param("amzn-s3-demo-mlp", "starts with 'amzn-s3-demo-'", id="amzn-s3-demo"),
        pytest.param("mlp-dev-s3alias", "it ends with '-s3alias', which S3 reserves", id="s3alias"),
        pytest.param("mlp-dev--ol-s3", "it ends with '--ol-s3', which S3 reserves", id="ol-s3"),
        pytest.param("mlp-dev.mrap", "it ends with '.mrap', which S3 reserves", id="mrap"),
        pytest.param("mlp-dev--x-s3", "it ends with '--x-s3', which S3 reserves", id="x-s3"),
        pytest.param("mlp--table-s3", "ends with '--table-s3'", id="table-s3"),
    ],
)
def test_s3_bucket_name_rules(name: str, reason: str | None) -> None:
    problem = bucket_name_problem(name)

    if reason is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(f"{name!r} is not a valid S3 bucket name: ")
        assert reason in problem


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
