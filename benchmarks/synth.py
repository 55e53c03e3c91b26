"""Measure synth: wall time and peak memory of Python and node together, printed, never asserted.

Every measurement runs in fresh processes, because what dominates is paid
once per process: starting node and loading cdktf (and, on the prebuilt
path, the prebuilt AWS bindings). Peak memory is the largest sum of the
resident sizes of the measured process and all its children (the jsii node
process), sampled from /proc every 10 ms.

    .venv/bin/python benchmarks/synth.py [--repeat 5] [--skip-prebuilt]

Lines printed, each with its target from the issue "speed and shape":
- ``make synth`` of every environment (target: 2 s, 300 MB);
- ``import mlplatform.constructs`` and what a team stack imports (target: 1 s);
- a team repo's test file of six ``Testing.synth`` tests under pytest (target: 3 s);
- 16 prod-sized environments generated from prod.yaml (target: 5 s, 500 MB);
- the prebuilt-binding path, for comparison: importing cdktf-cdktf-provider-aws
  and a team stack that mixes it in.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# How make synth and cdktf.json's app start Python: optimized, without jsii's per-call typeguard
# checks (see the Makefile's SYNTH_PY).
SYNTH_PYTHON = [PYTHON, "-O"]

IMPORT_CONSTRUCTS = """
import mlplatform.constructs.data_lake, mlplatform.constructs.compute_cluster
import mlplatform.constructs.gpu_pool, mlplatform.constructs.model_registry
import mlplatform.constructs.serving_endpoint, mlplatform.stacks.platform_stack
"""

SYNTH_DIRECTORY = """
import sys
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
PlatformApp(EnvironmentLoader(sys.argv[1]).load_all(), outdir=sys.argv[2]).synth()
"""

IMPORT_PREBUILT = """
import cdktf_cdktf_provider_aws.s3_bucket, cdktf_cdktf_provider_aws.iam_role
"""

PREBUILT_TEAM_STACK = """
import sys
from cdktf import App
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from mlplatform.constructs.data_lake import DataLake
from mlplatform.loader import EnvironmentLoader
from mlplatform.stacks.platform_stack import PlatformStack
app = App(outdir=sys.argv[2])
stack = PlatformStack(app, EnvironmentLoader(sys.argv[1]).load("dev"), "ranking-queue")
lake = DataLake.from_names(stack, "lake", naming=stack.naming)
SqsQueue(stack, "queue", name="mlp-dev-ranking-events", kms_master_key_id=lake.key_arn)
app.synth()
"""

TEAM_TESTS = '''
"""Six synth tests, as a team repo writes them against the platform's constructs."""
import json
from pathlib import Path

import pytest
from cdktf import App, Testing

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.constructs.data_lake import DataLake
from mlplatform.loader import EnvironmentLoader
from mlplatform.stacks.platform_stack import PlatformStack

ENVIRONMENTS = Path(__file__).parent / "environments"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def synth(zone: str) -> dict:
    stack = PlatformStack(App(), EnvironmentLoader(ENVIRONMENTS).load("dev"), f"team-{zone}")
    lake = DataLake.from_names(stack, "lake", naming=stack.naming)
    role = IamRole(stack, "role", name=f"mlp-dev-team-{zone}", assume_role_policy=TRUST)
    lake.grant_read(role, zone)
    lake.grant_write(role, "features")
    return json.loads(Testing.synth(stack))


@pytest.mark.parametrize("zone", ["raw", "curated", "features"])
def test_role_gets_grants(zone: str) -> None:
    assert len(synth(zone)["resource"]["aws_iam_role_policy"]) == 2


@pytest.mark.parametrize("zone", ["raw", "curated", "features"])
def test_stack_owns_no_bucket(zone: str) -> None:
    assert "aws_s3_bucket" not in synth(zone)["resource"]
'''


def environment() -> dict[str, str]:
    """The environment ``make`` gives its commands: compiled modules kept between runs (the
    Makefile unexports PYTHONDONTWRITEBYTECODE; the first, warm-up, run writes them)."""
    kept = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **kept,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
        "CHECKPOINT_DISABLE": "1",
    }


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and every process below it, in KiB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(command: Sequence[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and peak MB (process tree) of one run; fails loudly if the command does."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{output.decode()[-2000:]}")
    return elapsed, peak / 1024


def report(label: str, target: str, runs: list[tuple[float, float]]) -> None:
    seconds = [r[0] for r in runs]
    peak = max(r[1] for r in runs)
    print(
        f"{label:<46} median {statistics.median(seconds):6.2f} s  min {min(seconds):6.2f} s  "
        f"peak {peak:6.0f} MB   target {target}"
    )


def prod_copies(directory: Path, count: int) -> None:
    """``count`` prod-sized environments, each prod.yaml under another name."""
    text = (ROOT / "environments" / "prod.yaml").read_text()
    for index in range(1, count + 1):
        name = f"p{index:02d}"
        (directory / f"{name}.yaml").write_text(
            text.replace("environment: prod", f"environment: {name}").replace(
                "mlp-prod-", f"mlp-{name}-"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-prebuilt", action="store_true", help="leave out the slow path")
    args = parser.parse_args()
    runs = range(args.repeat)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        out = str(work / "cdktf.out")
        synth = [*SYNTH_PYTHON, "-m", "mlplatform.cli", "synth", "--outdir", out]
        measure(synth)  # warm-up: compiles the optimized modules once
        synth_all = [measure(synth) for _ in runs]
        report("make synth (every environment)", "2 s, 300 MB", synth_all)

        imports = [measure([PYTHON, "-c", IMPORT_CONSTRUCTS]) for _ in runs]
        report("import the constructs and PlatformStack", "1 s", imports)

        team = work / "team"
        (team / "environments").mkdir(parents=True)
        (team / "environments" / "dev.yaml").write_text(
            (ROOT / "environments" / "dev.yaml").read_text()
        )
        (team / "test_team.py").write_text(TEAM_TESTS)
        pytest = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_team.py"]
        report(
            "team test file, 6 Testing.synth tests", "3 s", [measure(pytest, team) for _ in runs]
        )

        growth = work / "growth"
        growth.mkdir()
        prod_copies(growth, 16)
        scaled = [
            measure([*SYNTH_PYTHON, "-c", SYNTH_DIRECTORY, str(growth), out]) for _ in range(3)
        ]
        resources = sum(
            len(named)
            for path in Path(out).glob("stacks/*/cdk.tf.json")
            for named in json.loads(path.read_text()).get("resource", {}).values()
        )
        report(f"16 prod-sized environments ({resources} resources)", "5 s, 500 MB", scaled)

        if not args.skip_prebuilt:
            if importlib.util.find_spec("cdktf_cdktf_provider_aws") is None:
                print(
                    "prebuilt path: cdktf-cdktf-provider-aws is not installed (mlplatform[prebuilt])"
                )
                return
            prebuilt = [measure([PYTHON, "-c", IMPORT_PREBUILT]) for _ in range(3)]
            report("prebuilt path: import the AWS bindings", "(for comparison)", prebuilt)
            mixed = [
                measure([PYTHON, "-c", PREBUILT_TEAM_STACK, str(ROOT / "environments"), out])
                for _ in range(3)
            ]
            report("prebuilt path: team stack mixing them in", "(for comparison)", mixed)


if __name__ == "__main__":
    main()
