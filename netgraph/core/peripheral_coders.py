"""Wolfram's rule for the coders of nested nets: "encoders and decoders are stripped from interior nodes and kept only
on the periphery". An inner graph's encoder on an input that an outer graph input feeds, or its decoder on an output
that gives an outer graph output, becomes that outer port's coder (unless the outer port is given a coder, which wins,
or a shape, checked against the inner port's type); every other coder of a nested graph is stripped (an encoder leaves
the port the type it gave). Restricted index ranges are port types, not stripped: an outer port shows and checks them
as before.

>>> from netgraph import NetChain, LinearLayer, SoftmaxLayer, ClassDecoder
>>> inner = NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["a", "b"]))
>>> outer = NetChain({"g": inner})
>>> outer.coders, outer.layers["g"].coders
({'Output': ClassDecoder(labels=('a', 'b'))}, {})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.coders import Coder, Encoder, Restricted
from netgraph.core.errors import WiringError
from netgraph.core.naming_scope import quoted
from netgraph.core.shared import is_graph

__all__ = ["peripheral_coders", "without_coders", "stripped_coders", "still_stripped", "retaken", "given_back",
           "coders_back"]


def _strippable(net: Any) -> dict[str, Coder]:
    """A nested graph's coders that the periphery rule moves or strips (all but Restricted ranges)."""
    return {port: c for port, c in net.coders.items() if not isinstance(c, Restricted)}


def peripheral_coders(layers: dict[str, Any], edges: Any, given: Mapping[str, Any], depth: int) -> tuple:
    """``(layers with nested graphs' coders stripped, the graph's port options, where each coder taken came from)``:
    the options ``given``, and at each port given nothing (a shape given is checked against the stripped port's type,
    as before), the coder of the nested port it feeds or is fed by; the third item maps each port that took a coder
    to the names of the layers it came from (``replace_layers`` works it out again when they are replaced). A port
    given the very coder a nested graph had stripped there (``stripped_coders``: a rebuild by an edit, a file read
    back) took it from that graph too. A WiringError (kind ``"coder-clash"``) where one outer input feeds nested
    inputs whose encoders differ, naming both: the net could not read a value at it one way. ``depth``: the graph's
    nesting depth (1: no nested graph, nothing to do)."""
    if depth == 1:
        return layers, given, {}  # nearly every net: no pass over the layers
    coded = {name: layer for name, layer in layers.items() if is_graph(layer) and (_strippable(layer) or
                                                                                 stripped_coders(layer))}
    if not coded:
        return layers, given, {}  # no nested graph with coders: no pass over the edges
    found: dict[str, dict[tuple, Coder]] = {}
    again: dict[str, set] = {}  # port -> the layers that had its given coder stripped
    for edge in edges:
        inner, outer = (edge.dst, edge.src) if edge.src.layer is None else (edge.src, edge.dst)
        if inner.layer not in coded or outer.layer is not None:
            continue
        coder = _strippable(coded[inner.layer]).get(inner.port)
        if coder is not None and (not isinstance(coder, Encoder) or inner is edge.dst):
            found.setdefault(outer.port, {})[(inner.layer, inner.port)] = coder
        elif coder is None and given.get(outer.port) is not None and \
                stripped_coders(coded[inner.layer]).get(inner.port) == given[outer.port]:
            again.setdefault(outer.port, set()).add(inner.layer)
    # the outer net's own option wins, as a port option given in Wolfram's NetGraph replaces the inner net's
    taken = {port: _one_coder(port, coders) for port, coders in found.items() if given.get(port) is None}
    sources = {port: frozenset(layer for layer, _ in found[port]) for port in taken}
    sources.update({port: frozenset(names) for port, names in again.items()})
    stripped = {name: without_coders(layer) for name, layer in coded.items() if _strippable(layer)}
    return {**layers, **stripped}, {**given, **taken}, sources


def _one_coder(port: str, coders: dict[tuple, Coder]) -> Coder:
    """The one coder the nested ports ``coders`` (by ``(layer, port)``) next to graph ``port`` give it; WiringError
    naming two that differ."""
    (place, coder), *others = coders.items()
    for other, clash in others:
        if clash != coder:
            raise WiringError(f"graph input {quoted(port)} feeds {place[0]}.{place[1]} with {coder!r} and "
                              f"{other[0]}.{other[1]} with {clash!r}; give {quoted(port)} one encoder",
                              kind="coder-clash", layer=(), port=port, expected=coder, found=clash)
    return coder


def without_coders(net: Any) -> Any:
    """``net`` without its encoders and decoders (Restricted ranges kept): a copy holding the same layers and types,
    since neither changes a port's type (an encoder's port declares the type it gave, as when it was given)."""
    return _recoded(net, {port: coder for port, coder in net.coders.items() if isinstance(coder, Restricted)},
                    {**stripped_coders(net), **_strippable(net)})


def _recoded(net: Any, coders: dict[str, Coder], stripped: dict[str, Coder]) -> Any:
    """A copy of graph ``net`` holding the same layers and types, with ``coders`` its own and ``stripped`` those
    stripped from it (neither changes a port's type)."""
    copy = net._holding(net._layers, net._shared_users, net.__dict__.get("_ir"))
    copy._coders, copy._stripped = coders, stripped
    return copy


def stripped_coders(net: Any) -> dict[str, Coder]:
    """The coders stripped from graph ``net`` (``without_coders``), by port: where the coders an outer graph took
    from it came from, known again when the outer graph is rebuilt (an edit, a file read back); none used by ``net``."""
    return net.__dict__.get("_stripped", {})


def still_stripped(old: Any, new: Any, names: Mapping[str, str] | None = None) -> Any:
    """``new``, a rebuild of graph ``old`` (a layer inside it replaced or renamed, ``names``: old name -> new),
    remembering the coders stripped from ``old`` at the ports where it has none of its own, and where the nested
    graphs that ``old`` took them from (if any) still hold them (replaced by a net without them, they go), and those
    graphs as where they came from."""
    moved = names or {}
    kept = {port: coder for port, coder in stripped_coders(old).items() if port not in new.coders and
            all(_holds(new.layers.get(moved.get(layer, layer)), inner, coder) for layer, inner in _sources(old, port))}
    if kept:  # and where they came from (a stripped port keeps the type its encoder gave, declared)
        new._stripped = kept
        new._taken = {**{port: frozenset(moved.get(n, n) for n in old._taken[port]) for port in kept
                         if port in old._taken}, **new._taken}
    return new


def retaken(old: Any, layers: dict[str, Any], whole: set[str], inside: set[str]) -> tuple[dict[str, Any], dict]:
    """The rule for the coders graph ``old`` took from its nested graphs when some are replaced, ``whole`` (names
    of layers replaced by ``layers[name]``) or ``inside`` (a layer inside each replaced): ``(layers, port
    options)`` to rebuild it from. A coder taken from a graph replaced that does not still hold it stripped (one
    replaced whole holds none: its own coders are taken anew) leaves the options, and each graph not replaced that
    gave it holds it as its own again, so that the rebuild takes it from there too (``coder-clash`` when the new
    graph's coder differs), as a net built with these layers would."""
    changed = whole | inside
    held = {name: {} if name in whole or not is_graph(layers[name]) else stripped_coders(layers[name])
            for name in changed}
    options, back = old.port_shape_options(), {}
    for port in [p for p in old._taken if p in options]:
        sources = _sources(old, port)
        if any(name in changed and held[name].get(inner) != options[port] for name, inner in sources):
            del options[port]
            for name, inner in sources:
                if name not in changed:
                    back.setdefault(name, set()).add(inner)
    return {**layers, **{name: _given_back_to(layers[name], ports) for name, ports in back.items()}}, options


def _given_back_to(net: Any, ports: set[str]) -> Any:
    """Stripped graph ``net`` holding its stripped coders at ``ports`` as its own again (``without_coders`` undone
    there)."""
    stripped = stripped_coders(net)
    return _recoded(net, {**net.coders, **{port: stripped[port] for port in ports if port in stripped}},
                    {port: coder for port, coder in stripped.items() if port not in ports})


def coders_back(top: Any, path: tuple) -> Any:
    """The nested graph at ``path`` in ``top`` holding as its own again the coders stripped from it that ``top`` shows
    (followed down the path, level by level, to where each came from): the net an edit inside it (net_delete,
    net_insert, ...) edits, as it was built, so that the outer net rebuilt around the edited one takes those the edit
    keeps anew (``retaken``), as a net built with it would. One stripped as interior stays stripped."""
    level, shown = top, set(top.coders)
    for name in path:  # an operator's inner net shows none
        shown = {inner for port in shown for layer, inner in _sources(level, port) if layer == name} \
            if is_graph(level) else set()
        level = level.layers.get(name) if is_graph(level) else None
    net = top.layer_at(path)
    back = shown & set(stripped_coders(net))
    return _given_back_to(net, back) if back else net


def given_back(net: Any, options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Coder]]]:
    """Graph ``net``'s port ``options`` split for a file: ``(those written on its own ports, the coders it took from
    its nested graphs, by layer name, then by that layer's port)``: written there, as given, so that reading the file
    back takes them from there again."""
    here, back = dict(options), {}
    for port, coder in options.items():
        for layer, inner in _sources(net, port) if isinstance(coder, Coder) else ():
            back.setdefault(layer, {})[inner] = here.pop(port, coder)
    return here, back


def _sources(net: Any, port: str) -> list[tuple[str, str]]:
    """``(layer, its port)`` of each nested graph's port next to graph ``port`` that ``net`` took its coder from."""
    layers = net._taken.get(port, ())
    return [(layer, inner) for layer in layers for outer, inner in _facing(net.edges, layer) if outer == port]


def _facing(edges: Any, layer: str) -> list[tuple[str, str]]:
    """``(graph port, port of ``layer``)`` for each edge joining the two."""
    return [(e.src.port, e.dst.port) if e.src.layer is None else (e.dst.port, e.src.port) for e in edges
            if {e.src.layer, e.dst.layer} == {None, layer}]


def _holds(layer: Any, port: str, coder: Coder) -> bool:
    """Whether graph ``layer`` has ``coder`` at ``port``, its own or stripped."""
    return is_graph(layer) and {**stripped_coders(layer), **layer.coders}.get(port) == coder
