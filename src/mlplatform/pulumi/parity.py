"""The first difference between two engines' resources, named by type, physical name and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlplatform.pulumi.environment import NOT_YET_TRANSLATED
from mlplatform.pulumi.normalise import Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.recorder import Recording

__all__ = [
    "compare",
    "contract_values",
    "first_difference",
    "set_aside_paths",
    "synthesized_environment",
]


def _field_difference(expected: Any, actual: Any, field: str) -> str | None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{field}.{key}" if field else key
            if key not in actual:
                return f"field {where}: cdktf has {expected[key]!r}, Pulumi has nothing"
            if key not in expected:
                return f"field {where}: Pulumi has {actual[key]!r}, cdktf has nothing"
            found = _field_difference(expected[key], actual[key], where)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
            found = _field_difference(e, a, f"{field}[{index}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"field {field}: cdktf has {len(expected)} items, Pulumi has {len(actual)}"
        return None
    if expected != actual:
        return f"field {field}: cdktf has {_short(expected)}, Pulumi has {_short(actual)}"
    return None


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def first_difference(cdktf: Normalised, pulumi: Normalised) -> str | None:
    """``None`` when both hold the same resources with the same settings, else the first gap."""
    for key in sorted(set(cdktf.resources) | set(pulumi.resources)):
        kind, name = key
        if key not in pulumi.resources:
            return f"{kind} {name!r} ({cdktf.resources[key].path}): only in the cdktf synth"
        if key not in cdktf.resources:
            return f"{kind} {name!r} ({pulumi.resources[key].path}): only in the Pulumi program"
        found = _field_difference(cdktf.resources[key].config, pulumi.resources[key].config, "")
        if found:
            return f"{kind} {name!r} ({cdktf.resources[key].path}): {found}"
    return None


def synthesized_environment(stacks: Path, environment: str) -> dict[str, dict[str, Any]]:
    """``{stack name: Terraform JSON}`` of one environment in a cdktf ``<outdir>/stacks``."""
    return {
        directory.name: json.loads((directory / "cdk.tf.json").read_text())
        for directory in sorted(stacks.glob(f"{environment}-*"))
        if (directory / "cdk.tf.json").is_file()
    }


def contract_values(stacks: Path, environment: str) -> dict[str, str]:
    """``{full name: value}`` of every contract parameter an environment's cdktf synth writes,
    values normalised (``${aws_s3_bucket.<env>-data/data-lake/zone-raw/bucket.arn}``): what a
    team program's contract reads are answered with, on both engines' sides."""
    platform = from_cdktf(synthesized_environment(stacks, environment))
    return {
        name: str(resource.config["insecure_value"])
        for (kind, name), resource in platform.resources.items()
        if kind == "aws_ssm_parameter"
    }


def set_aside_paths(environment: str) -> list[str]:
    """The construct paths of ``environment`` the Pulumi engine does not build yet."""
    return [f"{environment}-{part}" for part in NOT_YET_TRANSLATED]


def compare(stacks: Path, recording: Recording, environment: str) -> str | None:
    """The first difference between an environment's cdktf synth and its recorded program."""
    cdktf = from_cdktf(synthesized_environment(stacks, environment))
    pulumi = from_pulumi(recording)
    aside = set_aside_paths(environment)
    return first_difference(cdktf.without(aside), pulumi.without(aside))
