"""The code of the platform's own AWS Lambda functions, one directory per function.

Each directory under this package is a function's whole code (the handler is
``index.handler``): it has no ``__init__.py`` and imports nothing of mlplatform, because only
its files are deployed, to a runtime that has the standard library and boto3.

- ``redis_password_rotation``: rotates the ElastiCache users' passwords of the Redis (Valkey)
  online store, a Secrets Manager rotation function.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["ARCHIVE_NAME", "code_archive", "code_directory"]

ARCHIVE_NAME = "archive.zip"
"""What :func:`code_archive` names the zip (cdktf names its own archives so too)."""

# Every entry gets the same timestamp and mode, so the same files make the same bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644 << 16
_built: dict[str, Path] = {}
_workdir: tempfile.TemporaryDirectory[str] | None = None


def code_directory(name: str) -> Path:
    """The directory whose files are the code of the function ``name``."""
    directory = Path(__file__).resolve().parent / name
    if not (directory / "index.py").is_file():
        raise FileNotFoundError(f"no Lambda function {name!r} in {directory.parent}")
    return directory


def code_archive(name: str, files: Sequence[str]) -> Path:
    """``files`` of the function ``name`` zipped at their names: a zip whose bytes depend on the
    files' names and contents only, built once per process, removed when it exits.

    cdktf's own ``AssetType.ARCHIVE`` zips a directory by starting another node process
    during synth (about 0.2 s a stack here, 0.55 s of ``make synth``) and takes whatever lies
    in it, ``__pycache__`` included; a stack copies this file as an ``AssetType.FILE`` asset
    instead.
    """
    directory = code_directory(name)
    contents = {file: (directory / file).read_bytes() for file in sorted(files)}
    digest = hashlib.sha256()
    for file, content in contents.items():
        digest.update(f"{file}\0{len(content)}\0".encode())
        digest.update(content)
    key = digest.hexdigest()
    archive = _built.get(key)
    if archive is not None and archive.is_file():
        return archive
    archive = _scratch() / key / ARCHIVE_NAME
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for file, content in contents.items():
            entry = zipfile.ZipInfo(file, date_time=_ZIP_EPOCH)
            entry.external_attr = _FILE_MODE
            entry.compress_type = zipfile.ZIP_DEFLATED
            zipped.writestr(entry, content)
    _built[key] = archive
    return archive


def _scratch() -> Path:
    """This process's directory for built archives (deleted at exit)."""
    global _workdir
    if _workdir is None:
        _workdir = tempfile.TemporaryDirectory(prefix="mlplatform-lambda-code-")
    return Path(_workdir.name)
