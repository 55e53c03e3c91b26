"""Shared fixtures. The AWS bindings are imported once per pytest process (seconds, ~1 GB)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

from cdktf import App, TerraformStack, Testing

from mlplatform.bindings.aws.provider import AwsProvider
from mlplatform.decisions.naming import Naming
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ROOT / "environments"
# Snapshots and validate runs must not depend on which port an emulator got.
FIXED_EMULATOR_ENDPOINT = "http://127.0.0.1:5000"


REPORTS = pytest.StashKey[dict[str, list[str]]]()

Report = Callable[[str, list[str]], None]


GUARDED_TAGS = {"env": "test", "team": "ml-platform", "cost-center": "ml", "component": "test"}
"""Default tags for a test's guarded stack: guardrail MLP-TAG-1 wants all four on every resource."""


@pytest.fixture
def run_summary(request: pytest.FixtureRequest) -> Report:
    """``run_summary(title, lines)`` shows the lines in the run's summary, output captured or not.

    A fixture, not a function to import: tests import this file as ``tests.conftest``,
    a module apart from the conftest pytest loads, whose hook prints the summary.
    A later report under the same title replaces an earlier one.
    """

    def add(title: str, lines: list[str]) -> None:
        request.config.stash.setdefault(REPORTS, {})[title] = lines

    return add


def pytest_configure(config: pytest.Config) -> None:
    """``make test`` stops its side runs with SIGTERM when mypy fails: unwind as Ctrl-C does,
    so every emulator a test started is stopped by its pid on the way out."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


# make test runs each slow marker's files beside the rest of the suite and names them, so
# that those runs collect one file each, not the whole suite (tens of seconds of imports).
SIDE_RUNS = {
    "e2e": "test_e2e_local.py",
    "scaffold": "test_team_init.py",
    "redis": "test_redis_store_deploys.py",
}


# The files that take longest (each about 4 s or more on a 2-core machine), longest first. They run
# first, so that when `make unit` shares the files among workers (pytest-xdist, one file per
# worker at a time) none of them is left running alone at the end.
LONGEST_FIRST = (
    "test_feast.py",
    "test_docs.py",
    "test_state_retention.py",
    "test_validate.py",
    "test_policy.py",
    "test_verify_environment.py",
    "test_bindings_parity.py",
    "test_verify_ml.py",
    "test_verify_compute.py",
    "test_emulator.py",
    "test_verify_feature_store.py",
    "test_team_stack.py",
    "test_pulumi_program.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first (see LONGEST_FIRST); a test marked for a side run outside the
    file the Makefile names would never run."""
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
    for item in items:
        for marker, file in SIDE_RUNS.items():
            if item.get_closest_marker(marker) and item.path.name != file:
                raise pytest.UsageError(
                    f"{item.nodeid}: tests marked {marker!r} live in tests/{file} (the Makefile's "
                    f"test target runs only that file for them); move it there"
                )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    for title, lines in config.stash.get(REPORTS, {}).items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def loader() -> EnvironmentLoader:
    return EnvironmentLoader(ENVIRONMENTS)


@pytest.fixture(scope="session")
def platform_app(
    tmp_path_factory: pytest.TempPathFactory, loader: EnvironmentLoader
) -> PlatformApp:
    """Every environment's stacks, built once per session (see ``synthesized``)."""
    outdir = tmp_path_factory.mktemp("cdktf.out")
    return PlatformApp(
        loader.load_all(), outdir=str(outdir), emulator_endpoint=FIXED_EMULATOR_ENDPOINT
    )


@pytest.fixture(scope="session")
def synthesized(platform_app: PlatformApp) -> Path:
    """Every environment synthesized once per session; returns ``<outdir>/stacks``."""
    platform_app.synth()
    return Path(platform_app.app.outdir) / "stacks"


@pytest.fixture(scope="session")
def aws_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    """One emulator server process for the session, stopped by its pid at the end.

    The emulator's fixes patch moto inside that process only; the pytest
    process keeps plain moto for the tests that mock AWS in-process.
    """
    log_file = tmp_path_factory.mktemp("emulator") / "moto.log"
    with LocalAws(log_file=log_file, lean=True) as emulator:
        yield emulator


@pytest.fixture
def emulated_aws(aws_emulator: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    """The session's emulator, emptied; every boto3 client the test makes talks to it."""
    aws_emulator.reset()
    for name, value in {
        "AWS_ENDPOINT_URL": aws_emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "mlplatform-local",
        "AWS_SECRET_ACCESS_KEY": "mlplatform-local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return aws_emulator


@pytest.fixture
def naming() -> Naming:
    return Naming("acme", "test")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[TerraformStack]:
    """A bare stack with an AWS provider, for construct tests with Testing.synth.

    Its app's outdir is the test's own directory: ``Testing.app()`` alone makes
    one under the system's temporary directory that nothing removes (a run of
    the suite left about 600 there).
    """
    app: App = Testing.app(outdir=str(tmp_path))
    stack = TerraformStack(app, "test")
    AwsProvider(stack, "aws", region="us-east-1")
    yield stack


GO_RUNTIME = {"GOGC": "400", "GOMEMLIMIT": "700MiB"}
"""The Go runtime settings the Makefile exports for terraform and the provider."""


@pytest.fixture(scope="session")
def terraform_env() -> dict[str, str]:
    """Environment for terraform and cdktf: the project's own CLI config always wins.

    The shell may point TF_CLI_CONFIG_FILE at a file that does not exist; the
    project's config installs the provider from the machine's offline mirror.
    Settings in the shell that would override that config or change what a
    command does (extra CLI arguments, data or plugin cache directory) are dropped.
    """
    config = ROOT / ".mlplatform" / "terraform.rc"
    config.parent.mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "write_terraformrc.py"), str(config)], check=True
    )
    overrides = ("TF_CLI_ARGS", "TF_DATA_DIR", "TF_PLUGIN_CACHE_DIR", "TF_REATTACH_PROVIDERS")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(overrides)},
        "TF_CLI_CONFIG_FILE": str(config),
        # The cdktf CLI would point TF_PLUGIN_CACHE_DIR at ~/.terraform.d/plugin-cache,
        # overriding the plugin cache the project's config names.
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
        # terraform and its provider collect garbage less often, as under make (see Makefile).
        **{name: os.environ.get(name, value) for name, value in GO_RUNTIME.items()},
    }


def terraform_in(
    workdir: Path, env: dict[str, str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``terraform <args> -input=false -no-color`` in ``workdir`` (a synthesized stack),
    output captured, for the tests that apply a stack into the emulator themselves."""

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", *args, "-input=false", "-no-color"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
        )

    return terraform


def stack_dirs(stacks: Path, environment: str) -> list[Path]:
    """The synthesized stack directories of one environment, in name order."""
    return sorted(p for p in stacks.glob(f"{environment}-*") if (p / "cdk.tf.json").is_file())


def environment_names() -> list[str]:
    """Environments known at collection time (parametrize needs them before fixtures run)."""
    return EnvironmentLoader(ENVIRONMENTS).available()


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` (scripts are files, not a package) once per session."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def prebuilt_binding(module: str) -> ModuleType:
    """``cdktf_cdktf_provider_aws.<module>``, imported when a test first needs it (the test is
    skipped without the package). Never at a test module's import: every pytest process
    (each xdist worker) imports every test module to collect it.

    The package's ``__init__`` imports all of its ~1,500 submodules, so that jsii knows every
    type node might hand back: 12 s here. These tests only make resources of the submodules
    they name, so the package is entered without running that ``__init__`` (its assembly,
    ``_jsii``, is loaded as usual) and each submodule is imported when named: about 2 s. The
    classes are the package's own; a user's ``import cdktf_cdktf_provider_aws.iam_role`` pays
    the full import (benchmarks/synth.py measures it).
    """
    package = "cdktf_cdktf_provider_aws"
    if package not in sys.modules:
        spec = importlib.util.find_spec(package)
        if spec is None:
            pytest.skip(f"{package} is not installed (the dev extra brings it)")
        sys.modules[package] = importlib.util.module_from_spec(spec)
        importlib.import_module(f"{package}._jsii")
    return importlib.import_module(f"{package}.{module}")
