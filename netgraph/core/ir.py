"""The graph IR: frozen nodes and values, built once per NetGraph (``net.ir``), read by every stage.

As torch.fx's Graph/Node: a ``Node`` is one leaf layer instance (nested graphs are flattened, the
path names it), a ``Value`` is what flows on an edge (an output port of a node, or a graph input),
and ``GraphIR`` holds the nodes in topological order with producer and consumer maps computed once.
Each port's inferred ``PortType`` is stored once, in its node: both ends of an edge hold the same object.

>>> from netgraph import NetGraph, LinearLayer
>>> ir = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")], Input=4).ir
>>> [node.name for node in ir.nodes]
['lin', 'act']
>>> ir.node(("act",)).inputs["Input"]
Value(node=('lin',), port='Output')
>>> ir.consumers(Value(None, "Input")), ir.outputs["Output"]
(((('lin',), 'Input'),), Value(node=('act',), port='Output'))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import is_
from types import MappingProxyType
from typing import Any

from netgraph.core.inference import Solution
from netgraph.core.layer import Layer
from netgraph.core.types import PortType

__all__ = ["Value", "Node", "GraphIR", "build_ir", "with_layers", "with_node_layers"]

Key = tuple  # (layer path, port): a port of the graph as NetGraph names it; path () is the graph itself


@dataclass(frozen=True, slots=True)
class Value:
    """An output port of the node at path ``node``, or the graph input ``port`` when ``node`` is None."""

    node: tuple[str, ...] | None
    port: str

    @property
    def key(self) -> Key:
        """The ``(path, port)`` key NetGraph uses: ``((), port)`` for a graph input."""
        return (() if self.node is None else self.node, self.port)


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    """A leaf layer instance: its path, layer, ports, inferred type per port, and the Value feeding each input."""

    path: tuple[str, ...]
    layer: Layer
    input_ports: tuple[str, ...]
    output_ports: tuple[str, ...]
    inputs: Mapping[str, Value]  # input port -> the value feeding it, in input_ports order
    types: Mapping[str, PortType]  # every port (inputs, then outputs) -> its inferred type

    @property
    def name(self) -> str:
        """The path as text: ``enc/lin``."""
        return "/".join(self.path)

    def output(self, port: str) -> Value:
        """The Value this node produces on output ``port``."""
        return Value(self.path, port)

    @property
    def given(self) -> tuple[tuple[str, str], ...]:
        """Its input ports fed straight by its net's inputs, as (port, net input) pairs: data, not a computed value."""
        return tuple((p, v.port) for p, v in self.inputs.items() if v.node is None)

    @property
    def inner(self) -> dict[str, GraphIR]:
        """The IR of each net the layer holds (an operator's, by option), inferred with this node's port types."""
        return {field: net.ir for field, net in self.layer.inner_nets(self.types).items()}

    @property
    def output_values(self) -> tuple[Value, ...]:
        return tuple(Value(self.path, p) for p in self.output_ports)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.layer.type_name})"

    def __reduce__(self) -> tuple:  # pickle and deepcopy: the read-only maps as dicts, made read-only again
        return _node, (self.path, self.layer, self.input_ports, self.output_ports, dict(self.inputs), dict(self.types))


def _node(path: tuple, layer: Layer, ins: tuple, outs: tuple, inputs: dict, types: dict) -> Node:
    return Node(path, layer, ins, outs, MappingProxyType(inputs), MappingProxyType(types))


class GraphIR:
    """The nodes of a graph in topological order, its inputs and outputs, producer and consumer maps."""

    def __init__(self, nodes: Iterable[Node], input_types: Mapping[str, PortType],
                 outputs: Mapping[str, Value], producers: Mapping[Key, Any], values: Mapping[Any, Value] | None = None):
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.input_types: Mapping[str, PortType] = MappingProxyType(dict(input_types))
        self.outputs: Mapping[str, Value] = MappingProxyType(dict(outputs))
        self._by_path = {node.path: node for node in self.nodes}
        # producer of a key: ``values[producers[key]]`` (inference's class roots, not a second dict of every key)
        # or, without ``values``, ``producers[key]`` itself
        self._producers, self._values = producers, values
        self._consumers: dict[Value, tuple[Key, ...]] | None = None  # made by the first ``consumers`` call

    @property
    def input_ports(self) -> tuple[str, ...]:
        return tuple(self.input_types)

    @property
    def output_ports(self) -> tuple[str, ...]:
        return tuple(self.outputs)

    def node(self, path: tuple[str, ...]) -> Node:
        """The node at ``path``; KeyError when there is none (a nested graph is not a node)."""
        return self._by_path[path]

    def has_node(self, path: tuple[str, ...]) -> bool:
        return path in self._by_path

    def producer(self, key: Key) -> Value:
        """The Value reaching port ``key`` (any port of the graph, nested graph ports included)."""
        if self._values is None:
            return self._producers[key]
        return self._values[self._producers[key]]

    def consumers(self, value: Value) -> tuple[Key, ...]:
        """The ports ``value`` feeds: ``(node path, input port)``, or ``((), output port)`` for a graph output."""
        if self._consumers is None:  # few walks ask (error messages, surgery): not made with every IR
            self._consumers = _consumer_map(self.nodes, self.outputs)
        return self._consumers.get(value, ())

    def type_of(self, value: Value) -> PortType:
        """The inferred type of ``value`` (the object its node, or the graph input, stores)."""
        if value.node is None:
            return self.input_types[value.port]
        return self._by_path[value.node].types[value.port]

    @property
    def output_types(self) -> dict[str, PortType]:
        return {port: self.type_of(value) for port, value in self.outputs.items()}

    def __repr__(self) -> str:
        return f"GraphIR(<{len(self.nodes)} nodes>, inputs={list(self.input_types)}, outputs={list(self.outputs)})"

    def __reduce__(self) -> tuple:  # pickle and deepcopy (information("GraphIR")): made again from its parts
        return GraphIR, (self.nodes, dict(self.input_types), dict(self.outputs), self._producers, self._values)


def _consumer_map(nodes: tuple[Node, ...], outputs: Mapping[str, Value]) -> dict[Value, tuple[Key, ...]]:
    users: dict[Value, list[Key]] = {}
    for node in nodes:
        for port, value in node.inputs.items():
            users.setdefault(value, []).append((node.path, port))
    for port, value in outputs.items():
        users.setdefault(value, []).append(((), port))
    return {value: tuple(keys) for value, keys in users.items()}


def build_ir(leaves: Iterable[tuple[tuple, Layer]], solution: Solution, inputs: tuple[str, ...],
             outputs: tuple[str, ...]) -> GraphIR:
    """The IR from inference's ``Solution`` (each key's number, each number's class root, each root's type): the
    leaves in order; each leaf's ports' roots read from the solved problem's ``{port: root}`` of that leaf (no key
    tuple a port), their types from a list."""
    ids, root_of = solution.ids, solution.root_of
    leaves = leaves if isinstance(leaves, list) else list(leaves)
    by_root = {root_of[ids[((), p)]]: Value(None, p) for p in inputs}
    try:  # one pass: in topological order each input's producer is met before it (its output registered then)
        nodes = _nodes(leaves, solution, by_root, register=True)
    except KeyError:
        nodes = None
    if nodes is None:  # a producer came later, or two outputs share a class: every output first, a later one winning
        for path, layer in leaves:
            path, roots = ids.leaf(path)
            for port in layer.output_ports:
                by_root[roots[port]] = Value(path, port)
        nodes = _nodes(leaves, solution, by_root, register=False)
    return GraphIR(nodes, {p: solution.type_of(((), p)) for p in inputs},
                   {p: by_root[root_of[ids[((), p)]]] for p in outputs}, solution.root_lookup(), by_root)


def _nodes(leaves: list[tuple[tuple, Layer]], solution: Solution, by_root: dict[int, Value],
           register: bool) -> list[Node] | None:
    """The nodes, their inputs' producers read from ``by_root``; ``register``: each output is added to ``by_root`` as
    its node is made (None when two outputs share a class). A node whose ports hold the type objects of the last node
    with its ports shares its read-only ``types`` map (a chain of one width holds two: not a dict and its keys a node)."""
    leaf, type_of = solution.ids.leaf, solution.class_types.__getitem__
    nodes, known, held = [], len(by_root), {}  # held: by input ports, the last (outputs, types, read-only map)
    for path, layer in leaves:  # loops, not comprehensions: a 100k-layer graph makes 100k nodes
        ins, outs, feeds = tuple(layer.input_ports), tuple(layer.output_ports), {}
        path, roots = leaf(path)  # the path as the problem holds it (one tuple), the leaf's {port: class root}
        for port in ins:
            feeds[port] = by_root[roots[port]]
        if register:
            for port in outs:
                by_root[roots[port]] = Value(path, port)
        known += len(outs)
        found = tuple(map(type_of, roots.values()))  # (roots: the ports, inputs then outputs, each once)
        last = held.get(ins)
        if last is None or last[0] is not outs or not all(map(is_, last[1], found)):  # not the same type objects
            last = held[ins] = (outs, found, MappingProxyType(dict(zip(roots, found))))
        nodes.append(Node(path, layer, ins, outs, MappingProxyType(feeds), last[2]))
    return nodes if not register or len(by_root) == known else None


def with_layers(ir: GraphIR, leaves: Iterable[tuple[tuple, Layer]]) -> GraphIR | None:
    """``ir`` with its nodes holding ``leaves`` (path, layer) instead, for a graph whose layers changed only in
    arrays (every port type as it was); None when the paths differ from the nodes' (then build the IR afresh)."""
    nodes = []
    for node, (path, layer) in zip(ir.nodes, leaves):
        if path != node.path:
            return None
        nodes.append(node if layer is node.layer else
                     Node(path, layer, node.input_ports, node.output_ports, node.inputs, node.types))
    if len(nodes) != len(ir.nodes):
        return None
    new = object.__new__(GraphIR)
    new.__dict__.update(ir.__dict__, nodes=tuple(nodes), _by_path={node.path: node for node in nodes})
    return new


def with_node_layers(ir: GraphIR, layers: Mapping[tuple, Layer]) -> GraphIR:
    """``ir`` with the nodes at the paths of ``layers`` holding those layers instead (each differing from the node's
    in arrays only: every port type as it was); the other nodes are the same objects."""
    by_path = dict(ir._by_path)  # in node order: a changed node keeps its place
    for path, layer in layers.items():
        node = by_path[path]
        by_path[path] = Node(path, layer, node.input_ports, node.output_ports, node.inputs, node.types)
    new = object.__new__(GraphIR)
    new.__dict__.update(ir.__dict__, nodes=tuple(by_path.values()), _by_path=by_path)
    return new
