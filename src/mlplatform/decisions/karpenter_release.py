"""Karpenter's two Helm releases: its CRDs, then the controller, wired to the compute layer.

The CRDs are a release of their own (``karpenter-crd``) because Helm installs
a chart's ``crds/`` once and never upgrades them; Karpenter's upgrade guide
asks for the separate chart so a version bump updates the NodePool and
EC2NodeClass schemas too. The controller runs in ``kube-system`` on the
system node group (never on a node it provisions), as the service account
the compute layer's IRSA role trusts, reading the interruption queue the
compute layer made.
"""

from __future__ import annotations

from mlplatform.config import ClusterLayerProps
from mlplatform.decisions.helm_chart import HelmChart

__all__ = ["KARPENTER_NAMESPACE", "KARPENTER_SERVICE_ACCOUNT", "karpenter_charts"]

KARPENTER_REPOSITORY = "oci://public.ecr.aws/karpenter"
KARPENTER_NAMESPACE = "kube-system"
KARPENTER_SERVICE_ACCOUNT = "karpenter"
"""The controller's service account: the chart's, and the one the compute layer's IRSA role
trusts (:class:`~mlplatform.constructs.karpenter_controller.KarpenterController`)."""
SYSTEM_NODE_LABEL = {"mlplatform/node-group": "system"}


def karpenter_charts(
    versions: ClusterLayerProps,
    *,
    cluster_name: str,
    interruption_queue: str,
    controller_role_arn: str,
    system_nodes: int,
) -> tuple[HelmChart, HelmChart]:
    """The ``karpenter-crd`` and ``karpenter`` releases.

    ``system_nodes`` is the system node group's minimum: the chart keeps
    replicas on distinct nodes, so it runs two replicas (one may fail over)
    only where at least two system nodes always exist.
    """
    crds = HelmChart(
        release="karpenter-crd",
        repository=KARPENTER_REPOSITORY,
        chart="karpenter-crd",
        version=versions.karpenter,
        namespace=KARPENTER_NAMESPACE,
    )
    controller = HelmChart(
        release="karpenter",
        repository=KARPENTER_REPOSITORY,
        chart="karpenter",
        version=versions.karpenter,
        namespace=KARPENTER_NAMESPACE,
        skip_crds=True,
        values={
            "replicas": 2 if system_nodes >= 2 else 1,
            "serviceAccount": {
                "name": KARPENTER_SERVICE_ACCOUNT,
                "annotations": {"eks.amazonaws.com/role-arn": controller_role_arn},
            },
            "nodeSelector": {"kubernetes.io/os": "linux", **SYSTEM_NODE_LABEL},
            "controller": {
                # Karpenter's docs: give the controller guaranteed resources.
                "resources": {
                    "requests": {"cpu": "1", "memory": "1Gi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                }
            },
            "settings": {"clusterName": cluster_name, "interruptionQueue": interruption_queue},
        },
    )
    return crds, controller
