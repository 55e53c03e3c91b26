"""The code of the platform's own AWS Lambda functions, one directory per function.

Each directory under this package is a function's whole code, zipped as it is (the handler is
``index.handler``): it has no ``__init__.py`` and imports nothing of mlplatform, because only
that directory is deployed, to a runtime that has the standard library and boto3.

- ``redis_password_rotation``: rotates the ElastiCache users' passwords of the Redis (Valkey)
  online store, a Secrets Manager rotation function.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["code_directory"]


def code_directory(name: str) -> Path:
    """The directory whose files are the code of the function ``name``, to be zipped as it is."""
    directory = Path(__file__).resolve().parent / name
    if not (directory / "index.py").is_file():
        raise FileNotFoundError(f"no Lambda function {name!r} in {directory.parent}")
    return directory
