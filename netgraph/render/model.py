"""The diagram of a net as plain data: nodes with named port slots, shape-labelled edges, clusters.

Both renderers read this one model (``to_dot`` for Graphviz, ``layout.py`` for the built-in
layout), so every backend shows the same content. Node ids are stable: ``L.<path>`` for a
layer, ``I.<port>``/``O.<port>`` for graph ports and ``I.<path>.<port>``/``O.<path>.<port>`` for
the ports of an expanded nested graph (names escaped so they are valid Graphviz and SVG ids).

>>> from netgraph import NetGraph, LinearLayer
>>> d = build_diagram(NetGraph({"lin": LinearLayer(3)}, Input=4), DiagramOptions())
>>> [n.id for n in d.nodes], [e.label for e in d.edges]
(['I.Input', 'L.lin', 'O.Output'], ['(b, 4)', '(b, 3)'])
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.types import INTEGER, PortType
from netgraph.render.probability import (divergence_lines, format_value, is_divergence, is_random, random_lines,
                                         score_mark)
from netgraph.core.graph import NetGraph
from netgraph.core.walk import map_nodes
from netgraph.layers.losses import LOSS_LAYERS
from netgraph.layers.operators import NetFoldOperator

__all__ = ["DiagramOptions", "Diagram", "Node", "Edge", "Cluster", "build_diagram", "shape_label", "escape_id"]

RANKDIRS = ("TB", "LR", "BT", "RL")
#: Above this many drawn nodes, ``compact="auto"`` shortens labels (Wolfram drops them above 16).
COMPACT_ABOVE = 60

FILL = {"layer": "#e9ecef", "arrays": "#dbe4ff", "random": "#ffe8cc", "loss": "#ffe3e3", "graph": "#f1f3f5",
        "input": "#d0ebff", "output": "#d3f9d8", "port": "#ffffff", "score": "#fff3bf"}
BORDER = {"default": "#495057", "random": "#e8590c", "uninitialized": "#c92a2a"}


@dataclass(frozen=True)
class DiagramOptions:
    """What to draw: ``rankdir`` ("TB", "LR", "BT", "RL"), ``expand`` (True: every nested graph as a
    cluster; False: collapse them; an int n: expand n levels), ``compact`` ("auto", True, False:
    drop option lines and shorten names, as needed for large graphs), ``title`` (a graph label)."""

    rankdir: str = "TB"
    expand: bool | int = True
    compact: bool | str = "auto"
    title: str | None = None

    def __post_init__(self) -> None:
        if self.rankdir not in RANKDIRS:
            raise OptionError(f"rankdir must be one of {list(RANKDIRS)}, found {self.rankdir!r}"
                              f"{did_you_mean(self.rankdir, RANKDIRS)}")
        if not isinstance(self.expand, (bool, int)) or self.expand < 0:
            raise OptionError(f"expand must be True, False or a depth >= 0 (levels of nested graphs drawn as "
                              f"clusters), found {self.expand!r}")
        if self.compact not in (True, False, "auto"):
            raise OptionError(f"compact must be True, False or 'auto', found {self.compact!r}")
        if self.title is not None and not isinstance(self.title, str):
            raise OptionError(f"title must be a string, found {self.title!r}")

    @classmethod
    def from_kwargs(cls, options: dict[str, Any]) -> DiagramOptions:
        """Options from keywords; an unknown keyword is an OptionError with a suggestion."""
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in options if k not in names]
        if unknown:
            raise OptionError(f"unknown diagram option {unknown[0]!r}{did_you_mean(unknown[0], names)}; "
                              f"options are {names}")
        return cls(**options)

    def depth_allowed(self, depth: int) -> bool:
        """True when a nested graph ``depth`` levels down (1 = top level) is drawn as a cluster."""
        return self.expand is True or (self.expand is not False and depth <= self.expand)


@dataclass(frozen=True)
class Node:
    """A box: a layer (``kind`` "layer"/"graph") with port slots, or a graph port ("input"/"output")."""

    id: str
    kind: str
    title: str
    type: str = ""
    lines: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    fill: str = FILL["layer"]
    border: str = BORDER["default"]
    rounded: bool = False
    warning: str = ""
    tooltip: str = ""
    cluster: tuple[str, ...] = ()
    marked: tuple[str, ...] = ()  # output slots carrying a log-probability or KL (drawn with FILL["score"])


@dataclass(frozen=True)
class Edge:
    """A connection from ``src`` (its output slot ``src_port``, or None for a port node) to ``dst``."""

    src: str
    src_port: str | None
    dst: str
    dst_port: str | None
    label: str
    tooltip: str = ""


@dataclass(frozen=True)
class Cluster:
    """An expanded nested graph: its layer path, DOT/SVG id and label."""

    path: tuple[str, ...]
    id: str
    label: str
    tooltip: str = ""


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    options: DiagramOptions
    compact: bool = False

    @property
    def large(self) -> bool:
        """Big enough that layout speed matters more than the last bit of polish."""
        return len(self.nodes) > 200


def escape_id(name: str) -> str:
    """A Graphviz-, SVG- and port-safe form of a name; injective (every escape starts and ends with '-').

    >>> escape_id("enc_1"), escape_id("a:b"), escape_id("é")
    ('enc_1', 'a-3a-b', '-e9-')
    """
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else f"-{ord(c):x}-" for c in name)


def _path_id(path: tuple[str, ...]) -> str:
    return ".".join(escape_id(p) for p in path)


def shape_label(t: PortType | None) -> str:
    """The edge label of a port type: batch as ``b``.

    >>> shape_label(PortType((2, 3))), shape_label(PortType(())), shape_label(PortType(None))
    ('(b, 2, 3)', '(b)', '(b, …)')
    >>> shape_label(PortType((None, "n"), "Integer"))
    '(b, ?, n) int'
    """
    if t is None or t.shape is None:
        text = "(b, …)"
    else:
        text = "(" + ", ".join(["b", *("?" if d is None else str(d) for d in t.shape)]) + ")"
    return f"{text} int" if t is not None and t.dtype == INTEGER else text


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis.

    >>> shorten("#Means + #Stds * #Random", 12)
    '#Means + #S…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def option_lines(layer: Any) -> list[str]:
    """The key options of a layer as short lines (arrays and shapes shown elsewhere are left out)."""
    try:
        options = layer.options()
    except Exception:  # noqa: BLE001 - a user layer whose options() fails must not stop the diagram
        return []
    skip = {*getattr(layer, "ARRAYS", {}).values(), "input", "state_input", "state_output"}
    positional = getattr(layer, "POSITIONAL", None)
    if positional != "output":
        skip.add("output")
    if is_random(layer):
        skip |= {"distribution", "estimator"}
    if is_divergence(layer):
        skip |= {"p", "q", "method", "samples"}
    lines, pairs = [], []
    for key, value in options.items():
        if key in skip:
            continue
        if key == positional and (isinstance(value, str) or callable(value)):
            lines.append(format_value(value))  # an expression, an activation name or a function
        else:
            pairs.append(f"{key}={format_value(value)}")
    return lines + ([", ".join(pairs)] if pairs else []) + _state_lines(layer)


def _state_lines(layer: Any) -> list[str]:
    """A recurrent layer's states, and where each starts and ends (its state ports are drawn as slots)."""
    states = getattr(layer, "STATES", ())
    if not states or not hasattr(layer, "state_input"):
        return []
    start = "given" if layer.state_input else "zeros"
    return [f"states: {', '.join(states)} (from {start}{', final out' if layer.state_output else ''})"]


def _uninitialized(layer: Any) -> list[str]:
    try:
        return [name for name, value in layer.arrays.items() if value is None]
    except Exception:  # noqa: BLE001 - a user layer with a broken arrays property: nothing to flag
        return []


def _shared(layer: Any) -> dict[str, str]:
    try:
        return {} if isinstance(layer, NetGraph) else dict(layer.shared)
    except Exception:  # noqa: BLE001 - a user layer with a broken shared property: nothing to mark
        return {}


def _layer_node(net: Any, path: tuple[str, ...], layer: Any, compact: bool, cluster: tuple) -> Node:
    width = 24 if compact else 48
    kind, classes, fill, border, rounded = "layer", ["layer"], FILL["layer"], BORDER["default"], False
    if isinstance(layer, NetGraph):
        per_node = map_nodes(layer, lambda node: [f"{node.name}.{a}" for a in _uninitialized(node.layer)])
        lines = [f"{len(per_node)} layers"]
        missing = [text for texts in per_node for text in texts]
        kind, classes, fill = "graph", ["graph"], FILL["graph"]
    else:
        lines = option_lines(layer)
        missing = _uninitialized(layer)
        if getattr(layer, "ARRAYS", None):
            fill = FILL["arrays"]
        if _is_loss(layer):
            classes, fill = [*classes, "loss"], FILL["loss"]
    if is_random(layer):
        lines = random_lines(layer) + ([] if compact else lines)
        classes, fill, border, rounded = [*classes, "random"], FILL["random"], BORDER["random"], True
    elif is_divergence(layer):
        lines = divergence_lines(layer)[-1:] if compact else divergence_lines(layer) + lines
        classes, fill = [*classes, "divergence"], FILL["loss"]
        if layer.resolved_method == "monte_carlo":
            classes, border, rounded = [*classes, "random"], BORDER["random"], True
    elif compact:
        lines = []
    shared = _shared(layer)
    if shared:  # a shared array (NetSharedArray) is marked on every layer using it, with its name
        lines, classes = [*lines, "shared " + ", ".join(f"{a}={n}" for a, n in shared.items())], [*classes, "shared"]
    warning = ""
    if missing:
        classes, border = [*classes, "uninitialized"], BORDER["uninitialized"]
        warning = shorten("uninitialised: " + ", ".join(missing), width)
    return Node(id="L." + _path_id(path), kind=kind, title=shorten(path[-1], width),
                type=shorten(getattr(layer, "type_name", type(layer).__name__), width),
                lines=tuple(shorten(line, width) for line in lines),
                inputs=tuple(layer.input_ports), outputs=tuple(layer.output_ports), classes=tuple(classes),
                fill=fill, border=border, rounded=rounded, warning=warning,
                tooltip=_tooltip(net, path, layer), cluster=cluster,
                marked=tuple(p for p in layer.output_ports if score_mark(layer, p)))


def _is_loss(layer: Any) -> bool:
    return isinstance(layer, LOSS_LAYERS)


def _tooltip(net: Any, path: tuple[str, ...], layer: Any) -> str:
    try:
        text = f"{net.describe((path, None))}: {layer!r}"
    except Exception:  # noqa: BLE001 - a user layer's __repr__ may fail; the path still identifies it
        text = "/".join(path)
    return shorten(text, 400)


def coder_line(coder: Any) -> str:
    """A port's encoder or decoder in a few words: ``ImageEncoder 28×28 Grayscale``, ``ClassDecoder: cat, dog``."""
    if hasattr(coder, "labels"):
        labels = [str(v) for v in coder.labels]
        return f"{coder.type_name}: {', '.join(labels[:4])}{', …' if len(labels) > 4 else ''}"
    if hasattr(coder, "size"):
        return f"{coder.type_name} {coder.size[0]}×{coder.size[1]} {coder.color_space}"
    if hasattr(coder, "vocabulary"):
        return f"{coder.type_name} ({len(coder.vocabulary)} tokens)"
    return coder.type_name


def _port_type(net: Any, path: tuple[str, ...], port: str) -> PortType | None:
    try:
        return net.port_types[port] if not path else net.layer_types(path)[port]
    except (KeyError, ValueError):  # a port without an inferred type is drawn as unknown
        return None


@dataclass
class _Builder:
    net: Any
    options: DiagramOptions
    compact: bool
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    expanded: set = field(default_factory=set)

    def port_node(self, kind: str, frame: tuple, port: str, cluster: tuple) -> None:
        prefix = "I." if kind == "input" else "O."
        node_id = prefix + ".".join(escape_id(p) for p in (*frame, port))
        t = shape_label(_port_type(self.net, frame, port))
        where = "graph input" if kind == "input" else "graph output"
        inner = f" of {'/'.join(frame)}" if frame else ""
        coder = self.net.coders.get(port) if not frame else None
        self.nodes.append(Node(id=node_id, kind=kind if not frame else f"cluster-{kind}", title=port,
                               lines=(coder_line(coder),) if coder else (),
                               classes=(f"graph-{kind}",) if not frame else (f"cluster-{kind}",),
                               fill=FILL[kind] if not frame else FILL["port"],
                               tooltip=f"{where} {port!r}{inner}: {t}", cluster=cluster))

    def walk(self, graph: Any, frame: tuple, depth: int) -> None:
        for name, layer in graph.layers.items():
            path = (*frame, name)
            if isinstance(layer, NetGraph) and self.options.depth_allowed(depth + 1):
                self.cluster(path, f"{shorten(name, 32)} · {type(layer).__name__}", _tooltip(self.net, path, layer),
                             layer.input_ports, layer.output_ports, layer, depth + 1)
            elif layer.inner_nets() and self.options.depth_allowed(depth + 1):
                self.operator(path, layer, depth + 1)
            else:
                self.nodes.append(_layer_node(self.net, path, layer, self.compact, frame))
        for e in graph.edges:
            self.edges.append(self.edge(frame, e))

    def operator(self, path: tuple, layer: Any, depth: int) -> None:
        """An operator: a cluster holding its ports and each inner net (a cluster of its own, as a nested graph
        is drawn); each inner net port is joined to the operator's port of the same name."""
        self.cluster(path, f"{shorten(path[-1], 32)} · {layer.type_name}", _tooltip(self.net, path, layer),
                     layer.input_ports, [])
        for field, inner in layer.inner_nets().items():
            inner_path = (*path, field)
            self.cluster(inner_path, f"{field} · inner net", "", inner.input_ports, inner.output_ports, inner, depth)
            ends = [("I.", path, p, "I.", inner_path, p) for p in inner.input_ports if p in layer.input_ports]
            ends += [("O.", inner_path, p, "O.", path, p) for p in inner.output_ports if p in layer.output_ports]
            if isinstance(layer, NetFoldOperator):  # the state: given or zeros -> inner State; Output -> final State
                ends += [("I.", path, "InitialState", "I.", inner_path, "State")] if layer.state_input else []
                ends.append(("O.", inner_path, "Output", "O.", path, "State"))
            for kind, src, port, dst_kind, dst, dst_port in ends:
                label = shape_label(_port_type(self.net, src, port))
                self.edges.append(Edge(kind + _path_id((*src, port)), None, dst_kind + _path_id((*dst, dst_port)),
                                       None, label, f"{'/'.join(src)} {port} -> {'/'.join(dst)} {dst_port}: {label}"))
        for port in layer.output_ports:
            self.port_node("output", path, port, path)

    def cluster(self, path: tuple, label: str, tooltip: str, inputs: Any, outputs: Any, graph: Any = None,
                depth: int = 0) -> None:
        """A cluster at ``path`` with port nodes for ``inputs`` and ``outputs``, holding ``graph``'s layers."""
        self.expanded.add(path)
        self.clusters.append(Cluster(path, "cluster_" + _path_id(path), label, tooltip))
        for port in inputs:
            self.port_node("input", path, port, path)
        if graph is not None:
            self.walk(graph, path, depth)
        for port in outputs:
            self.port_node("output", path, port, path)

    def endpoint(self, frame: tuple, ref: Any, side: str) -> tuple[str, str | None, tuple]:
        """(node id, slot or None, type key) of one end of an edge drawn in ``frame``."""
        if ref.layer is None:
            prefix = "I." if side == "src" else "O."
            return prefix + ".".join(escape_id(p) for p in (*frame, ref.port)), None, frame
        path = (*frame, ref.layer)
        if path in self.expanded:
            prefix = "O." if side == "src" else "I."
            return prefix + ".".join(escape_id(p) for p in (*path, ref.port)), None, path
        return "L." + _path_id(path), ref.port, path

    def edge(self, frame: tuple, e: Any) -> Edge:
        src, src_port, key = self.endpoint(frame, e.src, "src")
        dst, dst_port, _ = self.endpoint(frame, e.dst, "dst")
        label = shape_label(_port_type(self.net, key, e.src.port))
        mark = score_mark(self.net.layer_at(key), e.src.port) if e.src.layer is not None and key else None
        label = f"{label} {mark}" if mark else label
        shown_src = ".".join((*frame, str(e.src)))
        shown_dst = ".".join((*frame, str(e.dst)))
        return Edge(src, src_port, dst, dst_port, label, f"{shown_src} -> {shown_dst}: {label}")


def _count_drawn(net: Any, options: DiagramOptions, depth: int = 0) -> int:
    total = 0
    for layer in net.layers.values():
        if isinstance(layer, NetGraph) and options.depth_allowed(depth + 1):
            total += _count_drawn(layer, options, depth + 1)
        elif layer.inner_nets() and options.depth_allowed(depth + 1):
            total += sum(_count_drawn(inner, options, depth + 1) for inner in layer.inner_nets().values())
        else:
            total += 1
    return total


def build_diagram(net: Any, options: DiagramOptions) -> Diagram:
    """The diagram of ``net``: graph inputs, layers (clusters for expanded nested graphs), graph outputs."""
    compact = options.compact if options.compact != "auto" else _count_drawn(net, options) > COMPACT_ABOVE
    b = _Builder(net, options, bool(compact))
    for port in net.input_ports:
        b.port_node("input", (), port, ())
    b.walk(net, (), 0)
    for port in net.output_ports:
        b.port_node("output", (), port, ())
    return Diagram(tuple(b.nodes), tuple(b.edges), tuple(b.clusters), options, bool(compact))


def lcm_spans(count: int, total: int) -> list[int]:
    """Column spans for ``count`` cells filling ``total`` columns (equal when they divide).

    >>> lcm_spans(2, 6), lcm_spans(4, 6)
    ([3, 3], [1, 1, 1, 3])
    """
    if total % count == 0:
        return [total // count] * count
    return [1] * (count - 1) + [total - count + 1]


def table_columns(n_in: int, n_out: int) -> int:
    """Columns of a node table holding ``n_in`` input and ``n_out`` output slots."""
    a, b = max(n_in, 1), max(n_out, 1)
    both = math.lcm(a, b)
    return both if both <= 24 else max(a, b)
