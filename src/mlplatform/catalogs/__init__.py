"""Facts about AWS that config validates against: plain, checked tables.

These sit at the bottom of the package's import order (catalogs, config,
decisions, constructs, stacks): they are data about AWS, not about this
platform, so they import nothing else from ``mlplatform`` and load without cdktf.

- :mod:`mlplatform.catalogs.cpu`: the EC2 CPU families (and their sizes) that
  CPU node groups may run on: current-generation m, c and r, x86 and Graviton.
- :mod:`mlplatform.catalogs.gpu`: EC2 GPU and accelerator types for EKS GPU
  pools (AMI type, extended resource, accelerator count, EFA), and the CPU
  architecture of an EC2 type.
- :mod:`mlplatform.catalogs.sagemaker`: SageMaker real-time inference
  (``ml.*``) hosting types (GPU or not, local NVMe storage).
- :mod:`mlplatform.catalogs.s3`: S3's rules for bucket names.
- :mod:`mlplatform.catalogs.eks_images`: the registry of EKS add-on images in
  each Region (the AWS EFA device plugin's image comes from the cluster's own).
"""

from __future__ import annotations

from mlplatform.catalogs.cpu import (
    CPU_FAMILIES,
    CpuInstanceType,
    cpu_instance_type,
    is_cpu_instance_type,
)
from mlplatform.catalogs.eks_images import EKS_IMAGE_ACCOUNTS, eks_image_registry
from mlplatform.catalogs.gpu import (
    ACCELERATOR_FAMILIES,
    AcceleratorType,
    Vendor,
    accelerator_type,
    cpu_ami_type,
    is_accelerator_type,
    siblings,
)
from mlplatform.catalogs.s3 import bucket_name_problem
from mlplatform.catalogs.sagemaker import (
    SAGEMAKER_INSTANCE_TYPES,
    Accelerator,
    SageMakerInstanceType,
    sagemaker_instance_type,
)

__all__ = [
    "ACCELERATOR_FAMILIES",
    "CPU_FAMILIES",
    "EKS_IMAGE_ACCOUNTS",
    "SAGEMAKER_INSTANCE_TYPES",
    "Accelerator",
    "AcceleratorType",
    "CpuInstanceType",
    "SageMakerInstanceType",
    "Vendor",
    "accelerator_type",
    "bucket_name_problem",
    "cpu_ami_type",
    "cpu_instance_type",
    "eks_image_registry",
    "is_accelerator_type",
    "is_cpu_instance_type",
    "sagemaker_instance_type",
    "siblings",
]
