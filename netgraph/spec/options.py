"""Layer options in specs, derived from their annotations: one ``Codec`` (read, write, schema) per option.

``codec(hint)``, for an annotation (an ``OptionKind``, ``Literal``, ``Optional``, plain type or none): how
the YAML value becomes the keyword argument, how the value becomes YAML data (``Unwritable`` for code), and
its JSON Schema (``schema_defs.DEFS``: the schemas the kinds refer to, ``#/$defs/shape`` ...).

>>> from typing import Literal, Optional
>>> from netgraph.core.options import Shape
>>> codec(Shape).write((3,)), codec(Shape).write((2, None)), codec(Shape).schema
(3, [2, None], {'$ref': '#/$defs/shape'})
>>> codec(Optional[Literal["a", "b"]]).schema
{'anyOf': [{'enum': ['a', 'b']}, {'type': 'null'}]}
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union

import torch
import yaml

from netgraph.core.coders import CODERS, Coder, Restricted, coder_from_data
from netgraph.spec.distribution_example import example_args
from netgraph.core.errors import Diagnostic, NetGraphError, OptionError, did_you_mean, with_article
from netgraph.core.layer import Layer
from netgraph.core.naming_scope import function_name, quoted
from netgraph.core.options import OptionKind, option_hints, option_kind, option_kinds
from netgraph.core.shared import NetSharedArray
from netgraph.core.types import DTYPES, INTEGER, PortType
from netgraph.core.other_layer_names import distribution_name_hint, other_layer_hint
from netgraph.core.wording import value_kind
from netgraph.layers.dist_params import plain_param
from netgraph.layers.distributions import DISTRIBUTIONS, Distribution
from netgraph.spec.array_values import ARRAY_KEYS, array_dtype, array_item_at, numbers, \
    typed_values
from netgraph.spec.port_ranges import range_problem
from netgraph.spec.port_shapes import PortConflict, part_loc, port_shape
from netgraph.spec.problems import FAILED, sole
from netgraph.spec.quoted_numbers import quoted_number_hint
from netgraph.spec.unread_values import TAG
from netgraph.spec.yaml_nodes import YMap, YSeq

__all__ = ["Codec", "codec", "option_codecs", "Unwritable", "Flow", "plain", "data", "shape_data", "port_type",
           "PortConflict", "part_loc"]


class Unwritable(Exception):
    """A value a spec cannot hold (Python code, an odd object); the message says what it is."""


class Flow(dict):
    """A mapping written on one line when short enough (``{type: LinearLayer, output: 3}``)."""


@dataclasses.dataclass(frozen=True)
class Codec:
    """``read(reader, value, loc, label, layer, option)`` -> keyword value or FAILED (problems recorded on ``reader``;
    ``layer``: the path of the layer whose option it is, ``option`` its name);
    ``write(value)`` -> YAML data; ``schema``: the JSON Schema of the YAML form; ``kind``: the OptionKind's name."""

    read: Callable[..., Any]
    write: Callable[[Any], Any]
    schema: Mapping[str, Any]
    kind: str | None = None


def plain(value: Any) -> Any:
    """YAML data as plain dicts and lists (positions dropped)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return [plain(v) if isinstance(v, (dict, list)) else v for v in value] if isinstance(value, list) else value


def _read_distribution(reader: Any, spec: Any, loc: Any, label: str, layer: tuple | None = None, *_: Any) -> Any:
    """``{type: NormalDistribution, args: ['#mu', 1.0]}`` -> the distribution (other values: the layer checks)."""
    if isinstance(spec, str) and spec in DISTRIBUTIONS:  # a bare name, as a layer's: Wolfram's Name[]
        return _bare_distribution(reader, DISTRIBUTIONS[spec], loc, label, layer)
    near = distribution_name_hint(spec, DISTRIBUTIONS) if not other_layer_hint(spec) else ""
    if near:  # a bare name misspelt: the layer would only say it needs a distribution
        return reader.error(loc, f"{label}unknown distribution {spec!r}{near}", kind="unknown-distribution",
                            found=spec, layer=layer)
    if not isinstance(spec, YMap) or "type" not in spec:
        return plain(spec)
    name, args = spec["type"], spec.get("args", [])
    if not isinstance(name, str) or name not in DISTRIBUTIONS:
        return reader.error(spec.value_locs["type"], f"{label}unknown type {quoted(name)}"
                            f"{distribution_name_hint(name, DISTRIBUTIONS)} (a distribution such as "
                            f"NormalDistribution)",
                            kind="unknown-distribution", found=name, layer=layer)
    named = [k for k in spec if k in DISTRIBUTIONS[name].PARAMS]
    reader.check_keys(spec, ("type", "args"), f"a distribution ({name})", explained=tuple(named), layer=layer)
    if named:
        return reader.error(spec.key_locs[named[0]], f"{label}a distribution ({name}) takes its parameters in order "
                            f"under 'args:', not by name: write {_yaml_form(DISTRIBUTIONS[name], spec)}",
                            kind="layer-argument", option=named[0], layer=layer)
    where = spec.value_locs.get("args", loc)
    if not isinstance(args, list):
        return reader.error(where, f"{label}{name} args: is a list of parameters, e.g. args: ['#mu', 1.0]; "
                            f"found {args!r}", kind="value-type", found=value_kind(args), layer=layer)
    try:
        return DISTRIBUTIONS[name](*plain(args))
    except NetGraphError as exc:  # at a quoted number among the args, if any: the likely cause
        places = [_argument(DISTRIBUTIONS[name], args, d.option) for d in exc.diagnostics]
        if len(places) > 1 or places[0] is not None:  # each bad constant at its own argument
            for d, place in zip(exc.diagnostics, places):
                at, value = place or (where, None)
                reader.error(at, f"{label}{d.message}{quoted_number_hint(value)}", source=d, kind="option-value",
                             layer=layer)
            return FAILED
        text_arg = next((i for i, a in enumerate(args) if quoted_number_hint(a)), None)
        at = where if text_arg is None or not isinstance(args, YSeq) else args.item_locs[text_arg]
        reader.error(at, f"{label}{exc}{'' if text_arg is None else quoted_number_hint(args[text_arg])}",
                     source=sole(exc), kind="option-value", layer=layer)
    except Exception as exc:  # noqa: BLE001 - as for layers: bad args are the spec's fault
        reader.error(where, f"{label}{name} rejected its args: {type(exc).__name__}: {exc}", kind="option-value",
                     layer=layer)
    return FAILED


def _bare_distribution(reader: Any, cls: type, loc: Any, label: str, layer: tuple | None) -> Any:
    """``distribution: NormalDistribution``: the distribution with its default parameters (Wolfram's
    ``NormalDistribution[]``); for one without defaults, the error shows its YAML form."""
    try:
        return cls()
    except OptionError:
        fewest = min(cls.ARITIES or (len(cls.PARAMS),))
        args = example_args(cls, fewest)
        example = "" if args is None else _yaml_form(cls, dict(zip(cls.PARAMS, args)))
        return reader.error(loc, f"{label}{cls.__name__} has no default parameters, so it is written with them: "
                            f"{_yaml_form(cls, {})} ({', '.join(cls._described(cls.PARAMS[:fewest]))})"
                            f"{', e.g. ' * bool(example)}{example}", kind="layer-argument", found=cls.__name__,
                            layer=layer)



def _yaml_form(cls: type, named: Any) -> str:
    """``{type: Name, args: [...]}`` with the parameters in ``named`` (by name) in order, the others by name; as
    many as the fewest arguments it takes that hold those given."""
    given = [i for i, p in enumerate(cls.PARAMS) if p in named]
    count = min((n for n in cls.ARITIES or (len(cls.PARAMS),) if n > max(given, default=-1)), default=len(cls.PARAMS))
    values = [plain(named[p]) if p in named else _Placeholder(p) for p in cls.PARAMS[:count]]
    args = yaml.dump([values] if cls.ONE_LIST else values, Dumper=_FormDumper, default_flow_style=True, width=1 << 16)
    return f"{{type: {cls.__name__}, args: {args.strip()}}}"


class _Placeholder(str):
    """A parameter's name where its value goes, written unquoted."""


class _FormDumper(yaml.SafeDumper):
    pass


_FormDumper.add_representer(_Placeholder, lambda dumper, s: dumper.represent_scalar(f"{TAG}str", s, style=""))


def _argument(cls: type, args: list, parameter: str | None) -> tuple[Any, Any] | None:
    """Where in a distribution's ``args`` the value of ``parameter`` is, and that value (None: not one argument): its
    own item, or its item in the one list that holds them all (UniformDistribution's [min, max])."""
    if parameter not in cls.PARAMS or not isinstance(args, YSeq):
        return None
    i = cls.PARAMS.index(parameter)
    items = args[0] if len(args) == 1 and len(cls.PARAMS) > 1 and isinstance(args[0], YSeq) else args
    return (items.item_locs[i], items[i]) if i < len(items) else None


def shape_data(t: Any) -> Any:
    """A port type or shape as spec data: ``3``, ``[2, 3]``, ``null``, ``Integer``, ``{shape, dtype}``, ``{shape,
    dtype, range}``; a mapping of them (a ``PortShapes`` option's) port by port."""
    if isinstance(t, Mapping):
        return {k: shape_data(x) for k, x in t.items()}
    if isinstance(t, Restricted):  # an index port: the type it gives
        return shape_data(t.port_type())
    if isinstance(t, Coder):
        return {t.kind: {"type": t.type_name, **t.options()}}
    if isinstance(t, PortType):
        if t.range is not None:  # an index port's (the range after shape and dtype)
            return {"shape": shape_data(t.shape), "dtype": t.dtype, "range": list(t.range)}
        if t.dtype is None:
            return shape_data(t.shape)
        return t.dtype if t.shape == () else {"shape": shape_data(t.shape), "dtype": t.dtype}
    if t is None or not isinstance(t, (tuple, list)):
        return t
    return t[0] if len(t) == 1 and isinstance(t[0], int) else list(t)


def _coder_conflict(kind: str, data: Any, problem: Diagnostic) -> PortConflict:
    """A coder's option problem as a PortConflict at that option's value (its key when the coder has no such
    option; the coder's mapping when it names none), found what was written there."""
    option, at, key, found = problem.option, (kind,), False, problem.found
    if isinstance(data, dict) and option in data:
        cls = CODERS.get(data["type"]) if isinstance(data.get("type"), str) else None
        key = option != "type" and option not in {f.name for f in dataclasses.fields(cls)}
        at, found = (kind, option), option if key else plain(data[option]) if found is None else found
    return PortConflict(problem.message, at, key, expected=problem.expected, found=found, option=option)


def port_type(value: Any) -> PortType | Coder | None:
    """A graph port's declared type, encoder or decoder (``{encoder: {type: ImageEncoder, size: [28, 28]}}``)
    from its spec value (inverse of ``shape_data``); PortConflict (a Conflict) when it is not one."""
    if value is None:
        return None
    coders = [k for k in ("encoder", "decoder") if isinstance(value, dict) and k in value]
    if coders and len(value) > 1:
        extra = next(k for k in value if k != coders[0])
        raise PortConflict(f"a port given {with_article(coders[0])} takes its type from it: write "
                           f"{{{coders[0]}: {{type: ...}}}} alone, without {extra!r}", (extra,), key=True,
                           expected=coders[0], found=extra)
    if coders:
        kind, data = next(iter(value.items()))
        try:
            return coder_from_data(plain(data), kind)
        except OptionError as exc:
            parts = [_coder_conflict(kind, data, d) for d in exc.diagnostics]
            if len(parts) == 1:
                raise parts[0] from None
            raise PortConflict(str(exc), (kind,), expected=[p.expected for p in parts], found=[p.found for p in parts],
                               each=parts) from None
    if isinstance(value, str) and value in DTYPES:
        return PortType((), value)
    if isinstance(value, str) and _torch_kind(value):
        raise PortConflict(_dtype_problem(value), expected=DTYPES, found=value)
    if not isinstance(value, dict):
        what = "a port shape (an int, a list of dims, null, Real, Integer or {shape, dtype})"
        return PortType(port_shape(value, what), None)
    unknown = [k for k in value if k not in ("shape", "dtype", "range")]
    if unknown and isinstance(value.get("type"), str) and value["type"] in CODERS:  # the coder without its key
        kind = "decoder" if value["type"].endswith("Decoder") else "encoder"
        raise PortConflict(f"a port's {kind} goes under the key {kind}: write {{{kind}: {{type: {value['type']}, "
                           f"...}}}}", ("type",), key=True, expected=kind, found="type")
    if unknown:
        raise PortConflict(f"a port type has keys shape, dtype and range (or encoder or decoder), found "
                           f"{unknown[0]!r}{did_you_mean(unknown[0], ['shape', 'dtype', 'range'])}", (unknown[0],),
                           key=True, expected=("shape", "dtype", "range"), found=unknown[0])
    if value.get("dtype") not in (*DTYPES, None):
        raise PortConflict(_dtype_problem(value["dtype"]), ("dtype",), expected=DTYPES, found=value["dtype"])
    if "range" in value and (problem := range_problem(value["range"], value.get("dtype"))):
        raise PortConflict(problem, ("range",), expected="[lo, hi]", found=value["range"])
    span = tuple(value["range"]) if "range" in value else None
    return PortType(port_shape(value.get("shape"), "shape", ("shape",) if "shape" in value else ()),
                    INTEGER if span else value.get("dtype"), span)


def _torch_kind(name: str) -> str | None:
    """Real or Integer for a torch or numpy dtype name (``int64``, ``torch.float32``, ``long``), else None."""
    name = name.lower().removeprefix("torch.").removeprefix("np.").removeprefix("numpy.")
    if name in ("long", "int", "short") or name.startswith(("int", "uint")) and name.lstrip("uint").isdecimal():
        return "Integer"
    if name in ("float", "double", "half", "bfloat16") or name.startswith("float") and name[5:].isdecimal():
        return "Real"
    return None


def _dtype_problem(found: Any) -> str:
    """What to write for a port dtype that is neither Real nor Integer: a torch name is told its kind, as a port's
    dtype is a kind, not a width."""
    kind = _torch_kind(found) if isinstance(found, str) else None
    if kind is None:
        return f"dtype must be Real or Integer, found {quoted(found)}{did_you_mean(found, DTYPES)}"
    width = "a Real port takes any real dtype, at the working precision" if kind == "Real" else \
        "an Integer port takes any integer dtype, as int64"
    return f"dtype is Real or Integer (Wolfram's names), found torch's {quoted(found)}: write {kind} ({width})"


def data(value: Any) -> Any:
    """Any option value as YAML data: numbers, strings, lists, tensors, port types, distributions.

    >>> data(torch.tensor([0.1, 1 / 3]))  # float32 values by their shortest decimal that reads back exactly
    [0.1, 0.33333334]
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):  # narrower floats by their shortest decimal that reads back (plain_number)
        return plain_param(value)
    if isinstance(value, PortType):
        return shape_data(value)
    if isinstance(value, Distribution):
        return Flow(type=type(value).__name__, args=data(value.args))
    if isinstance(value, (list, tuple)):
        return [data(v) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: data(v) for k, v in value.items()}
    if isinstance(value, torch.nn.Module):
        raise Unwritable(f"is a Python torch module ({type(value).__name__}), which a spec cannot hold: specs "
                         f"contain no code. Rebuild it from netgraph layers, or keep this net in Python")
    if callable(value) and not isinstance(value, Layer):  # a layer is callable too (layer(x))
        raise Unwritable(f"is a Python function ({function_name(value)}), which a "
                         f"spec cannot hold: specs contain no code. Write it as a slot expression such as "
                         f"\"#x * LogisticSigmoid[#y]\", or keep this net in Python")
    raise Unwritable(f"is {with_article(type(value).__name__)}, which a spec cannot hold (numbers, strings, lists, "
                     f"tensors only)")


def _read_array(reader: Any, spec: Any, loc: Any, label: str, layer: tuple | None = None,
                option: str | None = None) -> Any:
    """``[...]``, ``{array: [...], dtype: float64}`` (values of another dtype than float32), ``{shared: w}`` or
    ``{shared: w, array: [...]}`` (a NetSharedArray, its values typed alike) -> the option's value (others: plain
    data)."""
    if not isinstance(spec, YMap):
        return numbers(reader, plain(spec), loc, label, layer, nested=True, written=spec, option=option)
    unknown = [k for k in spec if k not in ARRAY_KEYS]
    if not ("shared" in spec or "array" in spec) or unknown:  # its keys are at fault, not its type
        return reader.error(loc, f"{label}an array is a list of numbers, null, {{array: [...], dtype: float64}} "
                            f"(values of another dtype than float32) or {{shared: name}} (a shared array, optionally "
                            f"with array: values); found keys {list(spec)}"
                            f"{did_you_mean(unknown[0], ARRAY_KEYS) if unknown else ''}", layer=layer,
                            kind="unknown-key" if unknown else "missing-key", found=unknown[0] if unknown else None,
                            expected=ARRAY_KEYS if unknown else ("shared", "array"))
    values = numbers(reader, plain(spec.get("array")), spec.value_locs.get("array", loc), label, layer, nested=False,
                     written=spec.get("array"), option=option)
    if values is not FAILED and "dtype" in spec:
        values = typed_values(reader, spec, values, label, layer)
    if values is FAILED or "shared" not in spec:
        return values
    try:
        return NetSharedArray(spec["shared"], values)
    except OptionError as exc:
        found = exc.diagnostics[0].found if exc.diagnostics else None
        return reader.error(array_item_at(spec, found) or loc, f"{label}{exc}", source=sole(exc),
                            kind="option-value", layer=layer, option=option)


def _write_array(value: Any) -> Any:
    """An array option as YAML data: its values, with their dtype, ``{array: [...], dtype: float64}``, where it is
    not float32 (which inline arrays are read as)."""
    name = array_dtype(value)
    return data(value) if name is None else Flow(array=data(value), dtype=name)


_READ = {"distribution": _read_distribution, "array": _read_array}  # kind name -> read; every other kind reads plain data
_WRITE = {**dict.fromkeys(("shape", "sequence-shape", "port-shapes"), shape_data), "array": _write_array}
# (every other kind writes ``data``)
_PLAIN = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array", list: "array",
          type(None): "null"}


def _schema(hint: Any) -> dict:
    kind = option_kind(hint)
    if kind is not None:
        return dict(kind.schema)
    origin = typing.get_origin(hint)
    if origin is Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is Union:
        return {"anyOf": [_schema(a) for a in typing.get_args(hint)]}
    return {"type": _PLAIN[origin or hint]} if (origin or hint) in _PLAIN else {}


def codec(hint: Any, kind: OptionKind | None = None) -> Codec:
    """How an option annotated ``hint`` is read, written and described (``Any``: plain data); ``kind``, where given,
    is the option's kind whatever ``hint`` says (an ``ARRAYS`` field annotated ``object`` is an ``Array``)."""
    kind = kind or option_kind(hint)
    name, schema = getattr(kind, "name", None), dict(kind.schema) if kind is not None else _schema(hint)
    return Codec(_READ.get(name, lambda reader, value, *_: plain(value)), _WRITE.get(name, data), schema, name)


_CODECS: dict[type, dict[str, Codec]] = {}


def option_codecs(cls: type) -> dict[str, Codec]:
    """The ``Codec`` of each dataclass field of layer class ``cls``, by name (made once per class: a spec reads and
    writes many layers of each)."""
    if cls not in _CODECS:
        hints, kinds = option_hints(cls), option_kinds(cls)  # one source of truth for the kinds, annotated or not
        _CODECS[cls] = {f.name: codec(hints.get(f.name, Any), kinds.get(f.name)) for f in dataclasses.fields(cls)}
    return _CODECS[cls]
