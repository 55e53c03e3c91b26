"""``PlatformKey`` on Pulumi: a rotating customer-managed key, its key policy and alias.

The key policy is :func:`mlplatform.decisions.policies.kms.kms_key_policy`,
the same function the cdktf construct calls; the key is ``protect``-ed (the
counterpart of ``prevent_destroy``) unless the environment opted out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.policies.kms import kms_key_policy
from mlplatform.pulumi.component import PlatformComponent
from mlplatform.pulumi.layer import Layer

__all__ = ["PlatformKey", "PlatformKeyProps"]

ServiceStatements = Callable[[str, str, str], Sequence[dict[str, Any]]]
"""Key policy statements for AWS services, from the account id, partition and looked-up region."""


@dataclass(frozen=True)
class PlatformKeyProps:
    """As the cdktf ``PlatformKeyProps``; statements are built once the account is known."""

    alias: str
    description: str
    service_statements: ServiceStatements | None = None
    deletion_window_in_days: int = 30


class PlatformKey(PlatformComponent):
    """``mlplatform:<layer>:PlatformKey``: the key is its ``Default`` child, as in cdktf."""

    def __init__(
        self, layer: Layer, parent: PlatformComponent, id: str, *, props: PlatformKeyProps
    ) -> None:
        super().__init__(layer.layer, "PlatformKey", parent.child(id), parent=parent)
        statements = props.service_statements

        def policy(account_id: str, partition: str, region: str) -> dict[str, Any]:
            extra = statements(account_id, partition, region) if statements else ()
            return kms_key_policy(account_id, partition, extra)

        self.key = aws.kms.Key(
            self.child("Default"),
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=layer.document(policy, layer.region),
            opts=self.options(protect=layer.retain),
        )
        self.alias = aws.kms.Alias(
            self.child("alias"),
            name=props.alias,
            target_key_id=self.key.key_id,
            opts=self.options(),
        )
        self.register_outputs({"arn": self.key.arn})

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.key.arn
