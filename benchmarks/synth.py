"""Measure synth: wall time and peak memory, printed, never asserted.

Runs each measurement in a fresh Python process (the import cost of the AWS
bindings is what dominates, and it is paid once per process):

    .venv/bin/python benchmarks/synth.py [--repeat 3]

Prints one line per measurement: the import of the bindings alone, then the
synthesis of every environment (import included), then synth alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

IMPORT_ONLY = """
import json, resource, time
start = time.perf_counter()
import cdktf_cdktf_provider_aws.s3_bucket, cdktf_cdktf_provider_aws.vpc
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SYNTH_ALL = """
import json, resource, sys, time
start = time.perf_counter()
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
imported = time.perf_counter()
configs = EnvironmentLoader(sys.argv[1]).load_all()
PlatformApp(configs, outdir=sys.argv[2]).synth()
done = time.perf_counter()
print(json.dumps({"seconds": done - start, "synth_seconds": done - imported,
                  "environments": len(configs),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(code: str, *args: str) -> dict[str, float]:
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="18,20")
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(label: str, runs: list[dict[str, float]], key: str = "seconds") -> None:
    seconds = [r[key] for r in runs]
    peak = max(r["peak_mb"] for r in runs)
    print(
        f"{label:<34} median {statistics.median(seconds):6.2f} s  "
        f"min {min(seconds):6.2f} s  max {max(seconds):6.2f} s  peak RSS {peak:7.0f} MB (python only)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    imports = [measure(IMPORT_ONLY) for _ in range(args.repeat)]
    with tempfile.TemporaryDirectory() as outdir:
        synths = [
            measure(SYNTH_ALL, str(ROOT / "environments"), outdir) for _ in range(args.repeat)
        ]
    report("import AWS bindings", imports)
    report(f"import + synth {int(synths[0]['environments'])} environments", synths)
    report("synth alone (after import)", synths, key="synth_seconds")


if __name__ == "__main__":
    main()
