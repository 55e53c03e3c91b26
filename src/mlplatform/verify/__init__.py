"""Verification of a deployed environment with boto3: every layer against its environment file.

:class:`EnvironmentVerifier` runs one checker per layer (network, data lake,
compute, model registry, alarm topic, serving endpoints, the platform contract) plus the KMS keys,
log groups and buckets they share. ``scripts/verify_environment.py`` and
``make verify ENV=<env>`` are its command line; the end-to-end test runs it
after deploying into the emulator, and again after changing settings behind
Terraform's back, to see each change named.
"""

from __future__ import annotations

from mlplatform.verify.verifier import EnvironmentVerifier

__all__ = ["EnvironmentVerifier"]
