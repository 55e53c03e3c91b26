"""Reading AWS settings that may never have been set, without mistaking that for an error.

Many S3, KMS and EKS reads answer "never configured" with an error code
rather than an empty value. A checker wants ``None`` for that (it is a
finding, compared like any other value) and an exception for anything else
(access denied, throttling), which must stop the run instead of passing as
drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

__all__ = ["NOT_FOUND", "SAGEMAKER_NOT_FOUND", "error_code", "policy_of", "read_or_none"]

NOT_FOUND = frozenset(
    {
        "404",
        "NoSuchBucket",
        "NotFound",
        "NotFoundException",
        "ResourceNotFoundException",
        "EntityNotFoundException",
        "NoSuchEntity",
        "RepositoryNotFoundException",
        "LifecyclePolicyNotFoundException",
    }
)
"""Codes services use for "no such resource"."""
SAGEMAKER_NOT_FOUND = frozenset({"ValidationException", "ResourceNotFound"})
"""SageMaker answers a describe of an unknown name with ValidationException."""


def error_code(error: ClientError) -> str:
    """The error's code, such as ``NoSuchBucket``."""
    return str(error.response.get("Error", {}).get("Code", ""))


def read_or_none(
    call: Callable[..., Any], absent: frozenset[str] | set[str] = NOT_FOUND, **kwargs: Any
) -> Any:
    """``call(**kwargs)``, or ``None`` when the service answers with a code in ``absent``."""
    try:
        return call(**kwargs)
    except ClientError as error:
        if error_code(error) in absent:
            return None
        raise


def policy_of(value: Any) -> dict[str, Any]:
    """A policy as IAM returns it: a dict (boto3 decodes), or URL-encoded JSON text."""
    if isinstance(value, dict):
        return value
    parsed: dict[str, Any] = json.loads(unquote(value)) if value else {}
    return parsed
