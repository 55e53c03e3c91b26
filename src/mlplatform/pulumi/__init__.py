"""The platform on Pulumi: the same environment files, the same decisions, a second engine.

Install with ``pip install 'mlplatform[pulumi]'``; nothing outside this package
imports Pulumi, so a plain install never needs it. In a Pulumi program::

    from mlplatform import EnvironmentLoader
    from mlplatform.pulumi import PlatformEnvironment

    PlatformEnvironment(EnvironmentLoader("environments").load("dev"))

``Recorder`` runs such a program in-process under Pulumi's mocks and records
every resource, for tests; ``normalise``, ``parity`` and ``guardrails`` compare
the result with the cdktf synth and run the platform's guardrail rules on it.
"""

from mlplatform.pulumi.environment import NOT_YET_TRANSLATED, PlatformEnvironment
from mlplatform.pulumi.gpu_pool_provisioning import GpuPoolProvisioning
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.network import NetworkPlacement
from mlplatform.pulumi.recorder import RecordedResource, Recorder, Recording
from mlplatform.pulumi.team_layer import TeamLayer

__all__ = [
    "NOT_YET_TRANSLATED",
    "GpuPoolProvisioning",
    "Layer",
    "NetworkPlacement",
    "PlatformEnvironment",
    "RecordedResource",
    "Recorder",
    "Recording",
    "TeamLayer",
]
