"""Facts about AWS instance types that config validates against: plain, checked tables.

These sit at the bottom of the package's import order (catalogs, config,
decisions, constructs, stacks): they are data about AWS, not about this
platform, so they import nothing else from ``mlplatform`` and load without cdktf.

- :mod:`mlplatform.catalogs.gpu`: EC2 GPU and accelerator types for EKS GPU
  pools (AMI type, extended resource, accelerator count, EFA), and the CPU
  architecture of an EC2 type.
- :mod:`mlplatform.catalogs.sagemaker`: SageMaker real-time inference
  (``ml.*``) hosting types (GPU or not, local NVMe storage).
"""

from __future__ import annotations

from mlplatform.catalogs.gpu import (
    ACCELERATOR_FAMILIES,
    AcceleratorType,
    Vendor,
    accelerator_type,
    cpu_ami_type,
    is_accelerator_type,
    siblings,
)
from mlplatform.catalogs.sagemaker import (
    SAGEMAKER_INSTANCE_TYPES,
    Accelerator,
    SageMakerInstanceType,
    sagemaker_instance_type,
)

__all__ = [
    "ACCELERATOR_FAMILIES",
    "SAGEMAKER_INSTANCE_TYPES",
    "Accelerator",
    "AcceleratorType",
    "SageMakerInstanceType",
    "Vendor",
    "accelerator_type",
    "cpu_ami_type",
    "is_accelerator_type",
    "sagemaker_instance_type",
    "siblings",
]
