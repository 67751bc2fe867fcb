"""Edges in specs: the text forms parsed into endpoints with their columns, and graphs' edges as text.

An edge is a string ``"a -> b"``, a chain ``"a -> b -> c"``, groups ``"[a, b] -> c"`` / ``"a -> [b, c]"``,
ports ``"noise.Output -> Params"``, a mute ``"a.Aux -> None"``, or a list ``[src, dst]`` (or a longer
chain) whose items are endpoints or lists of endpoints.

>>> [[e.text for e in group] for group in parse_edge_text("[means, stds] -> sample.x", Loc(3, 5, 6))]
[['means', 'stds'], ['sample.x']]
>>> parse_edge_text("a -> bb", Loc(3, 5, 6))[1][0].loc
Loc(line=3, col=11, inner=11)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from netgraph.spec.yaml_nodes import Loc, YSeq
from netgraph.core.errors import SpecError
from netgraph.core.ports import PortRef

__all__ = ["Endpoint", "EdgeSyntaxError", "parse_edge", "parse_edge_text", "render_edges", "SIMPLE_NAME"]

SIMPLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]*")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint as written (``"noise"``, ``"noise.Output"``, ``"None"``) and where it is."""

    text: str
    loc: Loc


class EdgeSyntaxError(Exception):
    """A malformed edge; ``loc`` points at the problem."""

    def __init__(self, message: str, loc: Loc):
        super().__init__(message)
        self.message, self.loc = message, loc


def _split(text: str, sep: str, offset: int) -> list[tuple[str, int]]:
    """Pieces of ``text`` between ``sep``s, stripped, with the offset of each piece's first char."""
    pieces, start = [], 0
    for m in re.finditer(re.escape(sep), text):
        pieces.append((text[start:m.start()], start))
        start = m.end()
    pieces.append((text[start:], start))
    return [(p.strip(), offset + s + len(p) - len(p.lstrip())) for p, s in pieces]


def _group(text: str, offset: int, loc: Loc) -> list[Endpoint]:
    if text.startswith("[") and text.endswith("]"):
        items = _split(text[1:-1], ",", offset + 1)
    elif any(c in text for c in "[],"):
        raise EdgeSyntaxError(f"cannot read endpoint {text!r}: a group is written [a, b]", loc.at(offset))
    else:
        items = [(text, offset)]
    out = []
    for item, at in items:
        if not item or any(c in item for c in "[],"):
            raise EdgeSyntaxError(f"cannot read endpoint {item!r} in {text!r}: endpoints are 'layer', "
                                  f"'layer.Port', a graph port, or None", loc.at(at))
        out.append(Endpoint(item, loc.at(at)))
    return out


def parse_edge_text(text: str, loc: Loc) -> list[list[Endpoint]]:
    """``"[a, b] -> c -> d.Port"`` -> groups of endpoints, each with its position."""
    pieces = _split(text, "->", 0)
    if len(pieces) < 2:
        raise EdgeSyntaxError(f"edge {text!r} has no '->': write 'src -> dst' (or a list [src, dst])", loc)
    return [_group(piece, at, loc) for piece, at in pieces]


def parse_edge(value: Any, loc: Loc) -> list[list[Endpoint]]:
    """An edge item of a spec (string or list) -> groups of endpoints; EdgeSyntaxError when malformed."""
    if isinstance(value, str):
        return parse_edge_text(value, loc)
    if isinstance(value, YSeq):
        if len(value) < 2:
            raise EdgeSyntaxError(f"an edge list needs a source and a destination, found {list(value)!r}", loc)
        return [_list_item(item, item_loc) for item, item_loc in zip(value, value.item_locs)]
    if isinstance(value, dict) and len(value) == 1:
        (src, dst), = value.items()
        raise EdgeSyntaxError(f"edge {{{src}: {dst}}} is a mapping; write '{src} -> {dst}' (quoted if it "
                              f"starts with '[')", loc)
    raise EdgeSyntaxError(f"an edge is a string 'src -> dst' or a list [src, dst], found {value!r}", loc)


def _list_item(item: Any, loc: Loc) -> list[Endpoint]:
    if item is None:
        return [Endpoint("None", loc)]
    if isinstance(item, int) and not isinstance(item, bool):
        return [Endpoint(str(item), loc)]
    if isinstance(item, str):
        return _group(item.strip(), 0, loc)
    if isinstance(item, YSeq) and item:
        out = []
        for sub, sub_loc in zip(item, item.item_locs):
            if isinstance(sub, YSeq):
                raise EdgeSyntaxError("groups do not nest: write [a, b], not [[a, b]]", sub_loc)
            out += _list_item(sub, sub_loc)
        return out
    raise EdgeSyntaxError(f"an edge endpoint is a name, 'layer.Port', a list of them, or null; found {item!r}", loc)


# -- rendering (NetGraph -> edge texts) ----------------------------------------------------------

def _src_text(net: Any, ref: Any) -> str:
    if ref.layer is None:
        return ref.port
    layer = net.layers[ref.layer]
    return ref.layer if ref.port == layer.output_ports[0] else f"{ref.layer}.{ref.port}"


def _dst_text(net: Any, ref: Any, src: Any) -> str:
    """``layer`` for a one-input layer, else ``layer.Port``; always ``layer.Port`` from a graph input (an
    explicit port keeps the edge in the wiring's first group, so graph inputs keep their order)."""
    if ref is None:
        return "None"
    if ref.layer is None:
        return ref.port
    layer = net.layers[ref.layer]
    bare = layer.input_ports == (ref.port,) and src.layer is not None
    return ref.layer if bare else f"{ref.layer}.{ref.port}"


def _simple(net: Any, ref: Any) -> bool:
    if ref is None:
        return True
    names = [ref.port] if ref.layer is None else [ref.layer, ref.port]
    return all(SIMPLE_NAME.fullmatch(n) for n in names)


def _as_list(src: Any, dst: Any) -> list:
    """The list form ``[src, dst]`` for names that the text form cannot carry."""
    def side(ref: Any) -> Any:
        return None if ref is None else (ref.port if ref.layer is None else f"{ref.layer}.{ref.port}")
    return [side(src), side(dst)]


def render_edges(net: Any) -> list:
    """The explicit edges of ``net`` as spec items: groups and chains where they read naturally.

    Edges from graph inputs keep explicit ports, so the graph's input order survives a round trip.
    """
    pairs = [(_ref(s), None if d is None else _ref(d)) for s, d in net.explicit_edges()]
    _refuse_clashes(net, pairs)
    items: list[tuple[str, list]] = []  # ("text", segments) or ("list", [src, dst])
    i = 0
    while i < len(pairs):
        src, dst = pairs[i]
        group = _group_at(net, pairs, i)
        if group:
            items.append(("text", ["[" + ", ".join(_src_text(net, s) for s, _ in group) + "]", dst.layer]))
            i += len(group)
        elif _simple(net, src) and _simple(net, dst):
            items.append(("text", [_src_text(net, src), _dst_text(net, dst, src)]))
            i += 1
        else:
            items.append(("list", _as_list(src, dst)))
            i += 1
    return [" -> ".join(body) if kind == "text" else body for kind, body in _chains(net, items)]


def _refuse_clashes(net: Any, pairs: list) -> None:
    clashes = sorted({r.port for pair in pairs for r in pair if r is not None and r.layer is None
                      and (r.port in net.layers or r.port == "None")})
    if clashes:
        raise SpecError(f"graph port {clashes[0]!r} has the name of a layer (or None), so an edge in a spec could not "
                        f"tell them apart; rename one first (net_rename)")


def _ref(port: Any) -> Any:
    return PortRef(port.layer, port.port)


def _group_at(net: Any, pairs: list, i: int) -> list:
    """The run of edges from ``i`` that feeds every input of one multi-input layer, in port order."""
    dst = pairs[i][1]
    if dst is None or dst.layer is None or not SIMPLE_NAME.fullmatch(dst.layer):
        return []
    ports = net.layers[dst.layer].input_ports
    run = pairs[i:i + len(ports)]
    if len(ports) < 2 or len(run) != len(ports):
        return []
    ok = all(d is not None and d.layer == dst.layer and d.port == p and s.layer is not None and _simple(net, s)
             for (s, d), p in zip(run, ports))
    return run if ok else []


def _chains(net: Any, items: list) -> list:
    """Merge ``a -> b`` followed by ``b -> c`` into ``a -> b -> c`` when ``b`` is a bare layer name."""
    out: list = []
    for kind, body in items:
        if out and kind == "text" and out[-1][0] == "text" and out[-1][1][-1] == body[0] and body[0] in net.layers:
            out[-1] = ("text", [*out[-1][1], *body[1:]])
        else:
            out.append((kind, body))
    return out
