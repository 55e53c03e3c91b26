"""The Helm provider for one EKS cluster, as both the platform's cluster layer and teams use it.

Helm reaches the cluster's API at its endpoint, trusts the cluster's own
certificate authority, and authenticates with ``aws eks get-token`` as
whoever runs the deploy (an access entry's role): no static kubeconfig and
no token in state. The platform's ``<env>-cluster`` layer feeds it the
compute layer's values; a team's
:class:`~mlplatform.constructs.gpu_pool_provisioning.GpuPoolProvisioning` the
same values read from the platform contract. One function, so the two cannot
drift apart.
"""

from __future__ import annotations

from cdktf import Fn
from cdktf_cdktf_provider_helm.provider import (
    HelmProvider,
    HelmProviderKubernetes,
    HelmProviderKubernetesExec,
)
from constructs import Construct

__all__ = ["cluster_helm_provider"]


def cluster_helm_provider(
    scope: Construct,
    id: str,
    *,
    endpoint: str,
    certificate_authority_data: str,
    cluster_name: str,
    region: str,
) -> HelmProvider:
    """A Helm provider for the cluster: its endpoint, its CA (base64, as EKS returns it), and
    a short-lived token from ``aws eks get-token``."""
    return HelmProvider(
        scope,
        id,
        kubernetes=HelmProviderKubernetes(
            host=endpoint,
            cluster_ca_certificate=Fn.base64decode(certificate_authority_data),
            exec=HelmProviderKubernetesExec(
                api_version="client.authentication.k8s.io/v1beta1",
                command="aws",
                args=["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
            ),
        ),
    )
