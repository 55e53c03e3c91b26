"""The benchmark scripts start and print what they measure; the measurements themselves run
by hand (minutes each), never in the suite."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

from tests.conftest import ROOT


def suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location("suite", ROOT / "benchmarks" / "suite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_the_suite_benchmark_asks_what_to_measure() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "suite.py")], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "name at least one of --unit, --up, --test" in done.stderr


def test_a_measurement_prints_wall_cpu_busy_cores_and_its_target() -> None:
    measured = suite().Measured(wall=200.0, cpu=360.0, returncode=0)
    line = measured.line("make test on a fresh clone", "4 min")
    assert line.startswith("make test on a fresh clone ")
    assert line.split()[6:] == [
        "200.0", "s", "wall", "360.0", "s", "CPU", "(1.8", "cores", "busy)", "target", "4", "min",
    ]  # fmt: skip
    assert "FAILED: exit 2" in suite().Measured(1.0, 1.0, 2).line("x", "1 s")


@pytest.mark.parametrize("command", [["true"], ["false"]])
def test_measure_times_a_command_and_keeps_its_exit_code(command: list[str]) -> None:
    measured = suite().measure(command, ROOT)
    assert measured.returncode == (0 if command == ["true"] else 1)
    assert measured.wall >= 0 and measured.cpu >= 0
