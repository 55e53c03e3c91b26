"""The terraform CLI config of a repo: providers come from the machine's offline mirror.

Nothing may download at run time, so ``provider_installation`` names a
filesystem mirror that holds hashicorp/aws 5.100.0. The mirror is
``$MLPLATFORM_PROVIDER_MIRROR`` when set, else the first well-known plugin
directory that holds the provider. A shared plugin cache makes the second
``terraform init`` of a stack a symlink instead of a copy.

The cache is filled here, once, by one ``terraform init``: Terraform does not
promise that several inits filling an empty cache at once are safe, and
``make test`` runs the end-to-end deploy beside the rest of the suite.

The platform's Makefile (``scripts/write_terraformrc.py``) and a team repo's
(``mlplatform terraformrc``, written by ``mlplatform team init``) both write it
with this module, so both find the same mirror the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["find_mirror", "render", "write"]

PROVIDER = Path("registry.terraform.io/hashicorp/aws/5.100.0")
CANDIDATES = (
    "/opt/tf-plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/opt/terraform/plugins",
)


def find_mirror() -> Path:
    """The mirror directory, or exit with what to set."""
    override = os.environ.get("MLPLATFORM_PROVIDER_MIRROR")
    if override:
        mirror = Path(override).expanduser()
        if not (mirror / PROVIDER).is_dir():
            sys.exit(
                f"error: MLPLATFORM_PROVIDER_MIRROR={override}: no {PROVIDER} below it; "
                "point it at the directory that holds registry.terraform.io/"
            )
        return mirror
    for candidate in CANDIDATES:
        mirror = Path(candidate).expanduser()
        if (mirror / PROVIDER).is_dir():
            return mirror
    sys.exit(
        f"error: no terraform provider mirror with {PROVIDER} in {', '.join(CANDIDATES)}; "
        "set MLPLATFORM_PROVIDER_MIRROR to the directory that holds registry.terraform.io/"
    )


def mirrored_providers(mirror: Path) -> list[str]:
    """Addresses of the providers the mirror holds (``registry.terraform.io/hashicorp/aws``).

    Only these come from the mirror; every other provider (the cluster layer's
    hashicorp/helm) installs from its registry where the machine has one, and
    fails to install, naming itself, where it has not.
    """
    registry = mirror / "registry.terraform.io"
    return sorted(
        f"registry.terraform.io/{namespace.name}/{provider.name}"
        for namespace in registry.iterdir()
        if namespace.is_dir()
        for provider in namespace.iterdir()
        if provider.is_dir()
    )


def render(mirror: Path, cache: Path) -> str:
    providers = ", ".join(f'"{address}"' for address in mirrored_providers(mirror))
    return f"""# Written by mlplatform.terraformrc; do not edit.
plugin_cache_dir = "{cache}"
disable_checkpoint = true

provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = [{providers}]
  }}
  direct {{
    exclude = [{providers}]
  }}
}}
"""


def fill_cache(config: Path, cache: Path) -> None:
    """Install the provider into the plugin cache unless it is there already."""
    if any((cache / PROVIDER).glob("*/terraform-provider-aws*")):
        return
    if shutil.which("terraform") is None:
        sys.exit("error: terraform is not on PATH; install terraform 1.11 or later")
    version = PROVIDER.name
    with tempfile.TemporaryDirectory() as workdir:
        Path(workdir, "main.tf").write_text(
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", '
            f'version = "{version}" }}\n  }}\n}}\n'
        )
        done = subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
            cwd=workdir,
            env={**os.environ, "TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1"},
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        sys.exit(f"error: could not fill the provider cache {cache}:\n{done.stderr}")


def write(output: Path) -> None:
    """Write the config to ``output`` (unchanged if it is current) and fill its plugin cache
    (``plugin-cache`` beside it); exit with one ``error:`` line if there is no mirror."""
    output = output.resolve()
    cache = output.parent / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    text = render(find_mirror(), cache)
    if not output.is_file() or output.read_text() != text:
        output.write_text(text)
    fill_cache(output, cache)
