"""IAM roles for Kubernetes service accounts (IRSA), one per service account, made once.

Shared by the platform's cluster and an imported one, as the cdktf
``ServiceAccountRoles``: trusted by the cluster's OIDC provider, and only for one
``system:serviceaccount:<namespace>:<name>`` subject
(:func:`~mlplatform.decisions.policies.eks.irsa_trust_policy`).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.eks import irsa_trust_policy
from mlplatform.pulumi.component import PlatformComponent

__all__ = ["ServiceAccountRoles"]


class ServiceAccountRoles:
    """Makes IRSA roles below ``owner``; asking twice for one service account returns the same."""

    def __init__(
        self,
        owner: PlatformComponent,
        *,
        naming: Naming,
        oidc_provider_arn: pulumi.Input[str],
        oidc_issuer_url: pulumi.Input[str],
    ) -> None:
        self._owner = owner
        self._naming = naming
        self._provider_arn = oidc_provider_arn
        self._issuer_url = oidc_issuer_url
        self._roles: dict[tuple[str, str], aws.iam.Role] = {}

    def role(self, namespace: str, name: str, *, role_name: str | None = None) -> aws.iam.Role:
        """The role of service account ``namespace/name`` (default ``<prefix>-irsa-<ns>-<name>``)."""
        key = (namespace, name)
        if key not in self._roles:

            def trust(values: list[str]) -> str:
                provider_arn, issuer = values
                host = issuer.removeprefix("https://")
                return json.dumps(irsa_trust_policy(provider_arn, host, namespace, name))

            self._roles[key] = aws.iam.Role(
                self._owner.child(f"irsa-{namespace}-{name}"),
                name=role_name or self._naming.iam("irsa", f"{namespace}-{name}"),
                description=f"Assumed only by Kubernetes service account {namespace}/{name}",
                assume_role_policy=pulumi.Output.all(self._provider_arn, self._issuer_url).apply(
                    trust
                ),
                opts=self._owner.options(),
            )
        return self._roles[key]
