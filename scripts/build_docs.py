"""Build the reference docs: one HTML page per public module of mlplatform, from its docstrings.

pdoc renders every module below ``src/mlplatform`` (each construct lives in
a module of its own, so each has a page), reading the docstrings as
reStructuredText, as they are written (``:class:`...```, ````code````). It
imports the modules and writes files; nothing goes to the network.
A module that imports a package this venv does not have gets no page, and
the build names it with that package: ``mlplatform.feast_repo`` and
``mlplatform.feast_online_store`` import Feast, which lives in a venv of its
own (see the Makefile).

Usage: python scripts/build_docs.py [OUTPUT_DIR]   (default build/docs)
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
import re
import sys
import warnings
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pdoc
import pdoc.doc
import pdoc.render

import mlplatform  # first of the package: no Node banner when the modules start jsii

__all__ = ["broken_references", "build_docs", "modules_without_page", "public_modules"]

# :class:`~mlplatform.config.EnvironmentConfig`, :meth:`Naming.for_environment`, ...
_ROLE = re.compile(r":(?:class|mod|meth|attr|func|data|exc|obj):`~?([A-Za-z_][\w.]*)`")
# pdoc walks a package's submodules itself and warns when a listed module comes round again.
_REPEATED_SPEC = r"The module specification .* has already been added"
# pdoc evaluates every annotation. Pulumi's ``Input[T]`` alias names ``"Output[T]"`` (over
# the type variable ``T``) as a string that pdoc cannot resolve outside Pulumi's own module,
# so every ``pulumi.Input`` annotation (ours, and those of the members our components
# inherit from Pulumi's Resource) warns; the page still shows the annotation as written.
# Nothing else is ignored.
_PULUMI_INPUT = r"Error parsing type annotation .*Import of (Input|Output|T) failed"


# The generated AWS bindings get the package's page (what they are, how to import one), not
# a page per resource type: each class mirrors the prebuilt binding of the same name,
# documented with the provider (``aws_s3_bucket`` in the Terraform registry), and their
# ~80 pages took more than half the build's time.
_GENERATED = "mlplatform.bindings.aws."


def _all_public() -> list[str]:
    """``mlplatform`` and every module below it whose dotted name has no ``_`` part, except
    the generated bindings' resource modules."""
    found = [
        module.name
        for module in pkgutil.walk_packages(mlplatform.__path__, "mlplatform.")
        if not any(part.startswith("_") for part in module.name.split("."))
        and not module.name.startswith(_GENERATED)
    ]
    return ["mlplatform", *sorted(found)]


@cache
def modules_without_page() -> dict[str, str]:
    """Public modules that import a package not installed here, with that package's name."""
    missing = {}
    for name in _all_public():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name and error.name.split(".")[0] != "mlplatform":
                missing[name] = error.name.split(".")[0]
    return missing


def public_modules() -> list[str]:
    """The modules that get a page: every public one whose imports are installed."""
    skipped = modules_without_page()
    return [name for name in _all_public() if name not in skipped]


def _resolves(module: ModuleType, target: str) -> bool:
    """Whether ``target`` names something: relative to ``module`` or to one of its classes
    (a class docstring's ``:attr:`job_role```), or from the top."""
    if any(target.startswith(name) for name in modules_without_page()):
        return True  # a module that exists, whose imports are not installed here
    parts = target.split(".")
    own_classes = [
        c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__
    ]
    for cls in own_classes:  # a class attribute, or an instance attribute __init__ sets
        if hasattr(cls, parts[0]) or f"self.{parts[0]}:" in inspect.getsource(cls):
            return True
    for start in (module, None):
        try:
            current: object = start if start is not None else importlib.import_module(parts[0])
            for index, part in enumerate(parts if start is not None else parts[1:]):
                if not hasattr(current, part) and isinstance(current, ModuleType):
                    prefix = ".".join(parts[: index + (1 if start is None else 0) + 1])
                    current = importlib.import_module(prefix)
                    continue
                current = getattr(current, part)
            return True
        except (AttributeError, ImportError):
            continue
    return False


def broken_references() -> list[str]:
    """Every ``:class:`` (``:meth:``, ``:mod:``, ...) reference in a docstring that names
    nothing: pdoc renders those as plain code without saying so, so they are found here."""
    broken = []
    for name in public_modules():
        module = importlib.import_module(name)
        path = Path(inspect.getfile(module))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for target in _ROLE.findall(line):
                if not _resolves(module, target):
                    broken.append(f"{path.name}:{number}: `{target}` names nothing")
    return broken


# A pydantic field's annotation holds its validator function, which pdoc shows by its repr:
# ``<function _check_retention at 0x7fdcc73e3c40>``, an address that changes every build.
_ADDRESS = re.compile(r"(<(?:function|bound method) [\w.<>]+) at 0x[0-9a-f]+(>)")


@contextlib.contextmanager
def _annotations_without_addresses() -> Iterator[None]:
    """While the build runs, pdoc formats annotations without memory addresses, so the pages
    and the search index are the same for the same code (``make docs`` also fixes the hash
    seed, which orders a frozenset constant's value)."""
    module: Any = pdoc.doc  # its formatannotation is pdoc's own, imported from pdoc._compat
    formatannotation = module.formatannotation

    def without_addresses(annotation: Any) -> str:
        return _ADDRESS.sub(r"\1\2", formatannotation(annotation))

    module.formatannotation = without_addresses
    try:
        yield
    finally:
        module.formatannotation = formatannotation


@contextlib.contextmanager
def _each_module_parsed_once() -> Iterator[None]:
    """Python 3.11's ``inspect.getsource`` of a class parses the class's whole module and
    walks the tree for that one class, each time (3.13 reads the class's first line
    instead), and pdoc asks it for every class and every base class: cdktf's 1.4 MB module
    five times, a 50 KB one 75 times. While the build runs, a whole-source parse
    (``ast.parse(source)``, as inspect calls it) is answered once per distinct source, and
    a class's line comes from one walk of its source that finds every class (10 s and then
    7 s of a build of 26 s). Functions and anything else go to inspect as before."""
    parse = ast.parse
    parse_once = lru_cache(maxsize=64)(parse)
    findsource = inspect.findsource

    def parse_source(source: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(source, str):
            return parse(source, *args, **kwargs)
        return parse_once(source)

    def find_class_once(target: Any) -> tuple[list[str], int]:
        # Every class of a source found in one walk, where inspect's own finder finds it.
        if not inspect.isclass(target):
            return findsource(target)
        lines, _ = findsource(inspect.getmodule(target) or target)
        found = _class_lines("".join(lines)).get(target.__qualname__)
        return (lines, found) if found is not None else findsource(target)

    ast.parse = parse_source
    inspect.findsource = find_class_once  # type: ignore[assignment]  # same call, another name
    try:
        yield
    finally:
        ast.parse = parse
        inspect.findsource = findsource


@lru_cache(maxsize=64)
def _class_lines(source: str) -> dict[str, int]:
    """Each class's qualified name in ``source`` and the 0-based line at which Python 3.11's
    ``inspect.findsource`` places it (its first decorator, else its ``class`` line): the
    first definition in the same depth-first order, names inside a function as
    ``f.<locals>.C``."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, stack: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, (*stack, child.name, "<locals>"))
            elif isinstance(child, ast.ClassDef):
                name = ".".join((*stack, child.name))
                first = child.decorator_list[0] if child.decorator_list else child
                found.setdefault(name, first.lineno - 1)
                visit(child, (*stack, child.name))
            else:
                visit(child, stack)

    visit(ast.parse(source), ())
    return found


def build_docs(output: Path) -> list[str]:
    """Render the pages into ``output``; return every warning pdoc gave (broken references,
    modules it could not import, ...), one line each."""
    pdoc.render.configure(docformat="restructuredtext", show_source=False, search=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=_REPEATED_SPEC)
        warnings.filterwarnings("ignore", message=_PULUMI_INPUT)
        # pulumi-aws 6.x announces renamed lookups when its ec2 module loads (as in pytest).
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws\.")
        with _each_module_parsed_once(), _annotations_without_addresses():
            pdoc.pdoc(*public_modules(), output_directory=output)
    return [f"{w.category.__name__}: {w.message}" for w in caught] + broken_references()


def main() -> None:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "build/docs")
    problems = build_docs(output)
    for module, package in modules_without_page().items():
        print(f"no page for {module}: it imports {package}, which is not installed here")
    for problem in problems:
        print(f"error: docs: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"wrote the reference docs into {output}/ (open {output}/index.html)")


if __name__ == "__main__":
    main()
