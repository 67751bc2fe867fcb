"""Graph ports and edges of a spec, and tracing a NetGraph's errors back to the YAML that caused them.

``read_ports`` reads ``inputs:``/``outputs:`` (shape, ``null`` = inferred, ``Real``/``Integer``, or
``{shape: ..., dtype: ...}``). ``read_edges`` resolves each endpoint to a layer, a layer port or a
declared graph port, pointing at the column of a bad endpoint. ``Locator.locate`` places a
``Diagnostic`` from NetGraph by its fields (edge index, layer path, option, graph port), never by
its message text, and prints the edges it mentions as they are written in the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netgraph.core.errors import Diagnostic, EdgeRef, did_you_mean
from netgraph.core.ports import NetPort
from netgraph.spec.edges import EdgeSyntaxError, Endpoint, parse_edge
from netgraph.spec.yaml_nodes import Loc, YMap, YSeq
from netgraph.core.types import DTYPES, Conflict, PortType, as_shape

__all__ = ["Located", "Locator", "read_ports", "read_edges", "check_unused", "check_declared", "port_type"]


@dataclass
class Located:
    """A message and the file and position it belongs to."""

    file: Any
    loc: Loc
    message: str


@dataclass
class Locator:
    """What is known about one graph's YAML: where its ports and edges are (layers: reader.layer_locs).

    Creating one registers it with the reader (``reader.locators``) under the graph's path, so
    diagnostics from an outer graph can find the edges of the graphs inside it.
    """

    reader: Any
    file: Any
    prefix: tuple
    port_locs: dict[str, Loc] = field(default_factory=dict)
    edges: list[tuple[str, Loc]] = field(default_factory=list)  # by edge index: (YAML text, loc of the item)
    used_ports: set[str] = field(default_factory=set)  # declared graph ports that edges name

    def __post_init__(self) -> None:
        self.reader.locators[self.prefix] = self

    def locate(self, problem: Diagnostic, default: Loc) -> Located:
        """Where ``problem`` (raised by this graph) belongs: its edge, else its option, graph port or layer."""
        message = problem.render(self.edge_text)
        edge = self._edge(problem.graph, problem.edge)
        if edge is not None:
            return Located(edge[0], edge[1], message)
        if problem.layer is not None:
            full = (*self.prefix, *problem.layer)
            place = self._option(full, problem.option) or self._port(full, problem.port) or self._layer(full)
            if place is not None:
                return Located(place[0], place[1], message)
        return Located(self.file, default, message)

    def edge_text(self, ref: EdgeRef) -> str:
        """An edge as written in the YAML (its Python form when the YAML is not known)."""
        graph = self.reader.locators.get((*self.prefix, *ref.graph))
        return graph.edges[ref.index][0] if graph is not None and ref.index < len(graph.edges) else ref.text

    def _edge(self, graph_path: tuple, index: int | None) -> tuple[Any, Loc] | None:
        graph = self.reader.locators.get((*self.prefix, *graph_path))
        if index is None or graph is None or index >= len(graph.edges):
            return None
        return graph.file, graph.edges[index][1]

    def _option(self, path: tuple, option: str | None) -> tuple[Any, Loc] | None:
        loc = None if option is None else self.reader.option_loc(path, option, None)
        return None if loc is None else (self.reader.layer_locs.get(path, (self.file,))[0], loc)

    def _port(self, path: tuple, port: str | None) -> tuple[Any, Loc] | None:
        graph = self.reader.locators.get(path)
        if port is None or graph is None or port not in graph.port_locs:
            return None
        return graph.file, graph.port_locs[port]

    def _layer(self, path: tuple) -> tuple[Any, Loc] | None:
        for n in range(len(path), len(self.prefix), -1):
            if path[:n] in self.reader.layer_locs:
                return self.reader.layer_locs[path[:n]]
        return None


def port_type(value: Any) -> PortType | None:
    """A graph port's declared type from its spec value; Conflict when it is not one."""
    if value is None:
        return None
    if isinstance(value, str) and value in DTYPES:
        return PortType((), value)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in ("shape", "dtype")]
        if unknown:
            raise Conflict(f"a port type has keys shape and dtype, found {unknown[0]!r}{did_you_mean(unknown[0], ['shape', 'dtype'])}")
        dtype = value.get("dtype")
        if dtype not in (*DTYPES, None):
            raise Conflict(f"dtype must be Real or Integer, found {dtype!r}{did_you_mean(dtype, DTYPES)}")
        return PortType(as_shape(value.get("shape"), "shape"), dtype)
    return PortType(as_shape(value, "a port shape (an int, a list of dims, null, Real, Integer or {shape, dtype})"), None)


def read_ports(reader: Any, spec: YMap, f: Any, loc_of: Locator, kind: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Declared graph ports (name -> 'inputs'/'outputs'; usable in edges) and the shapes given (for the NetGraph)."""
    names: dict[str, str] = {}
    shapes: dict[str, Any] = {}
    for group in ("inputs", "outputs"):
        value = spec.get(group)
        if value is None:
            continue
        if not isinstance(value, YMap):
            reader.error(f, spec.value_locs[group], f"'{group}:' maps port names to shapes (or null), e.g. "
                         f"'{group}: {{{'Input: 784' if group == 'inputs' else 'Output: null'}}}'; found {value!r}")
            continue
        for name, shape in value.items():
            if name in names:
                reader.error(f, value.key_locs[name], f"port {name!r} is declared in both inputs: and outputs:")
                continue
            loc_of.port_locs[name], names[name] = value.key_locs[name], group
            try:
                if shape is not None:
                    shapes[name] = port_type(shape)
            except Conflict as exc:
                reader.error(f, value.value_locs[name], f"{group[:-1]} {name!r}: {exc}")
    if kind == "NetChain":
        for alias in ("input", "output"):
            if alias in spec:
                loc_of.port_locs[alias] = spec.key_locs[alias]
                try:
                    shapes[alias] = port_type(spec[alias])
                except Conflict as exc:
                    reader.error(f, spec.value_locs[alias], f"{alias}: {exc}")
    return names, shapes


def check_unused(reader: Any, table: dict, ports: dict[str, str], shapes: dict, f: Any, loc_of: Locator) -> None:
    """Declared ports that no edge names and no layer port is called: report them, drop their shapes."""
    layer_ports = {p for layer in table.values() for p in (*getattr(layer, "input_ports", ()), *getattr(layer, "output_ports", ()))}
    for name, group in ports.items():
        if name not in loc_of.used_ports and name not in layer_ports and all(hasattr(x, "input_ports") for x in table.values()):
            reader.error(f, loc_of.port_locs[name], f"{name!r} is declared under {group}: but no edge uses it and no "
                         f"layer has a port of that name; connect it (e.g. 'layer.Output -> {name}') or remove it")
            shapes.pop(name, None)


def check_declared(reader: Any, net: Any, ports: dict[str, str], f: Any, loc_of: Locator) -> None:
    """Declared ports (without a shape, so the NetGraph did not check them) must be ports of the graph."""
    for name, group in ports.items():
        kind = "inputs" if name in net.input_ports else "outputs" if name in net.output_ports else None
        if kind == group:
            continue
        if kind is None:
            reader.error(f, loc_of.port_locs[name], f"{name!r} is declared under {group}: but is not a port of "
                         f"this graph (no edge uses it); its ports are inputs {list(net.input_ports)}, outputs "
                         f"{list(net.output_ports)}")
        else:
            reader.error(f, loc_of.port_locs[name], f"{name!r} is declared under {group}: but it is "
                         f"{'an input' if kind == 'inputs' else 'an output'} of this graph; move it to {kind}:")


def read_edges(reader: Any, spec: YMap, f: Any, table: dict, ports: dict[str, str], loc_of: Locator) -> list | None:
    """The edges as NetGraph takes them; None when any is bad (each problem recorded)."""
    value = spec.get("edges")
    if value is None:
        return []
    if isinstance(value, YMap):
        items = [(_pair(k, v, value.key_locs[k], value.value_locs[k]), value.key_locs[k]) for k, v in value.items()]
    elif isinstance(value, YSeq):
        items = list(zip(value, value.item_locs))
    else:
        reader.error(f, spec.value_locs["edges"], f"'edges:' is a list of edges such as 'a -> b', found {value!r}")
        return None
    edges, ok = [], True
    for item, loc in items:
        loc_of.edges.append((item if isinstance(item, str) else " -> ".join(map(str, item))
                             if isinstance(item, list) else repr(item), loc))
        edge = _edge(reader, item, loc, f, table, ports, loc_of.used_ports)
        if edge is None:
            ok = False
            continue
        edges.append(edge)
    return edges if ok else None


def _pair(src: str, dst: Any, src_loc: Loc, dst_loc: Loc) -> YSeq:
    """``{src: dst}`` in an edges mapping, as the list form ``[src, dst]``."""
    item = YSeq([src, dst])
    item.loc, item.item_locs = src_loc, [src_loc, dst_loc]
    return item


def _edge(reader: Any, item: Any, loc: Loc, f: Any, table: dict, ports: dict[str, str], used: set[str]) -> tuple | None:
    try:
        groups = parse_edge(item, loc)
    except EdgeSyntaxError as exc:
        reader.error(f, exc.loc, exc.message)
        return None
    out, ok = [], True
    for i, group in enumerate(groups):
        resolved = [_endpoint(reader, ep, f, table, ports, i == len(groups) - 1) for ep in group]
        used.update(r.port for r in resolved if isinstance(r, NetPort) and r.layer is None)
        if any(r is _BAD for r in resolved):
            ok = False
        out.append(resolved if len(group) > 1 else resolved[0])
    return tuple(out) if ok else None


_BAD = object()


def _endpoint(reader: Any, ep: Endpoint, f: Any, table: dict, ports: dict[str, str], last: bool) -> Any:
    text = ep.text
    if text == "None":
        if last:
            return None
        reader.error(f, ep.loc, "None can only end an edge ('layer.Port -> None' mutes an output)")
        return _BAD
    if text in table:
        return text
    if text in ports:
        return NetPort(text)
    name, dot, port = text.partition(".")
    if dot and name in table:
        layer = table[name]
        known = getattr(layer, "input_ports", None)
        if known is None or getattr(layer, "variadic", False) or port in (*layer.input_ports, *layer.output_ports):
            return NetPort(name, port)
        where = f"layer {name!r} ({layer.type_name})"
        reader.error(f, ep.loc.at(len(name) + 1),
                     f"{where} has no port {port!r}{did_you_mean(port, (*layer.input_ports, *layer.output_ports))}; "
                     f"its inputs are {list(layer.input_ports)} and outputs {list(layer.output_ports)}")
        return _BAD
    if dot:
        reader.error(f, ep.loc, f"there is no layer {name!r}{did_you_mean(name, table)} (in endpoint {text!r}); "
                     f"the layers are {', '.join(table)}")
        return _BAD
    graph_ports = f" or declared graph port ({', '.join(sorted(ports))})" if ports else ""
    reader.error(f, ep.loc, f"{text!r} is not a layer{graph_ports}{did_you_mean(text, [*table, *ports])}; a graph "
                 f"port used in an edge is declared under 'inputs:' or 'outputs:' (e.g. 'outputs: {{{text}: null}}')")
    return _BAD
