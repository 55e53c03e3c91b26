"""Environment files: the shipped ones load, and every bad input fails with one clear line.

Pure Python: nothing here imports cdktf or the AWS bindings. The ``synth`` command is
only driven with bad files, which fail before the bindings would be imported.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.config import (
    CLOUDWATCH_RETENTION_DAYS,
    DataLakeProps,
    EnvironmentConfig,
    NetworkProps,
    ObjectLockProps,
    StateBackendConfig,
    TagsConfig,
)
from mlplatform.loader import ConfigError, EnvironmentLoader

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ROOT / "environments"
BAD_PATH = "environments/broken.yaml"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _base() -> dict[str, Any]:
    """A valid environment (dev) as a plain dict, fresh for every edit."""
    data: dict[str, Any] = yaml.safe_load((ENVIRONMENTS / "dev.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def _with(path: str, value: Any) -> str:
    """dev.yaml with the dotted ``path`` set to ``value``, as YAML text."""
    data = _base()
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return yaml.safe_dump(data, sort_keys=False)


def _without(path: str) -> str:
    """dev.yaml with the dotted ``path`` removed, as YAML text."""
    data = _base()
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    del node[leaf]
    return yaml.safe_dump(data, sort_keys=False)


def _edit(**changes: Any) -> str:
    """dev.yaml with several dotted paths (``__`` for ``.``) set at once."""
    data = _base()
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return yaml.safe_dump(data, sort_keys=False)


def _parse_error(text: str, path: str = BAD_PATH) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(text, path)
    return caught.value


# --------------------------------------------------------------------------- shipped files


def test_environment_directory_holds_exactly_the_four_environments() -> None:
    assert EnvironmentLoader(ENVIRONMENTS).available() == ["dev", "local", "prod", "staging"]


@pytest.mark.parametrize("name", EnvironmentLoader(ENVIRONMENTS).available())
def test_every_environment_file_loads(name: str) -> None:
    config = EnvironmentLoader(ENVIRONMENTS).load(name)

    assert isinstance(config, EnvironmentConfig)
    assert config.environment == name
    assert config.org == "mlp"
    assert len(config.used_availability_zones) == config.network.az_count
    assert config.state_backend.bucket.startswith(f"mlp-{name}-")
    assert config.network.flow_logs_retention_days in CLOUDWATCH_RETENTION_DAYS


def test_load_selection_and_load_all_follow_the_directory() -> None:
    loader = EnvironmentLoader(ENVIRONMENTS)

    assert [c.environment for c in loader.load_all()] == ["dev", "local", "prod", "staging"]
    assert [c.environment for c in loader.load_selection(" prod, dev ")] == ["prod", "dev"]
    assert [c.environment for c in loader.load_selection("")] == ["dev", "local", "prod", "staging"]


def test_dev_is_cheap() -> None:
    dev = EnvironmentLoader(ENVIRONMENTS).load("dev")

    assert dev.network.nat_strategy == "one"
    assert dev.network.az_count == 2
    assert dev.used_availability_zones == ("us-east-1a", "us-east-1b")
    assert dev.account_id == "111111111111"
    assert dev.emulator is False
    assert dev.data_lake.object_lock is None
    assert dev.data_lake.force_destroy is False


def test_prod_is_highly_available_and_locked() -> None:
    prod = EnvironmentLoader(ENVIRONMENTS).load("prod")

    assert prod.network.nat_strategy == "one_per_az"
    assert prod.network.az_count == 3
    assert prod.used_availability_zones == ("us-east-1a", "us-east-1b", "us-east-1c")
    assert prod.data_lake.object_lock is not None
    assert prod.data_lake.object_lock.retention_days >= 1
    assert prod.data_lake.force_destroy is False
    assert prod.account_id == "333333333333"
    assert prod.emulator is False
    assert prod.network.flow_logs_retention_days >= 365


def test_staging_is_shaped_like_prod() -> None:
    staging = EnvironmentLoader(ENVIRONMENTS).load("staging")

    assert staging.network.nat_strategy == "one_per_az"
    assert staging.network.az_count == 3
    assert staging.account_id == "222222222222"
    assert staging.data_lake.force_destroy is False


def test_local_targets_the_emulator_without_an_account() -> None:
    local = EnvironmentLoader(ENVIRONMENTS).load("local")

    assert local.emulator is True
    assert local.account_id is None
    # Object Lock as prod has it, but a lock the emulator's force_destroy can bypass.
    assert local.data_lake.object_lock is not None
    assert local.data_lake.object_lock.mode == "GOVERNANCE"
    assert local.data_lake.force_destroy is True


def test_vpc_ranges_of_the_environments_do_not_collide() -> None:
    cidrs = [c.network.cidr for c in EnvironmentLoader(ENVIRONMENTS).load_all()]
    assert len(set(cidrs)) == len(cidrs)


# --------------------------------------------------------------------------- bad input

# (id, YAML text, field the message must start with, hint that says what is allowed)
BAD_VALUES: list[tuple[str, str, str, str]] = [
    (
        "unknown-top-level-key",
        _with("colour", "blue"),
        "colour",
        "allowed keys here: org, environment, account_id, region",
    ),
    (
        "unknown-nested-key",
        _with("network.nat", "one"),
        "network.nat",
        "allowed keys here: cidr, az_count, nat_strategy",
    ),
    (
        "unknown-key-in-optional-section",
        _with("data_lake.object_lock", {"mod": "GOVERNANCE"}),
        "data_lake.object_lock.mod",
        "allowed keys here: mode, retention_days",
    ),
    ("missing-required-key", _without("tags"), "tags", "required key is missing"),
    (
        "missing-nested-key",
        _without("state_backend.bucket"),
        "state_backend.bucket",
        "required key is missing",
    ),
    ("section-not-a-mapping", _with("network", "default"), "network", "expected a mapping of keys"),
    (
        "cidr-not-an-address",
        _with("network.cidr", "banana"),
        "network.cidr",
        "use a network address such as 10.20.0.0/16",
    ),
    (
        "cidr-host-bits-set",
        _with("network.cidr", "10.20.1.0/16"),
        "network.cidr",
        "has host bits set",
    ),
    (
        "cidr-prefix-too-wide",
        _with("network.cidr", "10.0.0.0/8"),
        "network.cidr",
        "use a prefix from /16 to /24",
    ),
    (
        "cidr-prefix-too-narrow",
        _with("network.cidr", "10.20.0.0/25"),
        "network.cidr",
        "use a prefix from /16 to /24",
    ),
    (
        "negative-days",
        _with("data_lake.noncurrent_version_expiry_days", -1),
        "data_lake.noncurrent_version_expiry_days",
        "greater than or equal to 1",
    ),
    (
        "negative-tiering-days",
        _with("data_lake.intelligent_tiering_after_days", -5),
        "data_lake.intelligent_tiering_after_days",
        "greater than or equal to 0",
    ),
    (
        "zero-days",
        _with("data_lake.access_log_expiry_days", 0),
        "data_lake.access_log_expiry_days",
        "greater than or equal to 1",
    ),
    (
        "zero-lock-retention",
        _with("data_lake.object_lock", {"retention_days": 0}),
        "data_lake.object_lock.retention_days",
        "greater than or equal to 1",
    ),
    (
        "quoted-number",
        _with("network.az_count", "2"),
        "network.az_count",
        "expected a whole number, got '2'",
    ),
    ("float-number", _with("network.az_count", 2.5), "network.az_count", "expected a whole number"),
    (
        "az-count-too-large",
        _with("network.az_count", 4),
        "network.az_count",
        "less than or equal to 3",
    ),
    ("quoted-bool", _with("emulator", "true"), "emulator", "expected true or false, got 'true'"),
    (
        "quoted-nested-bool",
        _with("data_lake.force_destroy", "no"),
        "data_lake.force_destroy",
        "expected true or false",
    ),
    (
        "region-not-a-region",
        _with("region", "moon-base-one"),
        "region",
        "use one such as us-east-1",
    ),
    (
        "az-not-in-region",
        _with("availability_zones", ["us-west-2a", "us-west-2b"]),
        "availability_zones",
        "'us-west-2a' is not in region 'us-east-1'; use us-east-1a",
    ),
    (
        "duplicate-az",
        _with("availability_zones", ["us-east-1a", "us-east-1a", "us-east-1b"]),
        "availability_zones",
        "a zone is listed twice",
    ),
    (
        "az-count-over-listed-zones",
        _edit(availability_zones=["us-east-1a", "us-east-1b"], network__az_count=3),
        "network.az_count",
        "only 2 availability_zones are listed",
    ),
    ("missing-account-id", _without("account_id"), "account_id", "12-digit account id"),
    ("account-id-11-digits", _with("account_id", "11111111111"), "account_id", r"\d{12}"),
    ("account-id-unquoted", _with("account_id", 111111111111), "account_id", "expected a string"),
    (
        "state-bucket-uppercase",
        _with("state_backend.bucket", "MLP_State"),
        "state_backend.bucket",
        "S3 allows only lowercase letters, digits, '-' and '.'",
    ),
    (
        "state-bucket-double-dot",
        _with("state_backend.bucket", "mlp..state"),
        "state_backend.bucket",
        "is not a valid S3 bucket name",
    ),
    (
        "state-bucket-ip-address",
        _with("state_backend.bucket", "10.0.0.1"),
        "state_backend.bucket",
        "'10.0.0.1' is not a valid S3 bucket name: it is shaped like an IP address; choose a "
        "name such as <org>-<env>-tfstate-<account id>",
    ),
    (
        "state-bucket-reserved-prefix",
        _with("state_backend.bucket", "xn--mlp-dev-tfstate-111111111111"),
        "state_backend.bucket",
        "it starts with 'xn--', which S3 reserves",
    ),
    (
        "state-bucket-reserved-suffix",
        _with("state_backend.bucket", "mlp-dev-111111111111--ol-s3"),
        "state_backend.bucket",
        "it ends with '--ol-s3', which S3 reserves",
    ),
    (
        "state-bucket-too-long",
        _with("state_backend.bucket", "mlp-dev-tfstate-111111111111-" + "x" * 40),
        "state_backend.bucket",
        "it has 69 characters, and S3 allows 3 to 63",
    ),
    (
        "state-bucket-not-unique",
        _with("state_backend.bucket", "mlp-dev-tfstate"),
        "state_backend.bucket",
        "'mlp-dev-tfstate' carries neither the account id nor bucket_suffix, and S3 bucket names "
        "are global, so another account may own it; use mlp-dev-tfstate-111111111111",
    ),
    (
        "bucket-suffix-uppercase",
        _with("bucket_suffix", "Acme"),
        "bucket_suffix",
        "'Acme' cannot end a bucket name; use 1-16 lowercase letters, digits and single inner "
        "'-', such as a short company slug or the account id",
    ),
    (
        "bucket-suffix-too-long",
        _with("bucket_suffix", "a" * 17),
        "bucket_suffix",
        "cannot end a bucket name; use 1-16 lowercase letters",
    ),
    (
        "bucket-suffix-double-hyphen",
        _with("bucket_suffix", "ol--s3"),
        "bucket_suffix",
        "cannot end a bucket name",
    ),
    (
        "bucket-suffix-reserved",
        _with("bucket_suffix", "s3alias"),
        "bucket_suffix",
        "'s3alias' would end every bucket name with '-s3alias', which S3 reserves; choose "
        "another suffix",
    ),
    (
        "lock-table-retired",
        _with("state_backend.lock_table", "mlp-dev-tflock"),
        "state_backend.lock_table",
        "state is locked in S3 itself since 0.2.0 (Terraform's use_lockfile); remove lock_table",
    ),
    (
        "retention-cloudwatch-rejects",
        _with("network.flow_logs_retention_days", 10),
        "network.flow_logs_retention_days",
        "accepts only these retention days: 1, 3, 5, 7, 14",
    ),
    (
        "duplicate-lake-zone",
        _with("data_lake.zones", ["raw", "raw"]),
        "data_lake.zones",
        "each zone may be listed once",
    ),
    ("no-lake-zone", _with("data_lake.zones", []), "data_lake.zones", "list at least one zone"),
    (
        "unknown-lake-zone",
        _with("data_lake.zones", ["raw", "gold"]),
        "data_lake.zones[1]",
        "'raw', 'curated' or 'features'",
    ),
    (
        "duplicate-endpoint",
        _with("network.interface_endpoints", ["sts", "sts"]),
        "network.interface_endpoints",
        "each endpoint may be listed once",
    ),
    (
        "unknown-nat-strategy",
        _with("network.nat_strategy", "two"),
        "network.nat_strategy",
        "'one' or 'one_per_az'",
    ),
    (
        "object-lock-with-force-destroy",
        _edit(data_lake__object_lock={"mode": "COMPLIANCE"}, data_lake__force_destroy=True),
        "data_lake",
        "object_lock mode COMPLIANCE and force_destroy exclude each other",
    ),
    ("bad-org-slug", _with("org", "My Org"), "org", "String should match pattern"),
]


@pytest.mark.parametrize(
    ("text", "field", "hint"),
    [pytest.param(text, field, hint, id=case_id) for case_id, text, field, hint in BAD_VALUES],
)
def test_bad_value_is_one_clear_line(text: str, field: str, hint: str) -> None:
    error = _parse_error(text)

    message = str(error)
    assert error.path == BAD_PATH
    assert len(error.problems) == 1, message
    assert "\n" not in message
    assert message.startswith(f"{BAD_PATH}: {field}: "), message
    assert hint in message, message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            _with("state_backend.bucket", "mlp-dev-tfstate"),
            "state_backend.bucket: 'mlp-dev-tfstate' carries neither the account id nor "
            "bucket_suffix, and S3 bucket names are global, so another account may own it; "
            "use mlp-dev-tfstate-111111111111",
            id="state-bucket-not-unique",
        ),
        pytest.param(
            _edit(bucket_suffix="acme42", state_backend__bucket="mlp-dev-tfstate"),
            "state_backend.bucket: 'mlp-dev-tfstate' carries neither the account id nor "
            "bucket_suffix, and S3 bucket names are global, so another account may own it; "
            "use mlp-dev-tfstate-acme42",
            id="state-bucket-not-unique-with-suffix",
        ),
        pytest.param(
            _with("state_backend.bucket", "mlp.dev.tfstate..111111111111"),
            "state_backend.bucket: 'mlp.dev.tfstate..111111111111' is not a valid S3 bucket "
            "name: it has two adjacent dots; choose a name such as <org>-<env>-tfstate-<account id>",
            id="state-bucket-double-dot",
        ),
        pytest.param(
            _with("bucket_suffix", "my-s3alias"),
            "bucket_suffix: 'my-s3alias' would end every bucket name with '-s3alias', which S3 "
            "reserves; choose another suffix",
            id="bucket-suffix-reserved",
        ),
    ],
)
def test_bucket_name_errors_are_exact(text: str, line: str) -> None:
    assert str(_parse_error(text)) == f"{BAD_PATH}: {line}"


def test_a_state_bucket_with_the_suffix_or_in_the_emulator_needs_no_account_id() -> None:
    suffixed = EnvironmentLoader.parse(
        _edit(bucket_suffix="acme42", state_backend__bucket="mlp-dev-tfstate-acme42")
    )
    local = EnvironmentLoader(ENVIRONMENTS).load("local")

    assert suffixed.bucket_name_suffix == "acme42"
    assert local.state_backend.bucket == "mlp-local-tfstate"
    assert local.bucket_name_suffix is None


def test_bucket_names_end_with_the_account_id_outside_the_emulator() -> None:
    suffixes = {
        c.environment: c.bucket_name_suffix for c in EnvironmentLoader(ENVIRONMENTS).load_all()
    }

    assert suffixes == {
        "dev": "111111111111",
        "local": None,
        "prod": "333333333333",
        "staging": "222222222222",
    }


def test_every_bad_value_case_starts_from_a_valid_file() -> None:
    # Guards the table above: the base itself must load, or every case is meaningless.
    config = EnvironmentLoader.parse(yaml.safe_dump(_base()), "dev.yaml")
    assert config.environment == "dev"


def test_several_problems_are_reported_together_one_line_each() -> None:
    text = _edit(network__az_count="2", data_lake__access_log_expiry_days=0, colour="blue")

    error = _parse_error(text)

    assert len(error.problems) == 3
    lines = str(error).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{BAD_PATH}: ") for line in lines)
    assert {line.split(": ")[1] for line in lines} == {
        "network.az_count",
        "data_lake.access_log_expiry_days",
        "colour",
    }


def test_missing_file_names_the_path_and_the_known_environments(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader(ENVIRONMENTS).load("nope")

    message = str(caught.value)
    assert message.startswith(f"{ENVIRONMENTS / 'nope.yaml'}: file not found")
    assert "dev, local, prod, staging" in message

    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader(tmp_path).load(str(missing))
    assert str(caught.value) == (
        f"{missing}: file not found; name an environment (none) or the path of a YAML file"
    )


def test_load_reads_a_file_given_by_path(tmp_path: Path) -> None:
    good = tmp_path / "custom.yaml"
    good.write_text(_with("environment", "custom"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(_with("network.az_count", "2"), encoding="utf-8")

    assert EnvironmentLoader(ENVIRONMENTS).load(str(good)).environment == "custom"
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader(ENVIRONMENTS).load(str(bad))
    assert str(caught.value).startswith(f"{bad}: network.az_count: expected a whole number")


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="empty"), pytest.param("# only a comment\n", id="only-comment")],
)
def test_empty_file_says_what_it_needs(text: str) -> None:
    message = str(_parse_error(text))

    assert message.startswith(f"{BAD_PATH}: file is empty")
    assert "org, environment, region, availability_zones, tags and state_backend" in message


def test_broken_yaml_names_the_line() -> None:
    lines = yaml.safe_dump(_base(), sort_keys=False).splitlines()
    lines.insert(3, "  oops: this key is indented under a scalar")  # becomes line 4
    error = _parse_error("\n".join(lines) + "\n")

    message = str(error)
    assert len(error.problems) == 1
    assert message.startswith(f"{BAD_PATH}: line 4, column ")
    assert "invalid YAML" in message
    assert "fix the syntax there" in message


def test_unclosed_bracket_is_broken_yaml_with_a_line() -> None:
    message = str(_parse_error("org: mlp\navailability_zones: [us-east-1a\n"))
    assert re.match(rf"^{re.escape(BAD_PATH)}: line \d+, column \d+: invalid YAML: ", message)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("- dev\n- prod\n", "list", id="list"),
        pytest.param("just a sentence\n", "str", id="scalar"),
        pytest.param("42\n", "int", id="number"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, kind: str) -> None:
    assert str(_parse_error(text)) == (
        f"{BAD_PATH}: expected a mapping of keys at the top, got {kind}"
    )


def test_parse_without_a_path_still_names_a_source() -> None:
    with pytest.raises(ConfigError) as caught:
        EnvironmentLoader.parse(_with("region", "nowhere"))
    assert str(caught.value).startswith("<string>: region: ")


# --------------------------------------------------------------------------- models

MODELS: list[type[BaseModel]] = [
    EnvironmentConfig,
    NetworkProps,
    DataLakeProps,
    ObjectLockProps,
    StateBackendConfig,
    TagsConfig,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_models_are_frozen_and_forbid_extra_keys(model: type[BaseModel]) -> None:
    assert model.model_config.get("frozen") is True
    assert model.model_config.get("extra") == "forbid"


def test_loaded_config_cannot_be_changed() -> None:
    config = EnvironmentLoader(ENVIRONMENTS).load("prod")

    with pytest.raises(ValidationError, match="frozen"):
        config.region = "eu-west-1"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        config.network.az_count = 2  # type: ignore[misc]
    assert config.data_lake.object_lock is not None
    with pytest.raises(ValidationError, match="frozen"):
        config.data_lake.object_lock.retention_days = 1  # type: ignore[misc]
    assert config.region == "us-east-1"
    assert config.network.az_count == 3


@pytest.mark.parametrize(
    ("model", "kwargs"),
    [
        pytest.param(NetworkProps, {"natstrategy": "one"}, id="network"),
        pytest.param(DataLakeProps, {"zone": ("raw",)}, id="data-lake"),
        pytest.param(ObjectLockProps, {"days": 3}, id="object-lock"),
        pytest.param(TagsConfig, {"team": "t", "cost_center": "c", "owner": "o"}, id="tags"),
    ],
)
def test_models_reject_unknown_keywords(model: type[BaseModel], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        model(**kwargs)
    assert [e["type"] for e in caught.value.errors()] == ["extra_forbidden"]


def test_section_defaults_are_the_secure_choice() -> None:
    network = NetworkProps()
    lake = DataLakeProps()

    assert network.nat_strategy == "one_per_az"
    assert network.flow_logs_retention_days == 365
    assert lake.force_destroy is False
    assert lake.athena_workgroup is True
    assert lake.zones == ("raw", "curated", "features")


# --------------------------------------------------------------------------- command line


def _stderr(result: Any) -> str:
    """stderr of a CliRunner result; older click mixes it into ``output``."""
    try:
        text = result.stderr
    except ValueError:  # click < 8.2 with mix_stderr: stderr is part of output
        text = result.output
    return _ANSI.sub("", text)


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_bindings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make importing the synthesizing module fail, so a test proves it is never reached."""
    monkeypatch.setitem(sys.modules, "mlplatform.platform_app", None)


def test_cli_check_accepts_a_good_environment() -> None:
    result = CliRunner().invoke(app, ["check", "dev", "--environments", str(ENVIRONMENTS)])

    assert result.exit_code == 0, result.output
    assert "dev: ok (mlp-dev, us-east-1)" in _ANSI.sub("", result.output)


@pytest.mark.parametrize("command", ["check", "synth"])
def test_cli_reports_one_line_per_problem_and_exits_2(
    command: str, tmp_path: Path, no_bindings: None
) -> None:
    bad = _write(tmp_path, _edit(network__az_count="2", data_lake__zones=["raw", "raw"]))
    args = ["check", str(bad)] if command == "check" else ["synth", "--env", str(bad)]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = _error_lines(_stderr(result))
    assert lines == [
        f"error: {bad}: network.az_count: expected a whole number, got '2'",
        f"error: {bad}: data_lake.zones: each zone may be listed once",
    ]
    assert "synthesized" not in result.output


def test_cli_synth_fails_on_a_bad_file_among_good_ones(tmp_path: Path, no_bindings: None) -> None:
    bad = _write(tmp_path, _with("network.flow_logs_retention_days", 10))

    result = CliRunner().invoke(
        app, ["synth", "--env", f"dev,{bad}", "--environments", str(ENVIRONMENTS)]
    )

    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = _error_lines(_stderr(result))
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {bad}: network.flow_logs_retention_days: ")


def test_cli_check_unknown_environment(no_bindings: None) -> None:
    result = CliRunner().invoke(app, ["check", "qa", "--environments", str(ENVIRONMENTS)])

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert _error_lines(_stderr(result)) == [
        f"error: {ENVIRONMENTS / 'qa.yaml'}: file not found; name an environment "
        "(dev, local, prod, staging) or the path of a YAML file"
    ]


@pytest.mark.parametrize("value", ["[/x]", "[red]eu"], ids=["closing-tag", "style-tag"])
def test_cli_prints_user_values_literally(value: str, tmp_path: Path) -> None:
    bad = _write(tmp_path, _with("region", value))

    result = CliRunner().invoke(app, ["check", str(bad)])

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert _error_lines(_stderr(result)) == [
        f"error: {bad}: region: {value!r} is not an AWS region; use one such as us-east-1 "
        f"(regions as botocore {version('botocore')} lists them: a newer region needs a newer "
        "boto3)"
    ]


def test_real_process_synth_with_a_bad_file(tmp_path: Path) -> None:
    bad = _write(tmp_path, _with("network.cidr", "10.20.1.0/16"))
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "TTY_COMPATIBLE"}}
    env.update(NO_COLOR="1", COLUMNS="40")  # narrow: a wrapped line would show up as two

    proc = subprocess.run(
        [sys.executable, "-m", "mlplatform.cli", "synth", "--env", str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert _error_lines(_ANSI.sub("", proc.stderr)) == [
        f"error: {bad}: network.cidr: '10.20.1.0/16' is not an IPv4 CIDR block "
        "(10.20.1.0/16 has host bits set); use a network address such as 10.20.0.0/16"
    ]
    assert proc.stdout.strip() == ""


def test_config_check_path_does_not_load_the_aws_bindings() -> None:
    code = (
        "import sys, mlplatform.cli, mlplatform.loader, mlplatform.config\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'cdktf', 'cdktf_cdktf_provider_aws', 'jsii', 'constructs'} "
        "or m == 'mlplatform.platform_app')\n"
        "print(heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
