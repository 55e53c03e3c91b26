"""``mlplatform team init``: a team repo that synthesizes and tests itself, from a template;
``mlplatform team preflight``: before its ``make diff`` or ``make deploy``, the account and the
state bucket (:class:`~mlplatform.verify.preflight.DeployPreflight`).

The template ships in the package (``mlplatform/team_template``), so the repo
it writes matches the installed mlplatform: ``pyproject.toml`` pins this
version and the cdktf and constructs it was built with, and ``package.json``
with its lock pins the cdktf CLI the platform runs (the platform's own lock
data, so ``npm ci`` installs exactly it). Its Makefile sets everything up,
as the platform's does, and writes the terraform CLI config with
``mlplatform terraformrc``, the platform's own logic.
"""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from mlplatform.config import TeamConfig
from mlplatform.decisions.naming import reserved_team_name

__all__ = ["render_team_repo", "team_app"]

team_app = typer.Typer(no_args_is_help=True, help="Team repos that compose the platform.")

# template file -> where it goes in the team repo
_FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "cdktf.json.tmpl": "cdktf.json",
    "main.py.tmpl": "main.py",
    "tests/test_stack.py.tmpl": "tests/test_stack.py",
    "team.yaml.tmpl": "team.yaml",
    "gitignore.tmpl": ".gitignore",
    "Makefile.tmpl": "Makefile",
}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _pins() -> dict[str, str]:
    """``name -> version`` of every ``==`` pin of the installed mlplatform, extras included."""
    pins: dict[str, str] = {}
    for requirement in metadata.requires("mlplatform") or []:
        found = re.match(r"^([A-Za-z0-9_.-]+)==([^;\s]+)", requirement)
        if found:
            pins.setdefault(found[1].lower(), found[2])
    return pins


def render_team_repo(config: TeamConfig) -> dict[str, str]:
    """Every file of the team repo, by its path in the repo."""
    pins = _pins()
    team, platform = config.team, config.platform
    account = (
        f'  account_id: "{platform.account_id}"'
        if platform.account_id is not None
        else "  emulator: true  # the platform runs in the embedded AWS emulator"
    )
    values = {
        "team": team.name,
        "team_class": "".join(part.capitalize() for part in team.name.split("-")),
        "platform_env": platform.environment,
        "cost_center": team.cost_center,
        "owners": json.dumps(list(team.owners)),
        "org": platform.org,
        "region": platform.region,
        "platform_account": account,
        "mlplatform_version": metadata.version("mlplatform"),
        "cdktf_version": pins["cdktf"],
        "constructs_version": pins["constructs"],
        "pytest_version": pins["pytest"],
        "syrupy_version": pins["syrupy"],
    }
    template = resources.files("mlplatform") / "team_template"
    files: dict[str, str] = {}
    for source, target in _FILES.items():
        text = (template / source).read_text(encoding="utf-8")
        files[target] = _PLACEHOLDER.sub(lambda m: values[m[1]], text)
    # The platform's cdktf CLI pin and lock data, under the team repo's name.
    name = f"{team.name}-infra"
    package = json.loads((template / "package.json").read_text(encoding="utf-8"))
    package.update(name=name, description="Pins the cdktf CLI (npm ci, then npx cdktf ...).")
    lock = json.loads((template / "package-lock.json").read_text(encoding="utf-8"))
    lock["name"] = lock["packages"][""]["name"] = name
    files["package.json"] = json.dumps(package, indent=2) + "\n"
    files["package-lock.json"] = json.dumps(lock, indent=2) + "\n"
    return files


@team_app.command("init")
def init_command(
    team: Annotated[str, typer.Argument(help="The team's name (a-z, 0-9, inner '-'; <=20).")],
    platform_env: Annotated[
        str, typer.Option("--platform-env", help="The platform environment it builds on.")
    ],
    owner: Annotated[
        list[str],
        typer.Option(help="Who answers for the repo (e-mail or handle); repeat for more."),
    ],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to write the repo; default ./<team>.")
    ] = None,
    cost_center: Annotated[
        str | None, typer.Option(help="The cost-center tag; default the team's name.")
    ] = None,
    org: Annotated[str, typer.Option(help="The platform's org (first part of names).")] = "mlp",
    region: Annotated[str, typer.Option(help="The platform environment's region.")] = "us-east-1",
    account_id: Annotated[
        str | None, typer.Option(help="The platform account (12 digits).")
    ] = None,
    emulator: Annotated[
        bool, typer.Option(help="The platform runs in the embedded emulator (no account).")
    ] = False,
) -> None:
    """Write a team repo: main.py with one TeamStack, tests, Makefile, pins, team.yaml."""
    from mlplatform.cli import _fail, out
    from mlplatform.loader import team_problems

    platform: dict[str, object] = {"org": org, "environment": platform_env, "region": region}
    if account_id is not None:
        platform["account_id"] = account_id
    if emulator:
        platform["emulator"] = True
    try:
        config = TeamConfig.model_validate(
            {
                "platform": platform,
                "team": {"name": team, "cost_center": cost_center or team, "owners": owner},
            }
        )
    except ValidationError as error:
        raise _fail("\n".join(f"team init: {line}" for line in team_problems(error))) from None
    reserved = reserved_team_name(team)
    if reserved is not None:
        raise _fail(
            f"team init: team.name: {team!r} starts like the platform's {reserved!r} "
            f"(<org>-<env>-{reserved}-...), so the team's names would collide with the "
            "platform's; pick the team's own name, such as ranking"
        )
    target = directory or Path(team)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise _fail(
            f"{target}: not an empty directory; `team init` never overwrites files, "
            "so name a new or empty one with --dir"
        )
    for relative, text in render_team_repo(config).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    out.print(
        f"wrote the {team} team's repo in {target}; next: cd {target} && make test",
        highlight=False,
        soft_wrap=True,
    )


@team_app.command("preflight")
def preflight_command(
    config_file: Annotated[Path, typer.Option("--config", help="The repo's team file.")] = Path(
        "team.yaml"
    ),
    endpoint: Annotated[
        str | None,
        typer.Option(help="The emulator's endpoint (default $MLPLATFORM_AWS_ENDPOINT)."),
    ] = None,
) -> None:
    """Before a diff or deploy: the credentials reach the platform's account, and its state
    bucket (where the team's state lives) is there. Exit 1 naming the field and the fix."""
    from mlplatform.cli import _fail, _report_preflight
    from mlplatform.decisions.team_layer import emulator_endpoint
    from mlplatform.emulator.clients import EmulatorEndpointRequiredError, environment_clients
    from mlplatform.loader import ConfigError, load_team_config
    from mlplatform.verify.preflight import DeployPreflight

    try:
        config = load_team_config(config_file)
    except ConfigError as error:
        raise _fail(str(error)) from None
    try:
        clients = environment_clients(config.platform, emulator_endpoint(config, endpoint))
    except EmulatorEndpointRequiredError:
        raise _fail(
            f"{config_file}: platform.emulator is true, and the emulator's endpoint is not "
            "known; set MLPLATFORM_AWS_ENDPOINT to it (the platform repo's "
            "`mlplatform emulator endpoint` prints it), or pass --endpoint"
        ) from None
    _report_preflight(DeployPreflight(config, clients, config_file))
