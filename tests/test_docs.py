"""`make docs` builds a reference page per public module from the docstrings, without a warning.

The docs are built once, in this process, into a temporary directory, with
the same function `make docs` runs (scripts/build_docs.py).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from constructs import Construct

import mlplatform
from tests.conftest import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    output = tmp_path_factory.mktemp("docs")
    problems: list[str] = _script().build_docs(output)
    return output, problems


def page(output: Path, module: str) -> Path:
    return output / f"{module.replace('.', '/')}.html"


def test_the_build_reports_no_warning_and_no_broken_reference(
    built: tuple[Path, list[str]],
) -> None:
    _, problems = built
    assert problems == []


def test_the_pages_hold_no_memory_address(built: tuple[Path, list[str]]) -> None:
    """A validator in a field's annotation renders by name, not by its address, so two
    builds of the same code write the same pages."""
    output, _ = built
    config_page = page(output, "mlplatform.config.ml").read_text(encoding="utf-8")
    assert "&lt;function _check_hosting_type&gt;" in config_page
    pages = [*output.rglob("*.html"), output / "search.js"]
    assert not [p.name for p in pages if " at 0x" in p.read_text("utf-8")]


def test_every_public_module_has_a_page(built: tuple[Path, list[str]]) -> None:
    output, _ = built
    modules = _script().public_modules()
    assert "mlplatform.constructs.gpu_pool" in modules
    # Feast lives in a venv of its own: its modules are named, not silently dropped.
    assert {
        "mlplatform.feast_online_store": "feast",
        "mlplatform.feast_repo": "feast",
    }.items() <= _script().modules_without_page().items()
    assert "mlplatform.feast_repo" not in modules
    # The generated bindings: one page for the package, none per resource type.
    assert "mlplatform.bindings.aws" in modules
    assert not [m for m in modules if m.startswith("mlplatform.bindings.aws.")]
    missing = [m for m in modules if not page(output, m).is_file()]
    assert missing == []
    assert (output / "index.html").is_file()


def test_every_exported_name_is_on_the_package_page(built: tuple[Path, list[str]]) -> None:
    output, _ = built
    text = page(output, "mlplatform").read_text()
    missing = [name for name in mlplatform.__all__ if f'id="{name}"' not in text]
    assert missing == []


def test_each_construct_has_its_own_page_with_its_docstring(built: tuple[Path, list[str]]) -> None:
    output, _ = built
    constructs = [
        getattr(mlplatform, name)
        for name in mlplatform.__all__
        if inspect.isclass(getattr(mlplatform, name))
        and issubclass(getattr(mlplatform, name), Construct)
    ]
    assert len(constructs) > 15
    for construct in constructs:
        text = page(output, construct.__module__).read_text()
        assert f'id="{construct.__name__}"' in text, construct.__module__
        first_line = (construct.__doc__ or "").strip().splitlines()[0]
        words = re.sub(r"[`:*]", "", first_line).split()[:3]
        assert " ".join(words) in re.sub(r"<[^>]+>", "", text), construct.__name__


CLASSES = """\
def tagged(cls):
    return cls


@tagged
class Decorated:
    class Nested:
        pass


def factory():
    class Local:
        pass

    return Local


class Twice:
    pass


class Twice:  # noqa: F811
    pass
"""


def test_the_builds_class_finder_places_each_class_where_inspect_does(tmp_path: Path) -> None:
    """The build answers inspect's class lookups from one walk per source; each answer must
    be inspect's own: a decorator's line, nested and function-local classes, and (as inspect
    does) the first of two classes of one name."""
    path = tmp_path / "classes_for_the_finder.py"
    path.write_text(CLASSES)
    spec = importlib.util.spec_from_file_location("classes_for_the_finder", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        classes = [module.Decorated, module.Decorated.Nested, module.factory(), module.Twice]
        expected = [inspect.findsource(c)[1] for c in classes]
        with _script()._each_module_parsed_once():
            found = [inspect.findsource(c)[1] for c in classes]
            assert inspect.findsource(module.factory)[1] == 10  # a function: inspect's own answer
    finally:
        del sys.modules[spec.name]
    assert expected == [4, 6, 11, 17]
    assert found == expected
