"""The vocabulary of layer option types: what an option holds, how it is checked, read, written and described.

Layer fields are annotated with these (``output: Shape = None``); the Layer base normalises each
annotated value when a layer is made (a shape option becomes a tuple, an array option a float tensor),
naming the option when it refuses one, and the YAML reader, writer and JSON Schema derive their
handling from the same annotations (``option_kinds``).

>>> import dataclasses
>>> from netgraph.core.layer import Layer
>>> class Scaled(Layer, register=False):
...     size: Shape = None
...     mode: Literal["fast", "exact"] = "fast"
>>> Scaled(size=[2, 3]).size
(2, 3)
>>> Scaled(size=-1)
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: Scaled option size= dims must be positive ints (or None for unknown), found -1
>>> {name: kind.name for name, kind in option_kinds(Scaled).items()}
{'size': 'shape'}
"""

from __future__ import annotations

import dataclasses
import hashlib
import numbers
import os
import reprlib
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Optional, Union

import torch

from netgraph.core.array_items import first_odd_item, ragged_row
from netgraph.core.errors import OptionError
from netgraph.core.name_guesses import did_you_mean
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.option_ranges import Within
from netgraph.core.option_words import LEVEL_SCHEMA, levels_schema
from netgraph.core.plain_numbers import plain_number
from netgraph.core.tensors import as_tensor, unread_dtype
from netgraph.core.shape_dims import port_shape_options, shape_option
from netgraph.core.shape_values import vector_shape

__all__ = ["OptionKind", "Shape", "SequenceShape", "PortShapes", "Ports", "Array", "RemovableArray",
           "DistributionOption", "Function", "IntOrInts", "Level", "Levels", "Module", "Net", "Literal", "option_kind",
           "option_kinds", "option_fields", "option_hints", "removable_fields", "as_array", "as_seed", "beyond_range",
           "shape_options", "Within"]


@dataclasses.dataclass(frozen=True)
class OptionKind:
    """What an annotated option holds: ``name`` (a tag), ``normalize(value, layer, option)`` applied when a
    layer is made to a value other than None (an unset option stays None; ``normalize`` None: the layer checks
    it itself), and the JSON Schema of its YAML form."""

    name: str
    normalize: Optional[Callable[[Any, str, str], Any]] = None
    schema: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)  # hashable: Optional[Level]


_INTEGERS = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint16, torch.uint32,
             torch.uint64)  # values read as float32, as numpy's integer arrays of any width


def as_array(value: Any, what: str, option: str | None = None) -> torch.Tensor | None:
    """A detached copy of ``value`` (list, number, ndarray or tensor) as a net keeps it, or None: the one rule for a
    layer's array option and ``net_replace_part``'s arrays. Python numbers and lists are read as float64 and kept as
    float32 (OptionError beyond its range, where they would become inf); integer and bool arrays become float32;
    floating tensors and arrays keep their dtype (``compile`` casts them to the working precision). Each is kept on
    the CPU, where a net's arrays live, whatever device a tensor was on. OptionError naming ``what`` for anything
    else: text, complex, sparse or meta tensors."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor) and value.is_floating_point() and value.layout == torch.strided \
            and not value.is_meta:  # the common case, as below in fewer steps
        return value.detach().clone() if value.is_cpu else value.detach().to("cpu")  # from another device: a copy
    plain = not hasattr(value, "dtype")  # Python numbers and lists: read as float64, checked, stored as float32
    meta = isinstance(value, torch.Tensor) and value.is_meta  # no values to copy: refused below as one
    try:
        # on the CPU whatever torch's default device is (a net's arrays live there); numpy: made native
        t = value if meta else torch.as_tensor(value, dtype=torch.float64, device="cpu") if plain \
            else as_tensor(value, device="cpu")
    except (TypeError, ValueError, RuntimeError):
        t = None
    if t is None or t.layout != torch.strided or t.is_meta or not (t.is_floating_point() or t.dtype in _INTEGERS):
        ragged = ragged_row(value) if t is None and plain else None
        odd = first_odd_item(value, _PLAIN_ITEMS) if t is None and plain and not ragged else None
        found = (f"nested lists whose rows differ in length: {ragged[1]} (1-based)" if ragged
                 else f"{type(value).__name__} {reprlib.repr(value)}, whose item {list(odd[1])} (1-based) is "
                      f"{reprlib.repr(odd[0])} ({type(odd[0]).__name__})" if odd
                 else f"a numpy array of dtype {unread_dtype(value)} (cast it: a.astype(numpy.float32))"
                 if t is None and unread_dtype(value)
                 else f"{type(value).__name__} {reprlib.repr(value)}" if t is None
                 else f"a {t.layout} tensor" if t.layout != torch.strided else "a meta tensor (no values)" if t.is_meta
                 else "a complex array (its imaginary part would be dropped)" if t.is_complex()
                 else f"values of dtype {t.dtype}")  # complex, quantized, ... are no real values
        raise OptionError(f"{what} needs a numeric array (a real tensor, a number or nested lists of numbers); "
                          f"found {found}", option=option, expected="a numeric array",
                          found=odd[0] if odd else value,
                          kind=VALUE_KIND)
    if plain:
        big = beyond_range(t)
        if big is not None:
            raise OptionError(f"{what} holds {big:.4g}, beyond float32's range (it would become inf)", option=option,
                              kind=VALUE_KIND, found=big)
        return t.to(torch.float32)
    return t.detach().to(torch.float32 if not t.is_floating_point() else t.dtype).clone()


_PLAIN_ITEMS = {int, float, bool, list, tuple}  # items of Python lists torch reads as numbers (others: named)


def beyond_range(values: torch.Tensor, dtype: torch.dtype = torch.float32) -> float | None:
    """The largest magnitude among ``values``' finite float64 values that become inf in ``dtype``, or None.

    >>> beyond_range(torch.tensor([1.0, -1e300, float("inf")], dtype=torch.float64)), beyond_range(torch.ones(2))
    (1e+300, None)
    >>> beyond_range(torch.tensor([7e4], dtype=torch.float64), torch.float16)
    70000.0
    """
    if values.dtype != torch.float64:
        return None
    values = values.reshape(-1)  # torch's reductions and masks take at most 64 dims; nested lists may have more
    over = torch.isinf(values.to(dtype)) & torch.isfinite(values)
    return float(values[over].abs().max()) if bool(over.any()) else None


def as_seed(value: Any, option: str) -> int:
    """A random seed: an integer in [0, 2**64) (what torch's generators take), or a string as Wolfram's
    RandomSeeding takes (the first 8 bytes of its SHA-256, the same in every process), else OptionError naming
    ``option``. RandomSeeding's words ``"Automatic"`` and ``"Inherited"`` (``random_seeding`` reads them) and strings
    close to them (``"automatic"``: a slip) are no seeds.

    >>> as_seed(7, "seed"), as_seed(7.0, "seed"), as_seed("abc", "seed") == as_seed("abc", "seed") != as_seed("abd", "seed")
    (7, 7, True)
    >>> as_seed(2**70, "random_seed")
    Traceback (most recent call last):
    ...
    netgraph.core.errors.OptionError: random_seed= must be an integer in [0, 2**64) or a string, found 1180591620717411303424
    """
    if not (isinstance(value, torch.Tensor) and value.is_meta):  # a meta tensor holds no number: refused below
        value = plain_number(value)  # a 0-d tensor or array, a numpy scalar: its number, as check_number reads it
    if isinstance(value, str):
        _refuse_seed_word(value, option)
        return int.from_bytes(hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()[:8], "little")
    ok = isinstance(value, (numbers.Integral, float)) and not isinstance(value, bool) and float(value).is_integer() \
        and 0 <= value < 2**64
    if not ok:
        raise OptionError(f"{option}= must be an integer in [0, 2**64) or a string, found {value!r}", option=option,
                          kind=VALUE_KIND, expected="an integer in [0, 2**64) or a string", found=value)
    return int(value)


_SEED_WORDS = ("Automatic", "Inherited")


def _refuse_seed_word(value: str, option: str) -> None:
    """OptionError for RandomSeeding's words and strings close to them, which are no string seeds."""
    close = "" if value in _SEED_WORDS else did_you_mean(value, _SEED_WORDS)
    if value in _SEED_WORDS or close:
        slip = f"{close}: a string so close to one of those is refused, not taken as a seed" if close else \
            ": that word is no seed here"
        raise OptionError(f"{option}= must be an integer in [0, 2**64), a string seed, 'Automatic' (a fresh seed per "
                          f"call) or 'Inherited' (a seed from torch's global generator), found {value!r}{slip}",
                          option=option, kind=VALUE_KIND, found=value,
                          expected="an integer in [0, 2**64), a string seed, 'Automatic' or 'Inherited'")


def random_seeding(value: Any, option: str = "seed") -> int | None:
    """Wolfram's RandomSeeding: an integer or string seed (``as_seed``, which refuses near-misses such as
    ``"automatic"``); None or ``"Inherited"``: torch's global generator (None); ``"Automatic"``: a fresh seed from
    the operating system, whatever torch's seed. net(...), net_initialize and net_train all read seeds here.

    >>> random_seeding(7), random_seeding("Inherited"), 0 <= random_seeding("Automatic") < 2**64
    (7, None, True)
    """
    if value is None or (isinstance(value, str) and value == "Inherited"):
        return None
    if isinstance(value, str) and value == "Automatic":
        return int.from_bytes(os.urandom(8), "little")
    return as_seed(value, option)  # an integer, or any other string (Wolfram's RandomSeeding -> "s")


def _shape(value: Any, layer: str, option: str) -> Any:
    if type(value) is int and 1 <= value < 2**63:  # the common vector size (as as_shape), before building the message
        return vector_shape(value)
    return shape_option(value, layer, option)


def _port_shapes(value: Any, layer: str, option: str) -> Any:
    """A shape, or each port's shape of a mapping, as ``Shape`` normalises one: ``{"x": 4}`` and ``{"x": (4,)}`` are
    one option (equal, hashed alike, one TopologyHash); a key is checked against the ports by the layer."""
    if not isinstance(value, Mapping):
        return _shape(value, layer, option)
    return port_shape_options(value, layer, option)  # every port's bad dims in one error


def _array(value: Any, layer: str, option: str) -> Any:
    if isinstance(value, bool):  # as_array would read True as 1.0: a flag is no array
        raise OptionError(f"{layer} {option}= takes an array (or None until initialised), found {value}; only "
                          f"biases (biases=False) and a normalisation layer's scaling (scaling=False) can be left "
                          f"out", option=option, expected="an array", found=value, kind=VALUE_KIND)
    return as_array(value, f"{layer} {option}=", option)


def _removable_array(value: Any, layer: str, option: str) -> Any:
    if value is False:
        return False
    if value is True:
        raise OptionError(f"{layer} {option}= takes an array, None (not initialised yet) or False (no {option}); "
                          f"found True: leave it out to have {option}", option=option,
                          expected="an array, None or False", found=value, kind=VALUE_KIND)
    return _array(value, layer, option)


_SHAPE_REF = {"$ref": "#/$defs/shape"}
Shape = Annotated[Any, OptionKind("shape", _shape, _SHAPE_REF)]
"""A port shape without the batch dimension: an int, a list of dims, or None (inferred)."""
SequenceShape = Annotated[Any, OptionKind("sequence-shape", None, _SHAPE_REF)]
"""A sequence's shape: the feature size (any length), or a (length, features) shape."""
PortShapes = Annotated[Any, OptionKind("port-shapes", _port_shapes, {"anyOf": [
    _SHAPE_REF, {"type": "object", "additionalProperties": _SHAPE_REF}]})]
"""A shape, or a mapping of port name -> shape."""
Ports = Annotated[Any, OptionKind("ports", None, {"anyOf": [
    {"type": "integer", "minimum": 1}, {"type": "array", "items": {"type": "string"}},
    {"type": "object", "additionalProperties": {"$ref": "#/$defs/portType"}}, {"type": "null"}]})]
"""Input or output ports: a count, a list of names, or a mapping of name -> port type."""
Array = Annotated[Any, OptionKind("array", _array, {"$ref": "#/$defs/array"})]
"""A learnable or constant array: (nested) lists of numbers or a tensor; None until initialised."""
_ARRAY_KIND = typing.get_args(Array)[1]
RemovableArray = Annotated[Any, OptionKind("array", _removable_array, {"anyOf": [
    {"$ref": "#/$defs/array"},
    {"const": False, "description": "no such array (Wolfram's \"Biases\" -> None, \"Scaling\" -> None)"}]})]
"""An array a layer can go without: as ``Array``, or False for none (Wolfram's ``"Biases" -> None``, torch's
``bias=False`` or ``affine=False``); the layer's ``ARRAYS`` then lack it, so nothing initialises, counts, trains or
saves it."""
_REMOVABLE_KIND = typing.get_args(RemovableArray)[1]
DistributionOption = Annotated[Any, OptionKind("distribution", None, {"$ref": "#/$defs/distribution"})]
"""A Distribution (YAML: ``{type: NormalDistribution, args: [0, 1]}``)."""
Function = Annotated[Any, OptionKind("function", None, {"type": "string"})]
"""A function name or ``#slot`` expression (YAML), or a Python callable (Python only)."""
IntOrInts = Annotated[Any, OptionKind("ints", None, {"anyOf": [
    {"type": "integer"}, {"type": "array", "items": {"type": "integer"}, "minItems": 1}]})]
"""An int, or a list of ints (one per spatial dimension or level; none is refused); null where the option's default is
None (the spec schema adds it)."""
Levels = Annotated[Any, OptionKind("levels", None, levels_schema())]
"""Levels of an array: a non-zero int, a span such as ``"2;;"``, or a list of non-zero ints."""
Level = Annotated[int, OptionKind("level", None, LEVEL_SCHEMA)]
"""One level: a non-zero int (1 the first dimension after the batch, -1 the last; the layer checks it)."""
Module = Annotated[Any, OptionKind("module", None, {"description": "a torch.nn.Module (Python only)"})]
"""A Python ``torch.nn.Module`` (a spec cannot hold one)."""

Net = Annotated[Any, OptionKind("net", None, {"$ref": "#/$defs/layer", "description": "an inner net: a NetGraph or "
                                              "NetChain spec or a layer (shorthands too), inline, by 'file:' or by 'ref:' "
                                              "(a net under the file's 'nets:')"})]
"""A whole net held by an operator (``NetMapOperator(net)``): a NetGraph or NetChain (YAML: a nested spec)."""

_HINTS: dict[type, dict[str, Any]] = {}


def option_fields(cls: type) -> dict[str, dataclasses.Field]:
    """The keyword options of a layer class: its init fields not starting with '_' (``{}`` for no dataclass)."""
    if not dataclasses.is_dataclass(cls):
        return {}
    return {f.name: f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}


def option_hints(cls: type) -> dict[str, Any]:
    """The type annotation of each dataclass field of ``cls`` (extras kept; ``{}`` when they cannot be resolved)."""
    if cls not in _HINTS:
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except (NameError, TypeError, AttributeError):
            hints = {}
        names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
        _HINTS[cls] = {n: h for n, h in hints.items() if n in names}
    return _HINTS[cls]


def option_kind(hint: Any) -> OptionKind | None:
    """The ``OptionKind`` an annotation carries (``Shape``, ``Array``, ...), else None."""
    return next((m for m in getattr(hint, "__metadata__", ()) if isinstance(m, OptionKind)), None)


def option_kinds(cls: type) -> dict[str, OptionKind]:
    """The fields of ``cls`` annotated with an ``OptionKind`` (``Shape``, ``Array``, ...), by name; a field named in
    ``cls.ARRAYS`` is an ``Array`` whatever its annotation (``shift: object = None``), so a list read from YAML is a
    tensor, as it would be given in Python."""
    kinds = {name: kind for name, hint in option_hints(cls).items() if (kind := option_kind(hint)) is not None}
    arrays = getattr(cls, "ARRAYS", {}) if dataclasses.is_dataclass(cls) else {}
    names = {f.name for f in dataclasses.fields(cls)} if arrays else set()
    return {**kinds, **{f: _ARRAY_KIND for f in arrays.values() if f in names and f not in kinds}}


_REMOVABLE: dict[type, frozenset] = {}


def removable_fields(cls: type) -> frozenset[str]:
    """The array fields of ``cls`` typed ``RemovableArray`` (False leaves the array out), found once per class."""
    names = _REMOVABLE.get(cls)
    if names is None:
        names = _REMOVABLE[cls] = frozenset(n for n, kind in option_kinds(cls).items() if kind is _REMOVABLE_KIND)
    return names


_SHAPES: dict[type, frozenset] = {}


def shape_options(cls: type) -> frozenset[str]:
    """The options of ``cls`` typed ``Shape``, found once per class (a layer's repr shows a one-size one as typed)."""
    names = _SHAPES.get(cls)
    if names is None:
        names = _SHAPES[cls] = frozenset(n for n, kind in option_kinds(cls).items() if kind.name == "shape")
    return names


def literal_values(hint: Any) -> tuple | None:
    """The allowed values of a ``Literal[...]`` (inside Optional too), else None."""
    if typing.get_origin(hint) is Literal:
        return typing.get_args(hint)
    if typing.get_origin(hint) is Union:
        found = [literal_values(a) for a in typing.get_args(hint)]
        values = [v for f in found if f for v in f]
        return tuple(values) + ((None,) if type(None) in typing.get_args(hint) else ()) if values else None
    return None


_PLANS: dict[type, tuple] = {}


def option_plan(cls: type) -> tuple[tuple, tuple, tuple]:
    """What making a ``cls`` checks, found once per class: its ``Literal[...]`` options with their choices, its
    options normalised by their kind (``Shape``, ``Array``, ...) with the normalising function, and the fields
    of its arrays (which may be given as ``NetSharedArray``)."""
    plan = _PLANS.get(cls)
    if plan is None:
        choices = tuple((n, c) for n, hint in option_hints(cls).items() if (c := literal_values(hint)) is not None)
        normalizers = tuple((n, kind.normalize) for n, kind in option_kinds(cls).items() if kind.normalize is not None)
        plan = _PLANS[cls] = (choices, normalizers, tuple(cls.ARRAYS.values()))
    return plan


_COPY_PLANS: dict[type, tuple] = {}


def copy_plan(cls: type) -> tuple[tuple[str, ...], dict[str, Callable]]:
    """What ``_with_drawn_arrays`` copies, found once per class: the dataclass fields by name, and the normalising
    function of each array field that has one."""
    plan = _COPY_PLANS.get(cls)
    if plan is None:
        arrays = set(cls.ARRAYS.values())
        plan = _COPY_PLANS[cls] = (tuple(f.name for f in dataclasses.fields(cls)),
                                   {n: f for n, f in option_plan(cls)[1] if n in arrays})
    return plan
