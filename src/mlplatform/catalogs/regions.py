"""AWS regions and the partition each belongs to, as botocore lists them.

A region name only shaped like one (``us-east-9``, ``eu-wets-1``) passed
config and failed at plan, when the AWS provider refused it; worse, the
availability zones' check then suggested zones of a region that does not
exist. botocore (pinned through boto3) ships AWS's own list of partitions and
their regions (``botocore/data/partitions.json``, what the SDKs resolve
endpoints from), so config checks a name against that instead of a pattern,
and says which partition a region is in (S3 replicates only within one).
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib.resources import files

__all__ = ["partition_of", "region_problem", "regions"]


@cache
def _partitions() -> dict[str, tuple[str, ...]]:
    """Each partition's regions (``aws``: ``us-east-1``, ...), read once per process."""
    data = json.loads((files("botocore") / "data" / "partitions.json").read_text())
    return {
        partition["id"]: tuple(
            sorted(name for name in partition["regions"] if not name.endswith("-global"))
        )
        for partition in data["partitions"]
    }


def regions(partition: str = "aws") -> tuple[str, ...]:
    """The regions of ``partition``, sorted (none for a partition botocore does not list)."""
    return _partitions().get(partition, ())


def partition_of(region: str) -> str | None:
    """The partition ``region`` is in (``aws``, ``aws-cn``, ``aws-us-gov``...), or ``None``."""
    return next((p for p, names in _partitions().items() if region in names), None)


def region_problem(region: str) -> str | None:
    """Why ``region`` is no AWS region, with the closest names; ``None`` when it is one."""
    if partition_of(region) is not None:
        return None
    from importlib.metadata import version  # tens of ms: only when there is a problem to name

    every = [name for names in _partitions().values() for name in names]
    close = difflib.get_close_matches(region, every, n=3, cutoff=0.75)
    hint = f"did you mean {' or '.join(close)}?" if close else "use one such as us-east-1"
    return (
        f"{region!r} is not an AWS region; {hint} (regions as botocore "
        f"{version('botocore')} lists them: a newer region needs a newer boto3)"
    )
