"""KMS: the keys AWS makes for its services (``alias/aws/s3``, ...) are AWS managed.

AWS creates an AWS managed key the first time a service encrypts with its
default key, gives it the reserved alias ``alias/aws/<service>``, and reports
``KeyManager: AWS``; such a key can be neither deleted nor scheduled for
deletion. moto makes the same keys with ``KeyManager: CUSTOMER``, so a check
for keys left behind after ``destroy`` cannot tell them from the platform's.
Only AWS itself names an alias ``alias/aws/...``: a caller's ``CreateAlias``
or ``UpdateAlias`` with that prefix is refused (moto refuses only the aliases
it knows), so a key given one inside the emulator is AWS managed.

Speed, not fidelity: moto generates an RSA-2048 key pair for every key it
creates, symmetric ones included (about 50 ms of CPU each; a platform
environment has a key per layer, and the verifier's tests build one per
test). Only Sign, Verify and GetPublicKey read that pair, so it is made when
one of them first does: every answer stays moto's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlplatform.emulator.fixes import once

__all__ = ["MadeOnFirstUse", "apply"]

_RESERVED = "alias/aws/"


class MadeOnFirstUse:
    """Stands for the object ``make()`` returns, and calls it when an attribute is first read."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make: Callable[[], Any] | None = make
        self._made: Any = None

    def __getattr__(self, name: str) -> Any:
        # Reached only for names this object lacks: those of the object it stands for. Special
        # names (``copy`` asks for ``__deepcopy__``, say) and its own, before ``__init__`` set
        # them, are not the key pair's: answering them would make the pair, or recurse.
        if name.startswith("__") or name in ("_make", "_made"):
            raise AttributeError(name)
        if self._make is not None:
            self._made, self._make = self._make(), None
        return getattr(self._made, name)


def apply() -> None:
    """Mark the key behind each reserved alias as AWS managed; refuse callers that alias;
    make a key's key pair when a call first reads it."""
    import moto.kms.models as models
    from moto.kms.exceptions import NotAuthorizedException
    from moto.kms.models import KmsBackend
    from moto.kms.responses import KmsResponse

    if not once(KmsBackend, "_mlplatform_aws_managed_keys"):
        return
    generate_private_key = models.generate_private_key  # type: ignore[attr-defined]

    def private_key_on_first_use(key_spec: str) -> Any:
        return MadeOnFirstUse(lambda: generate_private_key(key_spec))

    models.generate_private_key = private_key_on_first_use  # type: ignore[attr-defined]
    create_alias = KmsBackend.create_alias

    def create_alias_of_aws_managed_key(self: Any, target_key_id: str, alias_name: str) -> Any:
        alias = create_alias(self, target_key_id, alias_name)
        if alias_name.startswith(_RESERVED):
            self.keys[self.get_key_id(target_key_id)].key_manager = "AWS"
        return alias

    KmsBackend.create_alias = create_alias_of_aws_managed_key  # type: ignore[method-assign]

    set_alias = KmsResponse._set_alias

    def set_alias_refusing_reserved(self: Any, update: bool = False) -> str:
        if str(self._get_param("AliasName") or "").startswith(_RESERVED):
            raise NotAuthorizedException()
        result: str = set_alias(self, update)
        return result

    KmsResponse._set_alias = set_alias_refusing_reserved  # type: ignore[method-assign]
