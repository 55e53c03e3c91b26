"""The terraform CLI config: providers in the offline mirror come from it, all others do not."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "write_terraformrc", ROOT / "scripts" / "write_terraformrc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_providers_in_the_mirror_install_from_it(tmp_path: Path) -> None:
    (tmp_path / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir(parents=True)

    text = _script().render(tmp_path, tmp_path / "cache")

    # hashicorp/helm (the cluster layer) is not mirrored here, so it must not be
    # pinned to the mirror: on a connected machine it installs from the registry.
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text
    assert "hashicorp/*" not in text


def test_a_mirror_that_also_holds_helm_serves_both(tmp_path: Path) -> None:
    for provider in ("aws/5.100.0", "helm/3.1.1"):
        (tmp_path / "registry.terraform.io" / "hashicorp" / provider).mkdir(parents=True)

    text = _script().render(tmp_path, tmp_path / "cache")

    assert (
        'include = ["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/helm"]'
        in text
    )
