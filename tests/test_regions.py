"""Region names in config: AWS's own list (botocore's partitions), not a pattern.

A name shaped like a region but not one (``us-east-9``) used to pass config and
fail at plan, after the availability zones' check had suggested zones of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlplatform.catalogs.regions import partition_of, region_problem, regions
from mlplatform.loader import ConfigError, EnvironmentLoader, load_team_config
from tests.conftest import ENVIRONMENTS


def test_every_environment_file_names_a_region_aws_has() -> None:
    for path in sorted(ENVIRONMENTS.glob("*.yaml")):
        config = EnvironmentLoader(ENVIRONMENTS).load(path.stem)
        assert partition_of(config.region) == "aws", path.name


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_each_region_is_in_its_partition(region: str, partition: str) -> None:
    assert partition_of(region) == partition
    assert region in regions(partition)
    assert region_problem(region) is None


def test_a_typo_is_refused_with_the_regions_it_is_closest_to() -> None:
    problem = region_problem("us-east-9")
    assert problem is not None
    assert problem.startswith(
        "'us-east-9' is not an AWS region; did you mean us-east-2 or us-east-1"
    )
    # A partition's global pseudo-region is no place to deploy.
    assert region_problem("aws-global") is not None
    assert "aws-global" not in regions("aws")


def test_the_environment_file_names_the_region_field_not_its_zones() -> None:
    data = yaml.safe_load((ENVIRONMENTS / "dev.yaml").read_text())
    data["region"] = "eu-wets-1"
    with pytest.raises(ConfigError) as error:
        EnvironmentLoader.parse(yaml.safe_dump(data), ENVIRONMENTS / "dev.yaml")
    message = str(error.value)
    assert "region: 'eu-wets-1' is not an AWS region; did you mean eu-west-1" in message
    assert "availability_zones" not in message


def test_a_team_file_names_a_platform_region_aws_has(tmp_path: Path) -> None:
    from tests.test_contract import team_config_for

    team = team_config_for(EnvironmentLoader(ENVIRONMENTS).load("dev"))
    data = team.model_dump(mode="json", exclude_none=True)
    data["platform"]["region"] = "us-esat-1"
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"platform.region: 'us-esat-1' is not an AWS region"):
        load_team_config(path)
    data["platform"]["region"] = team.platform.region
    path.write_text(yaml.safe_dump(data))
    assert load_team_config(path).platform.region == team.platform.region
