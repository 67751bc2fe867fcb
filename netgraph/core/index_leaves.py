"""Where the values of a graph's index input reach: the layers they arrive at unchanged (``IndexLeaf``), walked
through nested graphs, operators' inner nets and layers that only move or pick values, for the encoder checks
(``port_coders``: an index encoder giving more indices than the EmbeddingLayer it feeds takes)."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from netgraph.core.held_places import WalkSteps, covered, moved_on, united
from netgraph.core.ir import Value
from netgraph.core.types import PortType

__all__ = ["IndexLeaf", "index_leaves", "InputFeeds"]


class IndexLeaf(NamedTuple):
    """A layer an index input's values reach, at ``port`` of type ``type``; ``fed``: with nothing moving them;
    ``mixed``: joined on the way (Catenate, Append) with values of no range that no encoder in ``encoded`` gives, or
    at an operator's output with values the walk does not follow (``_through_operator``)."""

    path: tuple
    layer: Any
    port: str
    fed: bool
    type: PortType
    mixed: bool = False


def index_leaves(graph: Any, port: str, encoded: set | None = None, feeds: InputFeeds | None = None
                 ) -> list[IndexLeaf]:
    """An ``IndexLeaf`` for each layer that is no graph which the values of graph input ``port`` reach unchanged:
    through nested graphs' inputs and operators' inner nets' (``passed_through``) alone (``fed``: as ``with_encoder``
    tells them), or through layers that only move or pick them too (``Layer.moved_inputs``: Reshape, Part, Catenate,
    ...). A layer computing on them (constant padding, sums, arithmetic) ends the walk there. From an inner net's output
    the walk goes on at the operator's outputs that give its values out unchanged (``passed_out``: NetMapOperator's,
    NetNestOperator's, NetFoldOperator's, a Catenate NetBidirectionalOperator's). ``encoded``: the (path, port) pairs
    encoders' values reach, by which ``mixed`` is told."""
    fed = _fed_leaves(graph, port, feeds or InputFeeds(graph))
    return _reached(graph.ir, port, (), encoded) if fed is None else fed


class InputFeeds:
    """The (layer, port) pairs each graph input feeds, in edge order, and the layers' places in run order: read
    from ``graph`` once for all its encoded inputs (``_fed_leaves``; a scan per input was quadratic in them)."""

    def __init__(self, graph: Any):
        self.graph, self.by_port = graph, {}
        for e in graph.edges:
            if e.src.layer is None and e.dst.layer is not None:
                self.by_port.setdefault(e.src.port, {})[(e.dst.layer, e.dst.port)] = None

    @functools.cached_property
    def runs(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.graph._order)}


def _fed_leaves(graph: Any, port: str, feeds: InputFeeds) -> list[IndexLeaf] | None:
    """``index_leaves`` read from the edges, with no IR built, where every layer graph input ``port`` feeds is one
    the walk ends at (no graph or operator, none moving the values on: ``moved_inputs``); else None. In the order
    the IR's walk gives (the layers as they run, each one's ports as it lists them)."""
    fed, layers = feeds.by_port.get(port, {}), graph.layers
    if any(layers[name]._depth or fed_port in layers[name].moved_inputs for name, fed_port in fed):
        return None
    runs = feeds.runs
    fed = sorted(fed, key=lambda key: (runs[key[0]], layers[key[0]].input_ports.index(key[1])))
    port_type = graph.port_types[port]  # an edge joins its ports' types: each fed port's
    return [IndexLeaf((name,), layers[name], fed_port, True, port_type) for name, fed_port in fed]


def _reached(ir: Any, port: str, prefix: tuple, encoded: set | None = None) -> list[IndexLeaf]:
    """``index_leaves`` in the graph ``ir`` from its input ``port``, each path after ``prefix``."""
    return _walk(ir, port, prefix, encoded)[0]


def _walk(ir: Any, port: str, prefix: tuple, encoded: set | None) -> tuple[list[IndexLeaf], dict[str, bool]]:
    """``_reached``, and the graph outputs the values reach, each with whether it is ``mixed`` there."""
    out, outputs, seen, todo = [], {}, {}, WalkSteps(ir.nodes, [(Value(None, port), True, False, None, False)])
    while todo:
        value, fed, mixed, places, own = todo.pop()
        for path, leaf_port in ir.consumers(value):
            if not path:  # a graph output
                outputs[leaf_port] = outputs.get(leaf_port, False) or mixed
                continue
            if (key := (path, leaf_port)) in seen and covered(seen[key], places):
                continue  # a port met by another way (with the places it holds now)
            node = ir.node(path)
            if key not in seen:
                out.append(IndexLeaf((*prefix, *path), node.layer, leaf_port, fed, node.types[leaf_port], mixed))
            seen[key] = united(seen.get(key, places), places)
            if leaf_port in node.layer.moved_inputs:
                todo += _moved_on(node, leaf_port, prefix, encoded, (mixed, places, own))
            if node.layer.inner_nets():
                inner, passed = _through_operator(node, leaf_port, prefix, encoded)
                out += [leaf._replace(fed=fed and leaf.fed, mixed=mixed or leaf.mixed) for leaf in inner]
                todo += [(Value(path, passed_port), False, mixed or joined, None, mixed or joined)
                         for passed_port, joined in passed.items()]
    return out, outputs


def _moved_on(node: Any, port: str, prefix: tuple, encoded: set | None, held: tuple) -> list[tuple]:
    """The walk's next steps from input ``port`` of ``node``, which moves its values (``moved_inputs``): its
    outputs, each with whether it is mixed, where in it the values lie (``held_places``), and whether it would be
    without the values other inputs joined there; none where the layer picks none of them (a PartLayer picking
    another input's elements from a CatenateLayer's output). ``held``: (mixed, places, own) at ``port``."""
    mixed, places, own = held
    joined = mixed or encoded is not None and _joins_unranged(node, port, prefix, encoded)
    moved = moved_on(node, port, places)
    if moved is not None and not moved.any():
        return []
    if moved is not None and moved.all():  # only the walked values: what joined them is gone
        joined, moved = own, None
    return [(value, False, joined, moved, joined if moved is None else own) for value in node.output_values]


def _through_operator(node: Any, port: str, prefix: tuple, encoded: set | None) -> tuple[list, dict[str, bool]]:
    """The leaves that input ``port`` of operator ``node`` reaches in its inner nets (``passed_through``), and the
    operator's outputs its values come out at (``passed_out``), each with whether it is mixed there: joined on the
    way in a net, or with another inner output's values that the walk does not reach (the backward net's, in a
    Catenate of NetBidirectionalOperator's two nets), or with an input's that no inner net takes and the walk does
    not follow (NetFoldOperator's InitialState, its State after no step), whatever its range. An input's values
    entering at a first step alone (``first_step``: a nest's applied twice or more, a fold's InitialState) and an
    inner output's fed into the next step (``fed_back``) are walked too, their leaves fed by no encoder."""
    first = node.layer.first_step.get(port)
    if not (passed := node.layer.passed_through(port)) and first is None:
        return [], {}
    leaves, reached, nets, back, place = [], {}, node.inner, node.layer.fed_back, (*prefix, *node.path)
    for option, inner_port in passed:
        leaves += _walk_in(nets[option], (option, inner_port), place, encoded, reached)
    if first is not None:  # later steps there hold the output fed back: other values, where it is not theirs
        inner = _walk_in(nets[first[0]], first, place, encoded, reached)
        later = reached.get((first[0], next((out for out, into in back.items() if into == first[1]), None)), True)
        leaves += [leaf._replace(fed=False, mixed=leaf.mixed or later) for leaf in inner]
    for (option, out), mixed in list(reached.items()):  # the values fed back: the next step's
        if out in back and (option, back[out]) not in (*passed, first):
            leaves += [leaf._replace(fed=False, mixed=leaf.mixed or mixed)
                       for leaf in _walk_in(nets[option], (option, back[out]), place, encoded, reached)]
    sources: dict[str, list] = {}
    for option, net in nets.items():
        for out in net.output_ports:
            for passed_port in node.layer.passed_out(option, out):
                sources.setdefault(passed_port, []).append((option, out))
    untaken = any(not node.layer.passed_through(other) for other in node.layer.input_ports)
    return leaves, {out: untaken or any(reached.get(source, True) for source in given)
                    for out, given in sources.items() if any(source in reached for source in given)}


def _walk_in(net: Any, entry: tuple[str, str], place: tuple, encoded: set | None, reached: dict) -> list[IndexLeaf]:
    """The leaves from inner net ``net``'s port (``entry``: its option, the port) in the operator at ``place``; the
    outputs the values reach added to ``reached`` by (option, output), with whether they are mixed there."""
    option, port = entry
    leaves, outputs = _walk(net, port, (*place, option), encoded)
    reached.update({(option, out): mixed or reached.get((option, out), False) for out, mixed in outputs.items()})
    return leaves


def _joins_unranged(node: Any, port: str, prefix: tuple, encoded: set) -> bool:
    """Whether ``node`` moves the values at ``port`` together with others of no range that no encoder gives (an
    Integer input beside a ClassEncoder's into a Catenate: its output may hold any integer, as joined_range says)."""
    return any(other != port and (*prefix, *node.path, other) not in encoded and node.types[other].range is None
               for other in node.layer.moved_inputs if other in node.inputs)
