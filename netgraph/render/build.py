"""Building the diagram model of a net in one pass, in time about linear in the drawn nodes, however
deep the nesting: each nested graph's id prefix, description and port types are worked out once, from
its parent's, never by walking its path again.

Ids spell the path (``L.enc.lin``) while it is at most ``ID_LIMIT`` characters; a nested graph whose
path is longer gets a short stand-in, ``~<n>`` (the n-th such graph, in drawing order), so ids below
it read ``L.~1.lin``, ``I.~1.Input`` (``escape_id`` never writes ``~``, so these never clash).

>>> from netgraph import NetGraph, LinearLayer
>>> d = build_diagram(NetGraph({"lin": LinearLayer(3)}, Input=4), DiagramOptions())
>>> [n.id for n in d.nodes], [e.label for e in d.edges]
(['I.Input', 'L.lin', 'O.Output'], ['(b, 4)', '(b, 3)'])
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from netgraph.core.graph import NetGraph
from netgraph.core.names import printable, printable_path
from netgraph.core.naming_scope import quoted
from netgraph.core.nesting import deep_walk
from netgraph.core.ports import NetPort
from netgraph.core.stage_doors import count_drawn
from netgraph.core.types import PortType
from netgraph.layers.operators import NetFoldOperator
from netgraph.render.model import (FILL, MAX_EXPAND, Cluster, Diagram, DiagramOptions, Edge, Node, escape_id,
                                    batch_name, name_label, one_line, shape_label, shorten, tooltip_text,
                                    without_addresses)
from netgraph.render.nodes import coder_line, layer_node, operator_options
from netgraph.render.probability import score_mark

__all__ = ["build_diagram", "ID_LIMIT", "COMPACT_ABOVE", "MAX_EXPAND"]

#: Above this many drawn nodes, ``compact="auto"`` shortens labels (Wolfram drops them above 16).
COMPACT_ABOVE = 60
#: Ids spell the path up to this many characters; deeper paths get a ``~<n>`` stand-in.
ID_LIMIT = 80
TOOLTIP = 400  # characters of a layer's tooltip (model.tooltip_text)
WHERE = 120  # characters of a path shown in a port's or an edge's tooltip (its end is kept)


def _tail(text: str, width: int = WHERE) -> str:
    """``text``, or its last ``width`` characters after an ellipsis (a deep path's end says most)."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _last_names(path: tuple) -> tuple:
    """The last names of ``path`` whose printed forms (``printable_path``) reach past ``WHERE`` characters (all of
    them when they do not): what ``_tail`` keeps of the whole path, found without printing every name."""
    kept, reach = 0, 0
    while kept < len(path) and reach <= WHERE + 1:  # the text is reach - 1 long: past WHERE, _tail cuts it
        kept, reach = kept + 1, reach + len(printable(path[-kept - 1])) + 1
    return path[len(path) - kept:]


def _port_text(path: tuple, port: str) -> str:
    """A port as the user names it, the layer path and the port apart: ``NetPort('Input')`` (a graph port),
    ``NetPort('a', 'Input')``, ``NetPort(('enc', 'l1', 'Input'))`` (kept to its last ``WHERE`` characters: made
    of the path's last names that reach that far, so a deep edge's text costs no more than a shallow one's)."""
    kept, reach = 0, 0
    while kept < len(path) and (reach <= WHERE or kept < 2):
        kept, reach = kept + 1, reach + len(repr(path[-kept - 1])) + 2
    return _tail(repr(NetPort((*path[len(path) - kept:], port)) if path else NetPort(port)))


@dataclass
class _Builder:
    net: Any
    options: DiagramOptions
    compact: bool
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    expanded: set = field(default_factory=set)
    prefix: dict = field(default_factory=lambda: {(): ""})  # frame -> its id prefix
    where: dict = field(default_factory=lambda: {(): ""})  # frame -> its description (None: by path)
    types: dict = field(default_factory=dict)  # layer or frame path -> its port types
    graph_at: dict = field(default_factory=dict)  # an expanded nested graph's path -> the graph
    shortened: int = 0
    marks: dict = field(default_factory=dict)  # score_mark's lookups, once per graph port
    batch: str = "b"  # the batch's name in every label (batch_name: one across the diagram)

    # -- ids, descriptions and types, each worked out once per path -----------------------------------------
    def id_of(self, frame: tuple, name: str) -> str:
        """The id part of ``(*frame, name)``: the frame's prefix and the escaped name."""
        head = self.prefix[frame]
        return f"{head}.{escape_id(name)}" if head else escape_id(name)

    def enter(self, frame: tuple, name: str, graph: Any) -> tuple:
        """The path of ``name`` in ``frame`` (a nested graph or operator about to be drawn as a cluster)."""
        path = (*frame, name)
        full = self.id_of(frame, name)
        if len(full) > ID_LIMIT:
            self.shortened += 1
            full = f"~{self.shortened}"
        self.prefix[path] = full
        parent = self.where[frame]
        try:
            self.where[path] = None if parent is None else self.describe(parent, graph, name)
        except Exception:  # noqa: BLE001 - a user layer that cannot be described: its path stands in, as below
            self.where[path] = None
        return path

    @staticmethod
    def describe(parent: str, graph: Any, name: str) -> str:
        """``NetGraph.describe`` of the path (in an operator ``graph``: its inner net ``name``), from its parent's
        (kept to what a tooltip shows)."""
        own = one_line(graph.describe(((name,), None))) if isinstance(graph, NetGraph) else f"inner net {quoted(name)}"
        return (f"{parent} > {own}" if parent else own)[: TOOLTIP + 1]

    def tooltip(self, frame: tuple, name: str, graph: Any, layer: Any) -> str:
        parent = self.where[frame]
        try:
            text = (f"{self.describe(parent, graph, name)}: {without_addresses(repr(layer))}" if parent is not None
                    else printable_path((*frame, name)))
        except Exception:  # noqa: BLE001 - a user layer's __repr__ may fail; the path still identifies it
            text = printable_path((*frame, name))
        return tooltip_text(text, TOOLTIP)

    def port_type(self, path: tuple, port: str) -> PortType | None:
        return self.port_types(path).get(port)

    def port_types(self, path: tuple) -> Mapping[str, PortType]:
        if path not in self.types:
            self.types[path] = self._lookup(path)
        return self.types[path]

    def _lookup(self, path: tuple) -> Mapping[str, PortType]:
        try:
            if not path:
                return self.net.port_types
            if path in self.graph_at and self.where[path] is not None:
                nested = self.net.nested_port_types()  # a nested graph: no walk down its path
                ports = (*self.graph_at[path].input_ports, *self.graph_at[path].output_ports)
                if all((path, p) in nested for p in ports):
                    return {p: nested[(path, p)] for p in ports}
            return self.net.layer_types(path)
        except (KeyError, ValueError):  # a port without an inferred type is drawn as unknown
            return {}

    # -- nodes, clusters and edges --------------------------------------------------------------------------
    def port_node(self, kind: str, frame: tuple, port: str, cluster: tuple) -> None:
        prefix = "I." if kind == "input" else "O."
        t = shape_label(self.port_type(frame, port), full=True, batch=self.batch)
        where = "graph input" if kind == "input" else "graph output"
        inner = f" of {_tail(printable_path(_last_names(frame)))}" if frame else ""  # a few names, not the depth
        coder = self.net.coders.get(port) if not frame else None
        self.nodes.append(Node(id=prefix + self.id_of(frame, port), kind=kind if not frame else f"cluster-{kind}",
                               title=shorten(port, 48), lines=(coder_line(coder),) if coder else (),
                               classes=(f"graph-{kind}",) if not frame else (f"cluster-{kind}",),
                               fill=FILL[kind] if not frame else FILL["port"],
                               tooltip=f"{where} {port!r}{inner}: {t}", cluster=cluster))

    def walk(self, graph: Any, frame: tuple, depth: int) -> None:
        for name, layer in graph.layers.items():
            if isinstance(layer, NetGraph) and self.options.depth_allowed(depth + 1):
                path = self.enter(frame, name, graph)
                self.graph_at[path] = layer
                self.cluster(path, f"{name_label(printable(name), 32)} · {type(layer).__name__}",
                             self.tooltip(frame, name, graph, layer), layer.input_ports, layer.output_ports,
                             layer, depth + 1)
            elif layer.inner_nets() and self.options.depth_allowed(depth + 1):
                self.operator(frame, name, graph, layer, depth + 1)
            else:
                node = layer_node("L." + self.id_of(frame, name), name, layer, self.compact, frame,
                                  self.tooltip(frame, name, graph, layer), self.marks)
                capped = self.options.expand is True and depth + 1 > MAX_EXPAND
                if capped and (isinstance(layer, NetGraph) or layer.inner_nets()):  # say why it is a box
                    node = replace(node, lines=(*node.lines, f"collapsed below level {MAX_EXPAND} (expand=n)"))
                self.nodes.append(node)
        for e in graph.edges:
            self.edges.append(self.edge(graph, frame, e))

    def operator(self, frame: tuple, name: str, graph: Any, layer: Any, depth: int) -> None:
        """An operator: a cluster holding its ports and each inner net (a cluster of its own, as a nested graph
        is drawn); each inner net port is joined to the operator's port of the same name."""
        path = self.enter(frame, name, graph)
        own = operator_options(layer)  # n=3, aggregation='Plus': what the drawn inner nets do not show
        label = f"{name_label(printable(name), 32)} · {layer.type_name}" + (f" · {shorten(own, 48)}" if own else "")
        running = layer.running_with(self.port_types(path))  # its inner nets tipped with the shapes they run with
        self.cluster(path, label, self.tooltip(frame, name, graph, running), layer.input_ports, [], None, depth)
        for inner_name, inner in layer.inner_nets().items():
            inner_path = self.enter(path, inner_name, layer)
            tip = self.tooltip(path, inner_name, layer, getattr(running, inner_name))
            self.cluster(inner_path, f"{inner_name} · inner net", tip, inner.input_ports, inner.output_ports, inner,
                         depth)
            ends = [("I.", path, p, "I.", inner_path, p) for p in inner.input_ports if p in layer.input_ports]
            ends += [("O.", inner_path, p, "O.", path, p) for p in inner.output_ports if p in layer.output_ports]
            ends += [end for end in _passed_through(layer, path, inner_name, inner_path) if end not in ends]
            if isinstance(layer, NetFoldOperator):  # the state: given or zeros -> inner State; Output -> final State
                ends += [("I.", path, "InitialState", "I.", inner_path, "State")] if layer.state_input else []
                ends.append(("O.", inner_path, "Output", "O.", path, "State"))
            for kind, src, port, dst_kind, dst, dst_port in ends:
                t = self.port_type(src, port)
                self.edges.append(Edge(kind + self.id_of(src, port), None, dst_kind + self.id_of(dst, dst_port), None,
                                       shape_label(t, batch=self.batch), f"{_port_text(src, port)} -> "
                                       f"{_port_text(dst, dst_port)}: {shape_label(t, full=True, batch=self.batch)}"))
        for port in layer.output_ports:
            self.port_node("output", path, port, path)

    def cluster(self, path: tuple, label: str, tooltip: str, inputs: Any, outputs: Any, graph: Any = None,
                depth: int = 0) -> None:
        """A cluster at ``path``, ``depth`` levels down as ``expand`` counts them, with port nodes for ``inputs`` and
        ``outputs``, holding ``graph``'s layers."""
        self.expanded.add(path)
        self.clusters.append(Cluster(path, "cluster_" + self.prefix[path], label, tooltip, depth))
        for port in inputs:
            self.port_node("input", path, port, path)
        if graph is not None:
            self.walk(graph, path, depth)
        for port in outputs:
            self.port_node("output", path, port, path)

    def endpoint(self, frame: tuple, ref: Any, side: str) -> tuple[str, str | None, tuple]:
        """(node id, slot or None, type key) of one end of an edge drawn in ``frame``."""
        if ref.layer is None:
            return ("I." if side == "src" else "O.") + self.id_of(frame, ref.port), None, frame
        path = (*frame, ref.layer)
        if path in self.expanded:
            return ("O." if side == "src" else "I.") + self.id_of(path, ref.port), None, path
        return "L." + self.id_of(frame, ref.layer), ref.port, path

    def edge(self, graph: Any, frame: tuple, e: Any) -> Edge:
        src, src_port, key = self.endpoint(frame, e.src, "src")
        dst, dst_port, _ = self.endpoint(frame, e.dst, "dst")
        t = self.port_type(key, e.src.port)
        mark = score_mark(graph.layers[e.src.layer], e.src.port, self.marks) if e.src.layer is not None else None
        label, full = ((f"{text} {mark}" if mark else text)
                       for text in (shape_label(t, batch=self.batch), shape_label(t, full=True, batch=self.batch)))
        ends = [_port_text(frame if end.layer is None else (*frame, end.layer), end.port) for end in (e.src, e.dst)]
        return Edge(src, src_port, dst, dst_port, label, f"{ends[0]} -> {ends[1]}: {full}")


def _passed_through(layer: Any, path: tuple, inner_name: str, inner_path: tuple) -> list[tuple]:
    """The joins from the operator's inputs to the inner net ``inner_name``'s ports they reach unchanged
    (``passed_through``: NetPairEmbeddingOperator's Input1 and Input2 both to its net's Input)."""
    return [("I.", path, port, "I.", inner_path, inner_port) for port in layer.input_ports
            for option, inner_port in layer.passed_through(port) if option == inner_name]


@deep_walk
def build_diagram(net: Any, options: DiagramOptions) -> Diagram:
    """The diagram of ``net``: graph inputs, layers (clusters for expanded nested graphs), graph outputs."""
    compact = options.compact
    if compact == "auto":
        compact = count_drawn(net, options.depth_allowed, COMPACT_ABOVE) > COMPACT_ABOVE
    b = _drawn(_Builder(net, options, bool(compact)))
    batch = batch_name(t for types in b.types.values() for t in types.values())
    if batch != b.batch:  # a length is named b: every label drawn again with the batch named apart from it
        b = _drawn(_Builder(net, options, bool(compact), types=b.types, marks=b.marks, batch=batch))
    return Diagram(tuple(b.nodes), tuple(b.edges), tuple(b.clusters), options, bool(compact))


def _drawn(b: _Builder) -> _Builder:
    """``b`` with its net's graph inputs, layers and graph outputs drawn."""
    for port in b.net.input_ports:
        b.port_node("input", (), port, ())
    b.walk(b.net, (), 0)
    for port in b.net.output_ports:
        b.port_node("output", (), port, ())
    return b
