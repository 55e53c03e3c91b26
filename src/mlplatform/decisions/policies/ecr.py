"""ECR: pulling and pushing images per repository, and how long a repository keeps them."""

from __future__ import annotations

from collections.abc import Sequence

from mlplatform.decisions.policies.documents import PolicyDocument, Statement, allow

__all__ = [
    "ECR_PULL_ACTIONS",
    "ECR_PUSH_ACTIONS",
    "ecr_images_statement",
    "ecr_lifecycle_policy",
    "ecr_token_statement",
]

ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
ECR_PUSH_ACTIONS = (
    *ECR_PULL_ACTIONS,
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)


def ecr_images_statement(
    sid: str, repository_arns: Sequence[str], actions: Sequence[str]
) -> Statement:
    """``actions`` (pull or push) on the listed repositories only."""
    return allow(sid, actions, repository_arns)


def ecr_token_statement() -> Statement:
    """The registry login every pull and push starts with."""
    return {
        "Sid": "AuthenticateToEcr",
        "Effect": "Allow",
        # IAM grants GetAuthorizationToken only on "*"; the token opens no repository by itself.
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }


def ecr_lifecycle_policy(keep_last: int) -> PolicyDocument:
    """Expire untagged images after a day and keep the ``keep_last`` newest images.

    Count-based expiry does not know which image an endpoint serves: keep
    ``keep_last`` above the number of pushes between two promotions, or an
    old production image can expire while an endpoint still scales with it.
    """
    if keep_last < 1:
        raise ValueError(f"keep_last must be at least 1, got {keep_last}")
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images (superseded layers, failed pushes)",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the {keep_last} newest images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_last,
                },
                "action": {"type": "expire"},
            },
        ]
    }
