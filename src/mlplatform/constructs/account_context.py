"""The account, partition and region a stack deploys into, looked up once per stack.

Key policies, trust policies and ARNs need the account id and partition.
Each construct used to look them up itself, so one stack carried a
``aws_caller_identity`` per construct (three in prod-ml). ``AccountContext.of``
returns the stack's single context, made on first use, and each lookup is a
data source only once something asks for it.
"""

from __future__ import annotations

import weakref

from cdktf import TerraformStack
from constructs import Construct

from mlplatform.bindings.aws.data_aws_caller_identity import DataAwsCallerIdentity
from mlplatform.bindings.aws.data_aws_partition import DataAwsPartition
from mlplatform.bindings.aws.data_aws_region import DataAwsRegion

__all__ = ["AccountContext"]


_BY_STACK: weakref.WeakKeyDictionary[TerraformStack, AccountContext] = weakref.WeakKeyDictionary()
"""Each stack's context once found: looking it up in the tree is two calls to node, and
constructs ask for it about fifty times per synth of the four environments."""


class AccountContext(Construct):
    """Where the stack's provider deploys: ``account_id``, ``partition``, ``dns_suffix``, ``region``."""

    ID = "account-context"

    @classmethod
    def of(cls, scope: Construct) -> AccountContext:
        """The context of ``scope``'s stack, made on first use."""
        stack = TerraformStack.of(scope)
        known = _BY_STACK.get(stack)
        if known is not None:
            return known
        found = stack.node.try_find_child(cls.ID)
        if found is None:
            found = cls(stack, cls.ID)
        elif not isinstance(found, AccountContext):
            raise TypeError(f"{stack.node.id}: the construct id {cls.ID!r} is reserved")
        _BY_STACK[stack] = found
        return found

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._identity: DataAwsCallerIdentity | None = None
        self._partition: DataAwsPartition | None = None
        self._region: DataAwsRegion | None = None

    @property
    def account_id(self) -> str:
        """The account the provider's credentials belong to."""
        if self._identity is None:
            self._identity = DataAwsCallerIdentity(self, "account")
        return self._identity.account_id

    @property
    def partition(self) -> str:
        """``aws``, ``aws-cn`` or ``aws-us-gov``: the first part of every ARN."""
        return self._partition_lookup().partition

    @property
    def dns_suffix(self) -> str:
        """``amazonaws.com`` or the partition's own, for endpoint host names."""
        return self._partition_lookup().dns_suffix

    @property
    def region(self) -> str:
        """The provider's region."""
        if self._region is None:
            self._region = DataAwsRegion(self, "region")
        return self._region.name

    def _partition_lookup(self) -> DataAwsPartition:
        if self._partition is None:
            self._partition = DataAwsPartition(self, "partition")
        return self._partition
