"""Write the project's terraform CLI config: providers come from the machine's offline mirror.

Nothing may download at run time, so ``provider_installation`` names a
filesystem mirror that holds hashicorp/aws 5.100.0. The mirror is
``$MLPLATFORM_PROVIDER_MIRROR`` when set, else the first well-known plugin
directory that holds the provider. A shared plugin cache makes the second
``terraform init`` of a stack a symlink instead of a copy.

Usage: python scripts/write_terraformrc.py OUTPUT_FILE
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def render(mirror: Path, cache: Path) -> str:
    return f"""# Written by scripts/write_terraformrc.py; do not edit.
plugin_cache_dir = "{cache}"
disable_checkpoint = true

provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/hashicorp/*"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/*"]
  }}
}}
"""


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    output = Path(sys.argv[1]).resolve()
    cache = output.parent / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    text = render(find_mirror(), cache)
    if not output.is_file() or output.read_text() != text:
        output.write_text(text)


if __name__ == "__main__":
    main()
