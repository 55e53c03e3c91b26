"""The security groups of the data and ML layers, and every port rule they (or their clients) get.

Three components place network interfaces in the VPC: the data lake's Glue
connection, the Redis online feature store and a serving endpoint; a DynamoDB
online store opens only its clients' egress. Which group each makes, and which
rules, with which peer, ports and description, is decided here once; the cdktf
constructs (:mod:`mlplatform.constructs.ml_security_groups`) and the Pulumi
components (:mod:`mlplatform.pulumi.ml_security_groups`) only turn the plan into
resources. A peer is named by what it is (:data:`Peer`), not by its id, which
only the engine knows; any component with a ``VpcPlacement``-shaped placement
(the network's, say) could use the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from mlplatform.decisions.naming import Naming

__all__ = [
    "Peer",
    "PlacementIds",
    "PortRule",
    "RuleTargets",
    "SecurityGroupPlan",
    "dynamodb_client_rules",
    "endpoint_security_group",
    "glue_security_group",
    "online_store_security_group",
    "rule_settings",
]


class PlacementIds(Protocol):
    """What rules reach in a placement (cdktf's ``VpcPlacement``, Pulumi's ``NetworkPlacement``):
    ids as the engine holds them (strings or tokens, Pulumi inputs)."""

    @property
    def vpc_cidr(self) -> object: ...

    @property
    def s3_prefix_list_id(self) -> object: ...

    @property
    def dynamodb_prefix_list_id(self) -> object: ...


HTTPS = 443

Peer = Literal["group", "client", "s3", "dynamodb", "vpc"]
"""What a rule admits or reaches: the plan's own group, a client's group (by its label), the
S3 or DynamoDB gateway endpoint's prefix list, or the VPC's CIDR (its interface endpoints)."""


@dataclass(frozen=True)
class PortRule:
    """One TCP ingress or egress rule, its peers named by what they are."""

    id: str
    """The rule's construct id (and the Pulumi resource's last path segment)."""
    direction: Literal["ingress", "egress"]
    on: Literal["group", "client"]
    """Whose rule it is: the plan's own group, or the client ``client``'s."""
    peer: Peer
    from_port: int
    to_port: int
    description: str
    client: str | None = None
    """The client's label, where ``on`` or ``peer`` is ``client``."""


@dataclass(frozen=True)
class SecurityGroupPlan:
    """A security group (named and tagged ``Name`` alike) and the rules that go with it."""

    id: str
    name: str
    description: str
    rules: tuple[PortRule, ...]

    def settings(self, vpc_id: object) -> dict[str, Any]:
        """The group resource's settings in the VPC ``vpc_id``."""
        return {
            "name": self.name,
            "description": self.description,
            "vpc_id": vpc_id,
            "tags": {"Name": self.name},
        }


_PEER_FIELD: dict[str, str] = {
    "group": "referenced_security_group_id",
    "client": "referenced_security_group_id",
    "s3": "prefix_list_id",
    "dynamodb": "prefix_list_id",
    "vpc": "cidr_ipv4",
}
"""The rule resource's field each kind of peer goes in (the same in both engines' AWS provider)."""


@dataclass(frozen=True)
class RuleTargets:
    """The ids a plan's rules resolve against, as the engine holds them (strings or tokens,
    Pulumi inputs): the plan's own group (``None`` where the rules have none), the clients'
    groups by label, and a placement for the gateway endpoints' prefix lists and the VPC's CIDR."""

    placement: PlacementIds
    clients: Mapping[str, object]
    group: object = None


def rule_settings(
    rules: Iterable[PortRule], targets: RuleTargets
) -> Iterator[tuple[PortRule, dict[str, Any]]]:
    """Each rule with the settings of its ingress or egress rule resource, its ids resolved."""
    placement = targets.placement
    by_kind: dict[str, object] = {
        "group": targets.group,
        "s3": placement.s3_prefix_list_id,
        "dynamodb": placement.dynamodb_prefix_list_id,
        "vpc": placement.vpc_cidr,
    }
    for rule in rules:
        if rule.client is not None:
            by_kind["client"] = targets.clients[rule.client]
        yield (
            rule,
            {
                "security_group_id": by_kind[rule.on],
                _PEER_FIELD[rule.peer]: by_kind[rule.peer],
                "ip_protocol": "tcp",
                "from_port": rule.from_port,
                "to_port": rule.to_port,
                "description": rule.description,
            },
        )


def _https_out(id: str, peer: Peer, description: str, client: str | None = None) -> PortRule:
    """HTTPS egress from the plan's group (or from ``client``'s) to ``peer``."""
    return PortRule(
        id, "egress", "client" if client else "group", peer, HTTPS, HTTPS, description, client
    )


def glue_security_group(naming: Naming) -> SecurityGroupPlan:
    """The lake's Glue jobs: all TCP among themselves (Glue requires a self-referencing group),
    HTTPS to the lake through the S3 gateway endpoint and to the VPC's interface endpoints."""
    between_workers = "Glue workers talk to each other"
    return SecurityGroupPlan(
        id="glue-security-group",
        name=naming.resource("datalake", "glue"),
        description="Glue jobs of the data lake; self-referencing as Glue requires",
        rules=(
            PortRule("glue-ingress-self", "ingress", "group", "group", 0, 65535, between_workers),
            PortRule("glue-egress-self", "egress", "group", "group", 0, 65535, between_workers),
            _https_out("glue-egress-s3", "s3", "The lake, through the S3 gateway endpoint"),
            _https_out(
                "glue-egress-endpoints", "vpc", "Interface endpoints (STS, logs) inside the VPC"
            ),
        ),
    )


def endpoint_security_group(endpoint_name: str) -> SecurityGroupPlan:
    """A serving endpoint's instances: no ingress (SageMaker invokes the model itself), HTTPS to
    S3 (artifacts, data capture) and to the VPC's interface endpoints (ECR, STS, logs)."""
    artifacts = "Model artifacts and data capture, through the S3 gateway endpoint"
    endpoints = "Interface endpoints (ECR, STS, logs) inside the VPC"
    return SecurityGroupPlan(
        id="security-group",
        name=endpoint_name,
        description=f"Instances of SageMaker endpoint {endpoint_name}",
        rules=(
            _https_out("egress-s3", "s3", artifacts),
            _https_out("egress-endpoints", "vpc", endpoints),
        ),
    )


def online_store_security_group(name: str, port: int, clients: Iterable[str]) -> SecurityGroupPlan:
    """The Redis online store: ingress on its port from each client's group, and the matching
    egress on the client's group; nothing else (``clients`` are labels, taken sorted)."""
    rules: list[PortRule] = []
    for label in sorted(clients):
        reads = f"Feature reads and writes from {label}"
        rules.append(
            PortRule(f"ingress-{label}", "ingress", "group", "client", port, port, reads, label)
        )
        store = "The online feature store"
        rules.append(
            PortRule(f"egress-{label}", "egress", "client", "group", port, port, store, label)
        )
    return SecurityGroupPlan(
        id="security-group",
        name=name,
        description="Online feature store: only its clients reach it",
        rules=tuple(rules),
    )


def dynamodb_client_rules(clients: Iterable[str]) -> tuple[PortRule, ...]:
    """A DynamoDB online store's clients: HTTPS from each client's group to DynamoDB's gateway
    endpoint, and nowhere else new (``clients`` are labels, taken sorted)."""
    description = "The online feature store (DynamoDB, through the gateway endpoint)"
    return tuple(
        _https_out(f"egress-{label}-dynamodb", "dynamodb", description, client=label)
        for label in sorted(clients)
    )
