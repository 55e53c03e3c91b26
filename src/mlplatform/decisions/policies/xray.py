"""X-Ray: sending traces."""

from __future__ import annotations

from mlplatform.decisions.policies.documents import Statement, allow

__all__ = ["XRAY_WRITE_ACTIONS", "xray_write_statement"]

XRAY_WRITE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
"""What a traced Lambda function's runtime sends (AWSXRayDaemonWriteAccess's writes)."""


def xray_write_statement() -> Statement:
    """Send trace segments; X-Ray has no resource to scope them to."""
    return allow("SendTraces", XRAY_WRITE_ACTIONS, "*")
