"""The namespaces and service accounts training jobs run as, so a Job needs no set-up of its own.

Each pool's jobs run as one service account (``<pool>-jobs`` in ``training``
by default) that the pool's IRSA job role trusts; creating it here with the
role annotation means ``serviceAccountName: experiments-jobs`` is all a Job
names to read the lake and publish models. Job namespaces enforce the
``baseline`` Pod Security Standard (no privileged pods, no host namespaces)
and warn on ``restricted``: GPU jobs need neither privilege nor host access,
only the device plugin does, and it lives in ``kube-system``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MANAGED_BY", "POD_SECURITY", "JobAccount", "job_account_manifests"]

MANAGED_BY = {"app.kubernetes.io/managed-by": "mlplatform"}
POD_SECURITY = {
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/warn": "restricted",
}
"""Labels of every job namespace: the Pod Security Standards it enforces and warns on."""
JobAccount = tuple[str, str, str]
"""``(namespace, service account, IAM role ARN)`` of one pool's jobs."""


def job_account_manifests(accounts: Mapping[str, JobAccount]) -> list[dict[str, Any]]:
    """One Namespace per job namespace, then one ServiceAccount per pool (sorted by pool)."""
    manifests: list[dict[str, Any]] = []
    for namespace in sorted({ns for ns, _, _ in accounts.values()}):
        manifests.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": namespace,
                    "labels": {**MANAGED_BY, **POD_SECURITY},
                },
            }
        )
    for pool, (namespace, name, role_arn) in sorted(accounts.items()):
        manifests.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": {**MANAGED_BY, "mlplatform/pool": pool},
                    "annotations": {"eks.amazonaws.com/role-arn": role_arn},
                },
            }
        )
    return manifests
