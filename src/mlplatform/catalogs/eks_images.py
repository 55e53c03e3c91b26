"""Where the images of EKS add-ons live in each Region: the account of its ECR registry.

Amazon EKS replicates the images of its add-ons (the AWS EFA device plugin's among
them) to an Amazon ECR registry in every Region it supports, and nodes pull from
their own Region's. Charts default to us-west-2's registry: pulling across Regions
costs transfer and depends on us-west-2, and fails outright from the China and
GovCloud partitions and from opt-in Regions whose accounts differ. Source: Amazon
EKS User Guide, "View Amazon container image registries for Amazon EKS add-ons"
(which names ap-east-2's registry with an ap-east-1 host; here every registry is
in its own Region).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["EKS_IMAGE_ACCOUNTS", "eks_image_registry"]

_COMMON = "602401143452"
"""The account of the registries of the Regions enabled by default."""

EKS_IMAGE_ACCOUNTS: Mapping[str, str] = MappingProxyType(
    {
        **{
            region: _COMMON
            for region in (
                "ap-northeast-1",
                "ap-northeast-2",
                "ap-northeast-3",
                "ap-south-1",
                "ap-southeast-1",
                "ap-southeast-2",
                "ca-central-1",
                "eu-central-1",
                "eu-north-1",
                "eu-west-1",
                "eu-west-2",
                "eu-west-3",
                "sa-east-1",
                "us-east-1",
                "us-east-2",
                "us-west-1",
                "us-west-2",
            )
        },
        "af-south-1": "877085696533",
        "ap-east-1": "800184023465",
        "ap-east-2": "533267051163",
        "ap-south-2": "900889452093",
        "ap-southeast-3": "296578399912",
        "ap-southeast-4": "491585149902",
        "ap-southeast-6": "333609536671",
        "ap-southeast-7": "121268973566",
        "ca-west-1": "761377655185",
        "cn-north-1": "918309763551",
        "cn-northwest-1": "961992271922",
        "eu-central-2": "900612956339",
        "eu-south-1": "590381155156",
        "eu-south-2": "455263428931",
        "eusc-de-east-1": "877088126301",
        "il-central-1": "066635153087",
        "me-central-1": "759879836304",
        "me-south-1": "558608220178",
        "mx-central-1": "730335286997",
        "us-gov-east-1": "151742754352",
        "us-gov-west-1": "013241004608",
    }
)
"""The account of the EKS add-on image registry of each Region, by Region."""

# The DNS suffix of a Region's endpoints, by the prefix of its name (aws: amazonaws.com).
_DNS_SUFFIXES = (("cn-", "amazonaws.com.cn"), ("eusc-", "amazonaws.eu"))


def eks_image_registry(region: str) -> str | None:
    """The host of ``region``'s EKS add-on image registry; ``None`` for a Region not listed."""
    account = EKS_IMAGE_ACCOUNTS.get(region)
    if account is None:
        return None
    suffix = next((s for prefix, s in _DNS_SUFFIXES if region.startswith(prefix)), "amazonaws.com")
    return f"{account}.dkr.ecr.{region}.{suffix}"
