"""The JSON Schema parts the option kinds and the spec schema refer to: ``DEFS`` (``#/$defs/shape``, ``portType``,
``array``), a distribution's ``{type, args}`` (``distribution_schema``) and ``by_type`` (one schema per ``type:``).

>>> DEFS["shape"]["anyOf"][0]
{'type': 'integer', 'minimum': 1}
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from netgraph.core.coders import CODERS
from netgraph.core.errors import NetGraphError, OptionError
from netgraph.core.option_words import NAME_REF, SLOT_REF
from netgraph.core.options import option_kinds
from netgraph.core.types import DTYPES
from netgraph.layers.distributions import DISTRIBUTIONS
from netgraph.spec.array_values import ARRAY_DTYPES

__all__ = ["DEFS", "by_type", "distribution_schema", "needs_options"]

_SHAPE = {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "array", "items": {"anyOf": [
    {"type": "integer", "minimum": 1}, {"type": "null"}, {**NAME_REF, "not": {"const": "None"}}]}},
    {"type": "null"}, {"enum": ["Automatic", "Varying"]}], "description": "a shape without the batch dimension: an int, "
    "a list of dims (null = unknown, a name = variable length), or null (inferred; Wolfram's Automatic too); Varying: "
    "a sequence of numbers"}
_PARAM = {"anyOf": [{"type": "number"}, SLOT_REF, {"$ref": "#/$defs/array"}]}


def distribution_schema() -> dict:
    """The schema of ``{type: <Distribution>, args: [...]}`` for the distributions registered now: ``args`` as many
    parameters as each takes; ``args`` required of one without defaults (no ``args`` is ``args: []``)."""
    defaults = _with_defaults()
    return {"anyOf": [{"type": "object", "description": (cls.__doc__ or "").strip().split("\n")[0],
                       "properties": {"type": {"const": name}, "args": _args_schema(cls, name in defaults)},
                       "required": ["type", *(() if name in defaults else ("args",))], "additionalProperties": False}
                      for name, cls in sorted(DISTRIBUTIONS.items())] + [{"enum": defaults}]}


def _args_schema(cls: type, defaults: bool) -> dict:
    """``args:`` of distribution ``cls``: its parameters in order, as many as it takes (``ARITIES``); for one taking
    them as one list (``ONE_LIST``), that list alone, its items slots too (``UniformDistribution``: ``[['#lo', 1]]``)
    or none when ``defaults``."""
    params = {"type": "array", "items": _PARAM,
              "anyOf": [{"minItems": n, "maxItems": n} for n in cls.ARITIES or (len(cls.PARAMS),)]}
    return {"type": "array", "items": params, "minItems": 0 if defaults else 1, "maxItems": 1} if cls.ONE_LIST else params


def _with_defaults() -> list[str]:
    """The distributions a bare name makes (every parameter has a default: ``distribution: NormalDistribution``)."""
    return [name for name, cls in sorted(DISTRIBUTIONS.items()) if not needs_options(cls)]


@functools.cache
def needs_options(cls: type) -> bool:
    """Whether ``cls`` made with no options is refused: a distribution without defaults, or a layer type as a bare
    ``a: X`` or ``{type: X}`` (options defaulting to None may still be needed: ``BasicRecurrentLayer(n)``)."""
    try:
        cls()
    except (NetGraphError, TypeError):
        return True
    return False


def by_type(thens: dict[str, Any], named: bool = True) -> dict:
    """An object whose ``type: X`` selects the schema ``thens[X]`` it is checked against (if/then, so errors name the
    bad key); ``named``: ``type`` is required and one of those X."""
    head = {"required": ["type"], "properties": {"type": {"enum": list(thens)}}} if named else {}
    return {"type": "object", **head, "allOf": [{"if": {"properties": {"type": {"const": n}}, "required": ["type"]},
                                                 "then": then} for n, then in thens.items()]}


def _coder_schema(kind: str) -> dict:
    """``{type: ImageEncoder, size: ...}``: an encoder's (``kind``) or decoder's type, and that type's options, each
    as its declared kind says (``coder_option``; an option without one: any value)."""
    def options(cls: type) -> dict:
        kinds = option_kinds(cls)
        return {f.name: dict(kinds[f.name].schema) if f.name in kinds else {} for f in dataclasses.fields(cls)}
    return by_type({n: {"properties": {"type": {}, **options(c)}, "required": ["type", *_needed_options(c)],
                        "additionalProperties": False} for n, c in sorted(CODERS.items()) if c.kind == kind})


def _needed_options(cls: type) -> list[str]:
    """The options of coder ``cls`` that its defaults are refused for (Restricted's ``range``, ClassEncoder's
    ``labels``): the loader needs them given."""
    try:
        cls()
    except OptionError as exc:
        return sorted({d.option for d in exc.diagnostics if d.option})
    return []


_PLAIN_PORT = [{"$ref": "#/$defs/shape"}, {"enum": list(DTYPES)}, {
    "type": "object", "properties": {
        "shape": {"$ref": "#/$defs/shape"}, "dtype": {"enum": [*DTYPES, None]},
        "range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
                  "description": "an index port's values, [lo, hi] (both included; dtype Integer)"}},
    "additionalProperties": False}]


def _port_type(*kinds: str) -> dict:
    """A port's type: a shape, a dtype, ``{shape, dtype, range}``, or ``{encoder: ...}`` / ``{decoder: ...}`` for
    each of ``kinds`` (an input port takes an encoder, an output port a decoder)."""
    return {"anyOf": [*_PLAIN_PORT, *({"type": "object", "properties": {kind: _coder_schema(kind)}, "required": [kind],
                                       "additionalProperties": False} for kind in kinds)]}


DEFS = {  # the schemas the option kinds refer to, by $defs name
    "shape": _SHAPE,
    "portType": _port_type("encoder", "decoder"),
    "inputPortType": _port_type("encoder"),
    "outputPortType": _port_type("decoder"),
    "inputPorts": {"type": "object", "propertyNames": {"$ref": "#/$defs/inputName"},
                   "additionalProperties": {"$ref": "#/$defs/inputPortType"}},
    "outputPorts": {"type": "object", "additionalProperties": {"$ref": "#/$defs/outputPortType"}},
    "array": {"anyOf": [{"$ref": "#/$defs/arrayValues"}, {"type": "null"},
                        {"type": "object", "anyOf": [{"required": ["shared"]}, {"required": ["array"]}],
                         "dependentRequired": {"dtype": ["array"]}, "additionalProperties": False,
                         "if": {"required": ["dtype"]},  # a dtype types values: the loader refuses array: null
                         "then": {"properties": {"array": {"$ref": "#/$defs/arrayValues"}}},
                         "properties": {"shared": {"type": "string"},
                                        "array": {"anyOf": [{"$ref": "#/$defs/arrayValues"}, {"type": "null"}]},
                                        "dtype": {"enum": list(ARRAY_DTYPES)}}}],
              "description": "initial values as (nested) lists of numbers, read as float32; null = initialised by "
                             "net_initialize; {array: [...], dtype: float64} = values of another dtype; "
                             "{shared: name} = a shared array (NetSharedArray), its values given once"},
    "arrayValues": {"anyOf": [{"type": "number"}, {"type": "array", "items": {"$ref": "#/$defs/arrayValues"}}],
                    "description": "a number, or a list of them (nested): no null inside, as the loader refuses"},
}
