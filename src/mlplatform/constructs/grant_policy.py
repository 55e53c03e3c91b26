"""A grant's role policy placed beside the component that grants it, named after the component.

The model registry and the feature store sit in the last layer (``<env>-ml``);
the roles they grant to come from earlier layers (the GPU pools' job roles) or
the same stack (the endpoints'). A policy beside the component references the
role backwards, so no dependency cycle forms; an imported component lives in
the team's stack, beside the team's roles.
"""

from __future__ import annotations

import json

from constructs import Construct

from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.decisions.policies.documents import Statement, policy_document
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IRole

__all__ = ["check_role", "grant_policy"]


def check_role(owner: Construct, grant: str, role: object) -> None:
    """Refuse a grant to something that is not a role (its name or ARN, say), naming both."""
    if not all(hasattr(role, attribute) for attribute in ("name", "arn", "node")):
        raise ConstructError(
            f"{owner.node.path}: {grant}: {role!r} is not a role; pass the role construct "
            "(an IamRole, a pool's job_role, or any object with name, arn and node), "
            "not its name or ARN"
        )


def grant_policy(
    owner: Construct, role: IRole, access: str, scope: str, statements: list[Statement]
) -> IamRolePolicy:
    """``statements`` as an inline policy of ``role``, in ``owner``, named
    ``<owner id>-<access>-<scope>`` (at most 128 characters)."""
    check_role(owner, f"grant_{access}", role)
    return IamRolePolicy(
        owner,
        f"grant-{access}-{scope}-{role.node.addr[:8]}",
        name=f"{owner.node.id}-{access}-{scope}"[:128],
        role=role.name,
        policy=json.dumps(policy_document(statements)),
    )
