"""Edges written: a NetGraph's explicit edges as spec items (``"a -> b"``, chains, groups ``"[a, b] -> c"``, a list
``[src, dst]`` for names a text cannot carry), in an order that reads back to the same wiring."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from netgraph.core.errors import SpecError
from netgraph.core.naming_scope import quoted, shown_path

__all__ = ["render_edges", "SIMPLE_NAME", "layer_named_ports"]

SIMPLE_NAME = re.compile(r"\w[\w\-]*")  # letters and digits of any script: plain in YAML, read back by parse_edge


def _text(net: Any, ref: Any, src: Any = None, qualified: frozenset = frozenset()) -> str:
    """``layer`` for a layer's first output (or only input, not from a graph input), else ``layer.Port`` (always
    for a layer of ``qualified``, whose bare name is a graph port's)."""
    if ref is None or ref.layer is None:
        return "None" if ref is None else ref.port
    if ref.layer in qualified:
        return f"{ref.layer}.{ref.port}"
    ports = net.layers[ref.layer].output_ports[:1] if src is None else net.layers[ref.layer].input_ports
    bare = (ports[0] == ref.port) if src is None else (ports == (ref.port,) and src.layer is not None)
    return ref.layer if bare else f"{ref.layer}.{ref.port}"


def _simple(ref: Any) -> bool:
    if ref is None:
        return True
    return all(SIMPLE_NAME.fullmatch(n) for n in ([ref.port] if ref.layer is None else [ref.layer, ref.port]))


def _group_at(net: Any, pairs: list, i: int, qualified: frozenset) -> list:
    """The run of edges from ``i`` that feeds every input of one multi-input layer, in port order (none for a layer
    of ``qualified``, which a group cannot name)."""
    dst = pairs[i][1]
    if dst is None or dst.layer is None or not SIMPLE_NAME.fullmatch(dst.layer) or dst.layer in qualified:
        return []
    layer = net.layers[dst.layer]
    ports = layer.input_ports
    if layer.variadic and layer.with_input_count(len(ports)) is not layer:
        return []  # a group would give the layer its input count (inputs=n): the net read back would differ
    run = pairs[i:i + len(ports)]
    ok = len(ports) > 1 and len(run) == len(ports) and all(
        d is not None and d.layer == dst.layer and d.port == p and s.layer is not None and _simple(s)
        for (s, d), p in zip(run, ports))
    named = ok and _group_text(net, run, qualified) in (*net.layers, *net.input_ports, *net.output_ports)
    return run if ok and not named else []  # named: the reader would read the group as the layer (or port) so named


def _group_text(net: Any, group: list, qualified: frozenset) -> str:
    """The sources of a group of edges as a spec writes them: ``[a, b.Output]``."""
    return "[" + ", ".join(_text(net, s, qualified=qualified) for s, _ in group) + "]"


def render_edges(net: Any, path: tuple = ()) -> list:
    """The explicit edges of ``net`` (the graph at ``path``) as spec items: groups and chains where they read
    naturally; edges from graph inputs keep explicit ports, so the graph's input order survives a round trip."""
    pairs = net.explicit_edges()
    named_ports = {r.port for pair in pairs for r in pair if r is not None and r.layer is None}
    qualified = _port_named_layers(net, path, named_ports)
    unreadable = sorted({r.layer for pair in pairs for r in pair if r is not None and r.layer is not None
                         and (r.layer == "None" or r.layer != r.layer.strip())})
    if unreadable:
        raise SpecError(f"layer {quoted(unreadable[0])} is wired by an edge, which a spec could not read back: an "
                        f"edge's layer names cannot be None (an edge's None mutes an output) or start or end with a "
                        f"space (the reader strips it); rename it first (net_rename)", kind="layer-name",
                        layer=(unreadable[0],))
    _refuse_padded_ports(net, path)
    for _ in range(8):  # until the text reads back in the order it was written from (to_yaml: a fixed point)
        items, read_order = _render(net, pairs, qualified)
        if read_order == pairs:
            break
        pairs = read_order
    return items


def _refuse_padded_ports(net: Any, path: tuple) -> None:
    """SpecError at the first graph output whose name starts or ends with whitespace: the reader strips an edge's
    endpoints, so a spec could not connect it."""
    padded = [name for name in net.output_ports if name != name.strip()]
    if padded:
        where = f" in graph {shown_path(path)!r}" if path else ""
        raise SpecError(f"graph output {quoted(padded[0])}{where} starts or ends with whitespace, which a spec "
                        f"could not read back (the reader strips an edge's names); rename it first (net_rename)",
                        kind="graph-output-name", layer=path, port=padded[0], found=padded[0])


def _port_named_layers(net: Any, path: tuple, ports: set) -> frozenset:
    """The layers named like a graph port among ``ports`` (those the edges name): an edge names the port by the bare
    name and the layer as ``layer.Port`` (the reader's ``graph_ports_first``). SpecError at the first port an edge
    could not name: None (an edge's None mutes), or one named like a layer where a layer also has a port of that
    name (the reader takes the bare name for the layer then: the declared port connects to that port by name)."""
    shared, clashing = layer_named_ports(net.layers, ports)
    for name in sorted(ports & {*clashing, "None"}):
        where = f" in graph {shown_path(path)!r}" if path else ""
        if name in net.layers:
            layer_type = net.layers[name].type_name
            other = next(k for k, v in net.layers.items() if name in (*v.input_ports, *v.output_ports))
            raise SpecError(f"graph port {quoted(name)} has the name of layer {quoted(name)} ({layer_type}){where}, "
                            f"and layer {quoted(other)} has a port {quoted(name)}, so an edge in a spec could not tell "
                            f"the graph port from the layer; rename one of them first (net_rename)", kind="name-clash",
                            port=name,
                            layer=(*path, name), found=name)
        raise SpecError(f"graph port 'None'{where} cannot be named by an edge in a spec, where None mutes an output; "
                        f"rename it first (net_rename)", kind="name-clash", port=name, layer=path, found=name)
    return shared


def layer_named_ports(layers: Mapping[str, Any], ports: Iterable[str]) -> tuple[frozenset, frozenset]:
    """(the graph ports among ``ports`` named like one of ``layers``, those of them that a layer also has a port
    named so): a bare name in an edge names the graph port for the first less the second, the layer otherwise."""
    shared = frozenset(name for name in ports if name in layers)
    if not shared:
        return shared, frozenset()
    layer_ports = {p for layer in layers.values() for p in (*getattr(layer, "input_ports", ()),
                                                            *getattr(layer, "output_ports", ()))}
    return shared, shared & layer_ports


def _render(net: Any, pairs: list, qualified: frozenset) -> tuple[list, list]:
    """The spec items of ``pairs``, and the order the reader wires them in: edges naming their destination
    port first, then those to a bare layer name, by layer in order of first use (``wiring`` threads them so)."""
    out: list = []  # ("text", segments: chains merged) or ("list", [src, dst]) for names a text cannot carry
    named, bare, i = [], {}, 0
    while i < len(pairs):
        src, dst = pairs[i]
        group = _group_at(net, pairs, i, qualified)
        i += len(group) or 1
        if not group and not (_simple(src) and _simple(dst)):
            out.append(("list", [None if r is None else r.port if r.layer is None else f"{r.layer}.{r.port}"
                                 for r in (src, dst)]))
            named.append((src, dst))
            continue
        item = ([_group_text(net, group, qualified), dst.layer] if group
                else [_text(net, src, qualified=qualified), _text(net, dst, src, qualified)])
        if dst is not None and item[-1] == dst.layer:
            bare.setdefault(dst.layer, []).extend(group or [(src, dst)])
        else:
            named.append((src, dst))
        if out and out[-1][0] == "text" and out[-1][1][-1] == item[0] and item[0] in net.layers \
                and item[0] not in qualified:  # a chain through a layer (the bare name of ``qualified``: a port)
            out[-1][1].extend(item[1:])
        else:
            out.append(("text", item))
    muted = [pair for pair in named if pair[1] is None]  # kept last, as explicit_edges lists them
    order = [pair for pair in named if pair[1] is not None] + [pair for feeds in bare.values() for pair in feeds]
    order += muted
    return [" -> ".join(body) if kind == "text" else body for kind, body in out], order
