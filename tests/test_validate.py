"""terraform validate on every synthesized stack, with the real provider from the offline mirror.

Every stack validates in one terraform process: a scratch root module calls each
stack's directory as a child module, one ``terraform init`` installs the provider
from the mirror, and one ``terraform validate -json`` checks them all. Terraform
names the file of every error, so each error goes back to its stack. Validating
stack by stack cost ~2.7 s of CPU each (the provider builds its schema, terraform
decodes it, whatever the size of the stack); together they cost about half. A
stack's ``backend`` block has no effect in a child module (terraform warns, and
``validate`` never checks a backend anyway); everything else is validated as
in the stack's own directory, which ``SharedInit.validate`` still does for one
stack at a time (a team's stack in tests/test_team_stack.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import environment_names, stack_dirs

INIT = ["terraform", "init", "-backend=false", "-input=false", "-no-color"]
LOCK_FILE = ".terraform.lock.hcl"
# Providers this machine's offline mirror holds. A stack that needs another one (the
# <env>-cluster layer needs hashicorp/helm, which cannot be installed here) is covered
# by tests/test_cluster_stack.py and tests/test_cluster_manifests.py instead; the test
# below proves that only that layer is left out, and why.
MIRRORED = {"aws"}


def run(command: list[str], directory: Path, env: dict[str, str]) -> str:
    """'' when the command succeeds, else what terraform said."""
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True)
    if done.returncode == 0:
        return ""
    return f"{directory.name}: {' '.join(command[:2])}\n{done.stdout}\n{done.stderr}"


def providers_of(stack: Path) -> set[str]:
    document = json.loads((stack / "cdk.tf.json").read_text())
    return set(document.get("terraform", {}).get("required_providers", {}))


def validatable(synthesized: Path) -> list[Path]:
    """The stacks whose providers are all in the offline mirror."""
    stacks = sorted(p.parent for p in synthesized.glob("*/cdk.tf.json"))
    return [s for s in stacks if providers_of(s) <= MIRRORED]


def required_providers(stacks: Iterable[Path]) -> dict[str, Any]:
    """The union of the stacks' ``required_providers``; the same name must mean the same thing."""
    union: dict[str, Any] = {}
    for stack in stacks:
        document = json.loads((stack / "cdk.tf.json").read_text())
        for name, requirement in (
            document.get("terraform", {}).get("required_providers", {}).items()
        ):
            assert union.setdefault(name, requirement) == requirement, (
                f"{stack.name} requires provider {name} as {requirement}, "
                f"another stack as {union[name]}; one shared init cannot serve both"
            )
    return union


class SharedInit:
    """One ``terraform init`` whose data directory and lock file serve every stack."""

    def __init__(self, directory: Path, stacks: Iterable[Path], env: dict[str, str]) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        config = {"terraform": {"required_providers": required_providers(stacks)}}
        (directory / "main.tf.json").write_text(json.dumps(config, indent=2))
        failure = run(INIT, directory, env)
        assert failure == "", failure
        self.env = {**env, "TF_DATA_DIR": str(directory / ".terraform")}

    def validate(self, stack: Path, env: dict[str, str]) -> str:
        """'' when the stack is valid, else what terraform said."""
        if "module" in json.loads((stack / "cdk.tf.json").read_text()):
            # Modules are installed into the data directory: such a stack needs its own init.
            return run(INIT, stack, env) or run(["terraform", "validate", "-no-color"], stack, env)
        shutil.copyfile(self.directory / LOCK_FILE, stack / LOCK_FILE)
        return run(["terraform", "validate", "-no-color"], stack, self.env)


@pytest.fixture(scope="module")
def shared_init(
    tmp_path_factory: pytest.TempPathFactory, synthesized: Path, terraform_env: dict[str, str]
) -> SharedInit:
    stacks = validatable(synthesized)
    init = SharedInit(tmp_path_factory.mktemp("terraform-init"), stacks, terraform_env)
    lock = (init.directory / LOCK_FILE).read_text()
    # The provider really came from the offline mirror, at the version the bindings are built for.
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'version     = "5.100.0"' in lock
    return init


def validate_together(directory: Path, stacks: list[Path], env: dict[str, str]) -> dict[str, str]:
    """What one ``terraform validate`` of every stack as a child module said about each
    ('' when valid); an error terraform ties to no stack's file counts against them all."""
    directory.mkdir(parents=True, exist_ok=True)
    names = [stack.name for stack in stacks]
    assert len(set(names)) == len(names), f"two stacks share a name: {names}"
    for stack in stacks:
        (directory / stack.name).symlink_to(stack.resolve(), target_is_directory=True)
    modules = {name: {"source": f"./{name}"} for name in names}
    (directory / "main.tf.json").write_text(json.dumps({"module": modules}, indent=2))
    failure = run(INIT, directory, env)
    assert failure == "", failure
    done = subprocess.run(
        ["terraform", "validate", "-json", "-no-color"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout)
    said: dict[str, list[str]] = {name: [] for name in names}
    for diagnostic in report["diagnostics"]:
        if diagnostic["severity"] != "error":
            continue
        filename = diagnostic.get("range", {}).get("filename", "")
        text = f"{filename}: {diagnostic['summary']}: {diagnostic.get('detail', '')}"
        owners = [
            stack.name
            for stack in stacks
            # terraform names the file through the link or, having followed it, the stack's own
            if filename.startswith((f"{stack.name}/", f"{stack.resolve()}/"))
        ]
        for name in owners or names:
            said[name].append(text)
    assert report["valid"] or any(said.values()), done.stdout + done.stderr
    return {name: "\n".join(lines) for name, lines in said.items()}


@pytest.fixture(scope="module")
def failures(
    synthesized: Path, tmp_path_factory: pytest.TempPathFactory, terraform_env: dict[str, str]
) -> dict[str, str]:
    """What terraform validate said about every synthesized stack ('' when valid)."""
    root = tmp_path_factory.mktemp("validate-all")
    return validate_together(root, validatable(synthesized), terraform_env)


@pytest.mark.parametrize("environment", environment_names())
def test_every_stack_is_valid_terraform(
    synthesized: Path, failures: dict[str, str], environment: str
) -> None:
    stacks = [d for d in stack_dirs(synthesized, environment) if d.name in failures]
    assert len(stacks) >= 2
    assert [failures[d.name] for d in stacks if failures[d.name]] == []


def test_only_the_cluster_layer_needs_a_provider_outside_the_mirror(synthesized: Path) -> None:
    stacks = sorted(p.parent for p in synthesized.glob("*/cdk.tf.json"))
    left_out = {
        s.name: providers_of(s) - MIRRORED for s in stacks if s not in validatable(synthesized)
    }

    assert left_out == {f"{env}-cluster": {"helm"} for env in ("dev", "staging", "prod")}


def test_validate_catches_an_invalid_stack(
    tmp_path: Path, shared_init: SharedInit, terraform_env: dict[str, str]
) -> None:
    (tmp_path / "cdk.tf.json").write_text(
        '{"terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},'
        ' "resource": {"aws_s3_bucket": {"b": {"no_such_argument": true}}}}'
    )

    failure = shared_init.validate(tmp_path, terraform_env)

    assert 'No argument or block type is named "no_such_argument"' in failure


def test_one_validate_of_many_stacks_names_the_invalid_one(
    tmp_path: Path, terraform_env: dict[str, str]
) -> None:
    provider = (
        '{"terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}}'
    )
    for name, bucket in (("good", '{"bucket": "b"}'), ("bad", '{"no_such_argument": true}')):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cdk.tf.json").write_text(
            provider + f', "resource": {{"aws_s3_bucket": {{"b": {bucket}}}}}}}'
        )

    said = validate_together(
        tmp_path / "root", [tmp_path / "good", tmp_path / "bad"], terraform_env
    )

    assert said["good"] == ""
    assert "bad/cdk.tf.json: " in said["bad"]
    assert "no_such_argument" in said["bad"]
