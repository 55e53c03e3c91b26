"""How an EC2 instance type name splits into family and size, for every catalogue."""

from __future__ import annotations

import re

# family.size: m6i.large, m7i-flex.xlarge, m7i.metal-24xl, p4d.24xlarge
_INSTANCE_TYPE = re.compile(r"^([a-z][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$")


def family_and_size(instance_type: str) -> tuple[str, str] | None:
    """``("m6i", "large")`` for ``m6i.large``; ``None`` if it is not shaped like an EC2 type."""
    match = _INSTANCE_TYPE.match(instance_type)
    return None if match is None else (match.group(1), match.group(2))
