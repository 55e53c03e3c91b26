"""``GpuProvisioning`` on Pulumi: the ``<env>-cluster`` layer's Helm releases, in install order.

Karpenter's CRDs and controller, the ``gpu-pools`` release (the jobs'
namespaces and service accounts, one EC2NodeClass and NodePool per pool,
rendered by the chart shipped in this package) and the device plugins the
pools need; charts, versions and values from ``decisions.karpenter_release``,
``decisions.node_pools``, ``decisions.job_accounts`` and
``decisions.device_plugins``. Helm reaches the cluster's private API as
whoever runs ``pulumi up``, through ``aws eks get-token``: no token in state.
Needs pulumi-kubernetes (in the extra).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from mlplatform.config import ClusterLayerProps, GpuPoolProps
from mlplatform.decisions import cluster_releases
from mlplatform.decisions.cluster_releases import MANIFESTS_CHART
from mlplatform.decisions.device_plugins import device_plugin_charts
from mlplatform.decisions.helm_chart import HelmChart
from mlplatform.decisions.job_accounts import job_account_manifests
from mlplatform.decisions.karpenter_release import karpenter_charts
from mlplatform.decisions.node_pools import NodeClassFacts, node_class, node_pool
from mlplatform.decisions.team_access import TeamNodes, team_access_manifests
from mlplatform.errors import ConstructError
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = [
    "MANIFESTS_CHART",
    "GpuProvisioning",
    "PoolFacts",
    "TeamNodeFacts",
    "helm_release",
    "kubeconfig",
]


class PoolFacts:
    """A pool's config and what the compute layer made for its nodes (outputs until known)."""

    def __init__(
        self,
        props: GpuPoolProps,
        *,
        instance_profile: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]] | pulumi.Output[list[str]],
        security_group_ids: Sequence[pulumi.Input[str]],
        placement_group: pulumi.Input[str] | None,
        tags: Mapping[str, str],
        job_account: tuple[str, str, pulumi.Input[str]],
    ) -> None:
        self.props = props
        self.instance_profile = instance_profile
        self.subnet_ids: pulumi.Output[list[str]] = (
            subnet_ids if isinstance(subnet_ids, pulumi.Output) else pulumi.Output.all(*subnet_ids)
        )
        self.security_group_ids = list(security_group_ids)
        self.placement_group = placement_group
        self.tags = dict(tags)
        self.job_account = job_account


class TeamNodeFacts:
    """What every team's node class must launch with (:class:`TeamNodes`), outputs until known."""

    def __init__(
        self,
        *,
        instance_profile: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]] | pulumi.Output[list[str]],
        security_group_ids: Sequence[pulumi.Input[str]],
    ) -> None:
        subnets = (
            subnet_ids if isinstance(subnet_ids, pulumi.Output) else pulumi.Output.all(*subnet_ids)
        )
        self.nodes: pulumi.Output[TeamNodes] = pulumi.Output.all(
            instance_profile, subnets, pulumi.Output.all(*security_group_ids)
        ).apply(lambda v: TeamNodes(v[0], v[1], v[2]))


def kubeconfig(
    endpoint: pulumi.Input[str],
    certificate_authority: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    region: str,
) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with ``aws eks get-token`` (as the cdktf Helm provider)."""

    def render(values: list[str]) -> str:
        host, ca, name = values
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {"name": name, "cluster": {"server": host, "certificate-authority-data": ca}}
                ],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
                "users": [
                    {
                        "name": name,
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1beta1",
                                "command": "aws",
                                "args": [
                                    "eks",
                                    "get-token",
                                    "--cluster-name",
                                    name,
                                    "--region",
                                    region,
                                ],
                            }
                        },
                    }
                ],
            }
        )

    return pulumi.Output.all(endpoint, certificate_authority, cluster_name).apply(render)


class GpuProvisioning(PlatformComponent):
    """``mlplatform:cluster:GpuProvisioning``: Karpenter, the pools' provisioners, device plugins."""

    def __init__(
        self,
        layer: Layer,
        id: str,
        *,
        provider: kubernetes.Provider,
        versions: ClusterLayerProps,
        cluster_name: pulumi.Input[str],
        interruption_queue: pulumi.Input[str],
        controller_role_arn: pulumi.Input[str],
        system_nodes: int,
        pools: Mapping[str, PoolFacts],
        teams: Sequence[str] = (),
        team_nodes: TeamNodeFacts | None = None,
    ) -> None:
        if teams and team_nodes is None:
            raise ConstructError(
                f"GpuProvisioning {id!r}: teams {', '.join(teams)} need team_nodes (the Karpenter "
                "node instance profile, the cluster's private subnets and security group)"
            )
        super().__init__(
            layer.layer,
            "GpuProvisioning",
            f"{layer.path}/{id}",
            parent=layer,
            opts=pulumi.ResourceOptions(providers={"kubernetes": provider}),
        )

        def charts(values: list[str]) -> tuple[HelmChart, HelmChart]:
            return karpenter_charts(
                versions,
                cluster_name=values[0],
                interruption_queue=values[1],
                controller_role_arn=values[2],
                system_nodes=system_nodes,
            )

        inputs = pulumi.Output.all(cluster_name, interruption_queue, controller_role_arn)
        # The charts' names and versions are known now; their values once the inputs are.
        crds, controller = charts(["", "", ""])
        crd_release = self._release(
            crds, inputs.apply(lambda v: charts(v)[0].values) if crds.values else None
        )
        karpenter = self._release(
            controller,
            inputs.apply(lambda v: charts(v)[1].values) if controller.values else None,
            depends_on=[crd_release],
        )
        manifests = self._manifests(versions, pools, teams, team_nodes)
        self._release(
            cluster_releases.manifests_release("gpu-pools", str(MANIFESTS_CHART)),
            manifests.apply(lambda m: {"manifests": m}),
            depends_on=[karpenter],
        )
        pool_props = {n: f.props for n, f in pools.items()}
        for plugin in device_plugin_charts(pool_props, versions, layer.config.region):
            self._release(plugin, plugin.values or None)
        self.register_outputs({})

    def _manifests(
        self,
        versions: ClusterLayerProps,
        pools: Mapping[str, PoolFacts],
        teams: Sequence[str],
        team_nodes: TeamNodeFacts | None,
    ) -> pulumi.Output[list[dict[str, Any]]]:
        names = sorted(pools)
        facts_inputs: list[Any] = []
        for name in names:
            facts = pools[name]
            facts_inputs.append(
                pulumi.Output.all(
                    facts.instance_profile,
                    facts.subnet_ids,
                    pulumi.Output.all(*facts.security_group_ids),
                    facts.placement_group,
                    facts.job_account[2],
                )
            )

        def render(inputs: list[Any]) -> list[dict[str, Any]]:
            resolved: list[list[Any]] = inputs[0]
            accounts = {
                name: (pools[name].job_account[0], pools[name].job_account[1], values[4])
                for name, values in zip(names, resolved, strict=True)
            }
            manifests = job_account_manifests(accounts)
            for name, values in zip(names, resolved, strict=True):
                pool = pools[name]
                facts = NodeClassFacts(
                    instance_profile=values[0],
                    subnet_ids=values[1],
                    security_group_ids=values[2],
                    placement_group=values[3],
                    tags=pool.tags,
                )
                manifests += [
                    node_class(name, pool.props, facts, versions),
                    node_pool(name, pool.props),
                ]
            nodes: TeamNodes | None = inputs[1]
            return manifests + (team_access_manifests(teams, nodes) if nodes else [])

        return pulumi.Output.all(
            pulumi.Output.all(*facts_inputs), team_nodes.nodes if team_nodes else None
        ).apply(render)

    def _release(
        self,
        chart: HelmChart,
        values: pulumi.Input[dict[str, Any]] | None,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> kubernetes.helm.v3.Release:
        return helm_release(self, chart, values, depends_on)


def helm_release(
    component: PlatformComponent,
    chart: HelmChart,
    values: pulumi.Input[dict[str, Any]] | None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> kubernetes.helm.v3.Release:
    """``chart`` as a release under ``component``, with the platform's install settings (as
    cdktf's ``helm_release``): a team's ``GpuPoolProvisioning`` installs with the same."""
    oci = chart.repository.startswith("oci://")
    return kubernetes.helm.v3.Release(
        component.child(chart.release),
        # OCI charts are named by their full reference; index repositories by repository_opts.
        chart=f"{chart.repository}/{chart.chart}" if oci else chart.chart,
        repository_opts=(
            kubernetes.helm.v3.RepositoryOptsArgs(repo=chart.repository)
            if chart.repository and not oci
            else None
        ),
        values=values,
        skip_await=False,
        **cluster_releases.release_settings(chart),
        opts=component.options(depends_on=list(depends_on) or None),
    )
