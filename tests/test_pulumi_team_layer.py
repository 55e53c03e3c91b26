"""``TeamLayer`` refuses what cdktf's ``TeamStack`` refuses, and names and tags as the team.

The parity with a ``TeamStack`` (provider, tags, grants) is checked in
``test_pulumi_team_repo_contract*``; these are the collisions, each one line.
"""

from __future__ import annotations

from typing import Any

import pytest

from mlplatform.config import TeamConfig
from mlplatform.decisions.naming import PLATFORM_LAYERS
from mlplatform.decisions.tagging import team_tags
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.team_layer import TeamLayer
from tests.test_contract import team_config_for


def _team(loader: EnvironmentLoader, **team: Any) -> TeamConfig:
    config = team_config_for(loader.load("dev"))
    return config.model_copy(update={"team": config.team.model_copy(update=team)})


def _refusal(build: Any) -> BaseException:
    caught: list[BaseException] = []

    def program() -> None:
        try:
            build()
        except (TypeError, ValueError) as exc:
            caught.append(exc)

    Recorder.run(program, parameters={})
    assert len(caught) == 1
    assert "\n" not in str(caught[0])
    return caught[0]


def test_a_team_layer_has_the_teams_names_and_tags(loader: EnvironmentLoader) -> None:
    config = _team(loader)
    seen: dict[str, Any] = {}

    def program() -> None:
        layer = TeamLayer(config, "features")
        seen.update(path=layer.path, bucket=layer.naming.bucket("scratch"), tags=layer.tags)
        seen.update(contract=layer.platform_contract.prefix)

    Recorder.run(program, parameters={})
    assert seen["path"] == "dev-ranking-features"
    assert seen["bucket"].startswith("mlp-dev-ranking-scratch")
    assert seen["tags"] == team_tags(config, "features")
    assert seen["contract"] == "/mlp/dev/platform"


@pytest.mark.parametrize("layer", PLATFORM_LAYERS)
def test_a_team_layer_named_like_a_platform_layer_is_refused(
    loader: EnvironmentLoader, layer: str
) -> None:
    error = _refusal(lambda: TeamLayer(_team(loader), layer))
    assert f"TeamLayer {layer!r} reuses the platform's layer name {layer!r}" in str(error)


@pytest.mark.parametrize("team", ["serving", "datalake", "registry", "ml"])
def test_a_team_named_like_a_platform_component_is_refused(
    loader: EnvironmentLoader, team: str
) -> None:
    error = _refusal(lambda: TeamLayer(_team(loader, name=team), "apps"))
    assert f"team {team!r} would name its resources mlp-dev-{team}-" in str(error)


def test_a_team_layer_from_an_environment_config_is_refused(loader: EnvironmentLoader) -> None:
    error = _refusal(lambda: TeamLayer(loader.load("dev"), "apps"))  # type: ignore[arg-type]
    assert "config is a EnvironmentConfig; a team layer is built from a TeamConfig" in str(error)


def test_a_platform_layer_from_a_team_config_is_refused(loader: EnvironmentLoader) -> None:
    error = _refusal(lambda: Layer(_team(loader), "ml"))  # type: ignore[arg-type]
    assert "Layer 'ml': built from a team config (team 'ranking')" in str(error)


def test_a_team_layer_name_terraform_would_reject_is_refused(loader: EnvironmentLoader) -> None:
    error = _refusal(lambda: TeamLayer(_team(loader), "my features"))
    assert "TeamLayer id 'my features'" in str(error)
