"""boto3 clients for one environment: its region, and the emulator when it runs in one.

Shared by the scripts that talk to AWS directly (state backend bootstrap,
environment verification) so they agree with the provider and backend on
endpoint, addressing and credentials.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config

from mlplatform.config import EnvironmentConfig
from mlplatform.emulator.local_aws import EMULATOR_ACCESS_KEY
from mlplatform.errors import MlplatformError

__all__ = [
    "ClientFactory",
    "EmulatorEndpointRequiredError",
    "Placement",
    "environment_clients",
    "s3control_client",
]

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
        settings = {**options, "region_name": region_name or config.region}
        if service == "s3control":
            return s3control_client(**settings)
        return boto3.client(service, **settings)

    return make


def s3control_client(**options: Any) -> Any:
    """``boto3.client("s3control", **options)`` that also reaches an endpoint named by IP address.

    botocore sends every S3 Control call to ``<AccountId>.<endpoint host>`` (the API's host
    prefix). On AWS that is the host to call; for an endpoint given as an IP address, such
    as the emulator's ``http://127.0.0.1:PORT`` (``endpoint_url`` or ``AWS_ENDPOINT_URL``),
    no such name resolves and every call fails to connect. This client sends those calls to
    the endpoint's own address; the account still travels in the ``x-amz-account-id``
    header, where the API reads it. A DNS host name, AWS's among them, is left alone.
    """
    client = boto3.client("s3control", **options)
    client.meta.events.register("before-sign.s3-control", _account_prefix_dropped_for_addresses)
    return client


def _account_prefix_dropped_for_addresses(request: Any, **_: Any) -> None:
    """Send a call for ``<account>.<IP address>`` to the IP address (see s3control_client)."""
    account = request.headers.get("x-amz-account-id")
    if isinstance(account, bytes):
        account = account.decode()
    parts = urlsplit(request.url)
    prefix = f"{account}."
    if not account or not parts.netloc.startswith(prefix):
        return
    host = (parts.hostname or "")[len(prefix) :]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            return
    request.url = urlunsplit(parts._replace(netloc=parts.netloc[len(prefix) :]))
