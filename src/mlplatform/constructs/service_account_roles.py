"""IAM roles for Kubernetes service accounts (IRSA), one per service account, made once.

Shared by the platform's own cluster and imported clusters, so both hand out
roles the same way: trusted by the cluster's OIDC provider, and only for one
``system:serviceaccount:<namespace>:<name>`` subject.
"""

from __future__ import annotations

import json

from cdktf import Fn, Token
from constructs import Construct

from mlplatform.bindings.aws.iam_role import IamRole
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.eks import irsa_trust_policy

__all__ = ["ServiceAccountRoles", "oidc_issuer_host"]


def oidc_issuer_host(issuer_url: str) -> str:
    """The issuer without ``https://``, as IAM condition keys spell it; works on tokens too."""
    if Token.is_unresolved(issuer_url):
        return Fn.replace(issuer_url, "https://", "")
    return issuer_url.removeprefix("https://")


class ServiceAccountRoles:
    """Makes IRSA roles in ``scope``; asking twice for one service account returns the same role."""

    def __init__(
        self, scope: Construct, *, naming: Naming, oidc_provider_arn: str, oidc_issuer_url: str
    ) -> None:
        self._scope = scope
        self._naming = naming
        self._provider_arn = oidc_provider_arn
        self._issuer_host = oidc_issuer_host(oidc_issuer_url)
        self._roles: dict[tuple[str, str], IamRole] = {}

    def role(self, namespace: str, name: str, *, role_name: str | None = None) -> IamRole:
        """The role of service account ``namespace/name`` (default name ``<prefix>-irsa-<ns>-<name>``)."""
        key = (namespace, name)
        if key not in self._roles:
            self._roles[key] = IamRole(
                self._scope,
                f"irsa-{namespace}-{name}",
                name=role_name or self._naming.iam("irsa", f"{namespace}-{name}"),
                description=f"Assumed only by Kubernetes service account {namespace}/{name}",
                assume_role_policy=json.dumps(
                    irsa_trust_policy(self._provider_arn, self._issuer_host, namespace, name)
                ),
            )
        return self._roles[key]
