"""What every generated binding shares: blocks as frozen values, attributes kept in Python.

The prebuilt provider bindings are jsii proxies of a JavaScript package with
~1,500 classes, which node must load before anything synthesizes (13 s and
540 MB here). A generated binding is a plain Python subclass of cdktf's own
``TerraformResource`` (or data source, or provider): it keeps its arguments
in a Python dict and hands them to cdktf as Terraform JSON through one
``synthesizeAttributes`` callback. Node then loads cdktf core only.

The JSON is the one the prebuilt bindings produce for the same arguments
(``tests/test_bindings_parity.py`` proves it): snake_case keys, unset
arguments left out, a block with ``max_items = 1`` as one object and any
other block as a list of objects. References stay cdktf tokens, resolved by
cdktf as usual, and anything cdktf resolves (``Fn``, ``Token``, an
``IResolvable``) may stand where a value goes.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping, Sequence
from functools import cache
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    TypeVar,
    cast,
    dataclass_transform,
    overload,
)

import jsii
from cdktf import (
    Fn,
    IResolvable,
    ITerraformDependable,
    ITerraformIterator,
    TerraformCount,
    TerraformDataSource,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformResourceLifecycle,
    Token,
)
from constructs import Construct

__all__ = [
    "Attribute",
    "Block",
    "BlockField",
    "ComputedList",
    "ComputedObject",
    "GeneratedDataSource",
    "GeneratedProvider",
    "GeneratedResource",
    "References",
    "boolean_attribute",
    "generator_metadata",
    "list_attribute",
    "number_attribute",
    "renamed",
    "resolvable_attribute",
    "string_attribute",
    "string_map_attribute",
    "to_terraform",
]

Connection = Any
"""An SSH or WinRM provisioner connection (cdktf struct or dict)."""
Provisioner = Any
"""A file, local-exec or remote-exec provisioner (cdktf struct or dict)."""


@cache
def generator_metadata(
    provider_name: str, version: str, constraint: str
) -> TerraformProviderGeneratorMetadata:
    """The metadata cdktf uses to check that a provider for the resource exists in the stack."""
    return TerraformProviderGeneratorMetadata(
        provider_name=provider_name,
        provider_version=version,
        provider_version_constraint=constraint,
    )


class _Renamed:
    """A block field whose Terraform name is not its Python name (``and_`` for ``and``)."""

    __slots__ = ("default", "terraform")

    def __init__(self, terraform: str, default: Any) -> None:
        self.terraform = terraform
        self.default = default


_REQUIRED: Any = object()
"""The default of a field that has none: the argument must be given."""


def renamed(terraform: str, *, default: Any = _REQUIRED) -> Any:
    """A field named ``terraform`` in Terraform (a Python keyword, say): ``and_: X | None =
    renamed("and", default=None)``; without ``default`` the argument is required."""
    return _Renamed(terraform, default)


@dataclasses.dataclass(frozen=True)
class BlockField:
    """One argument of a block: its Python and Terraform names, and whether it is required."""

    python: str
    terraform: str
    required: bool


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(renamed,))
class Block:
    """A nested block of a resource: keyword arguments, frozen, compared by value.

    Each generated block class declares its fields as annotations, as a frozen
    dataclass would (type checkers read them so, through ``dataclass_transform``).
    They are not dataclasses: ``@dataclass`` writes and compiles an ``__init__``,
    ``__eq__`` and ``__repr__`` for every class when the module is imported, about a
    millisecond each, and the bindings hold nearly 300 blocks; here the fields are
    read from the annotations once per class (:meth:`fields`) and one ``__init__``
    serves them all.
    """

    TERRAFORM_BLOCK: ClassVar[str] = ""
    """The block's path in the resource schema, for messages."""
    _FIELDS: ClassVar[tuple[BlockField, ...]] = ()
    _DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list[BlockField] = []
        defaults: dict[str, Any] = {}
        for name, annotation in inspect.get_annotations(cls).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            declared = cls.__dict__.get(name, _REQUIRED)
            terraform = name
            if isinstance(declared, _Renamed):
                terraform, declared = declared.terraform, declared.default
            if declared is _REQUIRED:
                if name in cls.__dict__:
                    delattr(cls, name)
            else:
                defaults[name] = declared
                setattr(cls, name, declared)
            fields.append(BlockField(name, terraform, declared is _REQUIRED))
        cls._FIELDS = tuple(fields)
        cls._DEFAULTS = defaults

    def __init__(self, **arguments: Any) -> None:
        known = {f.python for f in self._FIELDS}
        if not known.issuperset(arguments):
            # A misspelt name is the likelier mistake than a missing one: name it first.
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword arguments "
                f"{', '.join(sorted(set(arguments) - known))}; its fields are "
                f"{', '.join(f.python for f in self._FIELDS)}"
            )
        for field in self._FIELDS:
            if field.python in arguments:
                value = arguments[field.python]
            elif field.required:
                raise TypeError(
                    f"{type(self).__name__}() missing required keyword argument "
                    f"{field.python!r} (Terraform block {self.TERRAFORM_BLOCK})"
                )
            else:
                value = self._DEFAULTS[field.python]
            object.__setattr__(self, field.python, value)

    @classmethod
    def fields(cls) -> tuple[BlockField, ...]:
        """The block's fields, in the order the class declares them."""
        return cls._FIELDS

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.python) for f in self._FIELDS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.python}={getattr(self, f.python)!r}" for f in self._FIELDS)
        return f"{type(self).__name__}({shown})"


def _terraform_names(block_type: type[Block]) -> tuple[tuple[str, str], ...]:
    """(Python name, Terraform name) of each field."""
    return tuple((f.python, f.terraform) for f in block_type.fields())


def to_terraform(value: Any) -> Any:
    """Python arguments -> Terraform JSON values; ``None`` means unset and is left out."""
    if isinstance(value, Block):
        return {
            terraform: to_terraform(item)
            for python, terraform in _terraform_names(type(value))
            if (item := getattr(value, python)) is not None
        }
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {key: to_terraform(item) for key, item in value.items() if item is not None}
    if isinstance(value, Sequence):
        return [to_terraform(item) for item in value]
    return value  # a jsii object: an IResolvable, a token, an Fn expression


_Value = TypeVar("_Value")


class Attribute(Generic[_Value]):
    """An attribute of a resource or nested object, read as a reference (``bucket.arn``).

    A generated class declares each attribute as one line
    (``arn = string_attribute("arn")``) instead of a three-line property: the
    bindings hold a few thousand of them. Reading it on an element asks the
    element (:class:`References`, :class:`ComputedObject`) for the reference,
    typed as the factory says.
    """

    __slots__ = ("_read", "terraform_name")

    def __init__(self, read: str, terraform_name: str) -> None:
        self._read = read
        self.terraform_name = terraform_name

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Attribute[_Value]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> _Value: ...

    def __get__(self, instance: object | None, owner: type[Any]) -> Attribute[_Value] | _Value:
        if instance is None:
            return self
        value: _Value = getattr(instance, self._read)(self.terraform_name)
        return value


def string_attribute(name: str) -> Attribute[str]:
    """A string attribute (an id, an ARN, a name)."""
    return Attribute("_string", name)


def number_attribute(name: str) -> Attribute[float]:
    """A number attribute."""
    return Attribute("_number", name)


def boolean_attribute(name: str) -> Attribute[IResolvable]:
    """A boolean attribute (a token cdktf resolves; Python's bool cannot hold a reference)."""
    return Attribute("_boolean", name)


def list_attribute(name: str) -> Attribute[list[str]]:
    """A list or set of strings."""
    return Attribute("_list", name)


def string_map_attribute(name: str) -> Attribute[Mapping[str, str]]:
    """A map of strings (tags)."""
    return Attribute("_string_map", name)


def resolvable_attribute(name: str) -> Attribute[IResolvable]:
    """Any other attribute (a map of numbers, a list of lists), as a plain reference."""
    return Attribute("_reference", name)


class References:
    """Attribute references, each asked of cdktf once per element and then reused.

    A reference is a token standing for ``${type.name.attribute}``; asking
    again would cost another round trip to node for an equal token, and the
    platform reads the same ARNs and ids hundreds of times.

    **Why the readers come after cdktf's classes in the MRO.** Whenever Python
    creates an object of a jsii class, jsii looks for overrides of jsii members:
    every name in the ``__dict__`` of each Python class before the first jsii
    class of the MRO, looked up on the jsii class and each interface the MRO
    lists (about 15 for a resource). A generated resource's attribute readers
    (``arn``, ``id``, ... 20 to 60 names) and these helpers were looked up so for
    every resource: about 0.25 ms each, a sixth of the Python CPU of building
    the four environments. None of them overrides anything, so they sit in
    classes after cdktf's (``GeneratedResource`` lists this class after
    ``TerraformResource``; a generated type's ``_<Name>Attributes`` base is one
    of these), and jsii's scan stops before reaching them. Their names cannot
    be shadowed by cdktf's members: the generator renames any that would
    (``RESERVED`` in ``scripts/generate_bindings.py``).
    """

    _reference_cache: dict[tuple[str, str], Any]

    if TYPE_CHECKING:
        # Always mixed into a cdktf element, whose method this is; readers of nested objects
        # (ComputedObject) are handed the element as its References.
        def interpolation_for_attribute(self, terraform_attribute: str) -> IResolvable: ...

    def _cached(self, kind: str, name: str) -> Any:
        cache = self.__dict__.setdefault("_reference_cache", {})
        key = (kind, name)
        if key not in cache:
            element: Any = self
            cache[key] = getattr(element, f"get_{kind}_attribute")(name)
        return cache[key]

    def _string(self, name: str) -> str:
        value: str = self._cached("string", name)
        return value

    def _number(self, name: str) -> float:
        value: float = self._cached("number", name)
        return value

    def _boolean(self, name: str) -> IResolvable:
        value: IResolvable = self._cached("boolean", name)
        return value

    def _list(self, name: str) -> list[str]:
        value: list[str] = self._cached("list", name)
        return value

    def _string_map(self, name: str) -> Mapping[str, str]:
        value: Mapping[str, str] = self._cached("string_map", name)
        return value

    def _reference(self, name: str) -> Any:
        return self.interpolation_for_attribute(name)


# Meta-arguments that may hold references, and so references to another stack.
_REFERRING_META_ARGUMENTS = frozenset({"count", "for_each", "connection", "provisioners"})


def _literal(value: Any) -> bool:
    """Whether ``value`` holds no token, so resolving it can find no reference."""
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, str):
        return "${" not in value
    if isinstance(value, Mapping):
        return all(_literal(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_literal(v) for v in value)
    return False


class _Arguments:
    """Arguments kept in Python, handed to cdktf as Terraform JSON by one callback at synth.

    Mixed in before a cdktf base class; jsii finds ``_synthesize_attributes``
    here and calls it back whenever cdktf renders the element.

    cdktf renders every element twice: once in its prepare pass, which resolves
    each element to find references to other stacks, and once to write it. A
    stack can prepare all generated elements with one resolve of their
    :attr:`preparable_arguments` instead of one callback each
    (:func:`mlplatform.bindings.stack_preparation.prepare_in_one_pass`), as long
    as nothing but the arguments can hold a reference; an element records here
    when something else might (a meta-argument or an override with a token).
    """

    _attributes: dict[str, Any]
    _prepared_by_cdktf: bool = False

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _REFERRING_META_ARGUMENTS and value is not None:
            object.__setattr__(self, "_prepared_by_cdktf", True)
        super().__setattr__(name, value)

    def add_override(self, path: str, value: Any) -> None:
        if not _literal(value):
            self._prepared_by_cdktf = True
        cast(Any, super()).add_override(path, value)

    @property
    def preparable_arguments(self) -> Mapping[str, Any] | None:
        """The arguments to resolve in cdktf's prepare pass; ``None`` when only cdktf's own
        rendering of the element can find every reference it holds."""
        return None if self._prepared_by_cdktf else self._synthesize_attributes()

    @property
    def terraform_arguments(self) -> Mapping[str, Any]:
        """The arguments as given, by Terraform name (unset ones are ``None``)."""
        return self._attributes

    @jsii.member(jsii_name="synthesizeAttributes")
    def _synthesize_attributes(self) -> Mapping[str, Any]:
        result: Mapping[str, Any] = to_terraform(self._attributes)
        return result


class _Element(_Arguments):
    """A resource or data source: its type, its arguments in Python, and the one callback.

    Mixed in before cdktf's ``TerraformResource`` or ``TerraformDataSource``,
    whose constructor ``super().__init__`` reaches; jsii finds
    ``_synthesize_attributes`` here and calls it back at synth.
    """

    TERRAFORM_TYPE: ClassVar[str] = ""
    GENERATOR: ClassVar[TerraformProviderGeneratorMetadata | None] = None

    def __init__(
        self,
        scope: Construct,
        id_: str,
        attributes: dict[str, Any],
        *,
        connection: Connection | None = None,
        count: int | float | TerraformCount | None = None,
        depends_on: Sequence[ITerraformDependable] | None = None,
        for_each: ITerraformIterator | None = None,
        lifecycle: TerraformResourceLifecycle | Mapping[str, Any] | None = None,
        provider: TerraformProvider | None = None,
        provisioners: Sequence[Provisioner] | None = None,
    ) -> None:
        if isinstance(lifecycle, Mapping):
            lifecycle = TerraformResourceLifecycle(**lifecycle)
        if any(v is not None for v in (count, for_each, connection, provisioners)):
            self._prepared_by_cdktf = True
        meta = {
            "connection": connection,
            "count": count,
            "depends_on": depends_on,
            "for_each": for_each,
            "lifecycle": lifecycle,
            "provider": provider,
            "provisioners": provisioners,
        }
        super().__init__(  # type: ignore[call-arg]  # TerraformResource's or TerraformDataSource's
            scope,
            id_,
            terraform_resource_type=self.TERRAFORM_TYPE,
            terraform_generator_metadata=self.GENERATOR,
            **{k: v for k, v in meta.items() if v is not None},
        )
        self._attributes = attributes


class GeneratedResource(_Element, TerraformResource, References):
    """A Terraform resource whose arguments live in Python until synth."""


class GeneratedDataSource(_Element, TerraformDataSource, References):
    """A Terraform data source whose arguments live in Python until synth."""


class GeneratedProvider(_Arguments, TerraformProvider):
    """A Terraform provider configuration whose arguments live in Python until synth."""

    TERRAFORM_TYPE: ClassVar[str] = ""
    SOURCE: ClassVar[str] = ""
    GENERATOR: ClassVar[TerraformProviderGeneratorMetadata | None] = None
    _alias: str | None = None  # read by node while the constructor still runs

    def __init__(
        self, scope: Construct, id_: str, attributes: dict[str, Any], *, alias: str | None = None
    ) -> None:
        super().__init__(
            scope,
            id_,
            terraform_resource_type=self.TERRAFORM_TYPE,
            terraform_generator_metadata=self.GENERATOR,
            terraform_provider_source=self.SOURCE,
        )
        self._alias = alias
        self._attributes = attributes

    # cdktf's TerraformProvider keeps no alias of its own: each provider binding holds it
    # (the prebuilt ones in their config), and cdktf reads it back through this property for
    # the provider's block and for the ``provider`` of every resource it makes (``aws.<alias>``).
    @property
    @jsii.member(jsii_name="alias")
    def alias(self) -> str | None:
        """This configuration's alias: a second configuration of the provider (another
        region), which resources name as ``aws.<alias>``; ``None`` for the default one."""
        return self._alias

    @alias.setter
    def alias(self, value: str | None) -> None:
        self._alias = value


_Object = TypeVar("_Object", bound="ComputedObject")
_List = TypeVar("_List", bound="ComputedList")


class ComputedObject:
    """One object of a nested attribute or block, read as references (``x.vpc_config.arn``).

    While no set lies on the way, an attribute is a plain path
    (``identity[0].oidc[0].issuer``). A set has no order, so Terraform indexes
    it only after ``tolist``; past a set every step is a key into that list
    (``tolist(x.rule).0.apply_server_side_encryption_by_default.0.kms_master_key_id``).
    """

    def __init__(
        self,
        element: References,
        path: str,
        *,
        index: int | None = None,
        from_set: bool = False,
        steps: tuple[int | str, ...] | None = None,
    ) -> None:
        self._element = element
        self._path = path
        if steps is None and from_set:
            steps = (index if index is not None else 0,)
        self._index = index
        self._steps = steps

    def _reference(self, name: str) -> Any:
        if self._steps is not None:
            return Fn.lookup_nested(
                Fn.tolist(self._element.interpolation_for_attribute(self._path)),
                [*self._steps, name],
            )
        return self._element.interpolation_for_attribute(f"{self._own_path()}.{name}")

    def _own_path(self) -> str:
        return self._path if self._index is None else f"{self._path}[{self._index}]"

    def _string(self, name: str) -> str:
        return Token.as_string(self._reference(name))

    def _number(self, name: str) -> float:
        return Token.as_number(self._reference(name))

    def _boolean(self, name: str) -> IResolvable:
        reference: IResolvable = self._reference(name)
        return reference

    def _list(self, name: str) -> list[str]:
        return Token.as_list(self._reference(name))

    def _string_map(self, name: str) -> Mapping[str, str]:
        return Token.as_string_map(self._reference(name))

    def _child_object(self, kind: type[_Object], name: str, index: int | None) -> _Object:
        """A nested single block of this object."""
        if self._steps is not None:
            tail = (name,) if index is None else (name, index)
            return kind(self._element, self._path, steps=(*self._steps, *tail))
        return kind(self._element, f"{self._own_path()}.{name}", index=index)

    def _child_list(self, kind: type[_List], name: str, *, from_set: bool) -> _List:
        """A nested list (or set) of objects of this object."""
        if self._steps is not None:
            return kind(self._element, self._path, steps=(*self._steps, name))
        return kind(self._element, f"{self._own_path()}.{name}", from_set=from_set)


class ComputedList:
    """A list (or set) of objects of a resource, read by index: ``cluster.identity.get(0)``."""

    def __init__(
        self,
        element: References,
        path: str,
        *,
        from_set: bool = False,
        steps: tuple[int | str, ...] | None = None,
    ) -> None:
        self._element = element
        self._path = path
        self._from_set = from_set
        self._steps = steps

    def _item(self, kind: type[_Object], index: int) -> _Object:
        """The object at ``index`` (sets go through ``tolist``, as cdktf does)."""
        if self._steps is not None:
            return kind(self._element, self._path, steps=(*self._steps, index))
        return kind(self._element, self._path, index=index, from_set=self._from_set)
