"""A grant's role policy placed beside the component that grants it (as cdktf's ``grant_policy``).

Its inline policy is named ``<component id>-<access>-<scope>`` and attached to
the role; AWS identifies it by role and name, and so does the parity check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplatform.decisions.policies.documents import Statement, policy_document
from mlplatform.pulumi.component import PlatformComponent

__all__ = ["grant_policy"]


def grant_policy(
    owner: PlatformComponent,
    role: aws.iam.Role,
    access: str,
    scope: str,
    statements: Callable[..., list[Statement]],
    *inputs: pulumi.Input[Any],
) -> aws.iam.RolePolicy:
    """``statements(*inputs)`` as an inline policy of ``role``, in ``owner``."""
    component_id = owner.path.rsplit("/", 1)[-1]
    # One policy per role and grant: the role's name tells them apart.
    digest = hashlib.sha256(role._name.encode()).hexdigest()[:8]
    return aws.iam.RolePolicy(
        owner.child(f"grant-{access}-{scope}-{digest}"),
        name=f"{component_id}-{access}-{scope}"[:128],
        role=role.name,
        policy=pulumi.Output.all(*inputs).apply(
            lambda values: json.dumps(policy_document(statements(*values)))
        ),
        opts=owner.options(),
    )
