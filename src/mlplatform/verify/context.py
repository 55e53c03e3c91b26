"""What every layer's checker needs: the environment, its names, boto3 clients and the findings.

Names come from the environment file through
:class:`~mlplatform.decisions.naming.Naming` and the plain-Python decisions
the constructs use (serving plans, scheduling labels and taints, lifecycle
rules), never from Terraform outputs: the verifier answers "is what the file
asks for there?", which outputs written by the same deploy cannot answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlplatform.config import EnvironmentConfig
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.tagging import platform_tags
from mlplatform.emulator.clients import ClientFactory
from mlplatform.verify.findings import Findings

__all__ = ["VerifyContext"]


@dataclass
class VerifyContext:
    """One verification run: config, names, clients (made once per service) and findings."""

    config: EnvironmentConfig
    clients: ClientFactory
    findings: Findings = field(default_factory=Findings)
    naming: Naming = field(init=False)
    _made: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.naming = Naming.for_environment(self.config)

    def client(self, service: str) -> Any:
        """The run's boto3 client for ``service``."""
        if service not in self._made:
            self._made[service] = self.clients(service)
        return self._made[service]

    def in_region(self, region: str) -> VerifyContext:
        """This run in another region (where the lake's replicas are): its clients are made
        there; its findings are this run's."""

        def clients(service: str) -> Any:
            return self.clients(service, region_name=region)

        return VerifyContext(self.config, clients, self.findings)

    def tags(self, layer: str) -> dict[str, str]:
        """The tags every resource of ``layer`` carries (the provider's default tags)."""
        return platform_tags(self.config, layer)

    def expect_tags(self, resource: str, layer: str, found: dict[str, str] | None) -> None:
        """One problem per platform tag that is missing or has another value."""
        found = found or {}
        wrong = {k: v for k, v in self.tags(layer).items() if found.get(k) != v}
        for key, value in wrong.items():
            self.findings.compare(resource, f"tag {key}", found.get(key), value)
        if not wrong:
            self.findings.ok(f"{resource}: platform tags of the {layer} layer")
