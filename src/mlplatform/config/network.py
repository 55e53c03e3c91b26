"""Config of the ``<env>-network`` layer: the VPC, its NAT gateways, endpoints and flow logs.

The model doubles as the props of the ``Network`` construct; its defaults are
the secure, available choice (one NAT gateway per AZ, private endpoints).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, StrictInt, field_validator

from mlplatform.config._base import RetentionDays, _check_unique, _Frozen

__all__ = ["NetworkProps"]

NatStrategy = Literal["one", "one_per_az"]
InterfaceEndpoint = Literal["ecr.api", "ecr.dkr", "sts", "sagemaker.runtime", "logs"]


class NetworkProps(_Frozen):
    """The VPC of one environment.

    Defaults favour availability and private traffic: one NAT gateway per AZ,
    and interface endpoints so image pulls, STS and inference calls never
    leave the VPC.
    """

    cidr: str = "10.0.0.0/16"
    """IPv4 block of the VPC, a /16 to /24. Default 10.0.0.0/16."""
    az_count: Annotated[StrictInt, Field(ge=2, le=3)] = 2
    """How many of the environment's availability zones to span (2 or 3). Default 2."""
    nat_strategy: NatStrategy = "one_per_az"
    """``one_per_az`` (default) survives an AZ outage; ``one`` saves cost in dev."""
    interface_endpoints: tuple[InterfaceEndpoint, ...] = (
        "ecr.api",
        "ecr.dkr",
        "sts",
        "sagemaker.runtime",
    )
    """Interface VPC endpoints to create. The S3 gateway endpoint is always created."""
    flow_logs_retention_days: RetentionDays = 365
    """Retention of the VPC flow log group. Default one year."""

    @field_validator("cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not an IPv4 CIDR block ({exc}); use a network address such as 10.20.0.0/16"
            ) from None
        if not 16 <= network.prefixlen <= 24:
            raise ValueError(
                f"{value!r} has prefix /{network.prefixlen}; use a prefix from /16 to /24"
            )
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _unique_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_unique(value, "endpoint")
