"""boto3 clients for one environment: its region, and the emulator when it runs in one.

Shared by the scripts that talk to AWS directly (state backend bootstrap,
environment verification) so they agree with the provider and backend on
endpoint, addressing and credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import boto3
from botocore.config import Config

from mlplatform.config import EnvironmentConfig
from mlplatform.emulator.local_aws import EMULATOR_ACCESS_KEY
from mlplatform.errors import MlplatformError

__all__ = ["ClientFactory", "EmulatorEndpointRequiredError", "Placement", "environment_clients"]

ClientFactory = Callable[..., Any]
"""Makes a boto3 client: ``clients(service)`` in the environment's region, or
``clients(service, region_name=...)`` in another (the lake's replicas); tests pass
``boto3.client`` under moto."""


class EmulatorEndpointRequiredError(MlplatformError, ValueError):
    """An emulator environment was named without the emulator's endpoint."""


class Placement(Protocol):
    """Where clients go: an environment file's settings, or a team's ``platform`` section."""

    @property
    def environment(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def emulator(self) -> bool: ...


def environment_clients(
    config: EnvironmentConfig | Placement, endpoint_url: str | None
) -> ClientFactory:
    """Clients for the environment's region, pointed at ``endpoint_url`` when given.

    An emulator environment without an endpoint is refused: the default
    credential chain would otherwise find real credentials and act on
    whatever account they belong to.
    """
    if config.emulator and not endpoint_url:
        raise EmulatorEndpointRequiredError(
            f"the {config.environment} environment deploys into the emulator; "
            "pass --endpoint-url or run make up"
        )
    options: dict[str, Any] = {"region_name": config.region}
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        # The emulator answers on an IP address, where virtual-hosted bucket names cannot resolve.
        options["config"] = Config(s3={"addressing_style": "path"})
    if config.emulator:
        options["aws_access_key_id"] = EMULATOR_ACCESS_KEY
        options["aws_secret_access_key"] = EMULATOR_ACCESS_KEY

    def make(service: str, region_name: str | None = None) -> Any:
        return boto3.client(service, **{**options, "region_name": region_name or config.region})

    return make
