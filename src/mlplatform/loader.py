"""Load ``environments/<env>.yaml`` into an :class:`EnvironmentConfig`, or fail clearly.

Every way a file can be wrong (missing, empty, broken YAML, unknown key, bad
value) becomes a :class:`ConfigError` whose lines read
``<file>: <field>: <problem>; <fix>``. The command line prints those lines
and exits non-zero; nobody sees a pydantic or jsii traceback, and nothing is
synthesized from a half-valid file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mlplatform.config import EnvironmentConfig, TeamConfig
from mlplatform.errors import MlplatformError

__all__ = ["ConfigError", "EnvironmentLoader", "load_team_config"]


class ConfigError(MlplatformError):
    """An environment file that cannot be used, with one line per problem."""

    names_its_file = True

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{self.path}: {problem}" for problem in self.problems))


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the mapping at ``loc`` (for listing allowed keys)."""
    current: type[BaseModel] = model
    mapping_key = False
    tagged: dict[str, type[BaseModel]] = {}
    for part in loc:
        if isinstance(part, str) and part in tagged:
            # The tag of a discriminated union (``online_store: {type: redis}``).
            current, tagged = tagged[part], {}
            continue
        tagged = {}
        if isinstance(part, int) or mapping_key:
            # A list index, or a key of a mapping of models (``gpu_pools.<name>``).
            mapping_key = False
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        mapping_key = get_origin(field.annotation) is dict
        candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
        models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not models:
            return None
        current = models[0]
        tagged = {
            str(tag): m
            for m in models
            if "type" in m.model_fields
            for tag in getattr(m.model_fields["type"].annotation, "__args__", ())
        }
    return current


def _duplicate_keys(node: yaml.Node | None, path: str = "") -> list[str]:
    """One problem per key given twice in one mapping (PyYAML keeps the last one silently)."""
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            line = key.start_mark.line + 1
            if name in seen:
                problems.append(
                    f"{path or 'top level'}: {name!r} is given twice (lines {seen[name]} and "
                    f"{line}); keep one"
                )
            elif name is not None:
                seen[name] = line
            problems += _duplicate_keys(value, f"{path}.{name}" if path else str(name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, f"{path}[{index}]")
    return problems


# What a team file's patterned values look like, said instead of the pattern itself.
_TEAM_EXPECTED = {
    "org": "the platform's org: 2-12 lowercase letters and digits from a letter, such as mlp",
    "environment": "an environment name: 2-10 lowercase letters and digits from a letter, "
    "such as dev or prod",
    "region": "an AWS region such as us-east-1",
    "account_id": 'an account id: 12 digits, quoted in YAML ("111111111111")',
    "name": "a team name: up to 20 lowercase letters, digits and inner '-' from a letter, "
    "such as ranking",
    "owners": "an owner: an e-mail address or handle, such as ranking-oncall@example.com",
}


def team_problems(error: ValidationError) -> list[str]:
    """A team file's validation errors, one line each. A list whose item failed also reports
    being too short (pydantic drops the bad item); the item's own line says it all."""
    problems = error.errors()
    within = {p["loc"][:-1] for p in problems if p["loc"] and isinstance(p["loc"][-1], int)}
    return [
        _describe(p, TeamConfig)
        for p in problems
        if not (p["type"] == "too_short" and p["loc"] in within)
    ]


def _describe(error: ErrorDetails, model: type[BaseModel] = EnvironmentConfig) -> str:
    loc = error["loc"]
    where = _location(loc)
    kind = error["type"]
    given = error.get("input")
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "string_pattern_mismatch" and model is TeamConfig and field in _TEAM_EXPECTED:
        return f"{where}: {given!r} is not {_TEAM_EXPECTED[field]}"
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        allowed = ", ".join(owner.model_fields) if owner else "see the documented keys"
        return f"{where}: unknown key; allowed keys here: {allowed}"
    if kind == "missing":
        return f"{where}: required key is missing; add it"
    message = error["msg"].removeprefix("Value error, ")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{where}: expected a whole number, got {given!r}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"{where}: expected true or false, got {given!r}"
    if kind in {"string_type"}:
        return f"{where}: expected a string, got {given!r}"
    if kind == "union_tag_invalid":
        context = error.get("ctx", {})
        return (
            f"{where}.{context.get('discriminator', 'type').strip(chr(39))}: unknown "
            f"{context.get('tag')!r}; use one of {context.get('expected_tags')}"
        )
    if kind == "model_type":
        return f"{where}: expected a mapping of keys, got {given!r}"
    if kind == "value_error":
        # Cross-field checks name their own field first ("network.az_count: ...").
        return f"{where}: {message}" if where else message
    return f"{where}: {message} (got {given!r})" if where else message


class EnvironmentLoader:
    """Finds and validates environment files below one directory.

    ``name_or_path`` is either an environment name (``dev`` means
    ``<directory>/dev.yaml``) or a path to any YAML file.
    """

    def __init__(self, directory: Path | str = "environments") -> None:
        self.directory = Path(directory)

    def available(self) -> list[str]:
        """Names of the environments in the directory, sorted."""
        return sorted(p.stem for p in self.directory.glob("*.yaml"))

    def resolve(self, name_or_path: str) -> Path:
        """The file meant by an environment name or a path."""
        if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
            return Path(name_or_path)
        return self.directory / f"{name_or_path}.yaml"

    def load(self, name_or_path: str) -> EnvironmentConfig:
        """Load and validate one environment; raise :class:`ConfigError` on any problem."""
        path = self.resolve(name_or_path)
        if not path.is_file():
            known = ", ".join(self.available()) or "none"
            raise ConfigError(
                path, [f"file not found; name an environment ({known}) or the path of a YAML file"]
            )
        return self.parse(path.read_text(encoding="utf-8"), path)

    def load_all(self) -> list[EnvironmentConfig]:
        """Every environment in the directory, in name order."""
        return [self.load(name) for name in self.available()]

    def load_selection(self, selection: str | None) -> list[EnvironmentConfig]:
        """``selection`` is comma-separated names or paths; empty means every environment."""
        chosen = [part.strip() for part in (selection or "").split(",") if part.strip()]
        return [self.load(part) for part in chosen] if chosen else self.load_all()

    @staticmethod
    def parse(text: str, path: Path | str = "<string>") -> EnvironmentConfig:
        """Validate YAML text as an environment; ``path`` is used in messages."""
        data = _yaml_mapping(
            text,
            path,
            empty="file is empty; it needs at least org, environment, region, availability_zones, "
            "tags and state_backend (see environments/dev.yaml)",
            not_a_mapping="expected a mapping of keys at the top, got {type}",
        )
        try:
            return EnvironmentConfig.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(path, [_describe(e) for e in exc.errors()]) from None


def load_team_config(path: Path | str = "team.yaml") -> TeamConfig:
    """Load and validate a team repo's file (:class:`~mlplatform.config.TeamConfig`); raise
    :class:`ConfigError` with one ``<file>: <field>: <problem>; <fix>`` line per problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            path, ["file not found; a team repo's file names its platform and team (see README)"]
        )
    team_file = "expected a mapping with the keys platform and team (see README)"
    data = _yaml_mapping(
        path.read_text(encoding="utf-8"), path, empty=team_file, not_a_mapping=team_file
    )
    try:
        return TeamConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, team_problems(exc)) from None


def _yaml_mapping(text: str, path: Path | str, *, empty: str, not_a_mapping: str) -> dict[str, Any]:
    """The mapping at the top of a YAML file, or a :class:`ConfigError` that says where it is not.

    Environment and team files fail alike here (bad syntax with its line and column,
    an empty file, a list or scalar at the top, a key given twice); only what each
    file should have holds differs. ``not_a_mapping`` may name ``{type}``, what was found.
    """
    try:
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            path, [f"{line}invalid YAML: {exc.problem}; fix the syntax there"]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, [f"invalid YAML: {exc}"]) from None
    if data is None:
        raise ConfigError(path, [empty])
    if not isinstance(data, dict):
        raise ConfigError(path, [not_a_mapping.format(type=type(data).__name__)])
    duplicates = _duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
    if duplicates:
        raise ConfigError(path, duplicates)
    return data
