"""A JSON Schema for spec files, built from the layer and distribution registries (``netgraph schema``).

Editors (VS Code's YAML extension, JetBrains IDEs) then complete types and options: put
``# yaml-language-server: $schema=netgraph.spec.schema.json`` atop a spec, after ``netgraph schema -o ...``.

>>> schema = spec_schema()
>>> schema["properties"]["netgraph"]
{'const': 1, 'description': 'the spec format version'}
>>> sorted(schema["$defs"]["LinearLayer"]["properties"])
['biases', 'input', 'output', 'type', 'weights']
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from netgraph.core.layer import REGISTRY
from netgraph.core.option_ranges import range_schema
from netgraph.layers.function import ELEMENTWISE
from netgraph.layers.merge import THREADING
from netgraph.spec.layer_specs import CHAIN_KEYS, GRAPH_KEYS, layer_fields, required
from netgraph.spec.options import option_codecs
from netgraph.core.option_words import input_name_schema, name_schema, slot_schema
from netgraph.spec.schema_defs import DEFS, by_type, distribution_schema, needs_options

__all__ = ["spec_schema", "SCHEMA_ID"]

SCHEMA_ID = "https://torch-netgraph.invalid/spec-1.schema.json"
_ENDPOINT = {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1}, {"type": "null"}]}
_EDGE = {"anyOf": [
    {"type": "string", "pattern": "->", "description": "'a -> b', 'a -> b -> c', '[a, b] -> c', 'a.Port -> None'"},
    {"type": "array", "minItems": 2,
     "items": {"anyOf": [{"$ref": "#/$defs/endpoint"}, {"type": "array", "items": {"$ref": "#/$defs/endpoint"}}]}}]}
_SECTIONS = {"layers": "layers", "edges": "edges", "inputs": "inputPorts", "outputs": "outputPorts",
             "input": "inputPortType", "output": "outputPortType", "learning_rate_multipliers": "learningRateMultipliers"}  # a graph's keys -> $defs


_TEXT = {"type": ["string", "number", "boolean", "null"], "description": "free text (a number reads as its text; null: none)"}
_FILE_KEYS = {"netgraph": {"const": 1, "description": "the spec format version"}, "name": _TEXT, "description": _TEXT,
              "arrays": {"type": "string", "description": "safetensors file of the arrays (written by save)"},
              "nets": {"type": "object", "additionalProperties": {"$ref": "#/$defs/layer"},
                       "description": "named nets that '{ref: name}' uses (in layers and operators' net:)"}}


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str)) for v in value):
        return list(value)
    return value if value is None or isinstance(value, (bool, int, float, str)) else None


def _option_schema(cls: type, field: dataclasses.Field) -> dict:
    out, default = dict(option_codecs(cls)[field.name].schema), _json_default(field.default)
    if option_codecs(cls)[field.name].kind == "ints" and field.default is None:  # null: left out, as the loader takes
        out = {"anyOf": [out, {"type": "null"}]}
    if field.name in getattr(cls, "RANGES", {}):  # a number's range, or each number's of a list
        out.update(range_schema(cls.RANGES[field.name], listed=option_codecs(cls)[field.name].kind == "ints"))
    if default is not None and "$ref" not in out:  # None: no default (MISSING), or none JSON can hold
        out["default"] = default
    if field.name == getattr(cls, "POSITIONAL", None):
        out["description"] = "the positional option (first argument in Python)"
    return out


def _layer_schema(name: str, cls: type) -> dict:
    """``{type: X, ...}``: X's options; required, those without a default and one of each group of X's
    ``NEEDS_ONE_OF`` (not null); some option of a layer that needs one without saying which (``needs_options``);
    X's ``RULES`` between two options (if/then)."""
    fields = layer_fields(cls)
    needed = [n for n, f in fields.items() if required(f)]
    groups = cls.NEEDS_ONE_OF or ((*fields,),) if not needed and needs_options(cls) else cls.NEEDS_ONE_OF
    defaults = {n: f.default for n, f in fields.items() if f.default is not dataclasses.MISSING}
    rules = [{"anyOf": [_given(n) for n in group]} for group in groups] + [r.schema(defaults) for r in cls.RULES]
    some = {"allOf": rules} if rules else {}
    return {"type": "object", "description": (cls.__doc__ or "").strip().split("\n")[0],
            "properties": {"type": {"const": name}, **{n: _option_schema(cls, f) for n, f in fields.items()}},
            "required": ["type", *needed], **some, "additionalProperties": False}


def _given(option: str) -> dict:
    """``option`` given, and not null (a null option is one left out)."""
    return {"required": [option], "properties": {option: {"not": {"type": "null"}}}}


def _graph_schema(kind: str) -> dict:
    keys = GRAPH_KEYS if kind == "NetGraph" else CHAIN_KEYS
    props = {"type": {"const": kind}, **{k: {"$ref": f"#/$defs/{_SECTIONS[k]}"} for k in keys if k != "type"}}
    return {"type": "object", "properties": props, "required": ["type", "layers"], "additionalProperties": False}


def _python_only(cls: type) -> bool:
    """Whether no spec can hold a ``cls`` layer: one needs a torch module (``TorchLayer``), which YAML cannot hold."""
    return any(option_codecs(cls)[n].kind == "module" and required(f) for n, f in layer_fields(cls).items())


def _shorthands(classes: dict[str, type]) -> list[str]:
    no_options = [n for n, c in classes.items() if not needs_options(c)]
    return sorted({*ELEMENTWISE, *THREADING, *no_options})


def spec_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a spec file, for this installation's layers and distributions."""
    leaf = {n: c for n, c in sorted(REGISTRY.items()) if dataclasses.is_dataclass(c) and not _python_only(c)}
    defs: dict = {n: _layer_schema(n, c) for n, c in leaf.items()}
    defs.update(
        NetGraph=_graph_schema("NetGraph"), NetChain=_graph_schema("NetChain"),
        fileReference={"type": "object", "properties": {"file": {"type": "string"}, "type": {"enum": ["NetGraph", "NetChain"]}},
                       "required": ["file"], "additionalProperties": False,
                       "description": "another spec file, relative to this one"},
        netReference={"type": "object", "properties": {"ref": {"type": "string"}}, "required": ["ref"],
                      "additionalProperties": False, "description": "a net defined under this file's 'nets:'"},
        layer={"anyOf": [{"type": "integer", "minimum": 1, "description": "LinearLayer(n)"},
                         {"enum": _shorthands(leaf)},
                         {"type": "array", "items": {"$ref": "#/$defs/layer"}, "minItems": 1, "description": "a NetChain"},
                         {"$ref": "#/$defs/fileReference"}, {"$ref": "#/$defs/netReference"},
                         {"$ref": "#/$defs/typedLayer"}]},
        typedLayer=by_type({n: {"$ref": f"#/$defs/{n}"} for n in [*leaf, "NetGraph", "NetChain"]}),  # X's own schema
        layers={"anyOf": [{"type": "object", "additionalProperties": {"$ref": "#/$defs/layer"}, "minProperties": 1},
                          {"type": "array", "items": {"$ref": "#/$defs/layer"}, "minItems": 1}]},
        edges={"anyOf": [{"type": "array", "items": {"$ref": "#/$defs/edge"}},
                         {"type": "object", "additionalProperties": {"anyOf": [  # {src: dst}, {src: [fan-out]}
                             {"$ref": "#/$defs/endpoint"},
                             {"type": "array", "items": {"$ref": "#/$defs/endpoint"}}]}}]},
        edge=_EDGE, endpoint=_ENDPOINT, **DEFS, distribution=distribution_schema(),
        name=name_schema(), slot=slot_schema(), inputName=input_name_schema(),  # built here, once a schema is asked for
        learningRateMultipliers={"type": ["object", "number"], "minimum": 0,
                                 "description": "{layer or 'layer/Array' or glob: multiplier}, or one number for "
                                 "every array; 0 freezes (net_set_learning_rate_multipliers)",
                                 "additionalProperties": {"type": ["number", "null"], "minimum": 0}})
    defs.update(netFile=_net_file(), layerFile=_layer_file({n: defs[n] for n in leaf}))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "netgraph spec, format 1", "type": "object",
            "properties": {**_FILE_KEYS, "type": {"enum": ["NetGraph", "NetChain", *leaf], "default": "NetGraph",
                                                  "description": "a net, or a layer type: the file is that layer alone"}},
            "required": ["netgraph"], "if": {"properties": {"type": {"enum": list(leaf)}}, "required": ["type"]},
            "then": {"$ref": "#/$defs/layerFile"}, "else": {"$ref": "#/$defs/netFile"}, "$defs": defs}


def _net_file() -> dict:
    """A file holding a net: its keys beside the file's own (``layers`` required), those of a NetChain where ``type:
    NetChain`` says so, else a NetGraph's (the default), as a nested net's (``_graph_schema``)."""
    def keys(kind: str) -> dict:
        top = {**_FILE_KEYS, **_graph_schema(kind)["properties"]}
        top["type"] = {"const": kind, **({"default": kind} if kind == "NetGraph" else {})}
        return {"type": "object", "properties": top, "required": ["netgraph", "layers"], "additionalProperties": False}
    return {"if": {"properties": {"type": {"const": "NetChain"}}, "required": ["type"]}, "then": keys("NetChain"),
            "else": keys("NetGraph")}


def _layer_file(layers: dict[str, dict]) -> dict:
    """A file holding a layer alone (as ``save(layer, path)`` writes): ``type: X`` and X's options, each checked by
    X's own schema (in ``layers``), beside the file's own keys."""
    def options(name: str, layer: dict) -> dict:
        props = {k: {"$ref": f"#/$defs/{_pointer(name)}/properties/{k}"} for k in layer["properties"]}
        return {"properties": {**_FILE_KEYS, **props, "type": {"const": name}}, "additionalProperties": False,
                "required": ["netgraph", *layer["required"]], **{k: layer[k] for k in ("allOf",) if k in layer}}
    return by_type({n: options(n, layer) for n, layer in layers.items()}, named=False)


def _pointer(name: str) -> str:
    """``name`` as a JSON Pointer token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")
