"""A grant's role policy placed beside the component that grants it, named after the component.

The model registry and the feature store sit in the last layer (``<env>-ml``);
the roles they grant to come from earlier layers (the GPU pools' job roles) or
the same stack (the endpoints'). A policy beside the component references the
role backwards, so no dependency cycle forms; an imported component lives in
the team's stack, beside the team's roles.
"""

from __future__ import annotations

import inspect
import json
import re

from constructs import Construct

from mlplatform.bindings.aws.iam_role_policy import IamRolePolicy
from mlplatform.decisions.policies.documents import Statement, policy_document
from mlplatform.errors import ConstructError
from mlplatform.interfaces import IRole

__all__ = ["check_policy_name", "check_role", "grant_policy"]

# IAM's rule for a role policy's name (PutRolePolicy PolicyName).
_POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")


def check_policy_name(owner: Construct, name: str) -> None:
    """Refuse a grant whose policy name (made from ``owner``'s id) IAM would refuse at apply."""
    if not _POLICY_NAME.match(name):
        raise ConstructError(
            f"{owner.node.path}: construct id {owner.node.id!r} makes the IAM policy name "
            f"{name!r}, which IAM refuses (letters, digits and +=,.@_- only); "
            "give the construct an id without spaces or other characters"
        )


def check_role(owner: Construct, grant: str, role: object) -> None:
    """Refuse a grant to something that is not a role (its name or ARN, say), naming both."""
    # getattr_static: reading ``node`` of a construct would be a call to node, per grant.
    missing = object()
    if any(inspect.getattr_static(role, a, missing) is missing for a in ("name", "arn", "node")):
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
    name = f"{owner.node.id}-{access}-{scope}"[:128]
    check_policy_name(owner, name)
    return IamRolePolicy(
        owner,
        f"grant-{access}-{scope}-{role.node.addr[:8]}",
        name=name,
        role=role.name,
        policy=json.dumps(policy_document(statements)),
    )
