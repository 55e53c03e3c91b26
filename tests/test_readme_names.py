"""Every mlplatform name the README uses can be imported from where the README says.

A new user copies from the README, not from the source. So the names are
taken from the README itself: each ``from mlplatform... import X`` of its
python code blocks is imported as written, and each capitalised name its
prose puts in backticks (``GpuTrainingPool``, ``IDataLake``,
``StateRetention.protect(...)``) that the package defines must import from the
top level, ``from mlplatform import X``. So must the props class each of those
constructs takes. A README edit that names a new class fails here until the
package exports it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
import typing
from functools import cache

import pytest
from constructs import Construct

import mlplatform
from tests.conftest import ROOT

README = ROOT / "README.md"
PACKAGE = ROOT / "src" / "mlplatform"

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# `GpuTrainingPool`, `StateRetention.protect(bucket)`, `Budgets(stack, ...)`: the leading name.
_PROSE_NAME = re.compile(r"`([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)(?:[.(][^`]*)?`")
# `mlplatform.feast_repo.feast_objects(config)`, `mlplatform.emulator.fixes`: a dotted path
# names a module, or a name in the module before its last dot.
_DOTTED = re.compile(r"`(mlplatform(?:\.[A-Za-z_][A-Za-z0-9_]*)+)[^`]*`")
# Dotted names whose module imports Feast, which lives in a venv of its own (.tools/feast).
_FEAST_MODULES = {"mlplatform.feast_repo", "mlplatform.feast_online_store"}
# A second engine is an optional extra with a top level of its own: what it defines imports
# from there (``from mlplatform.pulumi import PlatformEnvironment``), never from mlplatform,
# so that a plain install never reaches for the engine's SDK.
ENGINES = ("mlplatform.pulumi",)


def top_level(module: str) -> str:
    """Where a class defined in ``module`` is exported: its engine's package, or mlplatform."""
    return next((e for e in ENGINES if module == e or module.startswith(e + ".")), "mlplatform")


def _blocks(language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(README.read_text()) if lang == language]


def _prose() -> str:
    return _FENCE.sub("", README.read_text())


def code_block_imports() -> list[tuple[str, str]]:
    """``(module, name)`` of every ``from mlplatform... import name`` in the python blocks."""
    found: list[tuple[str, str]] = []
    for block in _blocks("python"):
        imports = [n for n in ast.walk(ast.parse(block)) if isinstance(n, ast.ImportFrom)]
        for node in imports:
            module = node.module or ""
            if module == "mlplatform" or module.startswith("mlplatform."):
                found += [(module, alias.name) for alias in node.names]
    return sorted(set(found))


@cache
def package_classes() -> dict[str, str]:
    """Top-level classes the package defines, by name: ``{"DataLake": "mlplatform.constructs..."}``."""
    defined: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                defined.setdefault(node.name, module)
    return defined


def prose_names() -> list[str]:
    """Capitalised names in the prose's backticks that the package defines."""
    named = set(_PROSE_NAME.findall(_prose()))
    return sorted(named & set(package_classes()))


def dotted_names() -> list[str]:
    return sorted(
        {
            path
            for path in _DOTTED.findall(_prose())
            if not any(path.startswith(module) for module in _FEAST_MODULES)
        }
    )


def test_the_readme_is_parsed() -> None:
    # Guards the extraction itself: a broken regex would make every test below vacuous.
    assert ("mlplatform", "DataLake") in code_block_imports()
    assert {"GpuTrainingPool", "IDataLake", "StateRetention", "ComputeCluster"} <= set(
        prose_names()
    )


@pytest.mark.parametrize(("module", "name"), code_block_imports())
def test_code_block_import_works(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


@pytest.mark.parametrize("name", prose_names())
def test_prose_name_imports_from_the_top_level(name: str) -> None:
    module = package_classes()[name]
    package = importlib.import_module(top_level(module))
    assert name in package.__all__, f"README names `{name}`; export it from {package.__name__}"
    assert getattr(package, name) is getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("path", dotted_names())
def test_dotted_name_imports_from_its_module(path: str) -> None:
    try:
        importlib.import_module(path)
    except ModuleNotFoundError:
        module, _, name = path.rpartition(".")
        assert getattr(importlib.import_module(module), name) is not None


@pytest.mark.parametrize("name", prose_names())
def test_props_a_named_construct_takes_import_from_the_top_level(name: str) -> None:
    if top_level(package_classes()[name]) != "mlplatform":
        return  # an engine's component: its props are the platform's config classes
    exported = getattr(mlplatform, name)
    if not (inspect.isclass(exported) and issubclass(exported, Construct)):
        return  # an error type, a value, a protocol: nothing takes props
    if "props" not in inspect.signature(exported).parameters:
        return
    hint = typing.get_type_hints(exported.__init__)["props"]
    for props in typing.get_args(hint) or (hint,):
        if props is not type(None):
            assert props.__name__ in mlplatform.__all__, (
                f"{name} takes props={props.__name__}; export it from mlplatform"
            )


def test_public_api_is_listed_and_lazy() -> None:
    assert sorted(mlplatform.__all__) == sorted(mlplatform._EXPORTS)
    for name in mlplatform.__all__:
        assert getattr(mlplatform, name) is not None
    # Importing the package for its config and loader must not load the AWS bindings.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mlplatform; mlplatform.EnvironmentLoader; print('cdktf' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"
