"""Measure the suite and ``make up``: wall time and CPU time, printed, never asserted.

Each figure is one run of the real command (they take minutes, so there is no
repeat), with its target from the issue "speed and shape":

- ``--unit``: ``make unit``, the suite without the end-to-end and scaffold tests, with
  lint and types (target: 90 s);
- ``--up``: ``make up`` on a set-up checkout, then ``make down`` (target: 2 min);
- ``--test``: ``make test`` on a fresh clone of this checkout's HEAD, set-up
  included, as CI runs it (target: 4 min).

    .venv/bin/python benchmarks/suite.py --unit --up --test

CPU time is that of every process the command started (user + system), so
``cpu / wall`` shows how busy the machine's cores were: near their number, only
less work makes the command faster; well below it, more overlap can.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass(frozen=True)
class Measured:
    """One command's wall and CPU seconds, and whether it succeeded."""

    wall: float
    cpu: float
    returncode: int

    def line(self, label: str, target: str) -> str:
        outcome = "" if self.returncode == 0 else f"  (FAILED: exit {self.returncode})"
        return (
            f"{label:<44} {self.wall:7.1f} s wall {self.cpu:7.1f} s CPU "
            f"({self.cpu / self.wall:.1f} cores busy)  target {target}{outcome}"
        )


def measure(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to its end, its output to a log beside the checkout's state."""
    log = ROOT / ".mlplatform" / f"benchmark-{Path(command[-1]).name}.log"
    log.parent.mkdir(exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(wall, cpu, done.returncode)


def unit_suite() -> Measured:
    """``make unit``: lint, types and the suite without the end-to-end and scaffold tests."""
    subprocess.run(["make", "-s", "setup"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return measure(["make", "--no-print-directory", "unit"], ROOT)


def make_up() -> Measured:
    """``make up`` on this checkout (set up first, untimed), then ``make down``."""
    subprocess.run(["make", "-s", "setup"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    measured = measure(["make", "--no-print-directory", "up"], ROOT)
    subprocess.run(["make", "-s", "down"], cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    return measured


def make_test_on_a_fresh_clone() -> Measured:
    """``make test`` on a clone of HEAD: set-up included, as CI runs it."""
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        # CI may name a terraform config that does not exist; the Makefile's must win.
        env = {**os.environ, "TF_CLI_CONFIG_FILE": str(clone / "missing" / "terraform.rc")}
        return measure(["make", "--no-print-directory", "test"], clone, env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--unit", action="store_true", help="the suite without side runs")
    parser.add_argument("--up", action="store_true", help="make up, then make down")
    parser.add_argument("--test", action="store_true", help="make test on a fresh clone")
    args = parser.parse_args(argv)
    if not (args.unit or args.up or args.test):
        parser.error("name at least one of --unit, --up, --test")
    print(f"on {os.cpu_count()} cores; logs in .mlplatform/benchmark-*.log", flush=True)
    if args.unit:
        print(unit_suite().line("make unit (no end-to-end, no scaffold test)", "90 s"), flush=True)
    if args.up:
        print(make_up().line("make up (emulator, deploy local)", "2 min"), flush=True)
    if args.test:
        print(make_test_on_a_fresh_clone().line("make test on a fresh clone", "4 min"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
