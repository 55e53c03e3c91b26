"""ARNs spelt by :mod:`mlplatform.decisions.arns`, from Pulumi inputs.

Pulumi knows the partition, region and account (and often the resource's name)
only as outputs, so an ARN is an ``Output`` made once they resolve; the spelling
stays the decision's, as in cdktf, which passes its tokens to the same methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi

from mlplatform.decisions.arns import Arns

__all__ = ["ArnOutputs"]


@dataclass(frozen=True)
class ArnOutputs:
    """:class:`~mlplatform.decisions.arns.Arns` of a partition, region and account given as
    Pulumi inputs: ``ArnOutputs(p, r, a).of(Arns.dynamodb_table, name)``."""

    partition: pulumi.Input[str]
    region: pulumi.Input[str]
    account: pulumi.Input[str]

    def of(self, kind: Callable[..., str], *names: pulumi.Input[str]) -> pulumi.Output[str]:
        """``kind(Arns(partition, region, account), *names)`` once every input is known."""
        return pulumi.Output.all(self.partition, self.region, self.account, *names).apply(
            lambda values: kind(Arns(values[0], values[1], values[2]), *values[3:])
        )
