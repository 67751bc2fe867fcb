"""Where a graph's ports and edges are in its YAML (``Locator``), and ``Locator.locate``: the place and message of a
``Diagnostic`` the NetGraph made from it raised, found from its fields (never its text), its edges as written."""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.errors import Diagnostic, EdgeRef
from netgraph.spec.advice_in_yaml import in_yaml
from netgraph.spec.nested_names import from_top
from netgraph.spec.yaml_nodes import Loc

__all__ = ["Locator"]


@dataclasses.dataclass
class Locator:
    """Where one graph's ports and edges are in its YAML, in ``reader.locators`` by path (for outer diagnostics)."""

    reader: Any
    file: Any
    prefix: tuple
    port_locs: dict[str, Loc] = dataclasses.field(default_factory=dict)
    range_locs: dict[str, Loc] = dataclasses.field(default_factory=dict)  # of the ports declared with a 'range:'
    edges: list[tuple[str, Loc]] = dataclasses.field(default_factory=list)  # by edge index: (text, loc)
    links: dict[int, list[tuple[str, Loc]]] = dataclasses.field(default_factory=dict)  # a chain's, by hop: (text, loc)
    port_ends: dict[int, dict] = dataclasses.field(default_factory=dict)  # by edge index: (layer, port) -> its loc
    used_ports: set[str] = dataclasses.field(default_factory=set)  # declared graph ports that edges name
    used_layers: set[str] = dataclasses.field(default_factory=set)  # layers that edges name, in good edges or bad
    net: Any = None  # the graph made from it (None until made, or where it failed)

    def __post_init__(self) -> None:
        self.reader.locators[self.prefix] = self

    def locate(self, problem: Diagnostic, default: Loc) -> tuple[Any, Loc, str]:
        """(file, loc, message) of ``problem``: at its layer's option, else its edge, graph port or layer."""
        message = problem.render(self.edge_text, self.edge_place, in_yaml)  # its advice too, as a spec writes it
        graph = self.reader.locators.get((*self.prefix, *problem.graph))
        path = (*self.prefix, *(problem.layer or ()))
        message = from_top(message, problem, self.prefix)  # a nested net's own problem: headed by its path
        spec, inner = self.reader.layer_specs.get(path, {}), self.reader.locators.get(path)
        if problem.layer is not None:
            message += self.reader.origin(path, problem.option)  # an array from the weights file that does not fit
        if problem.layer is not None and problem.option in spec:  # an inline array that does not fit: before its edge
            return self.reader.layer_locs.get(path, (self.file,))[0], spec.value_locs[problem.option], message
        if problem.edge is not None and graph is not None and problem.edge < len(graph.edges):
            port_end = graph.port_ends.get(problem.edge, {}).get((path[-1], problem.port)) \
                if problem.kind == "unknown-port" and problem.layer else None  # at the port, as the loader's own
            return graph.file, port_end or graph.where(problem.edge, problem.hop)[1], message
        if problem.declared is not None and graph is not None and problem.declared in graph.port_locs:
            where = graph.range_locs.get(problem.declared) if problem.option == "range" else None
            return graph.file, where or graph.port_locs[problem.declared], message  # a declared shape a layer refused
        if problem.layer is not None and inner is not None and problem.port in inner.port_locs:
            return inner.file, inner.port_locs[problem.port], message
        if problem.layer is not None and inner is not None and (place := (*path, inner.port_layer(problem.port))) in \
                self.reader.layer_locs:  # an undeclared port of a nested net: at the layer whose port it is
            return (*self.reader.layer_locs[place], message)
        for n in range(len(path), len(self.prefix) if problem.layer is not None else len(path), -1):
            if path[:n] in self.reader.layer_locs:
                return (*self.reader.layer_locs[path[:n]], message)
        return self.file, default, message

    def port_layer(self, port: str | None) -> str | None:
        """The layer of this graph whose port its graph port ``port`` is, where none declares it: the one feeding
        an output, the first an input feeds (as its edges say); None where the net was not made."""
        for edge in getattr(self.net, "edges", ()):
            if edge.dst.layer is None and edge.dst.port == port and edge.src.layer is not None:
                return edge.src.layer
            if edge.src.layer is None and edge.src.port == port and edge.dst.layer is not None:
                return edge.dst.layer
        return None

    def edge_text(self, ref: EdgeRef) -> str:
        """An edge (or a chain's link, with its chain) as written in the YAML (its Python form when not known)."""
        text, link, _ = self.written(ref) or (str(ref), str(ref), None)
        return text if link == text else f"{link} (in chain {text})"

    def edge_place(self, ref: EdgeRef) -> str:
        """Where an edge (or a chain's link) is written, ``"at line:col"`` (its index when not known)."""
        loc = (self.written(ref) or (None, None, None))[2]
        return str(ref.index) if loc is None else f"at {loc.line}:{loc.col}"

    def written(self, ref: EdgeRef) -> tuple[str, str, Loc] | None:
        """(the edge's text, its link's text, where that link is) of ``ref`` in the graph it names; None: unknown."""
        graph = self.reader.locators.get((*self.prefix, *ref.graph))
        return None if graph is None or ref.index >= len(graph.edges) else \
            (graph.edges[ref.index][0], *graph.where(ref.index, ref.hop))

    def where(self, index: int, hop: int | None) -> tuple[str, Loc]:
        """(text, loc) of this graph's edge ``index``, or of its link ``hop`` when that is a chain's."""
        links = self.links.get(index, []) if hop is not None else []
        return links[hop] if hop is not None and hop < len(links) else self.edges[index]
