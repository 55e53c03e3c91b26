"""Tests and the team template leave nothing behind in the system's temporary directory."""

from __future__ import annotations

import re

from tests.conftest import ROOT

# cdktf makes a directory under os.tmpdir() that nothing removes, on every call of these
# without an outdir: Testing.app() (and synth_scope, which calls it) and full_synth.
# (Named in backticks, in prose, they are fine.)
LEAKING = re.compile(r"(?<!`)Testing\.(app\(\)|synth_scope\(|full_synth\()")


def test_every_testing_app_is_given_the_tests_own_directory() -> None:
    sources = [
        *sorted((ROOT / "tests").rglob("*.py")),
        *sorted((ROOT / "src" / "mlplatform" / "team_template").rglob("*.tmpl")),
        *sorted((ROOT / "benchmarks").rglob("*.py")),
    ]
    leaks = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        if path.name != "test_temporary_files.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if LEAKING.search(line)
    ]
    assert leaks == [], "pass outdir=str(tmp_path): " + ", ".join(leaks)
