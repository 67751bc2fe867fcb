"""A JSON Schema for spec files, built from the layer and distribution registries (``netgraph schema``).

Editors that read JSON Schema (VS Code's YAML extension, JetBrains IDEs) complete layer types and
their options and flag unknown keys. Put ``# yaml-language-server: $schema=netgraph.spec.schema.json``
at the top of a spec, after ``netgraph schema -o netgraph.spec.schema.json``.

>>> schema = spec_schema()
>>> schema["properties"]["netgraph"]
{'const': 1, 'description': 'the spec format version'}
>>> sorted(schema["$defs"]["LinearLayer"]["properties"])
['biases', 'input', 'output', 'type', 'weights']
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from pathlib import Path
from typing import Any, Literal, Optional, Union
import netgraph.core.chain  # noqa: F401
from netgraph.core.layer import REGISTRY
from netgraph.core.options import OptionKind, option_hints
from netgraph.spec.layer_specs import layer_fields
from netgraph.layers.distributions import DISTRIBUTIONS
from netgraph.layers.function import ELEMENTWISE
from netgraph.layers.merge import THREADING
import netgraph.layers  # noqa: F401  (fills the registry)

__all__ = ["spec_schema", "SCHEMA_ID"]

SCHEMA_ID = "https://torch-netgraph.invalid/spec-1.schema.json"

_SHAPE = {"anyOf": [
    {"type": "integer", "minimum": 1},
    {"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"},
                                          {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}]}},
    {"type": "null"}],
    "description": "a shape without the batch dimension: an int, a list of dims (null = unknown, a name = "
                   "variable length), or null (inferred)"}
_PORT_TYPE = {"anyOf": [
    {"$ref": "#/$defs/shape"}, {"enum": ["Real", "Integer"]},
    {"type": "object", "properties": {"shape": {"$ref": "#/$defs/shape"}, "dtype": {"enum": ["Real", "Integer", None]}},
     "additionalProperties": False}]}
_ARRAY = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"$ref": "#/$defs/array"}}, {"type": "null"}],
          "description": "initial values as (nested) lists of numbers; null = initialised by net_initialize"}
_ENDPOINT = {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1}, {"type": "null"}]}
_EDGE = {"anyOf": [
    {"type": "string", "pattern": "->", "description": "'a -> b', 'a -> b -> c', '[a, b] -> c', 'a.Port -> None'"},
    {"type": "array", "minItems": 2,
     "items": {"anyOf": [{"$ref": "#/$defs/endpoint"}, {"type": "array", "items": {"$ref": "#/$defs/endpoint"}}]}}]}


def _layer_classes() -> dict[str, type]:
    return {name: cls for name, cls in sorted(REGISTRY.items()) if dataclasses.is_dataclass(cls)}


def _json_default(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str)) for v in value):
        return list(value)
    return None


def _doc(obj: Any) -> str:
    return (obj.__doc__ or "").strip().split("\n")[0]


_PLAIN = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array", list: "array",
          type(None): "null"}


def hint_schema(hint: Any) -> dict:
    """The JSON Schema of an option annotation: its ``OptionKind``'s, an enum, a union, a plain type, or ``{}``.

    >>> hint_schema(Optional[Literal["a", "b"]])
    {'anyOf': [{'enum': ['a', 'b']}, {'type': 'null'}]}
    """
    kind = next((m for m in getattr(hint, "__metadata__", ()) if isinstance(m, OptionKind)), None)
    if kind is not None:
        return dict(kind.schema)
    origin = typing.get_origin(hint)
    if origin is Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is Union:
        return {"anyOf": [hint_schema(a) for a in typing.get_args(hint)]}
    plain = _PLAIN.get(origin or hint)
    return {"type": plain} if plain else {}


def _option_schema(cls: type, field: dataclasses.Field) -> dict:
    out = hint_schema(option_hints(cls).get(field.name, Any))
    if field.default is not dataclasses.MISSING and _json_default(field.default) is not None and "$ref" not in out:
        out["default"] = _json_default(field.default)
    if field.name == getattr(cls, "POSITIONAL", None):
        out["description"] = "the positional option (first argument in Python)"
    return out


def _layer_schema(name: str, cls: type) -> dict:
    fields = layer_fields(cls)
    required = [n for n, f in fields.items() if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    return {"type": "object", "description": _doc(cls),
            "properties": {"type": {"const": name}, **{n: _option_schema(cls, f) for n, f in fields.items()}},
            "required": ["type", *required], "additionalProperties": False}


def _graph_schema(kind: str) -> dict:
    props: dict = {"type": {"const": kind}, "layers": {"$ref": "#/$defs/layers"},
                   "inputs": {"$ref": "#/$defs/ports"}, "outputs": {"$ref": "#/$defs/ports"}}
    if kind == "NetGraph":
        props["edges"] = {"$ref": "#/$defs/edges"}
    else:
        props.update(input={"$ref": "#/$defs/portType"}, output={"$ref": "#/$defs/portType"})
    return {"type": "object", "properties": props, "required": ["type", "layers"], "additionalProperties": False}


def _distribution_schema() -> dict:
    param = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": "^#[A-Za-z_][A-Za-z0-9_]*$"},
                       {"$ref": "#/$defs/array"}]}
    return {"anyOf": [{"type": "object", "description": _doc(cls),
                       "properties": {"type": {"const": name}, "args": {"type": "array", "items": param}},
                       "required": ["type"], "additionalProperties": False}
                      for name, cls in sorted(DISTRIBUTIONS.items())]}


def _typed_layer(names: list[str]) -> dict:
    """``{type: X, ...}`` checked against X's own schema (if/then, so errors name the bad option)."""
    return {"type": "object", "required": ["type"], "properties": {"type": {"enum": names}},
            "allOf": [{"if": {"properties": {"type": {"const": n}}, "required": ["type"]},
                       "then": {"$ref": f"#/$defs/{n}"}} for n in names]}


def _shorthands(classes: dict[str, type]) -> list[str]:
    no_options = [n for n, c in classes.items() if not any(
        f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for f in layer_fields(c).values())]
    return sorted({*ELEMENTWISE, *THREADING, *no_options})


def spec_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a spec file, for this installation's layers and distributions."""
    classes = _layer_classes()
    leaf = {n: c for n, c in classes.items() if n not in ("NetGraph", "NetChain")}
    defs: dict = {n: _layer_schema(n, c) for n, c in leaf.items()}
    defs.update(
        NetGraph=_graph_schema("NetGraph"), NetChain=_graph_schema("NetChain"),
        fileReference={"type": "object", "properties": {"file": {"type": "string"}, "type": {"enum": ["NetGraph", "NetChain"]}},
                       "required": ["file"], "additionalProperties": False,
                       "description": "another spec file, relative to this one"},
        layer={"anyOf": [{"type": "integer", "minimum": 1, "description": "LinearLayer(n)"},
                         {"enum": _shorthands(leaf)},
                         {"type": "array", "items": {"$ref": "#/$defs/layer"}, "minItems": 1, "description": "a NetChain"},
                         {"$ref": "#/$defs/fileReference"}, {"$ref": "#/$defs/typedLayer"}]},
        typedLayer=_typed_layer([*leaf, "NetGraph", "NetChain"]),
        layers={"anyOf": [{"type": "object", "additionalProperties": {"$ref": "#/$defs/layer"}, "minProperties": 1},
                          {"type": "array", "items": {"$ref": "#/$defs/layer"}, "minItems": 1}]},
        edges={"anyOf": [{"type": "array", "items": {"$ref": "#/$defs/edge"}},
                         {"type": "object", "additionalProperties": {"$ref": "#/$defs/endpoint"}}]},
        edge=_EDGE, endpoint=_ENDPOINT, shape=_SHAPE, portType=_PORT_TYPE, array=_ARRAY,
        ports={"type": "object", "additionalProperties": {"$ref": "#/$defs/portType"}},
        distribution=_distribution_schema())
    top = _graph_schema("NetGraph")["properties"] | _graph_schema("NetChain")["properties"]
    top["type"] = {"enum": ["NetGraph", "NetChain"], "default": "NetGraph"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "netgraph spec, format 1", "type": "object",
            "properties": {"netgraph": {"const": 1, "description": "the spec format version"},
                           "name": {"type": "string"}, "description": {"type": "string"},
                           "arrays": {"type": "string", "description": "safetensors file of the arrays (written by save)"},
                           **top},
            "required": ["netgraph", "layers"], "additionalProperties": False, "$defs": defs}
