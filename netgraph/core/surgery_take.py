"""``net_take`` (Wolfram's NetTake on a graph): the subgraph that computes the named outputs, and only them. Its
errors begin with the function's name (``led_by``: ``taken``'s own do not name it, as net_delete takes outputs too).

>>> from netgraph import NetGraph, NetPort, LinearLayer
>>> g = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [(NetPort("Input"), "a", NetPort("A")), ("a", "b")],
...              Input=4)
>>> net_take(g, "b").output_shapes, net_take(g, "A").output_shapes
({'Output': (2,)}, {'A': (3,)})
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from netgraph.core.names import fresh_name
from netgraph.core.chain import NetChain
from netgraph.core.errors import WiringError, did_you_mean
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.graph import NetGraph
from netgraph.core.layer_moves import Moves, kept_names
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.operator_surgery import into_operator
from netgraph.core.nested_ports import output_sources
from netgraph.core.output_names import kept_output_names, kept_output_order
from netgraph.core.port_paths import resolve
from netgraph.core.ports import NetPort
from netgraph.core.surgery_lead import led_by
from netgraph.core.rewiring import (EMPTY_KIND, check_net, layer_graph, layer_path, listed, no_layer_or_port,
                                    subgraph, with_output_options)

__all__ = ["net_take", "taken"]


def net_take(net: NetGraph, outputs: Any, start: Any = None) -> NetGraph:
    """The subgraph needed to compute the given outputs: layer specs, graph output names or NetPorts (a layer's
    input port: what feeds it), nested paths too (``NetPort(("enc", "l1", "Output"))`` keeps ``enc`` cut down to
    what computes ``l1``); a list for several. The result's outputs are the named ones only (a layer: all its
    outputs), under their names (a nested port: the port's, ``layer_port`` where a kept layer reads it too). An
    operator is one layer: a path into its inner net is a WiringError.

    ``start`` (Wolfram's NetTake[net, {start, end}]): a graph input (``"x"``, ``NetPort("x")``), a top-level layer, a
    layer's port (an output: the layers after that value; an input: that layer on), or a list of those; only the
    layers between it and the outputs are kept (and the source layers they read), and what they took from layers
    before it becomes graph inputs, one per value, named after the layer that gave it (as Wolfram names them).

    >>> from netgraph import NetGraph, LinearLayer
    >>> net = NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": LinearLayer(1)}, [("a", "b", "c")], Input=2)
    >>> part = net_take(net, "b")
    >>> list(part.layers), part.output_shapes
    (['a', 'b'], {'Output': (3,)})
    """
    check_net(net, "net_take")
    with led_by("net_take"):  # a part the net lacks, the rebuild's errors: named by the function
        return taken(net, outputs, start)[0]


def taken(net: NetGraph, outputs: Any, start: Any = None, *, own_names: bool = True) -> tuple[NetGraph, Moves]:
    """``net_take``, and where the layers went. ``own_names=False`` (a nested graph cut to port paths): a port
    taken is named as the port, never after a graph output of ``net`` it feeds (one the outer net's edges added)."""
    specs = outputs if isinstance(outputs, list) else [outputs]
    nested: dict[str, list[NetPort]] = {}
    wanted: set[tuple[str, str]] = set()  # (layer, port): the values the result gives
    asked: dict[Any, int] = {}  # a (layer, port), a nested graph's (name,) or a passed-through output -> its place
    passed = _passed_through(net)
    through = {name for name in map(_output_name, specs)
               if isinstance(name, str) and name not in net.layers and name in passed}
    for spec in specs:
        _not_into_operators(net, spec)
        if isinstance(spec, NetPort) and isinstance(spec.layer, tuple):
            names, port = resolve(net.layers, spec)
            nested.setdefault(names[0], []).append(NetPort((*names[1:], port)))
            asked.setdefault((names[0],), len(asked))
        else:
            sources = _sources(net, spec)
            wanted |= sources
            for source in sorted(sources, key=_source_order(net)):
                asked.setdefault(source, len(asked))
            if (name := _output_name(spec)) in through:
                asked.setdefault(name, len(asked))
    targets = {layer for layer, _ in wanted} | set(nested)
    if not targets and through:  # only outputs no layer computes: say which, not just that nothing is left
        name = min(through, key=asked.get)
        raise WiringError(f"graph output {quoted(name)} passes input {quoted(output_sources(net)[name][1])} straight "
                          f"through: no layer computes it, so the result would have no layers", kind=EMPTY_KIND,
                          layer=(), port=name)
    g = layer_graph(net)
    keep = set(targets).union(*(nx.ancestors(g, t) for t in targets))
    if start is not None:
        keep = _after_start(net, g, keep, targets, start)
    part = subgraph(net, keep, targets=frozenset(targets), by_source=True)
    moves = Moves(levels={(): kept_names(net.layers, set(net.layers) - keep, part.layers)})
    renamed = {(moves.path((layer,))[0], port) for layer, port in wanted}  # start= renumbers
    part = _only(part, renamed, own_names, through)
    result = with_output_options(net, kept_output_names(net, part))  # Output2 stays Output2, as after net_drop
    whole = set().union(*(nx.ancestors(g, t) for t in targets)) | {layer for layer, _ in wanted}
    for head in set(nested) & whole:  # its other outputs are used too: it stays whole, the ports become outputs
        for port in nested[head]:  # under its new name (start= renumbers a chain's layers)
            result = result.with_output(NetPort((moves.path((head,))[0], *port.path, port.port)))[0]
    cut = {moves.path((head,))[0]: specs for head, specs in nested.items() if head not in whole}
    if cut:
        result, inside = _cut_inside(result, cut)
        moves = moves.then(inside)
    result, unread = _cut_unread(result)
    moves = moves.then(unread)
    result = kept_output_order(net, result, _asked_rank(asked, result, moves))
    return carry_multipliers([net], result, [moves]), moves


def _source_order(net: NetGraph):
    """Sort key of (layer, port) outputs: layer order, then the layer's port order."""
    layers = list(net.layers)
    return lambda source: (layers.index(source[0]), list(net.layers[source[0]].output_ports).index(source[1]))


def _asked_rank(asked: dict[Any, int], result: NetGraph, moves: Moves):
    """Sort key of ``result``'s outputs: the place of the spec asking for each (by its source, the nested graph it
    comes from, or its name), as given to net_take; after them all if none."""
    renamed = {(moves.path(key[:1])[0], *key[1:]) if isinstance(key, tuple) else key: place
               for key, place in asked.items()}
    sources = output_sources(result)
    return lambda port: renamed.get(sources[port], renamed.get(sources[port][:1], renamed.get(port, len(asked))))


def _after_start(net: NetGraph, g: nx.DiGraph, keep: set[str], targets: set[str], start: Any) -> set[str]:
    """The layers of ``keep`` that ``start`` reaches, and the source layers (no inputs) that those read; WiringError
    when it reaches no target."""
    firsts = set().union(*(_start_layers(net, spec) for spec in (start if isinstance(start, list) else [start])))
    reached = firsts.union(*(nx.descendants(g, layer) for layer in firsts))
    missing = [name for name in net.layers if name in targets and name not in reached]
    if missing:
        raise WiringError(f"start= {start!r} does not reach {missing[0]!r}: nothing between them to take "
                          f"(the start reaches layers {listed([n for n in net.layers if n in reached])})",
                          kind=EMPTY_KIND, layer=(missing[0],))
    kept = keep & reached
    return kept | {n for n in keep - reached if not net.layers[n].input_ports and set(g.successors(n)) & kept}


def _start_layers(net: NetGraph, spec: Any) -> set[str]:
    """The top-level layers that start ``spec`` begins the taken part with: those a graph input or a layer's output
    feeds, or the layer named (or whose input port is named)."""
    if isinstance(spec, NetPort) and spec.layer is None or isinstance(spec, str) and spec in net.input_ports \
            and spec not in net.layers:
        name = spec.port if isinstance(spec, NetPort) else spec
        if name not in net.input_ports:
            raise WiringError(f"start= {spec!r} is no graph input{did_you_mean(name, net.input_ports)}; the "
                              f"inputs are {list(net.input_ports)}", kind="unknown-graph-port", layer=(), port=name)
        return {e.dst.layer for e in net.edges if e.src.layer is None and e.src.port == name and e.dst.layer}
    if not isinstance(spec, NetPort):
        if isinstance(spec, str) and spec not in net.layers:
            raise no_layer_or_port(net, spec, net.input_ports, "graph input")
        path = layer_path(net, spec, "net_take")
        if len(path) > 1:
            _nested_start(spec, path)
        return {path[0]}
    if isinstance(spec.layer, tuple) and len(spec.layer) > 1:
        _nested_start(spec, layer_path(net, spec.layer, "net_take"))  # indexes as names: the hint spells the path
    try:
        (name,), port = resolve(net.layers, spec, want="input")
        return {name}
    except WiringError:
        (name,), port = resolve(net.layers, spec)  # no output port either: the error names the outputs
    return {e.dst.layer for e in net.edges if e.src.layer == name and e.src.port == port and e.dst.layer}


def _nested_start(spec: Any, path: tuple) -> None:
    """The WiringError for a start inside a nested graph (a tuple path or a NetPort's): net_take starts at the
    top level, where the nested graph is one layer."""
    raise WiringError(f"start= takes a graph input, a top-level layer or its port, found the nested path "
                      f"{quoted(spec)}; start at the graph holding it ({quoted(path[0])}), or take from "
                      f"net_flatten(net) (layer {shown_path(path)!r})", kind="layer-path", layer=tuple(path))


def _not_into_operators(net: NetGraph, spec: Any) -> None:
    """WiringError when ``spec`` (a tuple path or a NetPort's) goes into an operator's inner net: an operator is one
    layer to net_take, as to net_flatten."""
    inside = into_operator(net, spec.layer if isinstance(spec, NetPort) else spec)
    if inside is None:
        return
    path, field, _ = inside
    port = f"NetPort({path[0] if len(path) == 1 else path!r}, {net.layer_at(path).output_ports[0]!r})"
    whole = f"{path[0]!r} or {port}" if len(path) == 1 else port
    raise WiringError(f"{spec!r} goes into {net.describe((path, None))}, inner net {field!r}; net_take "
                      f"takes top-level layers, graph outputs or NetPorts (paths into nested graphs), and an operator "
                      f"is one layer: take it whole ({whole}), or take from its inner net: "
                      f"net_take(net_extract(net, {(*path, field)!r}), ...)", kind="layer-path", layer=path)


def _sources(net: NetGraph, spec: Any) -> set[tuple[str, str]]:
    """The (layer, port) outputs that ``spec`` (a graph output name or NetPort, a layer, a layer's NetPort) names: a
    layer's, less those its net mutes (all where it mutes them all: the layer is asked for)."""
    if isinstance(spec, NetPort) and spec.layer is None:
        if spec.port in net.input_ports and spec.port not in net.output_ports:
            raise WiringError(f"{spec!r} is a graph input, not an output; to take from it (Wolfram's "
                              f"NetTake[net, {{NetPort[\"{spec.port}\"], end}}]), give it as start: net_take(net, "
                              f"outputs, start={spec!r})", kind="unknown-graph-port", layer=(), port=spec.port)
        net.with_output(spec)  # an unknown graph output is an error naming the outputs
        spec = spec.port
    if isinstance(spec, NetPort):
        fed = _feeding(net, spec)
        if fed is not None:
            return fed
        names, port = resolve(net.layers, spec)
        return {(names[0], port)}
    if isinstance(spec, str) and spec in net.output_ports and spec not in net.layers:
        return {(e.src.layer, e.src.port) for e in net.edges
                if e.dst.layer is None and e.dst.port == spec and e.src.layer}
    if isinstance(spec, str) and spec not in net.layers:
        raise no_layer_or_port(net, spec, net.output_ports, "graph output")
    path = layer_path(net, spec, "net_take")
    if len(path) > 1:
        inside = f"NetPort(({', '.join(map(quoted, path))}, 'Output'))"
        raise WiringError(f"found the nested path {quoted(spec)}; net_take takes top-level layers, graph outputs or "
                          f"NetPorts: name a port inside it (net_take(net, {inside})), or take from net_flatten(net) "
                          f"(layer {shown_path(path)!r})", kind="layer-path", layer=path)
    outputs = {(path[0], port) for port in net.layers[path[0]].output_ports}
    muted = {(m.layer, m.port) for m in net._muted}
    return outputs - muted or outputs  # a muted port stays muted (as net_delete keeps it) unless named: NetPort


def _feeding(net: NetGraph, spec: NetPort) -> set[tuple[str, str]] | None:
    """The output feeding ``spec`` when it names a layer's input port (Wolfram's NetTake[net, NetPort[{3, "Input"}]]
    takes what computes that input), else None; a WiringError when a graph input feeds it."""
    try:
        (name,), port = resolve(net.layers, spec, want="input")
    except (WiringError, ValueError):
        return None  # an output port, or no such port: named as an output
    for e in net.edges:
        if e.dst.layer == name and e.dst.port == port:
            if e.src.layer is None:
                raise WiringError(f"{spec!r} is fed by graph input {e.src.port!r} directly: no layer "
                                  f"computes it, so there is nothing to take",
                                  kind="layer-path", layer=(name,), port=port, found=e.src.port)
            return {(e.src.layer, e.src.port)}
    return None


def _passed_through(net: NetGraph) -> set[str]:
    """The graph outputs that pass a graph input straight through."""
    return {port for port, (layer, _) in output_sources(net).items() if layer is None}


def _output_name(spec: Any) -> Any:
    """A spec naming a graph output (``"P"``, ``NetPort("P")``) as that name; any other spec as it is."""
    return spec.port if isinstance(spec, NetPort) and spec.layer is None else spec


def _only(net: NetGraph, wanted: set[tuple[str, str]], own_names: bool = True,
          through: frozenset[str] | set[str] = frozenset()) -> NetGraph:
    """``net`` whose graph outputs are exactly the ``wanted`` layer outputs and the ``through`` outputs (each passing
    a graph input through): others are muted, a wanted one that only feeds layers becomes an output ``layer_port``. A
    chain stays a chain when it gives just those. ``own_names``: a wanted port that was a graph output keeps that
    name; else it is named as if it were not."""
    given = {(e.src.layer, e.src.port) for e in net.edges if e.dst.layer is None and e.src.layer is not None}
    if given == wanted and _passed_through(net) == through and (own_names or isinstance(net, NetChain)) \
            or (isinstance(net, NetChain) and not wanted):
        return net
    wiring = net.explicit_edges()
    if isinstance(net, NetChain):  # its wiring is implicit: spelled out, the graph gives the wanted ports only
        wiring = [(NetPort(e.src.port) if e.src.layer is None else NetPort(e.src.layer, e.src.port),
                   NetPort(e.dst.port) if e.dst.layer is None else NetPort(e.dst.layer, e.dst.port)) for e in net.edges]
    edges = [pair for pair in wiring if pair[1] is not None and (  # as written
        pair[1].layer is not None or own_names and (pair[0].layer, pair[0].port) in wanted
        or pair[0].layer is None and pair[1].port in through)]
    used = {(a.layer, a.port) for a, _ in edges}
    edges += [(NetPort(n, p), None) for n, layer in net.layers.items() for p in layer.output_ports
              if (n, p) not in used and (n, p) not in wanted]
    taken = {*net.input_ports, *(net.output_ports if own_names else ())}
    outputs = {(a.layer, a.port) for a, b in edges if b is not None and b.layer is None}
    for name, port in sorted((wanted & used) - outputs):  # read by kept layers only
        edges.append((NetPort(name, port), NetPort(_free(f"{name}_{port}", taken))))
    read = {e.src.port for e in net.edges
            if e.src.layer is None and (e.dst.layer is not None or e.dst.port in through)}
    return NetGraph(dict(net.layers), edges, **{p: t for p, t in net.port_shape_options().items() if p in read})


def _free(name: str, taken: set[str]) -> str:
    new = fresh_name(name, taken)
    taken.add(new)
    return new


def _cut_unread(net: NetGraph) -> tuple[NetGraph, Moves]:
    """``net`` with each nested graph some of whose outputs nothing reads (a layer fed one of its port paths
    kept it) cut down to what computes the outputs read, which keep their names; and where the layers went."""
    read: dict[str, set[str]] = {}
    for e in net.edges:
        if e.src.layer is not None:
            read.setdefault(e.src.layer, set()).add(e.src.port)
    cut = {name: [NetPort(p) for p in layer.output_ports if p in read[name]] for name, layer in net.layers.items()
           if isinstance(layer, NetGraph) and read.get(name) and set(layer.output_ports) - read[name]}
    if not cut:
        return net, Moves()
    parts = {name: taken(net.layers[name], ports) for name, ports in cut.items()}
    layers = {name: parts[name][0] if name in cut else layer for name, layer in net.layers.items()}

    def kept(a: NetPort, b: NetPort | None) -> bool:  # not from a port cut away, nor into one
        return (a.layer not in cut or a.port in layers[a.layer].output_ports) and \
            (b is None or b.layer not in cut or b.port in layers[b.layer].input_ports)
    lost_inputs = any(set(net.layers[name].input_ports) - set(layers[name].input_ports) for name in cut)
    fed = {e.src.port for e in net.edges if e.src.layer is None  # the graph inputs still read
           and (e.dst.layer not in cut or e.dst.port in layers[e.dst.layer].input_ports)}
    shapes = {p: t for p, t in net.port_shape_options().items() if p in fed or p in net.output_ports}
    new = NetGraph(layers, [pair for pair in net.explicit_edges() if kept(*pair)], **shapes)
    moves = Moves(inside={(name,): moves for name, (_, moves) in parts.items()})
    if not lost_inputs:
        return new, moves
    new, later = taken(new, list(net.output_ports))  # what fed only a lost input goes too
    return new, moves.then(later)


def _cut_inside(net: NetGraph, cut: dict[str, list[NetPort]]) -> tuple[NetGraph, Moves]:
    """``net`` with each graph in ``cut`` cut down to what computes its ports; its other outputs (edges to graph
    outputs only: nothing else uses them) and the input ports it lost lose their edges; and where the layers went."""
    parts = {name: taken(net.layers[name], ports, own_names=False) for name, ports in cut.items()}
    layers = {name: parts[name][0] if name in cut else layer for name, layer in net.layers.items()}

    def kept(a: NetPort, b: NetPort | None) -> bool:
        return a.layer not in cut and (b is None or b.layer not in cut or b.port in layers[b.layer].input_ports)
    edges = [pair for pair in net.explicit_edges() if kept(*pair)]  # the pairs themselves: the user's edges
    ports = NetGraph(layers, edges)
    shapes = {p: t for p, t in net.port_shape_options().items() if p in (*ports.input_ports, *ports.output_ports)}
    return NetGraph(layers, edges, **shapes), Moves(inside={(name,): moves for name, (_, moves) in parts.items()})
