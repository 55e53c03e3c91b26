"""EKS: managed add-ons, access entries, and the cluster's access configuration.

moto's EKS knows clusters, node groups and Fargate profiles only: every
add-on and access entry call answers 404, and ``DescribeCluster`` omits the
``accessConfig`` the cluster was created with, so the provider would replace
a cluster with ``authentication_mode = API`` on every plan. AWS behaves as
follows, and so does the emulator with these fixes:

- ``CreateCluster`` keeps ``accessConfig``; without one a cluster
  authenticates through the aws-auth ConfigMap (``CONFIG_MAP``) and makes
  its creator an admin.
- ``CreateAddon`` installs a pinned add-on (the emulator has no nodes, so it
  is ``ACTIVE`` at once); ``DescribeAddon``, ``ListAddons`` and ``DeleteAddon``
  work on it; a second add-on of one name is ``ResourceInUseException``.
- Access entries exist only on a cluster whose authentication mode includes
  ``API``; an entry grants nothing until an access policy is associated with
  it, cluster-wide or for namespaces; deleting an entry removes its policies.
- A node entry (``EC2_LINUX``, ``EC2_WINDOWS``: the role of nodes that join
  the cluster, such as the nodes Karpenter launches) names an IAM role; EKS
  gives it the username ``system:node:{{EC2PrivateDNSName}}`` and refuses
  Kubernetes groups, a username of the caller's or an access policy for it
  (CreateAccessEntry, AssociateAccessPolicy in the EKS API reference). moto
  would accept all three and answer a session username.

- ``CreateCluster`` makes the cluster security group, as EKS does ("the
  cluster security group that was created by Amazon EKS for the cluster",
  ``VpcConfigResponse.clusterSecurityGroupId``), in the cluster's VPC, and
  ``DescribeCluster`` names it; ``DeleteCluster`` deletes it. moto answered an
  empty id, which the platform contract cannot publish (SSM refuses an empty
  value) and a team's pool would put its nodes in.

Speed, not fidelity: moto checks the role ARN of every CreateCluster and
CreateNodegroup against the partitions a brand-new boto3 session reads from
botocore's endpoint file, about 100 ms of parsing per call. The check runs
as before, with one session whose reading botocore keeps.

One difference stays: AWS refuses an access entry for an IAM principal that
does not exist, and the emulator does not look, so ``local`` can name an
admin role that nobody created in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import once, side_table

__all__ = ["apply"]

# Routes moto's EKS server lacks; every operation below them is found by the request's
# method and path, as for the routes moto has.
_ROUTES = (
    "{0}/clusters/(?P<name>[^/]+)/addons$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>.+)$",
    "{0}/clusters/(?P<name>[^/]+)/access-entries$",
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$",
)
_API_MODES = ("API", "API_AND_CONFIG_MAP")


# Access entry types of nodes joining the cluster, and the username EKS gives them.
_NODE_TYPES = ("EC2_LINUX", "EC2_WINDOWS")
_NODE_USERNAME = "system:node:{{EC2PrivateDNSName}}"


def apply() -> None:
    """Add the routes and operations, and keep each cluster's access configuration."""
    import moto.eks.urls as urls
    from moto.eks.responses import EKSResponse

    if not once(EKSResponse, "_mlplatform_addons_and_access"):
        return
    for route in _ROUTES:
        urls.url_paths[route] = urls.response.dispatch
    _keep_access_config(EKSResponse)
    _make_cluster_security_group(EKSResponse)
    _check_role_arns_with_one_session()
    for name, operation in {**_addon_operations(), **_access_entry_operations()}.items():
        setattr(EKSResponse, name, operation)


def _check_role_arns_with_one_session() -> None:
    """moto's role ARN check, given the same boto3 session each time it makes one."""
    import moto.eks.utils as utils
    from boto3 import Session

    session = Session()
    utils.Session = lambda: session  # type: ignore[attr-defined]


def _cluster(response: Any) -> Any:
    """The cluster named in the request's path, or AWS's ResourceNotFoundException."""
    from moto.eks.exceptions import ResourceNotFoundException

    name = response._get_param("name")
    cluster = response.eks_backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFoundException(
            clusterName=name, message=f"No cluster found for name: {name}."
        )
    return cluster


def _arn(cluster: Any, kind: str, *parts: str) -> str:
    prefix = cluster.arn.split(":cluster/")[0]
    return f"{prefix}:{kind}/{cluster.name}/{'/'.join(parts)}/{uuid.uuid4()}"


def _keep_access_config(response: Any) -> None:
    create_cluster = response.create_cluster

    def create_cluster_keeping_access(self: Any) -> Any:
        result = create_cluster(self)
        wanted = self._get_param("accessConfig") or {}
        cluster = self.eks_backend.clusters[self._get_param("name")]
        cluster.access_config = {
            "authenticationMode": wanted.get("authenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": wanted.get(
                "bootstrapClusterCreatorAdminPermissions", True
            ),
        }
        return result

    response.create_cluster = create_cluster_keeping_access


def _make_cluster_security_group(response: Any) -> None:
    create_cluster, delete_cluster = response.create_cluster, response.delete_cluster

    def ec2_of(self: Any) -> Any:
        from moto.ec2.models import ec2_backends

        backend = self.eks_backend
        return ec2_backends[backend.account_id][backend.region_name]

    def create_cluster_with_group(self: Any) -> Any:
        result = create_cluster(self)
        name = self._get_param("name")
        cluster = self.eks_backend.clusters[name]
        config = dict(cluster.resources_vpc_config or {})
        subnets = config.get("subnetIds") or []
        if subnets and not config.get("clusterSecurityGroupId"):
            from moto.ec2.exceptions import InvalidSubnetIdError

            ec2 = ec2_of(self)
            try:
                vpc_id = ec2.get_subnet(subnets[0]).vpc_id
            except InvalidSubnetIdError:
                # moto does not check a cluster's subnets; without a VPC there is no group.
                return result
            group = ec2.create_security_group(
                name=f"eks-cluster-sg-{name}-{uuid.uuid4().hex[:10]}",
                description=(
                    "EKS created security group applied to ENI that is attached to EKS Control "
                    "Plane master nodes, as well as any managed workloads."
                ),
                vpc_id=vpc_id,
                tags={f"kubernetes.io/cluster/{name}": "owned"},
            )
            cluster.resources_vpc_config = {
                **config,
                "clusterSecurityGroupId": group.id,
                "vpcId": vpc_id,
            }
        return result

    def delete_cluster_with_group(self: Any) -> Any:
        cluster = self.eks_backend.clusters.get(self._get_param("name"))
        group_id = (
            (cluster.resources_vpc_config or {}).get("clusterSecurityGroupId") if cluster else None
        )
        result = delete_cluster(self)
        if group_id:
            ec2_of(self).delete_security_group(group_id=group_id)
        return result

    response.create_cluster = create_cluster_with_group
    response.delete_cluster = delete_cluster_with_group


def _addon_operations() -> dict[str, Callable[..., Any]]:
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.eks.exceptions import ResourceInUseException, ResourceNotFoundException

    def addon(self: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        addons = side_table(_cluster(self), "addons")
        name = self._get_param("addonName")
        if name not in addons:
            raise ResourceNotFoundException(
                clusterName=self._get_param("name"),
                addonName=name,
                message=f"No addon: {name} found in cluster: {self._get_param('name')}",
            )
        return addons, addons[name]

    def create_addon(self: Any) -> ActionResult:
        cluster = _cluster(self)
        addons = side_table(cluster, "addons")
        name = self._get_param("addonName")
        if name in addons:
            raise ResourceInUseException(
                clusterName=cluster.name,
                addonName=name,
                message=f"Addon already exists with name: {name}",
            )
        now = utcnow()
        created: dict[str, Any] = {
            "addonName": name,
            "clusterName": cluster.name,
            "status": "ACTIVE",
            "addonVersion": self._get_param("addonVersion"),
            "health": {"issues": []},
            "addonArn": _arn(cluster, "addon", name),
            "createdAt": now,
            "modifiedAt": now,
            "tags": self._get_param("tags") or {},
        }
        for field in ("serviceAccountRoleArn", "configurationValues"):
            if self._get_param(field):
                created[field] = self._get_param(field)
        addons[name] = created
        return ActionResult({"addon": created})

    def describe_addon(self: Any) -> ActionResult:
        return ActionResult({"addon": addon(self)[1]})

    def delete_addon(self: Any) -> ActionResult:
        addons, found = addon(self)
        del addons[found["addonName"]]
        return ActionResult({"addon": {**found, "status": "DELETING"}})

    def list_addons(self: Any) -> ActionResult:
        return ActionResult({"addons": sorted(side_table(_cluster(self), "addons"))})

    return {
        "create_addon": create_addon,
        "describe_addon": describe_addon,
        "delete_addon": delete_addon,
        "list_addons": list_addons,
    }


def _access_entry_operations() -> dict[str, Callable[..., Any]]:
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.eks.exceptions import (
        InvalidParameterException,
        InvalidRequestException,
        ResourceInUseException,
        ResourceNotFoundException,
    )

    def api_cluster(self: Any) -> Any:
        cluster = _cluster(self)
        mode = getattr(cluster, "access_config", {}).get("authenticationMode", "CONFIG_MAP")
        if mode not in _API_MODES:
            raise InvalidRequestException(
                message="The cluster's authentication mode must be set to one of "
                f"[{', '.join(_API_MODES)}] to perform this operation."
            )
        return cluster

    def entry(self: Any) -> tuple[Any, dict[str, Any]]:
        cluster = api_cluster(self)
        principal = self._get_param("principalArn")
        found = side_table(cluster, "access_entries").get(principal)
        if found is None:
            raise ResourceNotFoundException(
                clusterName=cluster.name,
                message=f"The specified principalArn could not be found: {principal}",
            )
        return cluster, found

    def create_access_entry(self: Any) -> ActionResult:
        cluster = api_cluster(self)
        entries = side_table(cluster, "access_entries")
        principal = self._get_param("principalArn")
        kind = self._get_param("type") or "STANDARD"
        if kind in _NODE_TYPES:
            if ":role/" not in principal:
                raise InvalidParameterException(
                    message=f"The principalArn of a {kind} access entry must be an IAM role"
                )
            for given in ("kubernetesGroups", "username"):
                if self._get_param(given):
                    raise InvalidParameterException(
                        message=f"{given} cannot be specified for an access entry of type {kind}"
                    )
        if principal in entries:
            raise ResourceInUseException(
                clusterName=cluster.name,
                message=f"The specified access entry resource is already in use: {principal}",
            )
        account, kind_and_name = principal.split(":", 5)[4:]
        name = kind_and_name.split("/")[-1]
        now = utcnow()
        created: dict[str, Any] = {
            "clusterName": cluster.name,
            "principalArn": principal,
            "kubernetesGroups": self._get_param("kubernetesGroups") or [],
            "accessEntryArn": _arn(cluster, "access-entry", "role", account, name),
            "createdAt": now,
            "modifiedAt": now,
            "tags": self._get_param("tags") or {},
            "username": (
                _NODE_USERNAME
                if kind in _NODE_TYPES
                else self._get_param("username")
                or f"arn:aws:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"
            ),
            "type": kind,
            "_policies": {},
        }
        entries[principal] = created
        return ActionResult({"accessEntry": _public(created)})

    def describe_access_entry(self: Any) -> ActionResult:
        return ActionResult({"accessEntry": _public(entry(self)[1])})

    def delete_access_entry(self: Any) -> ActionResult:
        cluster, found = entry(self)
        del side_table(cluster, "access_entries")[found["principalArn"]]
        return ActionResult({})

    def list_access_entries(self: Any) -> ActionResult:
        return ActionResult(
            {"accessEntries": sorted(side_table(api_cluster(self), "access_entries"))}
        )

    def associate_access_policy(self: Any) -> ActionResult:
        cluster, found = entry(self)
        if found["type"] in _NODE_TYPES:
            raise InvalidRequestException(
                message=f"Access policies cannot be associated with an access entry of type "
                f"{found['type']}"
            )
        arn = self._get_param("policyArn")
        now = utcnow()
        previous = found["_policies"].get(arn, {})
        found["_policies"][arn] = {
            "policyArn": arn,
            "accessScope": self._get_param("accessScope"),
            "associatedAt": previous.get("associatedAt", now),
            "modifiedAt": now,
        }
        return ActionResult(
            {
                "clusterName": cluster.name,
                "principalArn": found["principalArn"],
                "associatedAccessPolicy": found["_policies"][arn],
            }
        )

    def list_associated_access_policies(self: Any) -> ActionResult:
        cluster, found = entry(self)
        return ActionResult(
            {
                "clusterName": cluster.name,
                "principalArn": found["principalArn"],
                "associatedAccessPolicies": list(found["_policies"].values()),
            }
        )

    def disassociate_access_policy(self: Any) -> ActionResult:
        _, found = entry(self)
        found["_policies"].pop(self._get_param("policyArn"), None)
        return ActionResult({})

    return {
        "create_access_entry": create_access_entry,
        "describe_access_entry": describe_access_entry,
        "delete_access_entry": delete_access_entry,
        "list_access_entries": list_access_entries,
        "associate_access_policy": associate_access_policy,
        "list_associated_access_policies": list_associated_access_policies,
        "disassociate_access_policy": disassociate_access_policy,
    }


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    """An access entry as AWS answers it: its policies are listed by their own call."""
    return {k: v for k, v in entry.items() if not k.startswith("_")}
