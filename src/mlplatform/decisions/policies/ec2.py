"""EC2: the network interfaces SageMaker manages, as the execution role, for a VPC endpoint."""

from __future__ import annotations

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["VPC_ACCESS_ACTIONS", "vpc_access_statements"]

# SageMaker creates the network interfaces of a VPC-attached endpoint as the execution role.
VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)


def vpc_access_statements() -> list[Statement]:
    """Network interfaces in the endpoint's subnets, which SageMaker manages as the execution role.

    On ``"*"`` as SageMaker documents it: the interfaces do not exist before
    SageMaker creates them, and the subnets and security group are fixed by the
    model's ``VpcConfig``, not by this policy.
    """
    return [allow("ManageEndpointNetworkInterfaces", VPC_ACCESS_ACTIONS, "*")]
