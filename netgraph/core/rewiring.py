"""The wiring edits behind the surgery functions: naming layers by path, taking a subgraph, dropping
layers (reconnecting interior ones only when their neighbours' ports fit).

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": LinearLayer(2)}, [("a", "b", "c")], Input=4)
>>> list(drop_layers(net, ["b"]).layers), drop_layers(net, ["b"]).producer((("c",), "Input"))
(['a', 'c'], (('a',), 'Output'))
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

from netgraph.core.names import INDEX_RULE, PathsTaken, fresh_name, indexed, usable_input_name
from netgraph.core.nested_ports import in_chain, output_map, output_sources, same_inputs
from netgraph.core.chain import NetChain
from netgraph.core.drop_batch import ends_batch, interior_batch
from netgraph.core.drop_fits import check_fit, fits_are_checked, fits_checked, fitting_run
from netgraph.core.edge_text import with_mutes, written
from netgraph.core.errors import OptionError, WiringError, did_you_mean, with_article
from netgraph.core.graph import NetGraph
from netgraph.core.integers import plain_int
from netgraph.core.layer_moves import kept_names
from netgraph.core.layer import Layer
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.order import order
from netgraph.core.output_names import kept_output_names, kept_output_order
from netgraph.core.port_options import numbered, with_port_options
from netgraph.core.peripheral_coders import coders_back
from netgraph.core.port_paths import inner_net_first
from netgraph.core.ports import NetPort, PortRef, declared_where_needed
from netgraph.core.surgery_lead import function_lead
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.wording import few_names

__all__ = ["edit_at", "put_back", "layer_path", "check_net", "layer_graph", "subgraph", "with_output_options",
           "drop_layers", "listed", "no_layer_or_port", "numbered", "chain_of", "chain_items", "fits_checked"]

EMPTY_KIND = "empty-net"  # an edit that would leave a net (``layer``: its path) without layers


_LONE_LAYER_HINT = "a layer alone holds no layers to edit: put it in a net, NetChain([layer])"


def check_net(net: Any, function: str) -> None:
    """OptionError unless ``net`` is a NetGraph (a NetChain too); of a layer alone, with a hint to put it in a net
    (Wolfram's NetRename, NetTake, NetAppend, NetDelete refuse a layer alike)."""
    if not isinstance(net, NetGraph):
        hint = _LONE_LAYER_HINT if isinstance(net, Layer) else None
        raise OptionError(f"{function} takes a NetGraph or NetChain as its first argument, found "
                          f"{type(net).__name__} {net!r:.60}" + (f"; {hint}" if hint else ""), option="net",
                          kind=VALUE_KIND, hint=hint)


def layer_path(net: NetGraph, spec: Any, function: str = "this function") -> tuple[str, ...]:
    """A layer spec (name, 1-based index, or a tuple path of those) -> a tuple of names; WiringError naming the
    segment where the path fails and what exists there (``function`` names the caller for paths into operators)."""
    parts = spec if isinstance(spec, tuple) else (spec,)
    path, current = [], net
    if not parts:
        raise WiringError("an empty path names no layer; name a layer, its index, or a tuple path", kind="layer-path")
    for part in parts:
        part = plain_int(part)  # numpy's integers too
        if isinstance(part, bool) or not isinstance(part, (int, str)):
            raise WiringError(f"a layer is named by a string, a 1-based index or a tuple path of those; "
                              f"found {part!r:.60}" + (f" in {spec!r:.80}" if part is not spec else ""),
                              kind="layer-path")
        here = f"layer {shown_path(tuple(path))!r}" if path else "the net"
        if not isinstance(current, NetGraph):
            nets = list(getattr(current, "NETS", ()))
            kind = with_article(current.type_name)
            why = (f"{here} is {kind}: paths into operators are not supported by {function} "
                   "(net_extract, net_replace_part, net_rename, net_delete and net_drop take them)" if part in nets
                   else f"{here} is {kind}; a path into it {inner_net_first(part, nets)}"
                   if nets else f"{here} ({current.type_name}) is not a graph, so it holds no layers"
                   + _as_list(net, parts))
            raise WiringError(f"no layer at {shown_path(parts)!r}: {why}", kind="layer-path", layer=tuple(path))
        names = list(current.layers)
        if isinstance(part, int):
            if (name := indexed(names, part)) is None:
                raise WiringError(f"there is no layer {part} in {here} (layers are {INDEX_RULE.format(n=len(names))})",
                                  kind="unknown-layer", layer=tuple(path), found=part)
            part = name
        if part not in current.layers:
            port = ": it is a port of the net, not a layer" if not path and part in (
                *current.input_ports, *current.output_ports) else ""
            raise WiringError(f"there is no layer {quoted(part)}{did_you_mean(part, names)} in {here}{port}; its "
                              f"layers are {listed(names)}", kind="unknown-layer", layer=tuple(path), found=part)
        path.append(part)
        current = current.layers[part]
    return tuple(path)


def no_layer_or_port(net: NetGraph, name: str, ports: tuple, what: str, note: str = "",
                     hint: str | None = None) -> WiringError:
    """The error for ``name``, neither a layer of ``net`` nor one of its ``ports`` (``what``: which ports those are),
    ending with ``note`` (what ``name`` is instead, with ``hint`` its remedy, and then no close name) where the caller
    knows it."""
    close = "" if note else did_you_mean(name, [*net.layers, *ports])  # a note says what the name is instead
    shown = repr(shown_path(tuple(name.split("/")))) if isinstance(name, str) else quoted(name)  # as a path
    return WiringError(f"there is no layer or {what} {shown}{close} in the net; "
                       f"its layers are {listed(list(net.layers))}, its {what}s {list(ports)}{note}",
                       kind="unknown-layer", layer=(), found=name, hint=hint)


def _as_list(net: NetGraph, parts: tuple) -> str:
    """A note that a tuple is a path, when each of ``parts`` names a layer of ``net`` (several layers meant)."""
    if all(isinstance(p, str) and p in net.layers for p in parts):
        return f"; a tuple is a path into nested nets: name several layers in a list, {list(parts)!r:.200}"
    return ""


listed = few_names  # the first MAX_LISTED names and how many in all


def edit_at(net: NetGraph, specs: list, edit: Any, function: str, levels: dict | None = None) -> NetGraph:
    """``edit(graph, names)`` (which removes those layers) applied to each graph holding layers named by ``specs``
    (paths reach nested ones), deepest first so that a parent's renumbering comes after its children's edits; the
    names each one's layers took go to ``levels`` (as ``Moves.levels``). Removing every layer of one is an error
    naming ``function``, the public function called."""
    groups: dict[tuple, list[str]] = {}
    for spec in specs:
        path = layer_path(net, spec)
        groups.setdefault(path[:-1], []).append(path[-1])
    for parent in sorted(groups, key=len, reverse=True):
        inner = coders_back(net, parent) if parent else net  # as built: the edit keeps its coders
        if set(groups[parent]) == set(inner.layers):
            raise WiringError(f"{function_lead(function)}this would remove every layer of "
                              f"{'/'.join(parent) or 'the net'}", kind=EMPTY_KIND, layer=tuple(parent))
        edited = edit(inner, groups[parent])
        if levels is not None:
            levels[parent] = kept_names(inner.layers, groups[parent], edited.layers)
        net = _put_back(net, parent, edited, {})[0] if parent else edited
    return net


def put_back(net: NetGraph, path: tuple, edited: NetGraph, renamed: dict[str, str] | None = None) -> NetGraph:
    """``net`` with the nested net at ``path`` replaced by ``edited``, whose ports may differ (``_put_back``'s rule);
    ``renamed``: inputs of the old net -> the input of ``edited`` that takes what fed them (a new head's one input)."""
    return _put_back(net, path, edited, renamed or {})[0]


def _put_back(net: NetGraph, path: tuple, edited: NetGraph, renamed: dict[str, str]) -> tuple[NetGraph, set[str]]:
    """``net`` with the graph at ``path`` replaced by ``edited``, whose ports may differ, following the rule for
    dropped heads: an input of ``edited`` that now feeds other layers (a dropped head's consumers) and a layer
    that read a lost output (through a port path, ``NetPort(("enc", "l1", "Output"))``) take new graph inputs,
    never the data of the port they replace. An output renamed (unwired ones are named by their count) is
    followed; graph outputs fed by lost ones go. A chain takes ``edited`` as it is (its inputs that now feed a new
    head take that head's types, not those declared before: it closes up). Also gives the new inputs (a level up,
    an input fed as before by a new one of this level is new too, so the rule holds at every depth)."""
    name = path[0]
    if len(path) > 1:
        (new, inner_fresh), renamed = _put_back(net.layers[name], path[1:], edited, renamed), {}
    else:
        new, inner_fresh = edited, set()
    outputs = output_map(net.layers[name], new)
    same_in = (same_inputs(net.layers[name], new) | set(renamed.values())) - inner_fresh
    if isinstance(net, NetChain) and name == next(iter(net.layers)) and same_in != set(new.input_ports):
        new_heads = set(new.input_ports) - same_in  # the chain closes up: its inputs take what the new heads took
        gone = set(net.layers[name].input_ports) - set(new.input_ports)  # a renamed head's ports: no more the chain's
        kept = {p: t for p, t in net.port_shape_options().items() if p not in new_heads | gone}
        return in_chain(with_port_options(net, kept), name, new), set()
    if isinstance(net, NetChain):
        return in_chain(net, name, new), set()
    if all(p == q for p, q in outputs.items()) and same_in == set(new.input_ports) and not renamed:
        return net.replace_layers({name: new}), set()

    def fed(ref: Any) -> Any:  # where an edge into ``ref`` goes now
        return PortRef(name, renamed[ref.port]) if ref is not None and ref.layer == name and ref.port in renamed \
            else ref

    def lost(a: Any, b: Any) -> bool:
        gone = a.layer == name and outputs[a.port] is None
        return gone or (b is not None and b.layer == name and b.port not in same_in)

    def moved(ref: Any) -> NetPort:
        return NetPort(name, outputs[ref.port]) if ref.layer == name else _ref(ref)
    kept = [e for e in net.edges if (not e.implicit or e.src.layer is None) and not lost(e.src, fed(e.dst))]
    edges = [written(e, moved(e.src), _ref(fed(e.dst)) if fed(e.dst) != e.dst else None)
             for e in kept]  # graph inputs stay first: their edges made explicit
    inputs = {e.src.port for e in kept if e.src.layer is None}
    outs = {e.dst.port for e in net.edges if e.dst.layer is None and not lost(e.src, e.dst)}
    declared = {p: t for p, t in net.port_shape_options().items() if p in inputs or p in outs}
    fresh = [NetPort(name, p) for p in new.input_ports if p not in same_in]
    fresh += [_ref(e.dst) for e in net.edges if e.src.layer == name and outputs[e.src.port] is None and e.dst.layer]
    made, known = set(), {}  # known: the new inputs' types
    for dst in fresh:
        port = fresh_name(dst.port, inputs)
        inputs.add(port)
        made.add(port)
        edges.append((NetPort(port), dst))
        if dst.layer != name:  # a reader of a lost output takes what it took (the edited graph declares its own)
            known.update(_known_types(net, dst.layer, {dst.port: port}))
    layers = {n: new if n == name else layer for n, layer in net.layers.items()}
    edges = with_mutes(net, edges, lambda a: None if lost(a, None) else moved(a))
    return declared_where_needed(lambda t: NetGraph(layers, edges, **declared, **t), known), made


def chain_of(items: list[tuple[str | None, Any]], shapes: dict[str, Any]) -> NetChain:
    """A NetChain of ``(name or None, layer)`` items: numbered when no item has a name, else named. Given names
    come first (one repeated, or one with another's path, ``enc`` holding ``l1`` beside ``enc/l1``, is made unique as
    ``name_2``, ``name_3``, ...), so an unnamed item never takes one: it is named by its position, made unique the
    same way."""
    if all(name is None for name, _ in items):
        return NetChain([layer for _, layer in items], **shapes)
    names: list[str | None] = [name for name, _ in items]
    taken = PathsTaken()
    for unnamed in (False, True):
        for i, name in enumerate(names):
            if (name is None) == unnamed:
                names[i] = taken.fresh(str(i + 1) if unnamed else name, items[i][1])
    return NetChain({name: layer for name, (_, layer) in zip(names, items)}, **shapes)


def chain_items(chain: NetChain) -> list[tuple[str | None, Any]]:
    """A chain's layers as ``chain_of`` items: unnamed (None) when the chain is numbered."""
    keep = not numbered(chain)
    return [(name if keep else None, layer) for name, layer in chain.layers.items()]


def layer_graph(net: NetGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(net.layers)
    g.add_edges_from((e.src.layer, e.dst.layer) for e in net.edges if e.src.layer and e.dst.layer)
    return g


def subgraph(net: NetGraph, keep: set[str], mute_orphans: bool = True, targets: frozenset = frozenset(),
             by_source: bool = False) -> NetGraph:
    """The layers in ``keep`` with the wiring among them (a chain stays a chain).

    Input ports that lose their producer become new graph inputs (named after the port, numbered when a
    kept graph input has that name already, so they are never silently fed another port's data; ``by_source``: one
    per value cut off, fed to every port it fed, named after the layer that gave it, ``cut_input_names``); outputs
    that fed only removed layers are muted (``mute_orphans``; never those of ``targets``) or become graph outputs.
    """
    if not keep:
        raise WiringError("the result would have no layers", kind=EMPTY_KIND, layer=())
    if isinstance(net, NetChain):
        return _subchain(net, keep)
    kept_edges = [e for e in net.edges if (e.src.layer is None or e.src.layer in keep)
                  and (e.dst.layer is None or e.dst.layer in keep)]
    edges: list[tuple] = [pair for pair in net.explicit_edges()  # the pairs themselves: they keep the user's edges
                          if (pair[0].layer is None or pair[0].layer in keep)
                          and (pair[1] is None or pair[1].layer is None or pair[1].layer in keep)]
    inputs = {e.src.port for e in kept_edges if e.src.layer is None}
    shapes = {p: s for p, s in net.port_shape_options().items() if p in inputs}
    used = {(e.src.layer, e.src.port) for e in kept_edges}
    named = cut_input_names(net, keep, inputs) if by_source else {}
    known: dict[str, Any] = {}
    for e in net.edges:
        if e.dst.layer in keep and e.src.layer is not None and e.src.layer not in keep:
            name = named.get((e.src.layer, e.src.port)) or fresh_name(e.dst.port, inputs)
            inputs.add(name)
            edges.append((NetPort(name), NetPort(e.dst.layer, e.dst.port)))
            known.update(_known_types(net, e.dst.layer, {e.dst.port: name}))
        if mute_orphans and e.src.layer in keep and e.src.layer not in targets and e.dst.layer is not None \
                and e.dst.layer not in keep \
                and (e.src.layer, e.src.port) not in used:
            used.add((e.src.layer, e.src.port))
            edges.append((NetPort(e.src.layer, e.src.port), None))
    layers = {n: l for n, l in net.layers.items() if n in keep}
    return with_output_options(net, declared_where_needed(lambda types: NetGraph(layers, edges, **shapes, **types),
                                                          known))


def cut_input_names(net: NetGraph, keep: set[str], taken: set[str]) -> dict[tuple[str, str], str]:
    """The graph input each value that layers outside ``keep`` give those in it becomes, by its (layer, port), as
    Wolfram names them: the layer's name (``layer_Port`` when several of its outputs are cut), numbered when taken
    (``taken``: the kept graph inputs; the graph's outputs too); the consuming port's when that is no input name."""
    cut = list(dict.fromkeys((e.src.layer, e.src.port, e.dst.port) for e in net.edges if e.dst.layer in keep
                             and e.src.layer is not None and e.src.layer not in keep))
    outputs_cut = Counter(layer for layer, _ in dict.fromkeys((layer, port) for layer, port, _ in cut))
    names, busy = {}, {*taken, *net.output_ports}
    for layer, port, consumer in cut:
        if (layer, port) not in names:
            base = f"{layer}_{port}" if outputs_cut[layer] > 1 else layer
            names[layer, port] = fresh_name(base if usable_input_name(base) else consumer, busy)
            busy.add(names[layer, port])
    return names


def with_output_options(net: NetGraph, part: NetGraph) -> NetGraph:
    """``part`` (cut from ``net``) with ``net``'s options (a decoder, a declared type) on each graph output that
    the same layer port still gives, under its name in ``part`` (a renamed output, as a tail's producer's, too):
    cutting other layers away must not lose the decoder of an output it keeps."""
    options, have = net.port_shape_options(), part.port_shape_options()
    by_source = {source: options[p] for p, source in output_sources(net).items() if p in options}
    extra = {p: by_source[source] for p, source in output_sources(part).items()
             if p not in have and source in by_source}
    if not extra or isinstance(part, NetChain):  # a chain keeps them in _subchain
        return part
    return NetGraph(dict(part.layers), part.explicit_edges(), **have, **extra)


def _subchain(chain: NetChain, keep: set[str]) -> NetChain:
    """A chain stays a chain: the remaining layers, in order, each feeding the next."""
    names = [n for n in chain.layers if n in keep]
    first_inputs = set(chain.layers[names[0]].input_ports)
    last_outputs = set(chain.layers[names[-1]].output_ports)
    first, last = names[0] == next(iter(chain.layers)), names[-1] == list(chain.layers)[-1]
    shapes = {p: s for p, s in chain.port_shape_options().items()
              if (first and p in first_inputs) or (last and p in last_outputs)}  # the ends that stay keep theirs
    # a new head takes what it took before, as in Wolfram, where layers keep their inferred types
    known = {} if first else _known_types(chain, names[0], {p: p for p in first_inputs})
    layers: Any = [chain.layers[n] for n in names] if numbered(chain) else {n: chain.layers[n] for n in names}
    return declared_where_needed(lambda types: NetChain(layers, **shapes, **types), known)


def _known_types(net: NetGraph, layer: str, ports: dict[str, str]) -> dict[str, Any]:
    """The types ``layer``'s input ports had in ``net`` (those with a known shape), by the graph input each one gets
    (``ports``: layer port -> graph input), to declare where needed (``declared_where_needed``): a layer that lost its
    producer still takes what it took."""
    types = net.layer_types(layer)
    return {name: types[port] for port, name in ports.items() if types[port].shape is not None}


def drop_layers(net: NetGraph, drop: list[str]) -> NetGraph:
    """``net`` without the named top-level layers (``_drop_layers``), each automatic output the same layer still
    gives named as before (``kept_output_names``) and where it was (``kept_output_order``), with its options."""
    part = _drop_layers(net, drop)
    named = kept_output_order(net, kept_output_names(net, part))  # Output2 stays Output2, and second
    return part if named is part else with_output_options(net, named)


def _drop_layers(net: NetGraph, drop: list[str]) -> NetGraph:
    """``net`` without the named top-level layers.

    Heads (fed by graph inputs only) leave their consumers' ports as graph inputs; tails (feeding no layer)
    leave their producers' orphaned outputs as graph outputs. An interior layer's producer feeds its
    consumers directly, which needs one input and one consumed output of the same type (shape and dtype):
    otherwise a ShapeError or WiringError names the layer and the types, and nothing is rewired.
    """
    remaining = set(drop)
    assert remaining != set(net.layers), "edit_at refuses removing every layer, naming the function called"
    if isinstance(net, NetChain):  # one rebuild: a numbered chain renumbers its layers
        names = list(net.layers)
        kept = [i for i, n in enumerate(names) if n not in remaining]
        runs: list[list[str]] = []  # consecutive interior layers: only a run's ends need to fit (Wolfram's NetDrop)
        for i, name in enumerate(names):
            if name in remaining and kept[0] < i < kept[-1]:
                if runs and runs[-1][-1] == names[i - 1]:
                    runs[-1].append(name)
                else:
                    runs.append([name])
        for run in runs:
            check_fit(net, run[0], run[-1])
        return _subchain(net, set(names) - remaining)
    while remaining:  # ends first, so that runs of dropped layers at either end need no fitting
        ends = _ends(net, remaining)
        batch = ends_batch(net, remaining) if ends else None  # the same steps, one rebuild
        if batch is not None:
            net, remaining = batch
            continue
        batch = None if ends else interior_batch(net, remaining, fits_are_checked())
        if batch is not None:
            return batch
        layers = net.layers  # interior: the first in the order layers run in (ties: as given)
        name = ends[0] if ends else next(n for n in order(tuple(layers), layers, net.edges) if n in remaining)
        run = [name] if ends else fitting_run(net, name, remaining)
        net = _without(net, run, interior=not ends)
        remaining -= set(run)
    return net


def _ends(net: NetGraph, names: set[str]) -> list[str]:
    """Those of ``names`` that feed no layer or are fed by none, in layer order (one pass over the edges)."""
    inner = [e for e in net.edges if e.src.layer is not None and e.dst.layer is not None]
    feeds, fed = {e.src.layer for e in inner}, {e.dst.layer for e in inner}
    return [n for n in net.layers if n in names and (n not in feeds or n not in fed)]


def _ref(ref: PortRef) -> NetPort:
    return NetPort(ref.port) if ref.layer is None else NetPort(ref.layer, ref.port)


def _without(net: NetGraph, run: list[str], interior: bool) -> NetGraph:
    """``net`` without the layers of ``run`` (an end, or interior layers in a row: its first one's producer then
    feeds its last one's consumers)."""
    if not interior:
        return subgraph(net, set(net.layers) - set(run), mute_orphans=False)
    source = next(_ref(e.src) for e in net.edges if e.dst.layer == run[0])
    edges = [written(e) for e in net.edges if not {e.src.layer, e.dst.layer} & set(run)]  # kept, made explicit
    edges += [(source, _ref(e.dst)) for e in net.edges if e.src.layer == run[-1]]
    edges = with_mutes(net, edges, lambda a: None if a.layer in run else a)
    declared = net.port_shape_options()
    ports = {p.port for pair in edges for p in pair if p is not None and p.layer is None}
    return NetGraph({n: l for n, l in net.layers.items() if n not in run}, edges,
                    **{p: t for p, t in declared.items() if p in ports})
