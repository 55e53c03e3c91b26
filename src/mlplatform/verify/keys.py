"""The platform's KMS keys, found by alias: enabled and rotating, as ``PlatformKey`` makes them.

Every layer encrypts with its own customer-managed key. A disabled key makes
everything it protects unreadable, and a key whose rotation was turned off
keeps one key material forever; both happen in the console without Terraform
noticing until the next plan. Other checkers ask for a key's ARN here to
compare it with what a bucket, table, log group or topic is encrypted with.
"""

from __future__ import annotations

from mlplatform.verify.context import VerifyContext
from mlplatform.verify.reads import read_or_none

__all__ = ["KeyChecker"]


class KeyChecker:
    """Checks each alias's key once and remembers its ARN (``None`` when it is missing)."""

    def __init__(self, context: VerifyContext) -> None:
        self.context = context
        self._arns: dict[str, str | None] = {}

    def arn(self, alias: str) -> str | None:
        """The ARN of the key behind ``alias``, checked on first use."""
        if alias not in self._arns:
            self._arns[alias] = self._check(alias)
        return self._arns[alias]

    def _check(self, alias: str) -> str | None:
        findings = self.context.findings
        kms = self.context.client("kms")
        resource = f"KMS key {alias}"
        described = read_or_none(kms.describe_key, KeyId=alias)
        if described is None:
            findings.missing(resource, "no key has this alias")
            return None
        metadata = described["KeyMetadata"]
        findings.compare(resource, "state", metadata.get("KeyState"), "Enabled")
        findings.compare(resource, "key manager", metadata.get("KeyManager"), "CUSTOMER")
        rotation = kms.get_key_rotation_status(KeyId=metadata["KeyId"])["KeyRotationEnabled"]
        findings.compare(
            resource, "automatic rotation", "enabled" if rotation else "disabled", "enabled"
        )
        return str(metadata["Arn"])
