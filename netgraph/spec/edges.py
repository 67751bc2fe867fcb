"""Edges in specs, read with each endpoint's column and written as text: ``"a -> b"``, ``"a -> b -> c"``,
``"[a, b] -> c"``, ``"noise.Output -> Params"``, ``"a.Aux -> None"``, or a list ``[src, dst, ...]``.

>>> [[e.text for e in group] for group in parse_edge("[means, stds] -> sample.x", Loc(3, 5, 6))]
[['means', 'stds'], ['sample.x']]
>>> parse_edge("a -> bb", Loc(3, 5, 6))[1][0].loc
Loc(line=3, col=11, inner=11)
"""

from __future__ import annotations

from typing import Any, NamedTuple

from netgraph.core.arrow_names import arrow_name_pieces
from netgraph.core.errors import WiringError, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.names import numbered, unquoted
from netgraph.core.naming_scope import SHOWN_EDGE, quoted
from netgraph.core.port_paths import resolve, shown_path
from netgraph.core.ports import NetPort
from netgraph.core.wording import few_names, first_few, value_kind
from netgraph.spec.edge_text import layer_named_ports
from netgraph.spec.problems import FAILED, sole
from netgraph.spec.yaml_nodes import Loc, YMap, YSeq

__all__ = ["Endpoint", "EdgeSyntaxError", "parse_edge", "read_edges", "refuse_chain_edges",
           "check_edges_without_layers"]


class Endpoint(NamedTuple):
    """One endpoint as written (``"noise"``, ``"noise.Output"``, ``"None"``) and where it is."""

    text: str
    loc: Loc


class EdgeSyntaxError(Exception):
    """A malformed edge; ``loc`` points at the problem."""

    def __init__(self, message: str, loc: Loc):
        super().__init__(message)
        self.message, self.loc = message, loc


def _pieces(text: str, sep: str, offset: int) -> list[tuple[str, int]]:
    """Pieces of ``text`` between ``sep``s, stripped, with the offset of each piece's first character."""
    out, start = [], offset
    for part in text.split(sep):
        out.append((part.strip(), start + len(part) - len(part.lstrip())))
        start += len(part) + len(sep)
    return out


def _group(text: str, offset: int, loc: Loc, names: frozenset = frozenset()) -> list[Endpoint]:
    """The endpoints of one piece of an edge: a group ``[a, b]`` or one endpoint (one naming a layer or graph port
    of ``names`` exactly, or such a layer's port, even where that name holds ``[``, ``]`` or ``,``)."""
    if text in names or text.partition(".")[0] in names:
        return [Endpoint(text, loc.at(offset))]
    if text.startswith("[") and text.endswith("]"):
        items = _pieces(text[1:-1], ",", offset + 1)
    elif any(c in text for c in "[],"):
        raise EdgeSyntaxError(f"cannot read endpoint {quoted(text)}: a group is written [a, b]", loc.at(offset))
    else:
        items = [(text, offset)]
    for item, at in items:
        if not item or any(c in item for c in "[],"):
            raise EdgeSyntaxError(f"cannot read endpoint {quoted(item)} in {quoted(text)}: endpoints are 'layer', "
                                  f"'layer.Port', a graph port, or None", loc.at(at))
    return [Endpoint(item, loc.at(at)) for item, at in items]


def parse_edge(value: Any, loc: Loc, names: frozenset = frozenset()) -> list[list[Endpoint]]:
    """An edge item of a spec (string or list) -> groups of endpoints; EdgeSyntaxError when malformed. ``names``:
    the layers and graph ports, each read as one endpoint however it is spelled."""
    if isinstance(value, str):
        _refuse_look_alike(value, loc)
        _refuse_arrow_names(value, loc, names)
        if "->" not in value:
            raise EdgeSyntaxError(f"edge {quoted(value, SHOWN_EDGE)} has no '->': write 'src -> dst' "
                                  f"(or a list [src, dst])", loc)
        pieces = _pieces(value, "->", 0)
        for i, (piece, at) in enumerate(pieces):
            if not piece:
                where = ("starts with '->'" if i == 0 else "ends with '->'" if i == len(pieces) - 1
                         else "has two '->' with nothing between them")
                at = value.rindex("->") if 0 < i == len(pieces) - 1 else at  # at the last arrow
                raise EdgeSyntaxError(f"edge {quoted(value, SHOWN_EDGE)} {where}: an endpoint is missing there",
                                      loc.at(at))
        return [_group(piece, at, loc, names) for piece, at in pieces]
    if isinstance(value, YSeq):
        if len(value) < 2:
            raise EdgeSyntaxError(f"an edge list needs a source and a destination, found {list(value)!r}", loc)
        return [_list_item(item, item_loc, names) for item, item_loc in zip(value, value.item_locs)]
    if isinstance(value, dict) and len(value) == 1:
        (src, dst), = value.items()
        raise EdgeSyntaxError(f"edge {{{src}: {dst}}} is a mapping; write '{src} -> {dst}' (quoted if it "
                              f"starts with '[')", loc)
    raise EdgeSyntaxError(f"an edge is a string 'src -> dst' or a list [src, dst], "
                          f"found {quoted(value, SHOWN_EDGE)}", loc)


#: Arrows people write for '->'.
_LOOK_ALIKES = ("-->", "==>", "=>", "- >", "<--", "<-", "\u2192", "\u27f6", "\u2014>", "\u2013>")


def _refuse_look_alike(text: str, loc: Loc) -> None:
    """EdgeSyntaxError at the first arrow look-alike in edge ``text`` ('=>', '<-', '\u2192', ...), with the edge
    rewritten where that is clear (every arrow the same look-alike; '<-' links reversed)."""
    found = sorted((text.index(a), -len(a), a) for a in _LOOK_ALIKES if a in text)  # the longest where several start
    if not found:
        return
    at, _, arrow = found[0]
    pieces = ([p.strip() for p in reversed(text.split(arrow))] if arrow.startswith("<") and "->" not in text else
              [p.strip() for p in text.replace(arrow, "->").split("->")] if not arrow.startswith("<") else [])
    fix = " -> ".join(pieces)
    if not all(pieces) or any(a in text.replace(arrow, " ") for a in _LOOK_ALIKES):  # another kind of look-alike too
        fix = None
    advice = (f"write {quoted(fix, SHOWN_EDGE)}" if fix
              else "an edge runs from source to destination, each link written '->'")
    raise EdgeSyntaxError(f"edge {quoted(text, SHOWN_EDGE)}: {quoted(arrow)} is not an arrow; {advice}", loc.at(at))


def _refuse_arrow_names(text: str, loc: Loc, names: frozenset) -> None:
    """EdgeSyntaxError for a string edge naming a layer whose name holds '->' (the string splits it), with the
    edge in the list form, which keeps the name whole."""
    pieces = arrow_name_pieces(text, names)
    if pieces is not None:
        arrowed = sorted({n for n in names if "->" in n and n in text})
        raise EdgeSyntaxError(f"edge {quoted(text, SHOWN_EDGE)}: the name {' and '.join(map(quoted, arrowed))} "
                              f"holds '->', "
                              f"which splits a string edge; write the edge as a list: [{', '.join(pieces)}]", loc)


def _list_item(item: Any, loc: Loc, names: frozenset, nested: bool = False) -> list[Endpoint]:
    if item is None or (isinstance(item, int) and not isinstance(item, bool)):
        return [Endpoint(str(item), loc)]
    if isinstance(item, str):
        return _group(item.strip(), 0, loc, names)
    if isinstance(item, YSeq) and nested:
        raise EdgeSyntaxError("groups do not nest: write [a, b], not [[a, b]]", loc)
    if isinstance(item, YSeq) and item:
        return [ep for sub, sub_loc in zip(item, item.item_locs) for ep in _list_item(sub, sub_loc, names, True)]
    raise EdgeSyntaxError(f"an edge endpoint is a name, 'layer.Port', a list of them, or null; found {quoted(item)}",
                          loc)


# -- reading: endpoints resolved against the layers and declared ports ---------------------------

def read_edges(reader: Any, spec: YMap, table: dict, ports: dict[str, str], graph: Any) -> list | None:
    """The edges as NetGraph takes them; None when any is bad (each problem recorded). ``graph`` (a
    ``Locator``) records each edge's text and position and the graph ports the edges use."""
    if (items := _edge_items(reader, spec)) is None:
        return None
    edges, names, port_first = [], frozenset((*table, *ports)), graph_ports_first(table, ports)
    for item, loc in items:
        shown = item if isinstance(item, str) else \
            " -> ".join(map(_written, item)) if isinstance(item, list) else repr(item)
        graph.edges.append((shown, loc))
        try:
            groups = parse_edge(item, loc, names)
        except EdgeSyntaxError as exc:
            reader.error(exc.loc, exc.message, kind="edge-syntax")
            edges.append(None)
            continue
        if len(groups) > 2:  # a chain: where each link is, for a problem of one link
            graph.links[len(graph.edges) - 1] = _links(item, loc)
        ends = [[_endpoint(reader, ep, table, ports, (i, len(groups)), graph.prefix, port_first) for ep in g]
                for i, g in enumerate(groups)]
        graph.port_ends[len(graph.edges) - 1] = _port_ends(groups, ends)
        graph.used_ports.update(r.port for group in ends for r in group if isinstance(r, NetPort) and r.layer is None)
        graph.used_layers.update(_layer_of(r) for group in ends for r in group if _layer_of(r) is not None)
        edges.append(None if any(r is FAILED for g in ends for r in g)
                     else tuple(g if len(g) > 1 else g[0] for g in ends))
    return None if None in edges else edges


def _port_ends(groups: list[list[Endpoint]], ends: list[list[Any]]) -> dict[tuple[str, str], Loc]:
    """Where each layer port an edge names is written (at the port's name, after 'layer.'), by (layer, port): for a
    problem the graph finds with it (a variadic layer's input it does not have)."""
    return {(end.layer, end.port): ep.loc.at(len(end.layer) + 1) for group, found in zip(groups, ends)
            for ep, end in zip(group, found) if isinstance(end, NetPort) and isinstance(end.layer, str)}


def refuse_chain_edges(reader: Any, spec: YMap, prefix: tuple) -> None:
    """Record a NetChain's 'edges:' as a problem: each of its layers feeds the next."""
    if "edges" in spec:
        reader.error(spec.key_locs["edges"], "a NetChain has no 'edges:' (each layer feeds the next); "
                     "use type: NetGraph to wire layers freely", kind="unknown-key", layer=prefix, found="edges")


def check_edges_without_layers(reader: Any, spec: YMap, ports: dict[str, str], prefix: tuple, kind: str) -> None:
    """Record the problems of 'edges:' that the layers do not decide, for a graph whose 'layers:' could not be read
    (a NetChain's 'edges:' at all; a NetGraph's form and each edge's syntax): no endpoint is judged."""
    if kind == "NetChain":
        refuse_chain_edges(reader, spec, prefix)
        return
    for item, loc in _edge_items(reader, spec) or ():
        try:
            parse_edge(item, loc, frozenset(ports))
        except EdgeSyntaxError as exc:
            reader.error(exc.loc, exc.message, kind="edge-syntax")


def _edge_items(reader: Any, spec: YMap) -> list[tuple[Any, Loc]] | None:
    """Each edge of 'edges:' with its position (none when it is left out); None when 'edges:' is no list (recorded)."""
    value = spec.get("edges")
    if value is None and "edges" not in spec:
        return []
    if isinstance(value, YMap):
        items = []
        for k, v in value.items():
            item = YSeq([k, v])
            item.loc, item.item_locs = value.key_locs[k], [value.key_locs[k], value.value_locs[k]]
            items.append((item, item.loc))
        return items
    if isinstance(value, YSeq):
        return list(zip(value, value.item_locs))
    found = "nothing (leave 'edges:' out for none)" if value is None else repr(value)  # None: 'edges:' and nothing
    reader.error(spec.written_at("edges"), f"'edges:' is a list of edges such as 'a -> b', found {found}",
                 kind="value-type", found=value_kind(value))
    return None


def graph_ports_first(table: dict, ports: dict[str, str]) -> frozenset:
    """The declared graph ports that a bare name in an edge names before the layer of that name: those no layer has
    a port of that name (a declared port connects to such a port by name, and then an edge names only the layer; one
    that connects to none must be named by an edge, so the bare name is the port, and the layer is written
    ``layer.Port``)."""
    shared, clashing = layer_named_ports(table, ports)
    return shared - clashing


def _layer_of(end: Any) -> str | None:
    """The layer name an endpoint read names (of a nested port, the outermost), else None."""
    layer = end.layer if isinstance(end, NetPort) else end if isinstance(end, str) else None
    return layer[0] if isinstance(layer, tuple) else layer


def _links(item: Any, loc: Loc) -> list[tuple[str, Loc]]:
    """Each link of a chain edge (read by ``parse_edge``): its text as written and where it is (at its source, as
    a one-link edge is placed at the edge, which starts at its source)."""
    if isinstance(item, str):
        ends = [(piece, loc.at(at) if i else loc) for i, (piece, at) in enumerate(_pieces(item, "->", 0))]
    else:
        ends = [(_written(part), part_loc) for part, part_loc in zip(item, item.item_locs)]
    return [(f"{a} -> {b}", at) for (a, at), (b, _) in zip(ends, ends[1:])]


def _written(part: Any) -> str:
    """A list edge's endpoint as the YAML writes it: ``[a, b]`` for a group (not Python's ``['a', 'b']``)."""
    return "[" + ", ".join(map(_written, part)) + "]" if isinstance(part, list) else str(part)


def _endpoint(reader: Any, ep: Endpoint, table: dict, ports: dict[str, str], position: tuple[int, int],
              prefix: tuple, port_first: frozenset = frozenset()) -> Any:
    """The endpoint of group ``index`` of ``count`` (``position``; the first group only feeds, the others are fed) in
    the graph at ``prefix``; a bare name of ``port_first`` is the graph port, not the layer of that name."""
    (index, count), text = position, ep.text
    if text in ("null", "Null", "NULL", "~") and text not in table and text not in ports:
        text = "None"  # YAML's spellings of null, as a list edge [a.Output, null] reads them
    if text == "None" and index < count - 1:
        return reader.error(ep.loc, "None can only end an edge ('layer.Port -> None' mutes an output)",
                            kind="edge-syntax", found="None")
    if text == "None":
        return None
    if text in table and text not in port_first:
        return text
    if text in ports:
        return NetPort(text)
    head, dot, port = text.partition(".")
    joined, skipped = (f" {port}", len(head) + 1) if head in table else (f" {text}", 0)  # a layer may be named 'b - c'
    if " - " in joined:  # '- a -> b' over '  - c -> d': YAML reads one edge 'a -> b - c -> d'
        return reader.error(ep.loc.at(joined.index(" - ") + skipped),
                            f"{quoted(text)} is not an endpoint: this '- ' starts a line "
                            f"that YAML joined to the edge above it, as the line is indented further than that edge's "
                            f"'- '; start each edge's '- ' in the same column", kind="layout", found=text)
    if text.count(".") > 1 and head in table:
        return _nested_endpoint(reader, ep, table, index, prefix)
    layer = table.get(head) if dot else None
    if layer is not None:
        return _layer_port(reader, ep, head, layer, port, position, prefix)
    return _unknown_endpoint(reader, ep, table, ports, index, prefix)


def _nested_endpoint(reader: Any, ep: Endpoint, table: dict, index: int, prefix: tuple) -> Any:
    """An endpoint ``enc.l1.Output``: a port inside the nested graph ``enc`` (which only feeds, never is fed)."""
    text = ep.text
    head = text.partition(".")[0]
    if isinstance(table[head], NetGraph) and index > 0:
        inputs = getattr(table[head], "input_ports", ())
        ends = first_few([f"{head}.{p}" for p in inputs], text=unquoted)
        return reader.error(ep.loc, f"endpoint {quoted(text)}: an edge cannot feed a layer inside the nested graph "
                            f"{quoted(head)}; feed one of its input ports ({ends}), which its own edges pass on",
                            kind="nested-endpoint", layer=(*prefix, head), found=text)
    if table[head] is FAILED:  # a nested graph that could not be built: told already
        return FAILED
    try:
        resolve(table, NetPort(tuple(text.split("."))))
    except WiringError as exc:
        return reader.error(ep.loc, f"endpoint {quoted(text)}: {sole(exc).detail}", source=sole(exc),
                            kind="unknown-port", layer=prefix, found=text)
    return NetPort(tuple(text.split(".")))


def _layer_port(reader: Any, ep: Endpoint, name: str, layer: Any, port: str, position: tuple[int, int],
                prefix: tuple) -> Any:
    """An endpoint ``name.port`` of the layer ``name`` (``layer``), or the problem of a port it does not have."""
    index, count = position
    if port.isdecimal() and port.isascii() and int(port) >= 1 and index > 0 and hasattr(layer, "input_ports") \
            and (layer.variadic or f"Input{int(port)}" in layer.input_ports) and port not in layer.input_ports:
        return NetPort(name, int(port))  # Wolfram's numbered inputs: cat.2 is cat.Input2, as NetPort("cat", 2)
    if port == "0" and index > 0 and hasattr(layer, "input_ports") \
            and (layer.variadic or "Input1" in layer.input_ports):  # an input end only: a source '0' is no input
        shown = unquoted(name)
        return reader.error(ep.loc.at(len(name) + 1), f"layer {shown_path((*prefix, name))!r} ({layer.type_name}) "
                            f"has no port {quoted(port)}: "
                            f"numbered inputs count from 1 ({shown}.1 is {shown}.Input1, as in Wolfram)",
                            kind="unknown-port", layer=(*prefix, name), port=port)  # variadic: was told at the edge
    if not hasattr(layer, "input_ports") or layer.variadic or port in (*layer.input_ports, *layer.output_ports):
        return NetPort(name, port)
    want = "output" if index == 0 else "input" if index == count - 1 else \
        "input" if port.startswith("Initial") else "output"  # a chain's middle port: by its name
    hint = layer.port_hint(port, want).replace("=True", ": true") \
        if hasattr(layer, "port_hint") else ""  # a recurrent layer's state port without its option
    if want == "output" and port in getattr(layer, "layers", {}):  # enc.l1: a layer inside the nested graph
        hint = f" ({quoted(port)} is a layer inside it: its output is {unquoted(f'{name}.{port}')}.Output)"
    hint = hint or did_you_mean(port, (*layer.input_ports, *layer.output_ports))
    return reader.error(ep.loc.at(len(name) + 1), f"layer {shown_path((*prefix, name))!r} ({layer.type_name}) has "
                        f"no port {quoted(port)}{hint}; its inputs are {few_names(list(layer.input_ports))} and "
                        f"outputs {few_names(list(layer.output_ports))}",
                        kind="unknown-port", layer=(*prefix, name), port=port,
                        expected=(*layer.input_ports, *layer.output_ports))


def _unknown_endpoint(reader: Any, ep: Endpoint, table: dict, ports: dict[str, str], index: int,
                      prefix: tuple) -> Any:
    """The problem of an endpoint naming no layer nor graph port (told once per undeclared name and graph)."""
    text = ep.text
    name, dot, _ = text.partition(".")
    if dot:
        return reader.error(ep.loc, f"there is no layer {quoted(name)}{did_you_mean(name, table)} (in endpoint "
                            f"{quoted(text)}); the layers are "
                            f"{first_few(list(table), text=unquoted)}",
                            kind="unknown-layer", layer=prefix, found=name, expected=tuple(table))
    if text.isdigit() and numbered(table):  # layers given as a list
        return reader.error(ep.loc, f"there is no layer {text}: the layers are numbered 1 to {len(table)} (in the "
                            f"order of the 'layers:' list)",
                            kind="unknown-layer", layer=prefix, found=text, expected=tuple(table))
    graph_ports = f" or declared graph port ({first_few(sorted(ports), text=unquoted)})" \
        if ports else ""
    group = "inputs" if index == 0 else "outputs"  # a source is a graph input, a destination a graph output
    near = did_you_mean(text, [*table, *ports])  # a near name is the likely fix: no advice to declare the typo
    if not near and (reader.file, prefix, text) in reader.undeclared:  # one declaration fixes every use: told once
        return FAILED
    reader.undeclared.add((reader.file, prefix, text))
    return reader.error(ep.loc, f"{quoted(text)} is not a layer{graph_ports}{near}" if near else
                        f"{quoted(text)} is not a layer{graph_ports}; a graph port used in an edge is declared under "
                        f"'inputs:' or 'outputs:' (here '{group}: {{{unquoted(text)}: null}}')",
                        kind="unknown-layer", layer=prefix, found=text)
