"""Edge normalisation: every edge form of DESIGN.md -> explicit ``Edge``s, plus the graph's ports.

Forms: ``(src, dst)``, chains ``(a, b, c)``, ``{src: dst}``, groups ``([1, 2, 3], 4)`` (fed to 4's
inputs in order, Wolfram's threading), fan-out ``(1, [2, 3])``, ``NetPort(layer, "Port")``, graph
ports ``NetPort("Name")``, and ``(src, None)`` to mute an output. Unwired inputs become graph inputs
(same names merge); unwired outputs become graph outputs (``Output1``, ``Output2`` … on clashes).
All problems are collected and raised as one WiringError whose diagnostics name the layer, the
port and the index of the user's edge (a chain or group is one edge).
"""

from __future__ import annotations

import dataclasses
import operator

from collections.abc import Iterator, Sequence
from typing import Any

from netgraph.core.layer import Layer
from netgraph.core.advice import OUTPUT_TO_OUTPUT, Advice, fed_twice_parts
from netgraph.core.errors import MAX_LISTED, Diagnostic, EdgeRef, WiringError, did_you_mean, raise_all
from netgraph.core.arrow_names import arrow_name_pieces
from netgraph.core.names import describe_layer
from netgraph.core.naming_scope import elided, quoted, scoped_layer
from netgraph.core.port_paths import resolve
from netgraph.core.ports import Edge, NetPort, PortRef, WrittenEdge, new_edge, new_port_ref
from netgraph.core.wiring_ports import FoundEdges, GraphPortsStep, Wiring
from netgraph.core.wiring_threading import ThreadingStep, add_feed, also, joined
from netgraph.core.integers import is_int, plain_int

__all__ = ["Wiring", "normalize", "describe_layer", "describe_key", "join_path", "format_endpoint"]


def join_path(parts: Sequence[str]) -> str:
    """Layer descriptions, outermost first, joined as one path for a message; a path nested deeper than 8
    levels keeps its first and last 3 and says how many it leaves out (the Diagnostic's path keeps them all).

    >>> join_path(["layer 1 (NetChain)", "layer 2 'lin' (LinearLayer)"])
    "layer 1 (NetChain) > layer 2 'lin' (LinearLayer)"
    >>> join_path([f"layer {i}" for i in range(1, 11)])
    'layer 1 > layer 2 > layer 3 > ... 4 levels ... > layer 8 > layer 9 > layer 10'
    """
    return " > ".join(elided(list(parts)))


def describe_key(net: Any, key: tuple) -> str:
    """A (layer path, port) key of ``net`` in words: "layer 4 'sample' (FunctionLayer) port 'Means'"."""
    path, port = key
    if not path:
        return f"{'graph input' if port in net.input_ports else 'graph output'} {quoted(port)}"
    layer = net.layer_at(path)
    where = scoped_layer(tuple(path), layer.type_name) or _layers_path(net, path)
    if hasattr(layer, "explicit_edges") and port is not None:
        return f"{where} {'input' if port in layer.input_ports else 'output'} port {quoted(port)}"
    return where if port is None else f"{where} port {quoted(port)}"


def _layers_path(net: Any, path: tuple) -> str:
    """The layers along ``path`` of ``net``, each described in the graph holding it, joined (``join_path``); through
    an operator, its inner net by the option holding it, as the path names it (``layer 1 (NetMapOperator) > inner
    net 'net' > layer 1 'g' (...)``)."""
    graph, parts = net, []
    for name in path:
        if not hasattr(graph, "explicit_edges"):  # an operator: ``name`` is its inner net's option
            graph = graph.inner_nets()[name]
            parts.append(f"inner net {quoted(name)}")
            continue
        parts.append(describe_layer(graph.layer_positions, graph.layers, name))
        graph = graph.layers[name]
    return join_path(parts)


def format_endpoint(x: Any) -> str:
    if type(x) is int:
        return str(x)
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join([format_endpoint(e) for e in x]) + "]"
    if isinstance(x, str):
        return x if x.isidentifier() else repr(x)
    return repr(x) if isinstance(x, NetPort) else str(x)


class _Normalizer(GraphPortsStep, ThreadingStep):
    """Steps 1 and 2 of ``normalize``; step 3 (threading) is ``ThreadingStep``'s, step 4 (graph ports)
    ``GraphPortsStep``'s."""

    def __init__(self, names: list[str], layers: dict[str, Layer], copy: bool = True):
        self.names, self.layers = names, dict(layers) if copy else layers  # (copy=False: the caller copies before
        # it changes a layer)
        self.errors: list[Diagnostic] = []
        self.recorded: set[tuple] = set()  # (edge, kind, parts) of each problem about an edge, to record it once
        self.guesses: dict[str, str] = {}  # "did you mean" by unknown name: the first MAX_LISTED names get one (each
        # guess reads every layer name; a big net may have thousands of unknown ones)
        self.written: dict[int, int] = {}  # an item's position -> the index of the user's edge it carries (WrittenEdge)
        self.fresh: int | None = None  # an item carrying none is the user's edge fresh + its position (None: not
        # known until every item is read)
        self.items: list = []  # the user's edge items
        self.forms: list[Diagnostic] = []  # the malformed items' problems: reported before the others
        self.position: dict[str, int] = {}  # each layer's position in ``names`` and the layers by position (as
        self.table: list[Layer] = []  # ``layers``): made by ``run`` (a NetChain's wiring needs neither)

    def desc(self, name: str) -> str:
        return describe_layer(self.names, self.layers, name)

    def problem(self, kind: str, ref: EdgeRef | None, *parts: str | EdgeRef | Advice, **fields: Any) -> None:
        """Record a problem; with ``ref`` it is about that edge (or chain link): its message starts 'edge <text>: '."""
        if ref is not None:
            if (ref.index, kind, parts) in self.recorded:
                return  # a chain a -> typo -> b finds its missing layer from both links: recorded once, at the first
            self.recorded.add((ref.index, kind, parts))
            parts, fields = ("edge ", ref, ": ", *parts), {"edge": ref.index, "hop": ref.hop, **fields}
        self.errors.append(Diagnostic.of(kind, *parts, **fields))

    def arrow_names_hint(self, item: Any) -> str:
        """For a string edge naming a layer whose name holds '->': the edge as a chain, each name whole."""
        pieces = arrow_name_pieces(item, self.layers) if isinstance(item, str) else None
        if pieces is None:
            return ""
        ends = [repr(p) if p in self.layers else repr(NetPort(p)) for p in pieces]
        return f"; a layer name holding '->' splits a string: ({', '.join(ends)})"

    # -- step 1: expand forms into (src, dst, edge index, edge text, hop, link, alone) of single endpoints ------
    def expand(self, spec: Any) -> Iterator[tuple[Any, Any, int, str, int | None, str, bool]]:
        """Single-endpoint pairs, each with its user's edge as (index, text) and, for a chain's, the link as (hop,
        link text; see ``Edge``), made as they are read (no list of a large net's pairs): an ``EdgeRef`` is made only
        for a pair that needs one (a message, a slow form); ``alone``: no other source of its link (a group's) feeds
        its destination. A malformed item's problem goes to ``forms``."""
        if isinstance(spec, dict):
            self.items = list(spec.items())
        elif isinstance(spec, (list, tuple)):
            self.items = list(spec)
        else:
            self.problem("edges-form", None, f"edges must be a list of (src, dst) pairs or a dict, found "
                         f"{type(spec).__name__}")
        for index, item in enumerate(self.items):
            if not isinstance(item, (tuple, list)) or len(item) < 2:
                self.forms.append(Diagnostic.of("edge-form", f"{item!r} is not a valid edge: write (src, dst) or a "
                                                f"chain (a, b, c){self.arrow_names_hint(item)}", edge=index))
                continue
            if tuple in map(type, item):  # {(a, b): c} (a dict key cannot be a list), ((a, b), c): a tuple is a group
                item = [list(e) if type(e) is tuple else e for e in item]
            if len(item) == 2 and not isinstance(item[0], list) and not isinstance(item[1], list):
                a, b = item  # the common (src, dst): as below, without the loops
                if _carries_index(item):  # a graph's pair: its user's edge (link)
                    self.written[index] = item.index
                    yield (a, b, index, item.text or f"{format_endpoint(a)} -> {format_endpoint(b)}", item.hop,
                           item.link, True)
                    continue
                yield (a, b, index, f"{format_endpoint(a)} -> {format_endpoint(b)}", None, "", True)
                continue
            ends = [format_endpoint(e) for e in item]
            text = " -> ".join(ends)
            chain = len(item) > 2
            for hop, (a, b) in enumerate(zip(item, item[1:])):
                link = f"{ends[hop]} -> {ends[hop + 1]}" if chain else ""
                sources = a if isinstance(a, list) else [a]
                for s in sources:
                    for d in (b if isinstance(b, list) else [b]):
                        yield (s, d, index, text, hop if chain else None, link, len(sources) == 1)
        if self.fresh is None:
            self._number(self.written)  # as read (user() was not asked before the last item)

    def user(self, position: int) -> int:
        """The index of the user's edge behind the item at ``position``: its position, in the user's own list."""
        if self.fresh is None:  # asked while ``expand`` reads the items: the numbers need every item's
            self._number({i: item.index for i, item in enumerate(self.items) if _carries_index(item)})
        return self.written.get(position, self.fresh + position) if self.written else position

    def _number(self, written: dict[int, int]) -> None:
        """Number the items: ``written`` maps an item's position to the user's edge index it carries (a graph's
        ``WrittenEdge``); an item carrying none is ``fresh`` + its position, past those that do."""
        self.written, self.fresh = written, max(written.values(), default=-1) + 1

    # -- step 2: resolve endpoints ---------------------------------------------------------
    def layer_name(self, ref: Any, edge: EdgeRef) -> str | None:
        if (name := self.plain_name(ref)) is not None:  # the common cases first; subclasses of int and str below
            return name
        if is_int(ref := plain_int(ref)):  # numpy's integers too
            if 1 <= (ref := int(ref)) <= len(self.names):  # an int subclass too
                return self.names[ref - 1]
            self.problem("unknown-layer", edge, f"there is no layer {ref} (layers are numbered 1 to {len(self.names)})")
            return None
        if isinstance(ref, str):
            if ref in self.layers:
                return ref
            if ref not in self.guesses:
                self.guesses[ref] = did_you_mean(ref, self.names) if len(self.guesses) < MAX_LISTED else ""
            self.problem("unknown-layer", edge,
                         f"there is no layer {quoted(ref)}{self.guesses[ref]}; {self._port_form(ref)}")
            return None
        self.problem("endpoint-form", edge, f"{quoted(ref)} is not a layer index, layer name or NetPort")
        return None

    def _port_form(self, ref: str) -> str:
        """How the port that ``ref`` may mean is written: a layer's (``'a.Output'``, torch's dotted names) or the
        graph's."""
        layer, dot, port = ref.rpartition(".")
        if dot and port and layer in self.layers:
            return f"a layer's port is written NetPort({quoted(layer)}, {quoted(port)}), a graph port NetPort('name')"
        return f"a graph port is written NetPort({quoted(ref)})"

    def check_port(self, name: str, port: str, want: str, edge: EdgeRef) -> bool:
        layer = self.layers[name]
        ins, outs = layer.input_ports, layer.output_ports
        good, other = (outs, ins) if want == "output" else (ins, outs)
        if port in good:
            return True
        at = {"layer": (name,), "port": port}
        hint = layer.port_hint(port, want) if hasattr(layer, "port_hint") else ""  # a recurrent layer's states
        if port in other:
            kind = "wrong-direction"
            msg = (f"port {quoted(port)} of {self.desc(name)} is an input; an edge's source must be an output port",) \
                if want == "output" else (f"port {quoted(port)} of {self.desc(name)}{hint} is an output: ",
                                          OUTPUT_TO_OUTPUT)
        else:
            kind = "unknown-port"
            more = layer.variadic and port[5:].isdigit() and port.startswith("Input")  # NetPort("cat", 3)
            count = f" (set its input count with inputs={port[5:]})" * more
            msg = (f"{self.desc(name)} has no port {quoted(port)}{hint or did_you_mean(port, (*ins, *outs))}; its "
                   f"inputs are {list(ins)} and outputs {list(outs)}{count}",)
            at["expected"] = (*ins, *outs)  # the ports it has, as a spec's unknown port says
        self.problem(kind, edge, *msg, **at)
        return False

    def source(self, ref: Any, edge: EdgeRef) -> PortRef | None:
        if isinstance(ref, NetPort):
            if isinstance(ref.layer, tuple):
                return self.nested_source(ref, edge)
            if ref.layer is None:
                return PortRef(None, ref.port)
            name = self.layer_name(ref.layer, edge)
            return PortRef(name, ref.port) if name and self.check_port(name, ref.port, "output", edge) else None
        if ref is None:
            self.problem("mute-source", edge, "None can only be a destination (it mutes an output)")
            return None
        name = self.layer_name(ref, edge)
        if name is None:
            return None
        outs = self.layers[name].output_ports
        if not outs:
            self.problem("no-output", edge, f"{self.desc(name)} has no output port", layer=(name,))
            return None
        return PortRef(name, outs[0])

    def nested_source(self, ref: NetPort, edge: EdgeRef) -> PortRef | None:
        """An output inside a nested graph (or an operator's inner net): that graph (operator) gets it as an output
        of its own, which the edge reads."""
        try:
            names, port = resolve(self.layers, ref)
            head, layer = names[0], self.layers[names[0]]
            self.layers[head], exposed = layer.with_output(NetPort((*names[1:], port))) if hasattr(layer, "with_output") \
                else layer.with_inner_output(names[1:], port, (head,))
            if head in self.position:  # (the table by position too)
                self.table[self.position[head]] = self.layers[head]
        except WiringError as exc:
            self.resolve_problem(exc, ref, edge)
            return None
        return PortRef(head, exposed)

    def resolve_problem(self, exc: WiringError, ref: NetPort, edge: EdgeRef) -> None:
        """The problem of a path ``ref`` that does not resolve, with the kind and place its error gives (an unknown
        layer along it, or the last layer's unknown port)."""
        found = exc.diagnostics[0]
        if found.kind in ("unknown-layer", "layer-path"):
            self.problem(found.kind, edge, str(exc), layer=found.layer, found=found.found)
        else:
            self.problem("unknown-port", edge, str(exc), layer=tuple(map(str, ref.path)), port=ref.port)

    def target(self, ref: Any, edge: EdgeRef) -> PortRef | str | tuple[str, str] | None:
        """A PortRef, or a bare layer name whose port is assigned by regrouping, or 'mute'."""
        if ref is None:
            return "mute"
        if isinstance(ref, NetPort):
            if isinstance(ref.layer, tuple):
                try:  # a path through a plain layer or to a missing one: say so, not 'inside a nested net'
                    resolve(self.layers, ref, want="input")
                except WiringError as exc:
                    self.resolve_problem(exc, ref, edge)
                    return None
                self.problem("nested-destination", edge, f"{quoted(ref)}: a port inside a nested net can be an edge's "
                             f"source only; feed the nested net's own input port instead")
                return None
            if ref.layer is None:
                return PortRef(None, ref.port)
            name = self.layer_name(ref.layer, edge)
            return PortRef(name, ref.port) if name and self.check_port(name, ref.port, "input", edge) else None
        name = self.layer_name(ref, edge)
        return ("layer", name) if name else None

    def run(self, spec: Any) -> Wiring:
        names, table = self.names, self.layers
        self.position = {name: i for i, name in enumerate(names)}
        self.table = list(table.values()) if len(table) == len(names) and all(map(operator.is_, table, names)) \
            else [table[name] for name in names]  # (the table in the names' order: no lookup a name)
        found, self.used = FoundEdges(self.position), [None] * len(names)
        bare, table, count, at, used = found.bare, self.table, len(self.names), self.position.get, self.used
        for s, d, index, text, hop, link, alone in self.expand(spec):
            i = s - 1 if type(s) is int and 1 <= s <= count else at(s) if type(s) is str else None  # plain_name's
            j = d - 1 if type(d) is int and 1 <= d <= count else at(d) if type(d) is str else None  # (as positions)
            if i is not None and j is not None and (outs := table[i].output_ports):  # layer -> layer: inline, the
                src, had = new_port_ref(names[i], outs[0]), used[i]  # most met (one lookup a name, none for a number)
                used[i] = outs[0] if had is None else also(had, outs[0])  # (note_read's)
                if (held := bare.get(j)) is None:
                    if alone and not (layer := table[j]).variadic and layer.input_ports:  # the layer's first feed,
                        bare[j] = new_edge(src, new_port_ref(names[j], layer.input_ports[0]), text, index, hop, link)
                        # alone: its Edge into the first input (most layers have one feed: ``thread`` keeps it)
                    else:  # the first feed's record (see add_feed), as add_feed makes it, without a call per edge
                        bare[j] = (index, text, hop, link, src)
                elif type(held) is tuple and held[0] == index and held[2] == hop:  # a group's next member (add_feed's)
                    bare[j] = held + (src,)
                else:
                    add_feed(bare, j, (index, text, hop, link, src))
                found.forward = found.forward and i < j
            else:
                self.sort_edge(found, s, d, (index, text, hop, link))
        return self.wired(found)

    def sort_edge(self, found: FoundEdges, s: Any, d: Any, where: tuple) -> None:
        """Put the edge ``s -> d`` (``where``: its index, text, hop and link) in ``found``: into a layer (bare), into
        a port (explicit), or muted; an endpoint that names nothing is recorded as a problem, its edge dropped."""
        index, text, hop, link = where
        src, dst = self.source(s, ref := EdgeRef((), self.user(index), text, hop, link)), self.target(d, ref)
        if src is None or dst is None:
            return
        if dst == "mute":
            if src.layer is None:
                self.problem("mute-graph-port", ref, "only a layer's output can be muted", layer=(), port=src.port)
            else:
                found.mutes.setdefault(src, ref)
        elif isinstance(dst, tuple):
            found.bare_edge(src, dst[1], where)
            self.note_read(src)
        else:
            found.explicit_edge(src, dst, ref, where)

    def wired(self, found: FoundEdges) -> Wiring:
        """The Wiring of the sorted edges: ports fed twice recorded, bare edges threaded, edges in the user's order."""
        for dst, refs in found.claimed.items():
            if len(refs) > 1:
                self.fed_twice(dst, refs, [e.src for e in found.explicit if e.dst == dst])
        self.errors[:0] = self.forms
        last = found.explicit[-1].index if found.explicit else -1
        explicit = found.explicit + self.thread(found.bare, found.claimed, last)
        if not self.in_order:  # inputs as given (stable: explicit edges first); in order (explicit ones are made as
            explicit.sort(key=operator.attrgetter("index"))  # read), a big net's Edges are not read again to sort
        edges = [dataclasses.replace(e, index=self.user(e.index)) for e in explicit] if self.written else explicit
        if found.mutes:
            self.muted_and_wired(found.mutes, edges)
        wiring = Wiring(self.layers, edges, muted=set(found.mutes), forward=found.forward)
        self.add_graph_ports(wiring, found.explicit)
        return wiring

    def muted_and_wired(self, mutes: dict[PortRef, EdgeRef], edges: list[Edge]) -> None:
        """A problem for each output muted by one edge (``mutes``) and wired to a graph output by another."""
        for e in edges:
            if e.dst.layer is None and (mute := mutes.get(e.src)) is not None:
                same = (e.index, e.hop) == (mute.index, mute.hop)  # (a -> [Q, None])
                wire = ("the same edge also",) if same else ("edge ", EdgeRef((), e.index, e.text, e.hop, e.link))
                self.problem("muted-and-wired", mute, f"output {quoted(e.src.port)} of {self.desc(e.src.layer)} is "
                             "muted here, but ", *wire, f" wires it to graph output {quoted(e.dst.port)}; keep "
                             f"{'one of the two targets' if same else 'one of the two edges'}",
                             layer=(e.src.layer,), port=e.src.port)

    def plain_name(self, ref: Any) -> str | None:
        """The layer a plain index or name refers to; None for any other endpoint (``source``/``target`` judge it)."""
        if type(ref) is int and 1 <= ref <= len(self.names):
            return self.names[ref - 1]
        return ref if type(ref) is str and ref in self.layers else None

    def fed_twice(self, dst: PortRef, refs: list[EdgeRef], sources: list[PortRef]) -> None:
        where = f"graph output {quoted(dst.port)}" if dst.layer is None else \
            f"port {quoted(dst.port)} of {self.desc(dst.layer)}"
        if self.duplicate(refs, sources, f"{where} takes one edge"):
            return
        advice = fed_twice_parts("an input port" if dst.layer is not None else "a graph output")
        self.problem("fed-twice", None, f"{where} is fed by {len(refs)} edges (", *joined(refs, "; "), "): ", *advice,
                     layer=(dst.layer,) if dst.layer else (), port=dst.port, edge=refs[1].index, hop=refs[1].hop)


def _carries_index(item: Any) -> bool:
    """Whether ``expand`` reads ``item`` as a graph's pair that carries its user's edge index (a ``WrittenEdge``)."""
    return (type(item) is WrittenEdge and item.index is not None and tuple not in map(type, item)
            and not isinstance(item[0], list) and not isinstance(item[1], list))



def normalize(names: list[str], layers: dict[str, Layer], spec: Any, copy: bool = True) -> Wiring:
    """Normalise ``spec`` for the layers ``names`` (in order); raise one WiringError listing all problems.
    ``copy=False``: the wiring holds ``layers`` itself (a table made for it) and changes it where it changes a layer."""
    n = _Normalizer(names, layers, copy)
    wiring = n.run(spec)
    raise_all(n.errors, WiringError, "invalid wiring")
    return wiring
