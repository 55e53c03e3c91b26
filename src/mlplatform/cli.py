"""Command line of mlplatform: synth, config checks, the local emulator, deploy summaries, and
the Feast configuration of a deployed feature store, team repos and the terraform CLI config.

The Makefile calls these commands; each failure is one readable line on
stderr and a non-zero exit code. The AWS bindings (seconds to import) are
loaded only by the commands that synthesize.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mlplatform.cli_team import team_app
from mlplatform.config import EnvironmentConfig
from mlplatform.deploy_summary import DeploySummary
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import ConfigError, EnvironmentLoader

if TYPE_CHECKING:
    from mlplatform.emulator.clients import ClientFactory
    from mlplatform.verify.preflight import DeployPreflight

__all__ = ["main", "synth_from_environment"]

STATE_FILE = Path(".mlplatform/emulator.json")
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
emulator_app = typer.Typer(no_args_is_help=True, help="The embedded AWS emulator (moto server).")
app.add_typer(emulator_app, name="emulator")
features_app = typer.Typer(no_args_is_help=True, help="The feature store, as Feast sees it.")
app.add_typer(features_app, name="features")
lake_app = typer.Typer(no_args_is_help=True, help="The data lake of a deployed environment.")
app.add_typer(lake_app, name="lake")
app.add_typer(team_app, name="team")
err = Console(stderr=True)
out = Console()


def _fail(lines: str) -> typer.Exit:
    for line in lines.splitlines():
        err.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


EnvironmentsOption = Annotated[Path, typer.Option(help="Directory of environment files.")]
"""The ``--environments`` option every command that reads an environment takes."""
EnvironmentArgument = Annotated[str, typer.Argument(help="Environment name or YAML path.")]
"""The environment a command acts on."""
EndpointUrlOption = Annotated[
    str | None,
    typer.Option(help="Emulator endpoint; an emulator environment defaults to the running one."),
]
"""Where a command that calls AWS sends its calls for an emulator environment."""
StateFileOption = Annotated[Path, typer.Option(hidden=True)]
"""The emulator's state file (tests point it elsewhere)."""


def _load_or_exit(environments: Path, env: str) -> EnvironmentConfig:
    """Environment ``env``, or exit 2 printing the config error (file, field, fix)."""
    try:
        return EnvironmentLoader(environments).load(env)
    except ConfigError as error:
        raise _fail(str(error)) from None


def synth(
    selection: str | None, environments: Path, outdir: str | None, endpoint: str | None
) -> None:
    """Synthesize; raise ConfigError/ValueError/RuntimeError with a readable message."""
    # Validate every file first: a bad file fails in a second, before the bindings load.
    configs = EnvironmentLoader(environments).load_selection(selection)
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    from mlplatform.platform_app import PlatformApp  # imports the AWS bindings (seconds)

    PlatformApp(configs, outdir=outdir, emulator_endpoint=endpoint).synth()


def _synth_or_exit(
    selection: str | None, environments: Path, outdir: str | None, endpoint: str | None
) -> None:
    try:
        synth(selection, environments, outdir, endpoint)
    except ConfigError as error:
        raise _fail(str(error)) from None
    except (ValueError, RuntimeError) as error:
        # Guardrail findings and name checks arrive here; jsii wraps them in "Error: ...".
        message = str(error).removeprefix("Error: ")
        raise _fail(message) from None


def synth_from_environment(state_file: Path = STATE_FILE) -> int:
    """Entry point of main.py: selection and endpoint come from environment variables.

    Without ``MLPLATFORM_AWS_ENDPOINT``, an emulator environment points at the running
    emulator (``make up`` started it on a free port, recorded in ``state_file``), so
    ``make diff|deploy|destroy ENV=local`` reach the emulator that holds ``local``.
    """
    endpoint = os.environ.get("MLPLATFORM_AWS_ENDPOINT")
    if not endpoint and (running := LocalAws.load(state_file)) is not None:
        endpoint = running.endpoint
    try:
        _synth_or_exit(
            os.environ.get("MLPLATFORM_ENV"),
            Path(os.environ.get("MLPLATFORM_ENVIRONMENTS", "environments")),
            os.environ.get("CDKTF_OUTDIR"),  # where the cdktf CLI reads the stacks
            endpoint,
        )
    except typer.Exit as stop:
        return stop.exit_code
    return 0


@app.command("synth")
def synth_command(
    env: Annotated[
        str | None, typer.Option(help="Environment names or YAML paths, comma-separated.")
    ] = None,
    environments: EnvironmentsOption = Path("environments"),
    outdir: Annotated[str, typer.Option(help="Where to write the stacks.")] = "cdktf.out",
    endpoint: Annotated[
        str | None, typer.Option(help="Emulator endpoint for emulator environments.")
    ] = None,
) -> None:
    """Synthesize environments into <outdir>/stacks/<env>-<layer>/cdk.tf.json."""
    _synth_or_exit(env, environments, outdir, endpoint)
    out.print(f"synthesized into {outdir}/stacks")


@app.command("check")
def check_command(
    env: EnvironmentArgument,
    environments: EnvironmentsOption = Path("environments"),
) -> None:
    """Validate one environment file without synthesizing."""
    config = _load_or_exit(environments, env)
    out.print(f"{env}: ok ({config.org}-{config.environment}, {config.region})")


@app.command("stacks")
def stacks_command(
    env: EnvironmentArgument,
    environments: EnvironmentsOption = Path("environments"),
    outdir: Annotated[Path, typer.Option(help="Where cdktf synthesized.")] = Path("cdktf.out"),
    plannable: Annotated[
        bool,
        typer.Option(
            "--plannable",
            help="Only the stacks whose dependencies are deployed (their state exists); name "
            "the others on stderr.",
        ),
    ] = False,
) -> None:
    """Print the synthesized stacks of one environment, one per line, each after those it
    reads from (``make diff`` plans each one with ``cdktf diff``, which takes one stack)."""
    config = _load_or_exit(environments, env)
    manifest = outdir / "manifest.json"
    if not manifest.is_file():
        raise _fail(
            f"{manifest}: not found; synthesize first (MLPLATFORM_ENV={env} npx cdktf synth)"
        )
    stacks = json.loads(manifest.read_text())["stacks"]
    mine = {
        name: stack for name, stack in stacks.items() if name.startswith(f"{config.environment}-")
    }
    if not mine:
        raise _fail(f"{manifest}: no stack of {config.environment}; synthesize it first")
    ordered: list[str] = []
    while len(ordered) < len(mine):
        ready = sorted(
            name
            for name, stack in mine.items()
            if name not in ordered and set(stack["dependencies"]) & mine.keys() <= set(ordered)
        )
        if not ready:  # cdktf refuses cycles; a hand-edited manifest may not
            raise _fail(f"{manifest}: the stacks of {config.environment} depend on each other")
        ordered += ready
    if plannable:
        ordered = _plannable(outdir, ordered)
    out.print("\n".join(ordered), highlight=False)


def _plannable(outdir: Path, ordered: list[str]) -> list[str]:
    """The stacks of ``ordered`` that can be planned now; each other one named on stderr with
    the stacks it waits for."""
    from mlplatform.stack_readiness import StackReadiness, StateReadError

    readiness = StackReadiness(outdir)
    ready = []
    for stack in ordered:
        try:
            waits = readiness.waits_for(stack, ordered)
        except StateReadError as error:
            raise _fail(str(error)) from None
        if waits:
            err.print(
                f"not planned: {stack} reads the state of {', '.join(waits)}, not deployed yet; "
                "it can be planned once they are (make deploy applies the stacks in order)",
                highlight=False,
                soft_wrap=True,
            )
        else:
            ready.append(stack)
    return ready


@app.command("preflight")
def preflight_command(
    env: EnvironmentArgument,
    environments: EnvironmentsOption = Path("environments"),
    endpoint: Annotated[
        str | None,
        typer.Option(
            envvar="MLPLATFORM_AWS_ENDPOINT",
            help="Emulator endpoint (default: $MLPLATFORM_AWS_ENDPOINT, as main.py reads it, "
            "else the running emulator's).",
        ),
    ] = None,
    state_file: Annotated[Path, typer.Option()] = STATE_FILE,
) -> None:
    """Before a deploy, diff or destroy: the credentials reach the file's account, and its state
    bucket is there. Exit 1 naming the file, the field and the fix when not."""
    from mlplatform.emulator.clients import environment_clients
    from mlplatform.verify.preflight import DeployPreflight

    config = _load_or_exit(environments, env)
    if config.emulator and endpoint is None:
        endpoint = _running_or_exit(state_file).endpoint
    source = EnvironmentLoader(environments).resolve(env)
    _report_preflight(DeployPreflight(config, environment_clients(config, endpoint), source))


def _report_preflight(preflight: DeployPreflight) -> None:
    """Each problem as an ``error:`` line and exit 1, or the one line that says it is ready."""
    problems = preflight.problems()
    for problem in problems:
        err.print(f"[bold red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(code=1)
    out.print(preflight.summary(), highlight=False, soft_wrap=True)


@emulator_app.command("start")
def emulator_start(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1; default a free one.")] = None,
    state_file: Annotated[Path, typer.Option(help="Where pid and port are recorded.")] = STATE_FILE,
) -> None:
    """Start the emulator in the background (or reuse a running one) and print its endpoint."""
    running = LocalAws.load(state_file)
    if running is None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        running = LocalAws(port, log_file=state_file.with_suffix(".log")).start()
        running.save(state_file)
    out.print(running.endpoint, highlight=False)


@emulator_app.command("stop")
def emulator_stop(state_file: Annotated[Path, typer.Option()] = STATE_FILE) -> None:
    """Stop the emulator recorded in the state file, if it runs."""
    running = LocalAws.load(state_file)
    if running is not None:
        running.stop()
        out.print(f"stopped the emulator at {running.endpoint}", highlight=False)
    state_file.unlink(missing_ok=True)


@emulator_app.command("endpoint")
def emulator_endpoint(state_file: Annotated[Path, typer.Option()] = STATE_FILE) -> None:
    """Print the running emulator's endpoint; fail if none runs."""
    out.print(_running_or_exit(state_file).endpoint, highlight=False)


@emulator_app.command("snapshot")
def emulator_snapshot(
    name: Annotated[str, typer.Argument(help="What to call it (letters, digits, . _ -).")],
    state_file: Annotated[Path, typer.Option()] = STATE_FILE,
) -> None:
    """Save everything the running emulator holds under NAME (kept until it stops).

    After `make up`, `mlplatform emulator snapshot deployed` keeps the deployed local
    environment; `mlplatform emulator restore deployed` brings it back after an experiment,
    Terraform state and lock table included, in about a second instead of a deploy."""
    running = _running_or_exit(state_file)
    _or_exit(lambda: running.snapshot(name))
    out.print(f"saved the emulator at {running.endpoint} as {name!r}", highlight=False)


@emulator_app.command("restore")
def emulator_restore(
    name: Annotated[str, typer.Argument(help="A name given to `emulator snapshot`.")],
    state_file: Annotated[Path, typer.Option()] = STATE_FILE,
) -> None:
    """Put the running emulator back to what `emulator snapshot NAME` saved."""
    running = _running_or_exit(state_file)
    _or_exit(lambda: running.restore(name))
    out.print(f"restored the emulator at {running.endpoint} to {name!r}", highlight=False)


def _clients_or_exit(
    config: EnvironmentConfig, endpoint_url: str | None, state_file: Path
) -> ClientFactory:
    """boto3 clients for ``config``: at ``endpoint_url``, or at the running emulator for an
    emulator environment (exit 1 naming ``make up`` when none runs), or at AWS."""
    from mlplatform.emulator.clients import environment_clients

    if config.emulator and endpoint_url is None:
        endpoint_url = _running_or_exit(state_file).endpoint
    return environment_clients(config, endpoint_url)


def _running_or_exit(state_file: Path) -> LocalAws:
    running = LocalAws.load(state_file)
    if running is None:
        raise _fail(
            "no emulator is running; start one with `make up` or `mlplatform emulator start`"
        )
    return running


def _or_exit(call: Callable[[], None]) -> None:
    """Run ``call``; the emulator's refusal (an unknown or malformed name, with the names
    saved so far or the rule) is the command's one-line error."""
    try:
        call()
    except (LookupError, ValueError) as refused:
        raise _fail(str(refused)) from None


@app.command("outputs")
def outputs_command(
    outputs_file: Annotated[
        Path, typer.Argument(help="JSON written by `cdktf deploy --outputs-file`.")
    ],
    endpoint: Annotated[str | None, typer.Option(help="Emulator endpoint to print first.")] = None,
) -> None:
    """Print what a deploy made: the endpoint and each stack's outputs."""
    if not outputs_file.is_file():
        raise _fail(f"{outputs_file}: no outputs file; did the deploy finish?")
    summary = DeploySummary.from_file(outputs_file)
    if endpoint:
        out.print(
            f"[bold]AWS emulator:[/] {endpoint}  (aws --endpoint-url {endpoint} ...)",
            highlight=False,
            soft_wrap=True,
        )
    summary.print(out)


@features_app.command("config")
def features_config(
    env: EnvironmentArgument,
    outputs_file: Annotated[
        Path, typer.Option("--outputs", help="JSON written by `cdktf deploy --outputs-file`.")
    ] = Path(".mlplatform/local-outputs.json"),
    output: Annotated[
        Path | None, typer.Option(help="Write feature_store.yaml here; default: print it.")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="Emulator endpoint, for DynamoDB's endpoint_url.")
    ] = None,
    user: Annotated[
        str, typer.Option(help="Redis user: reader (serving) or writer (materialization).")
    ] = "reader",
    enforce_ttl: Annotated[
        bool,
        typer.Option(
            help="DynamoDB: write expires_at and serve no expired row (needs mlplatform where "
            "Feast runs)."
        ),
    ] = False,
    environments: EnvironmentsOption = Path("environments"),
) -> None:
    """Feast's feature_store.yaml for a deployed environment, from its stack outputs."""
    import yaml

    from mlplatform.feature_contract import OutputsError, feast_store_config

    config = _load_or_exit(environments, env)
    if not outputs_file.is_file():
        raise _fail(f"{outputs_file}: no outputs file; deploy first (make up, or make deploy)")
    try:
        document = feast_store_config(
            config,
            json.loads(outputs_file.read_text()),
            endpoint=endpoint,
            user=user,
            enforce_ttl=enforce_ttl,
        )
    except (OutputsError, ValueError) as error:
        raise _fail(str(error)) from None
    text = yaml.safe_dump(document, sort_keys=False)
    if output is None:
        out.print(text, highlight=False, markup=False, end="")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}", highlight=False)


@features_app.command("rotate-passwords")
def features_rotate_passwords(
    env: EnvironmentArgument,
    user: Annotated[
        list[str] | None,
        typer.Option(
            "--user", metavar="USER", help="Only this user (reader or writer; repeat for both)."
        ),
    ] = None,
    endpoint_url: EndpointUrlOption = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each rotation to finish.")
    ] = 900.0,
    environments: EnvironmentsOption = Path("environments"),
    state_file: StateFileOption = STATE_FILE,
) -> None:
    """Rotate the Redis online store's AUTH passwords now, with the store's rotation function,
    and wait until each new password is current. The previous password stays valid until the
    next rotation; rotate twice to retire a leaked one. Exits 1 naming what failed."""
    from mlplatform.redis_passwords import PasswordRotationError, RedisPasswordRotations

    config = _load_or_exit(environments, env)
    clients = _clients_or_exit(config, endpoint_url, state_file)

    def started(name: str, secret: str) -> None:
        out.print(f"{name}: rotating {secret}", highlight=False)

    try:
        rotations = RedisPasswordRotations.for_environment(config, clients, timeout_seconds=timeout)
        rotated = rotations.rotate(user or (), on_start=started)
    except PasswordRotationError as error:
        raise _fail(str(error)) from None
    for done in rotated:
        out.print(
            f"{done.user}: version {done.version} is current; the user holds "
            f"{done.password_count} passwords (the new one and the one before)",
            highlight=False,
            soft_wrap=True,
        )


@lake_app.command("replicate-existing")
def lake_replicate_existing(
    env: EnvironmentArgument,
    zone: Annotated[
        list[str] | None,
        typer.Option(
            "--zone", metavar="ZONE", help="Only this zone (repeat for more); default: every zone."
        ),
    ] = None,
    endpoint_url: EndpointUrlOption = None,
    wait: Annotated[bool, typer.Option(help="Follow each job until it finishes.")] = True,
    environments: EnvironmentsOption = Path("environments"),
    state_file: StateFileOption = STATE_FILE,
) -> None:
    """Replicate what live replication did not: each zone's objects from before replication was
    on, and those whose replication FAILED (S3 Batch Replication, one job per zone). Exits 1
    when a job leaves objects unreplicated, naming its report."""
    from mlplatform.replication_backfill import BackfillError, ReplicationBackfill, ZoneJob

    config = _load_or_exit(environments, env)
    clients = _clients_or_exit(config, endpoint_url, state_file)
    try:
        backfill = ReplicationBackfill.for_environment(config, clients)
        jobs = backfill.start(zone or ())
        for job in jobs:
            out.print(f"{job.zone}: started job {job.job_id}", highlight=False)
        if not wait:
            return

        def show(job: ZoneJob) -> None:
            out.print(f"{job.zone}: {job.status}", highlight=False)

        finished = backfill.wait(jobs, on_change=show)
    except (BackfillError, ValueError) as error:
        raise _fail(str(error)) from None
    unclean = False
    for job in finished:
        line = (
            f"{job.zone}: job {job.job_id} {job.status}: {job.succeeded} of {job.total} "
            f"objects replicated"
        )
        if not job.clean:
            unclean = True
            reasons = "; ".join(job.failure_reasons)
            line += f", {job.failed} failed" + (f" ({reasons})" if reasons else "")
            line += f"; report: {backfill.report_location(job)}"
        out.print(line, highlight=False, soft_wrap=True)
    if unclean:
        raise typer.Exit(code=1)


@app.command("terraformrc")
def terraformrc_command(
    output: Annotated[Path, typer.Argument(help="Where to write the config.")],
) -> None:
    """Write the terraform CLI config that installs providers from the offline mirror
    ($MLPLATFORM_PROVIDER_MIRROR, or the usual plugin directories), and fill its plugin cache."""
    from mlplatform.terraformrc import write

    output.parent.mkdir(parents=True, exist_ok=True)
    write(output)


def main() -> None:
    """Console script ``mlplatform``."""
    app()


if __name__ == "__main__":
    main()
