"""Wolfram's ``Information[net, prop]``: ports, layers, arrays, recurrent states, the topology and graphics.

``net.information()`` is a read-only mapping of every property (each computed when first read) that
prints as a compact summary; ``net.information("LayersCount")`` is one property.

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")], Input=4)
>>> info = net.information()
>>> info["ArraysDimensions"], info["LayerTypeCounts"]
({('lin', 'Weights'): (3, 4), ('lin', 'Biases'): (3,)}, {'LinearLayer': 1, 'ElementwiseLayer': 1})
>>> print(info)  # doctest: +NORMALIZE_WHITESPACE
NetGraph: inputs Input (4) -> outputs Output (3); 2 layers, 15 parameters
arrays: 2 (15 elements), 2 uninitialized
#  layer  type              inputs           outputs           parameters
1  lin    LinearLayer       Input (4)        Output (3)                15
2  act    ElementwiseLayer  Input (3)        Output (3)                 0
   total                    Input (4)        Output (3)                15
net.information("Properties") lists the 36 properties; net.information("ArraysDimensions") gives one.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import CodeType
from typing import Any

from netgraph.core.by_path import ByPath
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.given_shapes import with_given_shapes
from netgraph.core.ir import Node
from netgraph.core.layer import _same
from netgraph.core.layers_graph import layers_graph
from netgraph.core.multiplier_rates import array_multipliers
from netgraph.core.nesting import deep_walk
from netgraph.core.shared import shared_users, shared_values
from netgraph.core.summary import one_line, summary_table, walked_layers
from netgraph.core.types import element_count
from netgraph.core.walk import map_nodes, nested_nodes
from netgraph.core.wording import byte_size
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["information", "read_properties", "all_arrays", "arrays_once", "array_key", "Information", "ByPath",
           "PROPERTIES"]


def _repeats(net: Any) -> set[tuple]:
    """The array keys of every user of a shared array but its first: the totals count a shared array once."""
    return {array_key(path, array) for users in shared_users(net).values() for path, array in users[1:]}


def arrays_once(net: Any, by_key: dict[tuple, Any]) -> dict[tuple, Any]:
    """``by_key`` with a shared array's entry at its first user only."""
    repeats = _repeats(net)
    return {key: value for key, value in by_key.items() if key not in repeats}


def array_key(path: tuple, array: str) -> tuple:
    """An array's position as net_extract takes it: an operator's inner array ``'net.l.Weights'`` (its name on
    the operator) gives ``(*path, 'net', 'l', 'Weights')``, as a nested graph's would (names hold no '.')."""
    return (*path, *array.split("."))


def all_arrays(net: Any) -> dict[tuple, Any]:
    """Every array of every leaf layer by position (``array_key``); None for uninitialised ones."""
    per_node = map_nodes(net, lambda node: [(array_key(node.path, name), value)
                                            for name, value in node.layer.arrays.items()])
    return dict(item for items in per_node for item in items)


def _node_dimensions(node: Node) -> list[tuple[tuple, tuple | None]]:
    """(position, dimensions) of a node's arrays; an uninitialised array's from the inferred port types."""
    layer, known = node.layer, {}
    if any(v is None for v in layer.arrays.values()) and all(t.known for t in node.types.values()):
        try:
            known = layer.array_shapes(node.types)
        except Exception:  # noqa: BLE001 - a layer that cannot size its arrays yet has unknown dimensions
            known = {}
    return [(array_key(node.path, name), tuple(value.shape) if value is not None else known.get(name))
            for name, value in layer.arrays.items()]


def _placed(node: Node) -> Any:
    """The node's layer holding the shapes of its inputs in the net (of its outputs, for a layer without inputs)
    beside its options: alone, it shows and takes them (``with_given_shapes``); its value is the layer's own."""
    ports = node.layer.input_ports or node.layer.output_ports
    return with_given_shapes(node.layer, {p: node.types[p].shape for p in ports if node.types[p].shape is not None})


def _total(counts: Any) -> int | None:
    """The sum of element counts; None when any is unknown (a shape not inferred yet)."""
    counts = list(counts)
    return None if None in counts else sum(counts)


def _elements(total: int | None) -> str:
    return "unknown number of elements" if total is None else f"{total:,} element{'s' * (total != 1)}"


def _dimensions(net: Any) -> dict[tuple, tuple | None]:
    return dict(item for items in map_nodes(net, _node_dimensions) for item in items)


def _multipliers(net: Any, keys: list[tuple]) -> dict[tuple, float]:
    """Each array's learning-rate multiplier from the rules stored on the net (net_train's, given no others); a
    shared array's, at its first user, is the one its users train by (a rule may name any of them)."""
    rates = array_multipliers(net, [".".join(k) for k in keys])
    return {k: rates[".".join(k)] for k in keys}


def _states(net: Any) -> list[tuple]:
    """(layer path, state name) of every recurrent state, inside operators too (as Wolfram counts them; path
    ``(*operator, "net", *inner)``); a layer class lists its states in ``STATES``."""
    return [(*path, state) for path, node in nested_nodes(net) for state in getattr(node.layer, "STATES", ())]


@deep_walk
def _topology_hash(net: Any) -> str:
    """A hash of the layers' types, options, shared arrays and wiring and of the ports' coders that ignores array
    values (Wolfram's TopologyHash); the same in every process (a Python function by its code, not its address)."""
    return hashlib.sha256("\n".join(part for _, part in _topology_parts(net)).encode()).hexdigest()[:16]


def topology_digests(net: Any) -> dict[str, str]:
    """TopologyHash's parts hashed one by one: layer path ("enc/l1") -> digest of its type, options, port types and
    wiring, and "" -> the ports' (their coders and what feeds the outputs); so two nets' differences can be named."""
    if "_topology_digests" not in net.__dict__:
        grouped: dict[str, list[str]] = {}
        for key, part in _topology_parts(net):
            grouped.setdefault(key, []).append(part)
        net._topology_digests = {k: hashlib.sha256("\n".join(v).encode()).hexdigest()[:16] for k, v in grouped.items()}
    return net._topology_digests


@deep_walk
def _topology_parts(net: Any) -> list[tuple[str, str]]:
    """(layer path or "" for the ports, its text) in the order the hash joins them."""
    parts = [("", repr((net.input_ports, net.output_ports, sorted((p, repr(c)) for p, c in net.coders.items()))))]
    for node in net.ir.nodes:
        parts.append((node.name, repr((node.path, node.layer.type_name, _options(node.layer),
                                       sorted(node.types.items()), [(v.node, v.port) for v in node.inputs.values()]))))
    parts.append(("", repr(sorted((p, (v.node, v.port)) for p, v in net.ir.outputs.items()))))
    return parts


def _options(layer: Any) -> list[tuple[str, Any]]:
    """A layer's options without its arrays, sorted; an operator's inner net as its layers and wiring, not the
    port types it inferred alone (which its arrays, once initialised, can settle)."""
    arrays, options = set(layer.ARRAYS.values()), layer.options()
    if getattr(layer, "POSITIONAL", None) and hasattr(layer, layer.POSITIONAL) and layer.POSITIONAL not in options:
        options[layer.POSITIONAL] = None  # options() leaves it out when None; the hash kept it (checkpoints hold it)
    return sorted(((k, _net_form(v) if "_inference" in getattr(v, "__dict__", ()) else _stable(v))
                   for k, v in options.items() if k not in arrays), key=lambda kv: kv[0]) + \
        sorted(getattr(layer, "shared", {}).items())


def _stable(value: Any) -> Any:
    """A Python function as its name and code (its repr holds its memory address); other values as they are."""
    if isinstance(value, functools.partial):
        return "partial", _stable(value.func), [_stable(a) for a in value.args], sorted(value.keywords.items())
    code = getattr(value, "__code__", None)
    if not isinstance(code, CodeType):
        return value
    return (getattr(value, "__module__", None), getattr(value, "__qualname__", None), _code(code))


def _code(code: CodeType) -> tuple:
    consts = tuple(_code(c) if isinstance(c, CodeType) else sorted(map(repr, c)) if isinstance(c, frozenset)
                   else repr(c) for c in code.co_consts)
    return code.co_code, consts, code.co_names, code.co_varnames


def _net_form(net: Any) -> tuple:
    nodes = [(node.path, node.layer.type_name, _options(node.layer), [(v.node, v.port) for v in node.inputs.values()])
             for node in net.ir.nodes]
    outputs = sorted((p, (v.node, v.port)) for p, v in net.ir.outputs.items())
    return (type(net).__name__, net.input_ports, net.output_ports, sorted(net.port_shape_options().items()), nodes,
            outputs)


def _known(arrays: Mapping[tuple, Any]) -> dict[tuple, Any]:
    return {k: v for k, v in arrays.items() if v is not None}


_PROPERTIES: dict[str, Callable[[Any, "Information"], Any]] = {
    "InputPortNames": lambda net, i: list(net.input_ports),
    "OutputPortNames": lambda net, i: list(net.output_ports),
    "InputPorts": lambda net, i: dict(net.input_shapes),
    "OutputPorts": lambda net, i: dict(net.output_shapes),
    "PortTypes": lambda net, i: dict(net.port_types),
    "Encoders": lambda net, i: {p: c for p, c in net.coders.items() if c.kind == "encoder"},
    "Decoders": lambda net, i: {p: c for p, c in net.coders.items() if c.kind == "decoder"},
    "Layers": lambda net, i: ByPath((path, _placed(node)) for path, node in nested_nodes(net) if not node.inner),
    "LayersList": lambda net, i: list(i["Layers"].values()),
    "LayersCount": lambda net, i: len(walked_layers(net)),  # an operator's inner layers, as Wolfram's walkNet
    "LayerTypeCounts": lambda net, i: dict(Counter(layer.type_name for layer in walked_layers(net))),
    "LayersGraph": lambda net, i: layers_graph(net),
    "TopologicalOrder": lambda net, i: [node.path for node in net.ir.nodes],
    "Arrays": lambda net, i: net.arrays,  # a shared array once, as Wolfram
    "ArraysList": lambda net, i: list(i["Arrays"].values()),
    "ArraysPositionList": lambda net, i: list(i["Arrays"]),
    "ArraysCount": lambda net, i: len(i["Arrays"]),
    "ArraysDimensions": lambda net, i: arrays_once(net, _dimensions(net)),
    "ArraysElementCounts": lambda net, i: {k: element_count(d) for k, d in i["ArraysDimensions"].items()},
    "ArraysByteCounts": lambda net, i: {k: v.numel() * v.element_size() for k, v in _known(i["Arrays"]).items()},
    "ArraysTotalElementCount": lambda net, i: _total(i["ArraysElementCounts"].values()),
    "ArraysTotalByteCount": lambda net, i: sum(i["ArraysByteCounts"].values()),
    "ArraysTotalSize": lambda net, i: byte_size(i["ArraysTotalByteCount"]),
    "ArraysSizes": lambda net, i: {k: byte_size(n) for k, n in i["ArraysByteCounts"].items()},  # Wolfram's, per array
    "ArraysLearningRateMultipliers": lambda net, i: _multipliers(net, list(i["Arrays"])),
    "UninitializedArrays": lambda net, i: [k for k, v in i["Arrays"].items() if v is None],
    "Estimators": lambda net, i: ByPath((path, node.layer.estimate) for path, node in nested_nodes(net)
                                        if isinstance(getattr(node.layer, "estimate", None), str)),  # in operators
    "SharedArrays": lambda net, i: shared_values(net),
    "SharedArraysCount": lambda net, i: len(i["SharedArrays"]),
    "RecurrentStatesCount": lambda net, i: len(_states(net)),
    "RecurrentStatesPositionList": lambda net, i: _states(net),
    "GraphIR": lambda net, i: net.ir,
    "TopologyHash": lambda net, i: _topology_hash(net),
    "SummaryGraphic": lambda net, i: net.render_svg(),
    "Summary": lambda net, i: _summary(net, i),
}
PROPERTIES = (*_PROPERTIES, "Properties")
#: Wolfram's Information properties that are spelt otherwise here -> where to look.
_WOLFRAM_PROPERTIES = {"MXNetNodeGraph": "'GraphIR' here: the node graph the net compiles from",
                       "MXNetNodeGraphPlot": "'SummaryGraphic' here, an SVG ('GraphIR' is the node graph)",
                       "FullSummaryGraphic": "'SummaryGraphic' here: an SVG of every layer and port",
                       "InputForm": "net.to_yaml() here: the net as a spec that rebuilds it"}


def property_hint(prop: object, candidates: Iterable[str]) -> str:
    """Where Wolfram's name for a property is found here, else a did-you-mean suffix ('' when nothing is close).

    >>> property_hint("MXNetNodeGraph", PROPERTIES)
    " (Wolfram's MXNetNodeGraph is 'GraphIR' here: the node graph the net compiles from)"
    """
    if not isinstance(prop, str):
        return ""
    if prop in _WOLFRAM_PROPERTIES:
        return f" (Wolfram's {prop} is {_WOLFRAM_PROPERTIES[prop]})"
    return did_you_mean(prop, candidates)


class Information(Mapping):
    """Every property of a net by name, each computed when first read; prints as a compact summary."""

    def __init__(self, net: Any):
        self._net, self._values = net, {}

    def __getitem__(self, prop: str) -> Any:
        if prop == "Properties":
            return list(PROPERTIES)
        if not isinstance(prop, str) or prop not in self._values:
            if not isinstance(prop, str) or prop not in _PROPERTIES:
                hint = property_hint(prop, PROPERTIES)
                raise OptionError(f"unknown property {prop!r}{hint}; properties: {sorted(PROPERTIES)}",
                                  option="prop", kind=VALUE_KIND)
            self._values[prop] = _PROPERTIES[prop](self._net, self)
        return self._values[prop]

    def __contains__(self, prop: object) -> bool:  # a mapping's test, and .get's: no OptionError for a missing key
        return isinstance(prop, str) and prop in PROPERTIES

    def get(self, prop: str, default: Any = None) -> Any:
        return self[prop] if prop in self else default

    def __iter__(self) -> Iterator[str]:
        return iter(PROPERTIES)

    def __len__(self) -> int:
        return len(PROPERTIES)

    def __eq__(self, other: object) -> bool:
        """Equal when the nets are (every property follows from the net: arrays by value, NaN equal to NaN);
        against another mapping, property by property, arrays by value."""
        if isinstance(other, Information):
            return type(self._net) is type(other._net) and bool(self._net == other._net)
        if not isinstance(other, Mapping):
            return NotImplemented
        return set(other) == set(PROPERTIES) and all(_same(_by_value(k, self[k]), _by_value(k, other[k]))
                                                     for k in PROPERTIES)

    __hash__ = None  # a mutable cache, as a dict: unhashable

    def __repr__(self) -> str:
        return self["Summary"]


def _by_value(prop: str, value: Any) -> Any:
    """A property as plain values to compare: the IR's and the layers graph's nodes and wiring (not identity)."""
    if prop == "GraphIR":
        return ([(n.path, n.layer, n.input_ports, n.output_ports, dict(n.inputs), dict(n.types)) for n in value.nodes],
                dict(value.input_types), dict(value.outputs))
    if prop == "LayersGraph":
        return dict(value.nodes(data=True)), sorted(value.edges)
    return value


def _summary(net: Any, info: Information, rows: int = 20) -> str:
    """One line for the ports and sizes, one for the arrays, the layer table (long ones cut in the middle)."""
    missing = len(info["UninitializedArrays"])
    size = f", {info['ArraysTotalSize']}" if info["ArraysTotalByteCount"] else ""
    state = f"{missing} uninitialized" if missing else "all initialized"
    table = summary_table(net, rows).split("\n")
    return "\n".join([f"{type(net).__name__}: {one_line(net)}",
                      f"arrays: {info['ArraysCount']} ({_elements(info['ArraysTotalElementCount'])}{size}), {state}",
                      *table, f'net.information("Properties") lists the {len(PROPERTIES)} properties; '
                              f'net.information("ArraysDimensions") gives one.'])


def information(net: Any, prop: str | list[str] | tuple[str, ...] | None = None) -> Any:
    """Wolfram's Information[net, prop] (a list or tuple of props: a list of their values); with no prop, an
    ``Information`` mapping that prints a summary."""
    return read_properties(Information(net), prop)


def read_properties(info: Mapping, prop: Any) -> Any:
    """``info`` itself (no prop), one property's value, or a list of values for a list or tuple of names."""
    return info if prop is None else [info[p] for p in prop] if isinstance(prop, (list, tuple)) else info[prop]
