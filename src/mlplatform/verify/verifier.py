"""Checks every layer of a deployed environment with boto3 against its environment file.

A green ``cdktf deploy`` says Terraform believes the resources exist as
planned; this asks AWS (or the emulator) directly, layer by layer, in
deployment order, and reports each difference as one problem line. It also
finds drift: a setting changed behind Terraform's back (versioning suspended,
key rotation turned off, a scaling bound raised) is a problem until the next
apply puts it back. It only reads; it never changes anything.
"""

from __future__ import annotations

from mlplatform.config import EnvironmentConfig
from mlplatform.emulator.clients import ClientFactory
from mlplatform.verify.account import AccountChecker
from mlplatform.verify.alarm_topic import AlarmTopicChecker
from mlplatform.verify.compute import ComputeChecker
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.contract import ContractChecker
from mlplatform.verify.data_lake import DataLakeChecker
from mlplatform.verify.feature_store import FeatureStoreChecker
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.network import NetworkChecker
from mlplatform.verify.observability import ObservabilityChecker
from mlplatform.verify.registry import RegistryChecker
from mlplatform.verify.serving import ServingChecker

__all__ = ["EnvironmentVerifier"]


class EnvironmentVerifier:
    """Compares one environment's config with what its account holds.

    :meth:`verify` returns the problems; :attr:`passed` then lists what was
    found as configured, so a person sees what was checked, not just silence.
    Layers the environment file leaves out (no ``compute`` or ``ml``
    section) are not checked.
    """

    def __init__(self, config: EnvironmentConfig, clients: ClientFactory) -> None:
        self.config = config
        self.clients = clients
        self.passed: list[str] = []
        self.problems: list[str] = []

    def verify(self) -> list[str]:
        """Run every check; the problems found (empty means the environment is as configured)."""
        context = VerifyContext(self.config, self.clients)
        self.passed, self.problems = context.findings.passed, context.findings.problems
        if not AccountChecker(context).check():
            return list(self.problems)
        keys = KeyChecker(context)
        NetworkChecker(context, keys).check()
        DataLakeChecker(context, keys).check()
        if self.config.compute is not None:
            ComputeChecker(context, keys, self.config.compute).check()
        if self.config.ml is not None:
            RegistryChecker(context, keys, self.config.ml.registry).check()
            topic = AlarmTopicChecker(context, keys).check()
            serving = ServingChecker(context, keys, topic)
            for key, props in self.config.ml.serving.items():
                serving.check(key, props)
            ObservabilityChecker(context, topic).check()
        if self.config.feature_store is not None:
            FeatureStoreChecker(context, keys, self.config.feature_store).check()
        ContractChecker(context).check()
        return list(self.problems)
