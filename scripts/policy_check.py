"""Run checkov over synthesized stacks and apply the project's reasoned suppressions.

checkov reads cdktf output only with ``--framework terraform_json`` (with
``terraform`` it finds nothing and passes), and that framework has no inline
skip comments, so suppressions live in ``policy/checkov_suppressions.yaml``:
check id, resource glob, optional file glob, and a reason. A suppression
that matches no failure is stale and fails the check too.

Usage: python scripts/policy_check.py STACKS_DIR [--suppressions FILE]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SUPPRESSIONS = ROOT / "policy" / "checkov_suppressions.yaml"


@dataclass(frozen=True)
class Failure:
    """One failed checkov check on one resource of one file."""

    check: str
    name: str
    resource: str
    file: str

    def __str__(self) -> str:
        return f"{self.check} {self.file} {self.resource}: {self.name}"


@dataclass(frozen=True)
class Suppression:
    """An accepted deviation, scoped by resource and file globs."""

    check: str
    resources: tuple[str, ...]
    reason: str
    files: tuple[str, ...] = ("*",)

    def matches(self, failure: Failure) -> bool:
        return (
            failure.check == self.check
            and any(fnmatch.fnmatchcase(failure.resource, p) for p in self.resources)
            and any(fnmatch.fnmatchcase(failure.file, p) for p in self.files)
        )


@dataclass
class PolicyReport:
    """What checkov found, split by the suppressions."""

    passed: int
    unsuppressed: list[Failure] = field(default_factory=list)
    suppressed: list[Failure] = field(default_factory=list)
    stale: list[Suppression] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unsuppressed and not self.stale


def load_suppressions(path: Path = DEFAULT_SUPPRESSIONS) -> list[Suppression]:
    """Read and check the suppressions file: every entry needs a check, resources and a reason."""
    entries = yaml.safe_load(path.read_text()) or []
    result = []
    for index, entry in enumerate(entries):
        reason = str(entry.get("reason", "")).strip()
        if not entry.get("check") or not entry.get("resources") or len(reason) < 20:
            raise ValueError(
                f"{path}: entry {index}: needs check, resources and a reason of a sentence or more"
            )
        result.append(
            Suppression(
                check=entry["check"],
                resources=tuple(entry["resources"]),
                reason=reason,
                files=tuple(entry.get("files", ["*"])),
            )
        )
    return result


def checkov_binary() -> str:
    """``$CHECKOV_BIN``, the project's own checkov venv, or checkov on PATH."""
    candidates = [os.environ.get("CHECKOV_BIN"), str(ROOT / ".tools/checkov/bin/checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("checkov")
    if found:
        return found
    raise FileNotFoundError(
        "checkov is not installed; run `make setup` (it installs .tools/checkov)"
    )


@dataclass(frozen=True)
class Result:
    """One checkov check on one resource of one file, passed or failed."""

    check: str
    name: str
    resource: str
    file: str
    passed: bool


# Top-level blocks that configure no resource. checkov 3.3's terraform_json parser
# expects every block type to be an object, fails on the ``moved`` and ``removed`` lists, and then
# reports nothing at all for that file; so they are left out of what checkov reads.
NOT_CHECKED = ("moved", "removed", "import")


def scan(directory: Path) -> list[Result]:
    """Every check result for every stack below ``directory``, from one checkov process.

    Offline, no guideline download. Passed checks are kept (no ``--quiet``) so
    that one scan of several stacks can be split by file. A file checkov cannot
    parse is an error, never a silent pass.
    """
    with tempfile.TemporaryDirectory() as scratch:
        for source in sorted(directory.glob("*/cdk.tf.json")):
            document = json.loads(source.read_text())
            for block in NOT_CHECKED:
                document.pop(block, None)
            target = Path(scratch) / source.relative_to(directory)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(document))
        data = _checkov_json(Path(scratch))
    reports = data if isinstance(data, list) else [data]
    unparsed = sum(int(r.get("summary", {}).get("parsing_errors", 0)) for r in reports)
    if unparsed:
        raise RuntimeError(f"checkov could not parse {unparsed} file(s) below {directory}")
    results = []
    for report in reports:
        if "results" not in report:  # an empty report has only a summary
            continue
        for key, passed in (("passed_checks", True), ("failed_checks", False)):
            results += [
                Result(i["check_id"], i["check_name"], i["resource"], i["file_path"], passed)
                for i in report["results"].get(key, [])
            ]
    return results


def _checkov_json(directory: Path) -> Any:
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    completed = subprocess.run(
        [
            checkov_binary(),
            "--directory",
            str(directory),
            "--framework",
            "terraform_json",
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode not in (0, 1) or not completed.stdout.strip():
        raise RuntimeError(f"checkov failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return json.loads(completed.stdout)


def judge(results: list[Result], suppressions: list[Suppression]) -> PolicyReport:
    """Sort every failed check into suppressed or not; unused suppressions are stale."""
    report = PolicyReport(passed=sum(r.passed for r in results))
    used: set[int] = set()
    for result in results:
        if result.passed:
            continue
        failure = Failure(result.check, result.name, result.resource, result.file)
        match = next((i for i, s in enumerate(suppressions) if s.matches(failure)), None)
        if match is None:
            report.unsuppressed.append(failure)
        else:
            used.add(match)
            report.suppressed.append(failure)
    report.stale = [s for i, s in enumerate(suppressions) if i not in used]
    return report


def evaluate(stacks_dir: Path, suppressions: list[Suppression]) -> PolicyReport:
    """Run checkov once over every stack below ``stacks_dir`` and judge the results."""
    return judge(scan(stacks_dir), suppressions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("stacks_dir", type=Path)
    parser.add_argument("--suppressions", type=Path, default=DEFAULT_SUPPRESSIONS)
    args = parser.parse_args(argv)
    report = evaluate(args.stacks_dir, load_suppressions(args.suppressions))
    print(f"checkov: {report.passed} passed, {len(report.suppressed)} suppressed with a reason")
    for failure in report.unsuppressed:
        print(f"FAILED {failure}")
    for stale in report.stale:
        print(f"STALE suppression {stale.check} {stale.resources}: matches no failure; remove it")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
