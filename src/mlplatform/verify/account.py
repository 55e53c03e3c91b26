"""The credentials' account, checked before anything else.

In the wrong account every resource would be "missing"; one line naming the
real reason is more useful than a hundred. The emulator has no account to
check.
"""

from __future__ import annotations

from mlplatform.verify.context import VerifyContext

__all__ = ["AccountChecker"]


class AccountChecker:
    """Whether the clients reach the account the environment file names."""

    def __init__(self, context: VerifyContext) -> None:
        self.context = context

    def check(self) -> bool:
        """True when the rest may be checked."""
        config = self.context.config
        if config.emulator or config.account_id is None:
            return True
        actual = str(self.context.client("sts").get_caller_identity()["Account"])
        return self.context.findings.expect(
            actual == config.account_id,
            f"account {actual} is the {config.environment} environment's",
            f"the credentials belong to account {actual}, but the {config.environment} "
            f"environment is in account {config.account_id}; nothing else was checked",
        )
