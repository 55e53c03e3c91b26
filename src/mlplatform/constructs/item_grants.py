"""What the grant mixins of the lake, the feature store and the registry share.

:class:`~mlplatform.constructs.feature_store.FeatureStoreMixin` (feature
groups) and :class:`~mlplatform.constructs.model_registry.ModelRegistryMixin`
(model families) grant on some of their component's items. Either puts the
grant's statements beside the component (:func:`~mlplatform.constructs.
grant_policy.grant_policy`) and names the policy after the items the call
named, ``all`` when it named none; the rule is kept here once. The lake's
mixin (zones) places its policies otherwise, but refuses an item it does not
have in the same words as the other two (:func:`no_such_item`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from constructs import Construct

from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.constructs.grant_policy import grant_policy
from mlplatform.decisions.policies.documents import Statement
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IRole

__all__ = ["ItemGrantsMixin", "no_such_item"]


class ItemGrantsMixin:
    """A component's grants on its items as role policies beside it; for constructs only."""

    _MIXIN: ClassVar[str]
    """The mixin the error names when a class that is no construct mixes it in."""

    def _select(self, item: str | Iterable[str] | None) -> tuple[str, ...]:
        """The items ``item`` names (every one for ``None``), each checked."""
        raise NotImplementedError

    def _attach(
        self,
        role: IRole,
        access: str,
        item: str | Iterable[str] | None,
        statements: list[Statement],
    ) -> IamRolePolicy:
        """``statements`` as ``role``'s policy ``access``, named after the items ``item`` names
        (``all`` for every one)."""
        if not isinstance(self, Construct):
            raise TypeError(f"{type(self).__name__}: {self._MIXIN} is for constructs only")
        scope = "all" if item is None else "-".join(self._select(item))
        return grant_policy(self, role, access, scope, statements)


def no_such_item(
    owner: object,
    component: str,
    unknown: str,
    known: Sequence[str],
    *,
    item: str,
    items: str,
    fix: str,
) -> ConstructError:
    """The error for a grant or property naming ``unknown``, which ``owner`` (a ``component``
    such as ``"data lake"``) does not have: it names the construct, its ``known`` items and
    the ``fix`` in the platform's environment file."""
    where = f"{component} {owner.node.path!r}" if isinstance(owner, Construct) else component
    return ConstructError(
        f"{where}: no {item} {unknown!r}; its {items} are {', '.join(known)}; "
        f"name one of them, or {fix}"
    )
