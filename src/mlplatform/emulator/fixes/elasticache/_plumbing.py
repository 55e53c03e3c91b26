"""What the ElastiCache fixes share: errors, the backend, ARNs, tags and answers."""

from __future__ import annotations

import re
from typing import Any

_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$")


def _refused(code: str, message: str) -> Exception:
    """An ElastiCache error answer with ``code`` (the API reference's error code)."""
    from moto.elasticache.exceptions import ElastiCacheException

    return ElastiCacheException(code, message)


def _backend(self: Any) -> Any:
    return self.elasticache_backend


def _arn(self: Any, kind: str, name: str) -> str:
    return f"arn:{self.partition}:elasticache:{self.region}:{self.current_account}:{kind}:{name}"


def _tag(self: Any, arn: str) -> None:
    tags = self._get_param("Tags", [])
    if tags:
        _backend(self).tagging_service.tag_resource(arn, tags)


def _in_pages(result: dict[str, Any]) -> Any:
    from moto.core.responses import PaginatedResult

    return PaginatedResult(result)


def _result(result: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult(result)


def _empty() -> Any:
    from moto.core.responses import EmptyResult

    return EmptyResult()
