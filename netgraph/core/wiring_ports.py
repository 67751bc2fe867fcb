"""Step 4 of edge normalisation (``netgraph.core.wiring``): the ports no edge wires become graph ports.

Unwired inputs become graph inputs (same names merge); unwired outputs become graph outputs (``Output1``,
``Output2`` … on clashes); a graph input and output of one name are refused.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from netgraph.core.advice import EdgeAdvice, PortAdvice
from netgraph.core.errors import EdgeRef
from netgraph.core.layer import Layer
from netgraph.core.naming_scope import quoted
from netgraph.core.ports import Edge, PortRef, new_edge, new_port_ref
from netgraph.core.wiring_threading import add_feed, also

__all__ = ["Wiring", "GraphPortsStep", "FoundEdges"]


@dataclass
class Wiring:
    """The result: layers (variadic ones given their input count), edges, graph ports, muted outputs; ``forward``:
    each edge between layers is known to feed a later layer than it leaves (so they run in the order given)."""

    layers: dict[str, Layer]
    edges: list[Edge] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    muted: set[PortRef] = field(default_factory=set)
    forward: bool = False


@dataclass
class FoundEdges:
    """The edges as the normaliser sorts them: layer to layer (``bare``, by destination layer: threaded into its
    inputs later), into a named port (``explicit``, with the edges ``claimed`` each port), and ``muted`` outputs;
    ``forward``: each edge between layers feeds a later layer than it leaves (``position``: their order)."""

    position: dict[str, int]
    bare: dict[int, Any] = field(default_factory=dict)  # by the layer's position: (index, text, hop, link, src, ...)
    # or an Edge (see add_feed)
    claimed: dict[PortRef, list[EdgeRef]] = field(default_factory=lambda: defaultdict(list))
    explicit: list[Edge] = field(default_factory=list)
    mutes: dict[PortRef, EdgeRef] = field(default_factory=dict)  # each muted output's (first) muting edge
    forward: bool = True

    def bare_edge(self, src: PortRef, layer: str, where: tuple) -> None:
        """An edge into ``layer`` (no port named); ``where``: the edge's index, text, hop and link."""
        add_feed(self.bare, self.position[layer], (*where, src))
        self._in_order(src.layer, layer)

    def explicit_edge(self, src: PortRef, dst: PortRef, ref: EdgeRef, where: tuple) -> None:
        index, text, hop, link = where
        self.claimed[dst].append(ref)
        self.explicit.append(Edge(src, dst, text, index=index, hop=hop, link=link))  # by position until sorted
        self._in_order(src.layer, dst.layer)

    def _in_order(self, src: str | None, dst: str | None) -> None:
        if self.forward and src is not None and dst is not None and self.position[src] >= self.position[dst]:
            self.forward = False


class GraphPortsStep:
    """Adds the graph ports to a ``Wiring``; the normaliser that runs it gives ``names``, ``layers``, ``desc``,
    ``problem`` and ``note_read`` (``ThreadingStep``'s)."""

    names: list[str]
    layers: dict[str, Layer]
    position: dict[str, int]  # each layer's position in ``names``
    fed: list[Any]  # (``ThreadingStep``'s)
    used: list[Any]
    reads_input: bool

    def desc(self, name: str) -> str:
        raise NotImplementedError

    def problem(self, kind: str, ref: Any, *parts: Any, **fields: Any) -> None:
        raise NotImplementedError

    def add_graph_ports(self, w: Wiring, explicit: list[Edge]) -> None:
        """Graph ports for the ports no edge of ``w`` wires: the threaded edges' ports are noted in ``fed`` and
        ``used`` (by ``thread``, as it made them), ``explicit`` (the other edges) are read here; all of ``w.edges``
        only where a threaded edge reads a graph input (the graph inputs are named in the order the edges read them)."""
        read: dict[str, None] = {}  # the graph inputs the edges read, in order
        explicit_outputs, dangling_out = [], []
        fed, used = self.fed, self.used  # the ports edges feed (read), by layer: a port's name, or ``also``'s (no
        for ref in w.muted:  # (layer, port) tuple an edge end: a big net's, made and freed)
            self.note_read(ref)
        for e in w.edges if self.reads_input else explicit:
            src, dst = e.src, e.dst
            if dst.layer is not None:
                had = fed[at := self.position[dst.layer]]
                fed[at] = dst.port if had is None else also(had, dst.port)
            self.note_read(src)
            if src.layer is None:
                read[src.port] = None
            if dst.layer is None:
                explicit_outputs.append(dst.port)
        inputs = list(read)  # then those of the unwired inputs, each fed by the graph input of its name:
        graph_inputs: dict[str, PortRef] = {}  # one (frozen) PortRef a graph input, shared by the edges it feeds (a
        # wide net's thousands of unwired inputs merge into one, read warm by every later pass over the edges)
        layers, names = self.layers, self.names
        as_named = len(layers) == len(names) and all(map(operator.is_, layers, names))  # the table in the names' order
        for (name, layer), held, read_ports in zip(layers.items() if as_named else ((name, layers[name]) for name in
                                                                                    names), fed, used):
            held = () if held is None else held  # (no lookup a layer)
            for port in layer.input_ports:
                if port != held and (type(held) is str or port not in held):  # unwired: its edge made here
                    if (src := graph_inputs.get(port)) is None:
                        src = graph_inputs[port] = PortRef(None, port)
                        if port not in inputs:
                            inputs.append(port)
                    w.edges.append(new_edge(src, new_port_ref(name, port), f"(unwired {name}.{port})", None,
                                            implicit=True))
            held = () if read_ports is None else read_ports
            for port in layer.output_ports:
                if port != held and (type(held) is str or port not in held):
                    dangling_out.append(PortRef(name, port))
        self.name_graph_ports(w, inputs, [], dangling_out, explicit_outputs)

    def name_graph_ports(self, w: Wiring, inputs: list[str], unwired: list, dangling_out: list[PortRef],
                         explicit_outputs: list[str]) -> None:
        """Graph inputs for the ``unwired`` (layer, input port)s after those the edges read (``inputs``; a chain's:
        ``add_graph_ports`` makes a graph's edges from its inputs as it finds them), graph outputs for the
        ``dangling_out`` layer outputs beside the ``explicit_outputs``."""
        graph_inputs: dict[str, PortRef] = {}  # (as add_graph_ports)
        for name, port in unwired:
            if (src := graph_inputs.get(port)) is None:
                src = graph_inputs[port] = PortRef(None, port)
            w.edges.append(Edge(src, PortRef(name, port), f"(unwired {name}.{port})", True))
            if port not in inputs:
                inputs.append(port)
        counts = defaultdict(int)
        for ref in dangling_out:
            counts[ref.port] += 1
        taken = {ref.port for ref in dangling_out if counts[ref.port] == 1}  # a nested graph's Output1 keeps its name
        seen: dict[str, int] = defaultdict(int)
        dangling_names = []
        for ref in dangling_out:
            out = ref.port
            if counts[ref.port] > 1:  # Output1, Output2, ...: past the names already taken
                seen[ref.port] += 1
                while (out := f"{ref.port}{seen[ref.port]}") in taken:
                    seen[ref.port] += 1
            taken.add(out)
            if out in explicit_outputs:
                feeding = next(e.index for e in w.edges if e.dst == PortRef(None, out))
                first = self.layers[ref.layer].output_ports[0] == ref.port  # (layer, None) mutes its first output
                muting = EdgeAdvice(PortAdvice(ref.layer, None if first and ref.layer != "None" else ref.port))
                self.problem("output-clash", None, f"graph output {quoted(out)} is fed explicitly and also by the "
                             f"unwired output {quoted(ref.port)} of {self.desc(ref.layer)}; mute one with ", muting,
                             " or name the graph port differently", layer=(), port=out, edge=feeding)
                continue
            w.edges.append(Edge(ref, PortRef(None, out), f"(unwired {ref.layer}.{ref.port})", True))
            dangling_names.append(out)
        w.inputs = inputs
        w.outputs = dangling_names + list(dict.fromkeys(explicit_outputs))
        self.refuse_shared_names(w)

    def refuse_shared_names(self, w: Wiring) -> None:
        """A graph input and a graph output may not share a name: inside the graph both are the port ``name``
        (as in a nested graph's ``NetPort(layer, name)``), so the output's value would replace the input's."""
        for name in dict.fromkeys(p for p in w.outputs if p in w.inputs):
            feeding = next(e for e in w.edges if e.dst == PortRef(None, name))
            fed_by = "the graph input itself" if feeding.src.layer is None else \
                f"output {feeding.src.port!r} of {self.desc(feeding.src.layer)}"
            free = [n for n in (f"{name}Out", "Output", "Result", "Prediction", *(f"{name}Out{i}" for i in range(
                2, len(w.inputs) + len(w.outputs) + 3))) if n not in (*w.inputs, *w.outputs)]
            names = [part for n in free[:2] for part in (" or ", PortAdvice(None, n))][1:]
            self.problem("port-name-clash", None, f"{quoted(name)} is both a graph input and a graph output (fed by "
                         f"{fed_by}); a graph's input and output ports need different names: name the output "
                         f"differently, e.g. ", *names, layer=(), port=name, edge=None if feeding.implicit else
                         feeding.index)
