"""Whether Terraform may destroy an environment's stateful resources.

Buckets, keys, tables, the cluster, image repositories, model package groups
and the Glue catalog hold data or identity that a ``terraform destroy`` (or a
plan that replaces them) would lose for good. On by default: every such
resource gets ``lifecycle.prevent_destroy``, and guardrail MLP-RET-1 fails
synth where one is missing. Turning it off is for environments meant to be
torn down: the emulator, or a real environment that names its reason.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, ValidationInfo, field_validator

from mlplatform.config._base import _Frozen

__all__ = ["RetentionProps"]


class RetentionProps(_Frozen):
    """``retention:`` in an environment file: protect stateful resources from destroy."""

    prevent_destroy: StrictBool = True
    """Put ``lifecycle.prevent_destroy`` on every stateful resource. ``false`` is allowed with
    ``emulator: true``, or in a real environment together with ``opt_out_reason``."""
    opt_out_reason: Annotated[str, Field(min_length=10)] | None = None
    """Why a real environment may be destroyed (for example "sandbox account, rebuilt
    nightly"). Recorded as the guardrail suppression, so reviewers see it in code review."""

    @field_validator("opt_out_reason")
    @classmethod
    def _reason_only_when_off(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("prevent_destroy", True):
            raise ValueError(
                "given, but prevent_destroy is on, so nothing is opted out; remove "
                "opt_out_reason, or set prevent_destroy: false"
            )
        return value
