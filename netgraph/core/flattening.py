"""Flattening (Wolfram's NetFlatten): ``net_flatten`` and its helpers: unique ``outer/inner`` names, one level of
nesting inlined, and the rebuilt graph keeping the original's port types and port order.

>>> from netgraph import NetChain, LinearLayer
>>> net = NetChain({"enc": NetChain({"l1": LinearLayer(3)}), "head": LinearLayer(2)}, input=4)
>>> list(inline_nested(net).layers)
['enc/l1', 'head']
"""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.names import fresh_name
from netgraph.core.chain import NetChain
from netgraph.core.edge_text import pair_renamer, written
from netgraph.core.errors import OptionError
from netgraph.core.graph import NetGraph
from netgraph.core.integers import is_int, plain_int
from netgraph.core.ir import Value
from netgraph.core.layer import Layer
from netgraph.core.layer_moves import Moves
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.ports import NetPort, PortRef, declared_types_of, declared_where_needed
from netgraph.core.rewiring import check_net
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["net_flatten", "unique_names", "inline_nested", "keeping_port_types"]


def unique_names(paths: list[tuple]) -> dict[tuple, str]:
    """Each path joined by ``/``, in order; a name already given is made unique as ``name_2``, ``name_3``, ...
    (as ``chain_of`` does), so a flattened ``enc/l1`` and a layer named ``enc/l1`` stay two layers."""
    names: dict[tuple, str] = {}
    taken: set[str] = set()
    for path in paths:
        name = fresh_name("/".join(path), taken, "_")
        taken.add(name)
        names[path] = name
    return names


def inline_nested(net: NetGraph) -> NetGraph:
    """One level of nesting removed: each nested graph's layers join ``net`` as ``outer/inner``."""
    return _inlined(net)[0]


def _inlined(net: NetGraph) -> tuple[NetGraph, Moves]:
    """``inline_nested``, and where the layers went."""
    nested = {n: l for n, l in net.layers.items() if isinstance(l, NetGraph)}
    if not nested:
        return net, Moves()
    fed = {(e.dst.layer, e.dst.port): e.src for e in net.edges}
    inner_out = {(n, e.dst.port): e.src for n, g in nested.items() for e in g.edges if e.dst.layer is None}
    new = unique_names([(n, inner) if n in nested else (n,) for n in net.layers
                        for inner in (nested[n].layers if n in nested else (None,))])

    def resolve(ref: PortRef, within: str | None = None) -> NetPort:
        if within is not None:  # a reference inside nested graph ``within``
            if ref.layer is None:
                return resolve(fed[(within, ref.port)])
            return NetPort(new[(within, ref.layer)], ref.port)
        if ref.layer in nested:
            return resolve(inner_out[(ref.layer, ref.port)], ref.layer)
        return NetPort(ref.port) if ref.layer is None else NetPort(new[(ref.layer,)], ref.port)

    layers: dict[str, Any] = {}
    edges: list[tuple] = []
    for name, layer in net.layers.items():
        if name in nested:
            layers.update({new[(name, inner)]: sub for inner, sub in layer.layers.items()})
            edges += [(resolve(e.src, name), NetPort(new[(name, e.dst.layer)], e.dst.port))
                      for e in layer.edges if e.dst.layer is not None]
        else:
            layers[new[(name,)]] = layer
    top = {n: new[(n,)] for n in net.layers if n not in nested}
    kept = pair_renamer(layers={**{n: m for n, m in top.items() if m != n}, **_moved_indices(net, top, layers)})
    edges += [(resolve(e.src), resolve(e.dst)) if nested.keys() & {e.src.layer, e.dst.layer} else  # the library's
              kept(written(e), (resolve(e.src), resolve(e.dst)))  # the user's edge, kept
              for e in net.edges if e.dst.layer not in nested]
    consumed = {(a.layer, a.port) for a, _ in edges}
    edges += [(NetPort(n, p), None) for n, l in layers.items() for p in l.output_ports if (n, p) not in consumed]
    return keeping_port_types(net, layers, edges, 1), Moves(paths={path: (name,) for path, name in new.items()})


def _moved_indices(net: NetGraph, new: dict[str, str], flat: Any) -> dict[int, str]:
    """The 1-based index of each of ``net``'s layers named in ``new`` (old -> new name) that is not its index among
    ``flat`` (the flat net's layer names, in order), to its new name: a user's edge naming it by index names it."""
    at = {name: i for i, name in enumerate(flat, 1)}
    return {i: new[n] for i, n in enumerate(net.layers, 1) if n in new and at.get(new[n]) != i}


def keeping_port_types(net: NetGraph, layers: dict, edges: list, levels: int | None = None) -> NetGraph:
    """``NetGraph(layers, edges)`` with ``net``'s port options, plus the types of ports that would otherwise be known
    less well than in ``net`` (a shape a nested graph declared, its layers now inlined ``levels`` deep: as declared
    there). The graph ports keep ``net``'s order (its inputs are the compiled module's positional arguments): edges
    are listed in it."""
    ins, outs = ({p: i for i, p in enumerate(ports)} for ports in (net.input_ports, net.output_ports))

    def rank(edge: tuple) -> tuple[int, int]:
        src, dst = edge
        if src.layer is None and src.port in ins:
            return 0, ins[src.port]
        return (2, outs[dst.port]) if dst is not None and dst.layer is None and dst.port in outs else (1, 0)
    edges = sorted(edges, key=rank)
    options = {**_inner_declarations(net, levels), **net.port_shape_options()}
    flat = NetGraph(layers, edges, **options)
    before = net.port_types
    for ports in (net.input_ports, net.port_types):  # inputs first: outputs they give need no declaring
        after = flat.port_types
        lost = {p: before[p] for p in ports if p in after and after[p] != before[p]}
        flat = declared_where_needed(lambda types: NetGraph(layers, edges, **{**options, **types}), lost) \
            if lost else flat
        options = {**options, **{p: t for p, t in flat.port_shape_options().items() if p in lost}}
    return flat


def _inner_declarations(net: NetGraph, levels: int | None) -> dict[str, Any]:
    """The types nested graphs (``levels`` deep; None: all) declare for their inputs that ``net``'s inputs feed, by
    ``net``'s input: what the user wrote stays written when the nested graph is inlined."""
    declared: dict[str, Any] = {}
    for e in net.edges:
        inner = net.layers[e.dst.layer] if e.src.layer is None and e.dst.layer is not None else None
        if isinstance(inner, NetGraph) and e.src.port not in declared:
            deeper = {} if levels == 1 else _inner_declarations(inner, levels and levels - 1)
            types = {**deeper, **declared_types_of(inner)}
            if e.dst.port in types:
                declared[e.src.port] = types[e.dst.port]
    return declared


def net_flatten(net: Layer, levels: int | None = None) -> Layer:
    """Nested graphs' layers inlined with names ``outer/inner``, to every depth or ``levels`` deep.

    Behaviour and arrays are unchanged. An operator stays one layer, and the nets nested in its inner nets are
    flattened too (as Wolfram's NetFlatten, "including within operators"). A result whose layers simply follow one
    another is a NetChain. A layer alone is itself (an operator: its inner nets flattened), as Wolfram's.

    >>> from netgraph import NetChain, LinearLayer
    >>> net = NetChain({"enc": NetChain({"l1": LinearLayer(8), "act": "Ramp"}), "head": LinearLayer(2)}, input=4)
    >>> flat = net_flatten(net)
    >>> type(flat).__name__, list(flat.layers)
    ('NetChain', ['enc/l1', 'enc/act', 'head'])
    """
    return _flattened(net, levels)[0]


def _flattened(net: Layer, levels: int | None) -> tuple[Layer, Moves]:
    """``net_flatten``, and where the layers went."""
    levels = plain_int(levels)  # numpy's integers too
    if levels is not None and (not is_int(levels) or levels < 1):
        raise OptionError(f"net_flatten: levels= must be a positive integer or None (all), found {levels!r}",
                          option="levels", kind=VALUE_KIND)
    if isinstance(net, Layer) and not isinstance(net, NetGraph):  # Wolfram's NetFlatten[layer] is the layer
        return _flattened_inside(net, levels) if _holds_nested(net) else (net, Moves())
    check_net(net, "net_flatten")
    flat, moves = net, Moves()
    if levels is None:
        if any(isinstance(layer, NetGraph) for layer in net.layers.values()):
            flat, moves = _flatten_all(net)
    else:
        for _ in range(levels):  # until nothing is nested: levels may be any size (2**70 looped that often)
            (flat, step), before = _inlined(flat), flat
            if flat is before:
                break
            moves = moves.then(step)
    flat, inside = _inner_nets_flattened(flat, levels)
    moves = moves.then(inside)
    return carry_multipliers([net], _as_chain(flat), [moves]), moves


def _inner_nets_flattened(net: NetGraph, levels: int | None) -> tuple[NetGraph, Moves]:
    """``net`` with each operator's inner nets that hold nested nets flattened (``levels`` deep), and where their
    layers went; an operator whose inner nets are flat already is kept as it is."""
    changes = {name: _flattened_inside(layer, levels) for name, layer in net.layers.items() if _holds_nested(layer)}
    moves = Moves(inside={(name,): moves for name, (_, moves) in changes.items()})
    return (net.replace_layers({name: op for name, (op, _) in changes.items()}), moves) if changes else (net, moves)


def _flattened_inside(layer: Any, levels: int | None) -> tuple[Any, Moves]:
    """The operator ``layer`` with its inner nets flattened (``levels`` deep), and where their layers went."""
    inner = {f: _flattened(getattr(layer, f), levels) for f in layer.NETS}
    return (dataclasses.replace(layer, **{f: net for f, (net, _) in inner.items()}),
            Moves(inside={(f,): moves for f, (_, moves) in inner.items()}))


def _holds_nested(layer: Any) -> bool:
    """Whether ``layer`` is an operator with a net nested somewhere in its inner nets."""
    return any(isinstance(inner, NetGraph) or _holds_nested(inner)
               for field in getattr(layer, "NETS", ()) for inner in getattr(layer, field).layers.values())


def _flatten_all(net: NetGraph) -> tuple[NetGraph, Moves]:
    ir = net.ir
    order = [path for path, _ in net._leaf_layers(given=True)]  # each nested graph's leaves in its place
    name = unique_names(order)

    def source(value: Value) -> NetPort:
        return NetPort(value.port) if value.node is None else NetPort(name[value.node], value.port)

    edges = [(source(value), NetPort(name[node.path], port))
             for node in ir.nodes for port, value in node.inputs.items()]
    edges += [(source(value), NetPort(port)) for port, value in ir.outputs.items()]
    if all(name.get((n,), n) == n for n in net.layers):  # the top level's names kept: its user's edges are kept too
        written = {pair: pair for pair in net.explicit_edges() if pair[1] is not None}
        top = {n: n for n, layer in net.layers.items() if not isinstance(layer, NetGraph)}
        kept = pair_renamer(layers=_moved_indices(net, top, [name[path] for path in order]))
        edges = [kept(written[pair], pair) if pair in written else pair for pair in edges]
    edges += [(NetPort(name[node.path], v.port), None)
              for node in ir.nodes for v in node.output_values if not ir.consumers(v)]
    flat = keeping_port_types(net, {name[path]: ir.node(path).layer for path in order}, edges)
    return flat, Moves(paths={path: (new,) for path, new in name.items()})


def _as_chain(net: NetGraph) -> NetGraph:
    """``net`` as a NetChain when a chain of its layers, in the order given or computed, has exactly its wiring
    and ports (``NetChain.wired_as``: nothing built again)."""
    if isinstance(net, NetChain) or any(b is None for _, b in net.explicit_edges()):  # a chain mutes nothing
        return net
    return NetChain.wired_as(net) or net
