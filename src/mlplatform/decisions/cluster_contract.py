"""What a team's import of the platform's cluster reads from the platform contract, and when.

``ComputeCluster.from_environment`` (cdktf and Pulumi alike) makes an
``ImportedComputeCluster`` from the ``compute/...`` parameters the
``<env>-compute`` layer wrote: :data:`CLUSTER_CONTRACT_KEYS` are read at once
(every pool needs them), the values of :class:`ContractClusterValues` only on
first use, so a team that never provisions pools reads none of them and a
platform without GPU pools (no Karpenter) need not write the Karpenter ones.
Both engines' imports mix :class:`ContractClusterValues` in, so each value
comes from the same parameter whichever engine reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

__all__ = ["CLUSTER_CONTRACT_KEYS", "ContractClusterValues"]

CLUSTER_CONTRACT_KEYS: Mapping[str, str] = {
    "cluster_name": "compute/cluster-name",
    "oidc_provider_arn": "compute/oidc-provider-arn",
    "oidc_issuer_url": "compute/oidc-issuer-url",
    "node_role_arn": "compute/node-role-arn",
    "cluster_security_group_id": "compute/cluster-security-group-id",
}
"""``ImportedComputeCluster``'s keyword arguments that ``from_environment`` reads at once,
each from its contract parameter (the placement comes from the ``network/...`` ones)."""

_Value = TypeVar("_Value")
"""How an engine holds a value read at deploy time (a token string, a ``pulumi.Output``)."""


class ContractClusterValues(Generic[_Value]):
    """The values only the platform contract knows, read on first use.

    Mixed into both engines' ``ImportedComputeCluster``, which set ``_contract`` (the
    reader, ``None`` when made by ``from_cluster_name``) and implement
    :meth:`_contract_value` (read a key, or refuse in the engine's words).
    """

    _contract: object | None

    def _contract_value(self, key: str, what: str) -> _Value:
        """Parameter ``key``; ``what`` names it when the cluster was not read from the contract."""
        raise NotImplementedError

    @property
    def reads_contract(self) -> bool:
        """Whether the values below come from the platform contract (``from_environment``)."""
        return self._contract is not None

    @property
    def cluster_endpoint(self) -> _Value:
        """The Kubernetes API's URL (``compute/cluster-endpoint``)."""
        return self._contract_value("compute/cluster-endpoint", "the API endpoint")

    @property
    def certificate_authority_data(self) -> _Value:
        """The cluster's CA, base64 as EKS returns it (``compute/cluster-certificate-authority``)."""
        return self._contract_value(
            "compute/cluster-certificate-authority", "the certificate authority"
        )

    @property
    def cluster_layer(self) -> _Value:
        """``enabled`` where the platform runs its ``<env>-cluster`` layer (Karpenter), else
        ``disabled`` (``compute/cluster-layer``)."""
        return self._contract_value("compute/cluster-layer", "whether Karpenter runs")

    @property
    def team_deployers(self) -> _Value:
        """The teams whose deploys may install GPU pools, comma-separated, or ``-``
        (``compute/team-deployers``)."""
        return self._contract_value("compute/team-deployers", "the teams that may install pools")

    @property
    def karpenter_instance_profile_name(self) -> _Value:
        """The instance profile every EC2NodeClass names
        (``compute/karpenter/instance-profile-name``)."""
        return self._contract_value(
            "compute/karpenter/instance-profile-name", "Karpenter's node instance profile"
        )
