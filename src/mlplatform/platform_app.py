"""The cdktf app: every selected environment's stacks in one ``App``.

``main.py`` (run by ``cdktf synth/deploy`` and ``make synth``), the tests and
the benchmarks all build the app here, so they synthesize the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import App

from mlplatform.config import EnvironmentConfig
from mlplatform.stacks.platform_stacks import PlatformStacks

__all__ = ["PlatformApp"]


class PlatformApp:
    """A cdktf ``App`` holding the layers of each given environment."""

    def __init__(
        self,
        configs: Sequence[EnvironmentConfig],
        *,
        outdir: str | None = None,
        emulator_endpoint: str | None = None,
    ) -> None:
        names = [c.environment for c in configs]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"environment names must be unique; repeated: {', '.join(duplicates)}")
        self.app = App(outdir=outdir) if outdir else App()
        self.environments = [
            PlatformStacks(self.app, config, emulator_endpoint=emulator_endpoint)
            for config in configs
        ]

    def synth(self) -> None:
        """Write ``<outdir>/stacks/<env>-<layer>/cdk.tf.json`` for every stack."""
        self.app.synth()
