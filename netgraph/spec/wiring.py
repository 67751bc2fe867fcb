"""Graph ports and edges of a spec, and tracing a NetGraph's errors back to the YAML that caused them.

``read_ports`` reads ``inputs:``/``outputs:`` (shape, ``null`` = inferred, ``Real``/``Integer``, or
``{shape: ..., dtype: ...}``). ``read_edges`` resolves each endpoint to a layer, a layer port or a
declared graph port, pointing at the column of a bad endpoint. ``Locator.locate`` finds, in a
message from NetGraph, the edge or layer it is about and rewrites Python edge texts in YAML form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from netgraph.core.errors import did_you_mean
from netgraph.core.ports import NetPort
from netgraph.spec.edges import EdgeSyntaxError, Endpoint, parse_edge
from netgraph.spec.yaml_nodes import Loc, YMap, YSeq
from netgraph.core.types import DTYPES, Conflict, PortType, as_shape
from netgraph.core.wiring import format_endpoint

__all__ = ["Located", "Locator", "read_ports", "read_edges", "check_unused", "check_declared", "port_type"]

_MENTION = re.compile(r"layer (\d+)(?: '([^']*)')? \([A-Za-z]\w*\)")
_PORT_MENTION = re.compile(r"'([^']+)' is neither an input nor an output port|graph (?:input|output) '([^']+)'")


@dataclass
class Located:
    """A message and the file and position it belongs to."""

    file: Any
    loc: Loc
    message: str


@dataclass
class Locator:
    """What is known about one graph's YAML: where its ports and edges are (layers: reader.layer_locs)."""

    reader: Any
    file: Any
    prefix: tuple
    port_locs: dict[str, Loc] = field(default_factory=dict)
    edge_texts: dict[str, tuple[str, Loc]] = field(default_factory=dict)  # Python text -> (YAML text, loc)
    used_ports: set[str] = field(default_factory=set)  # declared graph ports that edges name

    def locate(self, message: str, default: Loc) -> Located:
        message, edge_loc = self._edges(message)
        if edge_loc is not None:
            return Located(self.file, edge_loc, message)
        for m in _PORT_MENTION.finditer(message):
            name = m.group(1) or m.group(2)
            if name in self.port_locs:
                return Located(self.file, self.port_locs[name], message)
        layer = self._layer(message)
        if layer is not None:
            return Located(layer[0], layer[1], message)
        return Located(self.file, default, message)

    def _edges(self, message: str) -> tuple[str, Loc | None]:
        found: list[tuple[int, Loc]] = []
        for py_text in sorted(self.edge_texts, key=len, reverse=True):
            at = message.find(py_text)
            if at >= 0:
                yaml_text, loc = self.edge_texts[py_text]
                found.append((at, loc))
                message = message.replace(py_text, yaml_text)
        return message, min(found, key=lambda x: x[0])[1] if found else None

    def _layer(self, message: str) -> tuple[Any, Loc] | None:
        mentions = list(_MENTION.finditer(message))
        if not mentions:
            return None
        path, end = [], None
        for m in mentions:  # the first chain "layer 1 'a' (NetGraph) > layer 2 'b' (LinearLayer)"
            if path and message[end:m.start()] != " > ":
                break
            path.append(m.group(2) if m.group(2) is not None else m.group(1))
            end = m.end()
        full = (*self.prefix, *path)
        for n in range(len(full), len(self.prefix), -1):
            if full[:n] in self.reader.layer_locs:
                return self.reader.layer_locs[full[:n]]
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
        edge = _edge(reader, item, loc, f, table, ports, loc_of.used_ports)
        if edge is None:
            ok = False
            continue
        edges.append(edge)
        text = item if isinstance(item, str) else " -> ".join(map(str, item))
        loc_of.edge_texts.setdefault(" -> ".join(format_endpoint(e) for e in edge), (text, loc))
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
