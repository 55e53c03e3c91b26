"""A GPU training pool: GPU nodes that exist only while training jobs need them.

One pool is a named flavour of GPU capacity: cheap spot GPUs for experiments,
or large on-demand GPUs for production training. Karpenter launches its nodes
when a job asks for GPUs and removes them once they are empty, so an idle pool
costs nothing. Its AWS side lives here, in the ``<env>-compute`` layer; the
``<env>-cluster`` layer turns the pool into a Karpenter NodePool and
EC2NodeClass from the properties below (subnets, security groups, placement
group, labels, taints and the pool's config). Karpenter's own role, queue and
node role are :class:`~mlplatform.constructs.karpenter_controller.KarpenterController`.

Nodes carry the accelerator taint (``nvidia.com/gpu=true:NoSchedule``) so CPU
work never lands on them, and labels naming the pool, GPU family and GPU count
so jobs pick a flavour with a node selector; both come from
:mod:`mlplatform.decisions.scheduling`.

Optional for multi-node training: a cluster placement group in one zone (the
EC2NodeClass selects it), EFA (Karpenter attaches the interfaces pods ask
for); and a scratch FSx for Lustre file system that presents the data lake's
features zone as fast local files.

Training jobs run as the pool's service account and get the pool's job role
through IRSA; the role starts with no permissions, and the caller grants what
jobs need: ``lake.grant_read(pool.job_role)``.

The pool works against any :class:`~mlplatform.interfaces.IComputeCluster`:
the platform's own cluster, or one a team repo imported by name.

**In a team repo the pool gets no nodes by itself**: the platform's
``<env>-cluster`` layer provisions only the platform's own pools. A team
gives Karpenter its pools with
:class:`~mlplatform.constructs.gpu_pool_provisioning.GpuPoolProvisioning`
(``GpuPoolProvisioning(stack, "pools", cluster=cluster, pools=[pool])``); a
``TeamStack`` with a pool and no provisioning fails its synth saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from cdktf import Fn, Token, Tokenization
from constructs import Construct

from mlplatform.bindings.aws.fsx_lustre_file_system import FsxLustreFileSystem
from mlplatform.bindings.aws.placement_group import PlacementGroup
from mlplatform.bindings.aws.security_group import SecurityGroup
from mlplatform.bindings.aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from mlplatform.bindings.aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from mlplatform.config import FsxScratchProps, GpuPoolProps
from mlplatform.decisions.gpu_scratch import lustre_rules, scratch_settings
from mlplatform.decisions.metrics import QuerySpec
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.resource_metrics import PoolMetrics
from mlplatform.decisions.scheduling import Taint, gpu_pool_labels, gpu_pool_taints
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IComputeCluster, IRole

__all__ = ["GpuTrainingPool"]


class GpuTrainingPool(Construct):
    """A Karpenter-launched GPU pool's AWS side: placement group, IRSA job role, optional FSx.

    ``id`` is the pool's name (``experiments``): it names the placement group
    (``<org>-<env>-gpu-<name>``), the ``mlplatform/pool`` label and the
    default job service account (``<name>-jobs``). ``naming`` defaults to the
    cluster's. ``scratch_import_path`` (``s3://<features bucket>/<prefix>``)
    links the FSx scratch file system to the lake; without it the scratch file
    system starts empty.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: IComputeCluster,
        props: GpuPoolProps,
        naming: Naming | None = None,
        scratch_import_path: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        naming = naming or cluster.naming
        self._name = id
        # In the cluster a team's pool is <team>-<pool>: its NodePool, node class and
        # mlplatform/pool label can then be neither the platform's nor another team's.
        self._node_pool_name = naming.node_pool(id)
        self._props = props
        self._cluster_name = cluster.cluster_name
        self._labels = gpu_pool_labels(self._node_pool_name, props.accelerators)
        self._taints = gpu_pool_taints(props.accelerators)
        self._subnet_ids = self._subnets(cluster, props)
        self._security_group_id = cluster.cluster_security_group_id
        if (props.efa or props.fsx_scratch is not None) and self._security_group_id is None:
            raise ConstructError(
                f"GPU pool {id!r}: EFA and FSx scratch need the cluster security group; "
                "pass cluster_security_group_id to ComputeCluster.from_cluster_name"
            )

        # --- a cluster placement group keeps multi-node jobs on one low-latency spine
        self._placement_group: PlacementGroup | None = None
        if props.uses_placement_group:
            self._placement_group = PlacementGroup(
                self, "placement-group", name=naming.resource("gpu", id), strategy="cluster"
            )

        # --- the jobs' identity: one service account, one role, no permissions until granted
        self._service_account = props.service_account(id)
        self._job_role = cluster.service_account_role(props.job_namespace, self._service_account)

        # --- scratch file system next to the nodes, linked to the lake's features zone
        self._scratch: FsxLustreFileSystem | None = None
        if props.fsx_scratch is not None and self._security_group_id is not None:
            self._scratch = self._scratch_file_system(
                naming,
                cluster,
                props.fsx_scratch,
                _first(self._subnet_ids),
                self._security_group_id,
                scratch_import_path,
            )

    def _subnets(self, cluster: IComputeCluster, props: GpuPoolProps) -> list[str]:
        """Private subnets of the pool's zones (default: every zone of the placement)."""
        placement = cluster.placement
        if not props.availability_zones:
            return list(placement.private_subnet_ids)
        subnets, zones = list(placement.private_subnet_ids), list(placement.availability_zones)
        if Tokenization.reverse_list(zones) is not None:
            # A placement read from the platform contract knows its zones at plan time only:
            # Terraform picks each zone's subnet, and a zone without one fails the plan.
            return [
                Fn.element(subnets, Token.as_number(Fn.index(zones, zone)))
                for zone in props.availability_zones
            ]
        chosen = []
        for zone in props.availability_zones:
            if zone not in placement.availability_zones:
                raise ConstructError(
                    f"GPU pool {self._name!r}: zone {zone!r} has no private subnet in the cluster's "
                    f"placement ({', '.join(placement.availability_zones)}); list only those "
                    "zones in availability_zones, or leave it out to use them all"
                )
            chosen.append(placement.private_subnet_ids[placement.availability_zones.index(zone)])
        return chosen

    def _scratch_file_system(
        self,
        naming: Naming,
        cluster: IComputeCluster,
        props: FsxScratchProps,
        subnet_id: str,
        cluster_security_group_id: str,
        import_path: str | None,
    ) -> FsxLustreFileSystem:
        name = naming.resource("gpu", f"{self._name}-scratch")
        group = SecurityGroup(
            self,
            "scratch-security-group",
            name=name,
            description="Lustre traffic between the scratch file system and cluster nodes",
            vpc_id=cluster.placement.vpc_id,
            tags={"Name": name},
        )
        for rule in lustre_rules():
            make_rule = (
                VpcSecurityGroupIngressRule
                if rule.direction == "ingress"
                else VpcSecurityGroupEgressRule
            )
            make_rule(
                self,
                rule.id,
                security_group_id=group.id,
                referenced_security_group_id=(
                    cluster_security_group_id if rule.peer == "nodes" else group.id
                ),
                **rule.settings,
            )
        return FsxLustreFileSystem(
            self,
            "scratch",
            subnet_ids=[subnet_id],
            security_group_ids=[group.id],
            tags={"Name": name},
            **scratch_settings(props.storage_gib, import_path),
        )

    # ----------------------------------------------------------------- properties
    @property
    def name(self) -> str:
        """The pool's name, as in the ``mlplatform/pool`` label."""
        return self._name

    @property
    def node_pool_name(self) -> str:
        """The pool's name in the cluster: its Karpenter NodePool and EC2NodeClass and its
        ``mlplatform/pool`` label. :attr:`name` for the platform's pools, ``<team>-<name>`` for
        a team's (built with a team's naming, as in a ``TeamStack``)."""
        return self._node_pool_name

    @property
    def props(self) -> GpuPoolProps:
        """The pool's config: instance types, capacity, ``max_nodes``, node image, EFA."""
        return self._props

    @property
    def subnet_ids(self) -> list[str]:
        """Private subnets the pool's nodes launch in (its zones', default every zone's)."""
        return list(self._subnet_ids)

    @property
    def security_group_ids(self) -> list[str]:
        """Security groups of the pool's nodes: the cluster security group, as EKS gives its
        managed nodes, so nodes, control plane and FSx scratch reach each other."""
        if self._security_group_id is None:
            raise ConstructError(
                f"GPU pool {self._name!r}: the cluster security group is not known; "
                "pass cluster_security_group_id to ComputeCluster.from_cluster_name"
            )
        return [self._security_group_id]

    @property
    def placement_group_name(self) -> str | None:
        """The cluster placement group nodes launch into, or ``None`` without one."""
        return self._placement_group.name if self._placement_group else None

    @property
    def labels(self) -> dict[str, str]:
        """Labels of every node: select the pool with ``mlplatform/pool: <node_pool_name>``."""
        return dict(self._labels)

    @property
    def taints(self) -> tuple[Taint, ...]:
        """Taints of every node; a job's pod tolerates them by requesting GPUs."""
        return tuple(self._taints)

    @property
    def job_namespace(self) -> str:
        return self._props.job_namespace

    @property
    def job_service_account(self) -> str:
        """The service account training jobs run as, to get :attr:`job_role`."""
        return self._service_account

    @property
    def job_role(self) -> IRole:
        """The jobs' IAM role (IRSA); pass it to grants, e.g. ``lake.grant_read(pool.job_role)``."""
        return self._job_role

    @property
    def job_role_arn(self) -> str:
        """Annotate the service account with this (``eks.amazonaws.com/role-arn``)."""
        return self._job_role.arn

    @property
    def scratch_dns_name(self) -> str | None:
        """DNS name of the FSx scratch file system, or ``None`` without one."""
        return self._scratch.dns_name if self._scratch else None

    @property
    def scratch_mount_name(self) -> str | None:
        """Lustre mount name of the scratch file system, or ``None`` without one."""
        return self._scratch.mount_name if self._scratch else None

    # ----------------------------------------------------------------- metrics
    def _metrics(self) -> PoolMetrics:
        return PoolMetrics(self._name, self._cluster_name, self._props.instance_types)

    def metric_gpus_running(self, *, period: int = 60) -> QuerySpec:
        """GPUs of the pool's instance types reporting to Container Insights (see README)."""
        return _refused_as_construct_error(partial(self._metrics().gpus_running, period=period))

    def metric_nodes(self, *, period: int = 60) -> QuerySpec:
        """Nodes of the pool's instance types running: GPUs reporting over GPUs per node.

        Every type of a pool has the same GPU count (config refuses a mix), so
        the division is exact once every node's agent reports.
        """
        return _refused_as_construct_error(partial(self._metrics().nodes, period=period))

    def metric_gpu_utilization(self, *, period: int = 60) -> QuerySpec:
        """Average GPU utilisation (%) of the pool's instance types; no data while idle."""
        return _refused_as_construct_error(partial(self._metrics().gpu_utilization, period=period))


def _refused_as_construct_error(helper: Callable[[], QuerySpec]) -> QuerySpec:
    """The helper's spec; its ``ValueError`` (not an NVIDIA pool) as this package's error."""
    try:
        return helper()
    except ValueError as refused:
        raise ConstructError(str(refused)) from None


def _first(subnet_ids: list[str]) -> str:
    """The first subnet: by index, or with Terraform's ``element`` for a token list."""
    if Tokenization.reverse_list(subnet_ids) is not None:
        return Token.as_string(Fn.element(subnet_ids, 0))
    return subnet_ids[0]
