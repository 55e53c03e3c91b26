"""Where a serving endpoint writes the requests and responses it samples.

An endpoint takes this small value instead of the ``DataLake`` construct, so it
depends only on a bucket and a key: the platform passes a lake zone, and a team
repo can pass any SSE-KMS bucket it owns.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DataCaptureDestination"]


@dataclass(frozen=True)
class DataCaptureDestination:
    """An SSE-KMS bucket (name and ARN) and the key that encrypts what is captured into it."""

    bucket_name: str
    bucket_arn: str
    key_arn: str
    """KMS key SageMaker encrypts captured objects with; the endpoint's role may use it to encrypt."""
