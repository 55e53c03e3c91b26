"""The embedded AWS emulator: a moto server on 127.0.0.1, started and stopped by process id.

The ``local`` environment deploys into it with the real ``cdktf deploy``,
so the full path (synth, terraform, provider, state in S3 with locking) runs
without an AWS account. It binds to 127.0.0.1 only, never another address.
"""

from __future__ import annotations

import contextlib
import json
import keyword
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = [
    "DEFAULT_ENDPOINT",
    "EMULATED_SERVICES",
    "EMULATOR_ACCESS_KEY",
    "LocalAws",
    "emulated_endpoints",
]

HOST = "127.0.0.1"
DEFAULT_ENDPOINT = f"http://{HOST}:5000"
"""Where synth points an emulator environment when no running emulator is named."""
EMULATOR_ACCESS_KEY = "mlplatform-local"
"""moto accepts any credentials; provider, backend and scripts all use this placeholder."""

# Services an environment's AWS provider is pointed at when it runs in the emulator (either
# engine's: PlatformStack's provider and the Pulumi Layer's).
EMULATED_SERVICES = (
    "applicationautoscaling",
    "athena",
    "budgets",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "ecr",
    "eks",
    "elasticache",
    "events",
    "fsx",
    "glue",
    "iam",
    "kms",
    "lambda",
    "logs",
    "s3",
    "sagemaker",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "sts",
)


def emulated_endpoints(url: str) -> dict[str, str]:
    """Each of :data:`EMULATED_SERVICES` pointed at ``url``, by the keyword either engine's
    endpoints block takes (``lambda_`` for ``lambda``, a Python keyword)."""
    return {f"{s}_" if keyword.iskeyword(s) else s: url for s in EMULATED_SERVICES}


class LocalAws:
    """A moto server process. Use as a context manager, or ``start``/``stop`` across commands."""

    def __init__(
        self, port: int | None = None, *, log_file: Path | None = None, lean: bool = False
    ) -> None:
        self.port = port or self.free_port()
        self.log_file = log_file
        self.lean = lean
        """Skip loading AWS managed IAM policies and EC2's public AMIs into every fresh account:
        a second or two after each ``reset``, which unit tests that build their own resources
        do not need. A deploy (``make up``, the end-to-end test) needs the policies."""
        self.pid: int | None = None

    @property
    def endpoint(self) -> str:
        """The URL every AWS client and the provider are pointed at."""
        return f"http://{HOST}:{self.port}"

    @staticmethod
    def free_port() -> int:
        """A TCP port on 127.0.0.1 that nothing listens on right now."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            return int(probe.getsockname()[1])

    def start(self, timeout: float = 60.0) -> LocalAws:
        """Start the server and wait until it answers; raise if it does not."""
        env = dict(os.environ)
        # Node groups and roles attach AWS managed policies; moto knows them only on request.
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false" if self.lean else "true"
        if self.lean:
            env["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "mlplatform.emulator.server", "-H", HOST, "-p", str(self.port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # survives the shell of `make up` until `make down`
        )
        self.pid = process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the emulator exited with code {process.returncode} on port {self.port}"
                )
            if self.is_answering():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the emulator did not answer on {self.endpoint} within {timeout:.0f}s")

    def is_answering(self) -> bool:
        """Whether a moto server answers on our port."""
        try:
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=5) as reply:
                return bool(reply.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def reset(self) -> None:
        """Forget every resource, as a freshly started server would (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as reply:
            if reply.status != 200:
                raise RuntimeError(f"the emulator at {self.endpoint} refused to reset")

    def snapshot(self, name: str) -> None:
        """Save everything the emulator holds as ``name`` (:mod:`mlplatform.emulator.snapshots`)."""
        self._snapshot_call(f"/{name}")

    def restore(self, name: str) -> None:
        """Put back what :meth:`snapshot` saved as ``name``, as it was then; a ``LookupError``
        naming the saved snapshots if there is none."""
        self._snapshot_call(f"/{name}/restore")

    def _snapshot_call(self, path: str) -> None:
        from mlplatform.emulator.snapshots import ROUTE

        request = urllib.request.Request(f"{self.endpoint}{ROUTE}{path}", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                reply.read()
        except urllib.error.HTTPError as refused:
            message = json.loads(refused.read() or b"{}").get("error", str(refused))
            raise (LookupError if refused.code == 404 else ValueError)(message) from None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server by its process id (TERM, then KILL)."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                finished, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child (started by another command)
                finished = 0 if _alive(pid) else pid
            if finished:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    # ----------------------------------------------------------- across commands
    def save(self, state_file: Path) -> None:
        """Record pid and port, so a later ``make down`` can stop this server."""
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(
            json.dumps({"pid": self.pid, "port": self.port, "endpoint": self.endpoint})
        )

    @classmethod
    def load(cls, state_file: Path) -> LocalAws | None:
        """The emulator recorded in ``state_file``, if that process still answers."""
        if not state_file.is_file():
            return None
        data = json.loads(state_file.read_text())
        emulator = cls(int(data["port"]))
        emulator.pid = int(data["pid"])
        return emulator if _alive(emulator.pid) and emulator.is_answering() else None

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
