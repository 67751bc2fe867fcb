"""NetGraph -> spec YAML: each layer as ``{type: ..., <non-default options>}`` (arrays inline, or for ``save``
in a safetensors file), edges as text, graph ports declared; layers holding Python code: one SpecError.

>>> from netgraph import NetGraph, LinearLayer
>>> print(to_yaml(NetGraph({"lin": LinearLayer(3)}, [], Input=4)), end="")
netgraph: 1
layers:
  lin: {type: LinearLayer, output: 3}
inputs:
  Input: 4
edges: []
"""

from __future__ import annotations

from typing import Any

import numpy as np
import yaml

from netgraph.core.chain import NetChain
from netgraph.core.errors import SpecError, raise_all
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.names import numbered
from netgraph.core.graph import NetGraph
from netgraph.core.layer import REGISTRY, Layer
from netgraph.core.nesting import deep_walk
from netgraph.core.peripheral_coders import given_back
from netgraph.spec.array_values import array_dtype
from netgraph.spec.edge_text import render_edges
from netgraph.spec.flow_numbers import FlowNumbers, flow_numbers, flow_text
from netgraph.core.shared import NetSharedArray
from netgraph.spec.options import Flow, Unwritable, codec, data, option_codecs, shape_data
from netgraph.spec.unread_values import TAG
from netgraph.spec.yaml_nodes import RESOLVERS

__all__ = ["to_yaml", "dump_data", "spec_data", "shown_layer"]

_FLOW_WIDTH = 100


class _Block(list):
    """A list written one item per line (edges)."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's pure emitter (lists indented under their key), long lists of numbers by libyaml's (``flow_numbers``)."""
    in_flow = 0  # representing the items of a collection written in flow style (a list there is written item by item)

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent lists under their key, as people write them

    def process_scalar(self) -> None:
        value = self.event.value
        if not isinstance(value, FlowNumbers):
            return super().process_scalar()
        text = flow_text(value.texts, self.indent, self.column, self.best_width)
        self.stream.write(text)
        last_break = text.rfind("\n")
        self.line += text.count("\n")
        self.column = len(text) - last_break - 1 if last_break >= 0 else self.column + len(text)
        self.whitespace = self.indention = False
        self.analysis = self.style = None


_SEQ, _MAP, _STR = f"{TAG}seq", f"{TAG}map", f"{TAG}str"  # YAML's own tags


def _compact_len(value: Any, limit: int) -> int:
    """Roughly how long ``value`` is in flow style (stops counting past ``limit``)."""
    if isinstance(value, str) and "\n" in value:  # written as a block ('|'), which flow style cannot hold
        return limit + 1
    if not isinstance(value, (dict, list, tuple)):
        return len(str(value)) + 2
    items = ((len(str(k)) + 4, v) for k, v in value.items()) if isinstance(value, dict) else ((2, v) for v in value)
    total = 2
    for extra, v in items:
        total += extra + _compact_len(v, limit)
        if total > limit:
            break
    return total


def _represent_flow(dumper: _Dumper, data: Flow) -> Any:
    short = _compact_len(data, _FLOW_WIDTH) <= _FLOW_WIDTH
    return _in_style(dumper, short, dumper.represent_mapping, _MAP, data.items())


def _represent_list(dumper: _Dumper, data: list) -> Any:
    if not dumper.in_flow and (numbers := flow_numbers(data, dumper)) is not None:
        return dumper.represent_scalar(_STR, numbers)  # text '_': implicit, no tag written
    flat = all(not isinstance(x, (dict, list)) for x in data)
    nested_numbers = all(isinstance(x, list) for x in data) and len(str(data)) <= 4000
    return _in_style(dumper, flat or nested_numbers, dumper.represent_sequence, _SEQ, data)


def _in_style(dumper: _Dumper, flow: bool, represent: Any, tag: str, items: Any) -> Any:
    """``represent(tag, items)`` in flow style or not, its items knowing whether they are inside flow style."""
    dumper.in_flow += flow
    try:
        return represent(tag, items, flow_style=flow)
    finally:
        dumper.in_flow -= flow


# text that the reader (YAML 1.2 core) or a YAML 1.1 reader would take for a number, boolean or null is quoted
_Dumper.yaml_implicit_resolvers = {c: [*RESOLVERS.get(c, []), *yaml.SafeDumper.yaml_implicit_resolvers.get(c, [])]
                                   for c in {*RESOLVERS, *yaml.SafeDumper.yaml_implicit_resolvers}}
def _represent_text(dumper: yaml.SafeDumper, data: str) -> Any:
    """Text over several lines (an expression written as a block scalar) as a literal block, as people write it; text
    holding a NEL ('\\x85') double-quoted, where it is escaped ('\\N'): PyYAML writes it raw elsewhere, and a reader
    takes a raw one for a line break ('a\\x85b', a layer's name, read back as 'a b')."""
    if "\x85" in data:
        return dumper.represent_scalar(_STR, data, style='"')
    return dumper.represent_scalar(_STR, data, style="|") if "\n" in data else \
        dumper.represent_str(data)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(Flow, _represent_flow)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(_Block, lambda d, data: d.represent_sequence(_SEQ, data, flow_style=False))
# a numpy scalar in an option or a name (np.str_("Tanh"), a label from np.unique) as the Python value it holds: PyYAML's
# safe dumper has no representer for them, and raised its bare RepresenterError from save and to_yaml
_Dumper.add_multi_representer(np.generic, lambda d, data: d.represent_data(data.item()))
# a float subclass (a spec's OverflowedFloat, 1e400 as read: inf) as its value: the safe dumper knows float alone
_Dumper.add_multi_representer(float, lambda d, data: d.represent_float(float(data)))


class _Writer:
    def __init__(self, arrays: dict | None):
        self.arrays = arrays  # None: arrays inline; a dict: collect them here instead
        self.shared: set[str] = set()  # shared arrays written so far (each one's values are written once)
        self.errors: list[str] = []

    def graph(self, net: Any, path: tuple, top: bool = False, coders: dict | None = None) -> dict:
        """``net``'s spec; ``coders``: those its outer graph took from it, written back on its ports (where the
        user gave them: read back, the outer graph takes them again, known as taken from it)."""
        chain = isinstance(net, NetChain)
        out: dict = {"type": "NetChain"} if chain else {} if top else {"type": "NetGraph"}
        declared, back = given_back(net, {**net.port_shape_options(), **(coders or {})})
        layers = {name: self.layer(layer, (*path, name), back.get(name)) for name, layer in net.layers.items()}
        listed = numbered(layers)
        out["layers"] = list(layers.values()) if listed else layers
        out.update(self.ports(net, chain, declared))
        if not chain:
            out["edges"] = _Block(render_edges(net, path))
        if net.learning_rate_multipliers:
            out["learning_rate_multipliers"] = net.learning_rate_multipliers
        return out

    def ports(self, net: Any, chain: bool, declared: dict) -> dict:
        named = set() if chain else {p.port for pair in net.explicit_edges() for p in pair
                                     if p is not None and p.layer is None}
        out = {}
        for group, ports in (("inputs", net.input_ports), ("outputs", net.output_ports)):
            entries = {p: shape_data(declared.get(p)) for p in ports if p in declared or p in named}
            if entries:
                out[group] = entries
        return out

    def layer(self, layer: Any, path: tuple, coders: dict | None = None) -> Any:
        if isinstance(layer, NetGraph):
            return self.graph(layer, path, coders=coders)
        out = Flow(type=self.type_name(layer, path))
        codecs = option_codecs(type(layer))  # every option of its type; not an operator's ARRAYS, its inner layers'
        array_fields = {field: name for name, field in getattr(layer, "ARRAYS", {}).items() if field in codecs}
        for key, value in layer.options().items():
            how = codecs.get(key) or codec(Any)
            if isinstance(value, NetSharedArray):
                out[key] = self.shared_array(value, ".".join((*path, array_fields[key])))
            elif key in array_fields and self.arrays is not None:
                if value is not None:
                    self.arrays[".".join((*path, array_fields[key]))] = value
            elif how.kind == "net":  # an operator's inner net: a nested spec, arrays keyed below it
                out[key] = self.graph(value, (*path, key))
            else:
                try:
                    out[key] = how.write(value)
                except Unwritable as exc:
                    self.errors.append(f"layer {shown_layer(path, layer)!r} option {key}= {exc}")
        if getattr(type(layer), "MODULE", None) is not None:  # register_module's layer: its module's state
            self.module_state(layer, path)
        if self.arrays is not None and array_fields:  # saved: an array left unset beside saved ones is written
            unset = [f for f, name in array_fields.items() if layer.arrays.get(name, 0) is None and f not in out]
            if len(unset) < len(array_fields):  # as null, so that load knows the weights file lacks it on purpose
                out.update(dict.fromkeys(unset))
        return dict(out) if layer.inner_nets() else out  # a held net is written as a block, not on one line

    def type_name(self, layer: Any, path: tuple) -> str:
        """The name ``layer``'s class is registered under (its class name, else another name it was given); a
        class registered under none is an error: a spec naming it could not be read back."""
        cls, name = type(layer), layer.type_name
        if _same_class(REGISTRY.get(name), cls):
            return name
        other = next((n for n, c in REGISTRY.items() if _same_class(c, cls)), None)
        if other is None:
            self.errors.append(f"layer {shown_layer(path, layer)!r} ({name}): its type is not registered, so a spec "
                               f"naming it could not be read back; register it with netgraph.layers.register({name}) "
                               f"first")
        return other or name

    def module_state(self, layer: Any, path: tuple) -> None:
        """A registered module's arrays (its ``state_dict``, no options) go to the arrays file when saving; inline,
        arrays other than the ones its options make (trained ones) cannot be written: an error, not a silent loss."""
        arrays = layer.arrays
        if self.arrays is not None:
            self.arrays.update((".".join((*path, k)), v) for k, v in arrays.items())
            return
        fresh = type(layer)(**layer.options()).arrays
        if any(not (v.shape == fresh[k].shape and v.equal(fresh[k])) for k, v in arrays.items()):
            self.errors.append(f"layer {shown_layer(path, layer)!r} ({layer.type_name}) holds arrays other than the "
                               f"ones its options make (trained, or set with with_arrays), which a spec's text cannot "
                               f"hold; netgraph.save(net, path) writes them to the arrays file beside the spec")

    def shared_array(self, value: NetSharedArray, key: str) -> Flow:
        """``{shared: name}``; its first user also carries the values (inline, with their dtype where not float32, or
        under ``key`` in the arrays)."""
        out = Flow(shared=value.name)
        if value.array is not None and value.name not in self.shared:
            if self.arrays is None:
                out["array"] = data(value.array)
                if (dtype := array_dtype(value.array)) is not None:  # not float32, as inline arrays are read
                    out["dtype"] = dtype
            else:
                self.arrays[key] = value.array
        self.shared.add(value.name)
        return out


@deep_walk
def spec_data(net: Any, name: str | None = None, arrays: dict | None = None, description: str | None = None) -> dict:
    """The spec of ``net`` (a net, or a layer alone: its mapping ``{type: ..., <options>}`` at the top) as plain
    data (``name`` and ``description`` as its top keys when given); with ``arrays`` (a dict), arrays are moved there."""
    header = _header(name=name, description=description)
    if not isinstance(net, Layer):
        raise SpecError(f"only a net or a layer can be written as a spec, found {type(net).__name__}",
                        kind="not-a-layer", found=type(net).__name__)
    writer = _Writer(arrays)  # a layer alone: its own mapping, its arrays keyed by their names (Wolfram's .wlnet)
    body = writer.graph(net, (), top=True) if isinstance(net, NetGraph) else dict(writer.layer(net, ()))
    if writer.errors:
        raise_all(writer.errors, SpecError, "this net cannot be written as a YAML spec")
    return {"netgraph": 1, **header, **body}


def _header(**texts: str | None) -> dict[str, str]:
    """The spec's free-text keys that are given (``name``, ``description``); SpecError for one that is not text."""
    for key, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise SpecError(f"option {key}= of a spec takes text, found {type(value).__name__} {value!r:.60}",
                            kind="option-value", option=key, expected="text", found=type(value).__name__)
    return {key: value for key, value in texts.items() if value}


def dump_data(data: dict) -> str:
    """YAML text for spec data from ``spec_data``."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=_FLOW_WIDTH)


@deep_walk
def to_yaml(net: Any, name: str | None = None, description: str | None = None) -> str:
    """The spec text of ``net``, arrays inline, with the top keys ``name`` and ``description`` when given (a
    NetGraph does not keep a loaded spec's: pass them on); SpecError when a layer holds Python code (a callable),
    or when ``from_yaml`` would refuse the text under the limits in force (``check_loadable``, as ``save``).

    >>> from netgraph import NetChain
    >>> print(to_yaml(NetChain(["Tanh"], input=2), name="tiny"), end="")
    netgraph: 1
    name: tiny
    type: NetChain
    layers:
      - {type: ElementwiseLayer, function: Tanh}
    inputs:
      Input: 2
    """
    data = spec_data(net, name, description=description)
    check_loadable(data)
    return dump_data(data)


def shown_layer(path: tuple, layer: Any) -> str:
    """A layer's path in a message; a layer written alone (path ``()``) by its type name."""
    return "/".join(path) or layer.type_name


def _same_class(a: Any, b: type) -> bool:
    """``a`` is class ``b``, or a definition of it made again (a notebook cell run twice)."""
    return a is b or (isinstance(a, type) and (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__))


def check_loadable(data: dict) -> None:
    """SpecError when loading spec ``data`` under the limits in force would refuse its depth or layer count."""
    (depth, layers), limits = spec_extent(data), current_limits()
    if depth > limits.yaml_depth:
        raise SpecError(f"this net's spec would nest {depth} YAML levels deep (each graph inside a graph adds about "
                        f"2), more than the yaml_depth limit ({limits.yaml_depth}) that loading it would allow; raise "
                        f"the limit for writing it (save, to_yaml) and for loading it: {raise_hint('yaml_depth')}",
                        kind="limit", expected=limits.yaml_depth, found=depth)
    if layers > limits.yaml_layers:
        raise SpecError(f"this net's spec would hold {layers} layers (nested ones included), more than the "
                        f"yaml_layers limit ({limits.yaml_layers}) that loading it would allow; raise the limit for "
                        f"writing it (save, to_yaml) and for loading it: {raise_hint('yaml_layers')}", kind="limit",
                        expected=limits.yaml_layers, found=layers)


def spec_extent(data: Any) -> tuple[int, int]:
    """(YAML levels, layers) of spec ``data``, counted as reading counts them: levels for ``yaml_depth`` (the top
    value: 1; a key or item: one more than its mapping or list), layers for ``yaml_layers`` (the entries of every
    ``layers`` list or mapping); one iterative walk, for nets nested deeper than Python recurses.

    >>> spec_extent({"a": [1, {"b": 2}]}), spec_extent(3)
    ((4, 0), (1, 0))
    >>> spec_extent({"layers": {"a": "Tanh", "b": {"type": "NetChain", "layers": ["Tanh", "Ramp"]}}})
    (5, 4)
    """
    deepest, layers, stack = 0, 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            inner = value.get("layers")
            layers += len(inner) if isinstance(inner, (dict, list, tuple)) else 0
            stack.extend((v, depth + 1) for v in value.values())
            deepest = max(deepest, depth + 1) if value else deepest
        elif isinstance(value, (list, tuple)):  # a scalar item adds one level; only collections are walked
            deepest = max(deepest, depth + 1) if value else deepest
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list, tuple)))
    return deepest, layers
