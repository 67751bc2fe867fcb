"""Dropping many ends or interior layers of a NetGraph with one rebuild (``drop_layers``' batch paths).

``drop_layers`` drops layers one at a time, each a rebuild: ends first, in layer order (a head's consumer ports
become new graph inputs, ``fresh_name``, their types declared; a tail's producers' outputs graph outputs), then
interior layers in topological order, the producer feeding the consumers. ``ends_batch`` and ``interior_batch``
replay exactly those steps on the edge list alone and build the net once. They decline (None: the caller takes
the steps one net at a time) whenever a step could depend on what a rebuild would infer or report: a head after
a tail, an output option, a fit that fails or a port of unknown shape."""

from __future__ import annotations

import heapq
from typing import Any

from netgraph.core.edge_text import with_mutes, written
from netgraph.core.graph import NetGraph
from netgraph.core.names import fresh_name
from netgraph.core.order import order
from netgraph.core.ports import NetPort, PortRef, declared_where_needed
from netgraph.core.types import REAL

__all__ = ["ends_batch", "interior_batch"]


def _ref(ref: PortRef) -> NetPort:
    return NetPort(ref.port) if ref.layer is None else NetPort(ref.layer, ref.port)


def _known(t: Any) -> bool:
    return t.shape is not None and all(d is not None for d in t.shape)


def interior_batch(net: NetGraph, drop: set[str], fits_checked: bool) -> NetGraph | None:
    """``net`` without the interior layers ``drop`` (each fed by a layer and feeding one), built once; None when
    the steps need the nets in between (see the module docstring)."""
    remaining = set(drop)
    if len(remaining) < 2:
        return None  # one layer: one rebuild anyway
    inner = [e for e in net.edges if e.src.layer is not None and e.dst.layer is not None]
    feeds, fed = {e.src.layer for e in inner}, {e.dst.layer for e in inner}
    if not remaining <= feeds & fed:
        return None  # an end goes first, by its own rule
    edges: dict[tuple, int] = {}  # the current edge list in order: (src, dst) -> position
    by_src: dict[str | None, set[tuple]] = {}
    by_dst: dict[str | None, set[tuple]] = {}
    count = 0

    def add(pair: tuple) -> None:
        nonlocal count
        edges[pair] = count
        count += 1
        by_src.setdefault(pair[0].layer, set()).add(pair)
        by_dst.setdefault(pair[1].layer, set()).add(pair)

    for e in net.edges:
        add(written(e))  # the user's edges keep their text and index
    for name in [n for n in order(tuple(net.layers), net.layers, net.edges) if n in remaining]:
        into = sorted(by_dst.get(name, ()), key=edges.__getitem__)
        out = sorted(by_src.get(name, ()), key=edges.__getitem__)
        if not fits_checked and not _fits(net, name, out):
            return None  # the steps one at a time give the error, naming the layer as they number it
        if len(into) != 1 or into[0][0].layer is None:
            return None
        for pair in into + out:
            del edges[pair]
            by_src[pair[0].layer].discard(pair)
            by_dst[pair[1].layer].discard(pair)
        for _, dst in out:
            add((into[0][0], dst))
    pairs = with_mutes(net, sorted(edges, key=edges.__getitem__), lambda a: None if a.layer in remaining else a)
    ports = {p.port for pair in pairs for p in pair if p is not None and p.layer is None}
    declared = {p: t for p, t in net.port_shape_options().items() if p in ports}
    return NetGraph({n: layer for n, layer in net.layers.items() if n not in remaining}, pairs,
                    **declared)


def _fits(net: NetGraph, name: str, out: list[tuple]) -> bool:
    """Whether ``name`` passes the fit check with the types of ``net`` (which its drops keep), both known."""
    layer = net.layers[name]
    consumed = sorted({src.port for src, dst in out if dst.layer is not None})
    if len(layer.input_ports) != 1 or len(consumed) != 1:
        return False
    types = net.layer_types(name)
    given, needed = types[layer.input_ports[0]], types[consumed[0]]
    return _known(given) and _known(needed) and \
        (given.shape, given.dtype or REAL) == (needed.shape, needed.dtype or REAL)


def ends_batch(net: NetGraph, remaining: set[str]) -> tuple[NetGraph, set[str]] | None:
    """(``net`` without the ends among ``remaining`` and those that become ends as they go, built once; the layers
    left to drop), or None (see the module docstring)."""
    if len(remaining) < 2:
        return None
    feeds, fed_by = {n: 0 for n in remaining}, {n: 0 for n in remaining}
    for e in net.edges:
        if e.src.layer is not None and e.dst.layer is not None:
            if e.src.layer in feeds:
                feeds[e.src.layer] += 1
            if e.dst.layer in fed_by:
                fed_by[e.dst.layer] += 1
    options = net.port_shape_options()
    if any(p in options for p in net.output_ports):
        return None  # kept by with_output_options, step by step
    position = {name: i for i, name in enumerate(net.layers)}
    ready = [position[n] for n in remaining if not feeds[n] or not fed_by[n]]
    if len(ready) < 2:
        return None
    heapq.heapify(ready)
    names, coders, tails = list(net.layers), net.coders, False
    pairs = [p for p in net.explicit_edges() if p[1] is not None]
    implicit = {(e.dst.layer, e.src.port) for e in net.edges if e.implicit and e.src.layer is None}
    gone: set[str] = set()
    heads: dict[str, Any] = {}  # the new inputs' types, declared where needed
    while ready:
        name = names[heapq.heappop(ready)]
        if name in gone:
            continue
        gone.add(name)
        out = [b for a, b in pairs if a.layer == name and b.layer is not None]
        for a, b in pairs:
            if b.layer == name and a.layer in feeds:
                feeds[a.layer] -= 1
                if not feeds[a.layer]:
                    heapq.heappush(ready, position[a.layer])
        pairs = [p for p in pairs if name not in (p[0].layer, p[1].layer)]  # the pairs themselves: the user's edges
        inputs = {a.port for a, _ in pairs if a.layer is None} | {p for layer, p in implicit if layer not in gone}
        options = {p: t for p, t in options.items() if p in inputs}
        tails = tails or not out
        for dst in out:
            new, known = fresh_name(dst.port, inputs), net.layer_types(dst.layer)[dst.port]
            if tails or not _known(known):
                return None  # a tail dropped may have told it its type, a head of unknown type: rebuilds infer anew
            inputs.add(new)
            pairs.append((NetPort(new), dst))
            options[new] = heads[new] = known
            if dst.layer in fed_by:
                fed_by[dst.layer] -= 1
                if not fed_by[dst.layer]:
                    heapq.heappush(ready, position[dst.layer])
        options = {**{p: t for p, t in options.items() if p not in coders},
                   **{p: t for p, t in options.items() if p in coders}}
    layers = {n: layer for n, layer in net.layers.items() if n not in gone}
    pairs = with_mutes(net, pairs, lambda a: None if a.layer in gone else a)
    built = declared_where_needed(lambda types: NetGraph(layers, pairs, **{**options, **types}),
                                  {p: t for p, t in heads.items() if p in options})
    return built, remaining - gone
