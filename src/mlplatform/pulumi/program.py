"""The Pulumi program of an environment: which file comes from the stack's config.

A Pulumi project's ``__main__.py`` is two lines::

    from mlplatform.pulumi.program import main
    main()

and each stack chooses its environment file with ``pulumi config set
mlplatform:environment dev`` (``mlplatform:environmentsDir`` when the files are
not in ``./environments``). A bad environment file stops the program with the
same one-line ``ConfigError`` message the cdktf engine prints, as a
``pulumi.RunError`` so the CLI shows the message without a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from mlplatform.loader import ConfigError, EnvironmentLoader
from mlplatform.pulumi.environment import PlatformEnvironment

__all__ = ["main"]


def main(environments: str | Path = "environments") -> PlatformEnvironment:
    """Build the environment named by stack config ``mlplatform:environment``."""
    config = pulumi.Config("mlplatform")
    name = config.require("environment")
    directory = config.get("environmentsDir") or environments
    try:
        environment = EnvironmentLoader(Path(directory)).load(name)
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None
    platform = PlatformEnvironment(environment)
    # One export per cdktf stack: `pulumi stack output --json` has the shape of cdktf's
    # --outputs-file, so `mlplatform outputs` reads either.
    for stack, values in platform.outputs.items():
        pulumi.export(stack, values)
    return platform
