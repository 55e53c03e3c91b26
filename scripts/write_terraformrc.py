"""Write the project's terraform CLI config: providers come from the machine's offline mirror.

The logic is :mod:`mlplatform.terraformrc`, shared with team repos (``mlplatform
terraformrc``). The Makefile runs this with the system Python before the venv
exists, so it imports the module from ``src/`` (the package's import needs only
the standard library).

Usage: python scripts/write_terraformrc.py OUTPUT_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mlplatform.terraformrc import find_mirror, render, write

__all__ = ["find_mirror", "render", "write"]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
