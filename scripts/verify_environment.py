"""Check with boto3 that a deployed environment is what its environment file says.

Every layer is checked (see :mod:`mlplatform.verify`): the network, the data
lake, the EKS cluster and its node groups, the model registry, the alarm
topic and the serving endpoints, with the KMS keys, buckets and log groups
they use. Every expected name comes from the environment file and
:class:`mlplatform.decisions.naming.Naming`, the way the stacks make them.
Each drifted or missing setting is one ``problem:`` line naming the resource,
the setting, what was found and what the file asks for. It only reads.

Exit codes: 0 when everything is as configured, 1 when there are problems,
2 for a bad environment file or missing emulator endpoint.

Usage: python scripts/verify_environment.py ENV [--endpoint-url URL] [--environments DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from mlplatform.emulator.clients import EmulatorEndpointRequiredError, environment_clients
from mlplatform.loader import ConfigError, EnvironmentLoader
from mlplatform.verify import EnvironmentVerifier
from mlplatform.verify.preflight import DeployPreflight

__all__ = ["EnvironmentVerifier", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verify_environment.py",
        description="Check with boto3 that every layer of an environment exists as configured.",
    )
    parser.add_argument("env", metavar="ENV", help="environment name (dev) or path of a YAML file")
    parser.add_argument(
        "--endpoint-url", help="AWS endpoint, e.g. the emulator's http://127.0.0.1:5000"
    )
    parser.add_argument(
        "--environments", default="environments", help="directory of environment files"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``ok:`` and ``problem:`` lines; 0 when all is well, 1 on problems, 2 on bad input."""
    args = _parser().parse_args(argv)
    try:
        config = EnvironmentLoader(args.environments).load(args.env)
    except ConfigError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    try:
        clients = environment_clients(config, args.endpoint_url)
        source = EnvironmentLoader(args.environments).resolve(args.env)
        # No credentials, or another account's: one line naming the file and the fix.
        unreachable = DeployPreflight(config, clients, source).account_problem()
        if unreachable is not None:
            print(f"error: {unreachable}", file=sys.stderr)
            return 1
        verifier = EnvironmentVerifier(config, clients)
        problems = verifier.verify()
    except EmulatorEndpointRequiredError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in verifier.passed:
        print(f"ok: {line}")
    for line in problems:
        print(f"problem: {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
