"""S3's rules for general purpose bucket names, as one function both config and naming use.

Bucket names are global across every AWS account, and a name S3 refuses
fails only when ``CreateBucket`` runs, half-way through an apply. The rules
(AWS docs, "General purpose bucket naming rules"):

- 3 to 63 characters: lowercase letters, digits, dots and hyphens;
- begins and ends with a letter or a digit; no two adjacent dots;
- not shaped like an IP address (``192.168.5.4``);
- none of the prefixes S3 reserves (``xn--``, ``sthree-``, ``amzn-s3-demo-``)
  and none of the suffixes it reserves for access point aliases, Object
  Lambda, Multi-Region Access Points, directory and table buckets
  (``-s3alias``, ``--ol-s3``, ``.mrap``, ``--x-s3``, ``--table-s3``).
"""

from __future__ import annotations

import re

__all__ = ["RESERVED_PREFIXES", "RESERVED_SUFFIXES", "bucket_name_problem"]

RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_CHARSET = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def bucket_name_problem(name: str) -> str | None:
    """Why S3 would refuse ``name`` as a bucket name; ``None`` if it is valid.

    The answer reads ``'<name>' is not a valid S3 bucket name: <reason>``, and
    callers add the fix that fits where the name came from.
    """
    reason = _reason(name)
    return None if reason is None else f"{name!r} is not a valid S3 bucket name: {reason}"


def _reason(name: str) -> str | None:
    if not 3 <= len(name) <= 63:
        return f"it has {len(name)} characters, and S3 allows 3 to 63"
    if not _CHARSET.match(name):
        return (
            "S3 allows only lowercase letters, digits, '-' and '.', beginning and ending with a "
            "letter or digit"
        )
    if ".." in name:
        return "it has two adjacent dots"
    if _IP_ADDRESS.match(name):
        return "it is shaped like an IP address"
    prefix = next((p for p in RESERVED_PREFIXES if name.startswith(p)), None)
    if prefix is not None:
        return f"it starts with {prefix!r}, which S3 reserves"
    suffix = next((s for s in RESERVED_SUFFIXES if name.endswith(s)), None)
    if suffix is not None:
        return f"it ends with {suffix!r}, which S3 reserves"
    return None
