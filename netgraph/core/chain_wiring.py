"""A NetChain's wiring, made directly: ``normalize(names, layers, [(1, 2), (2, 3), ...])`` without expanding,
resolving and threading one edge form per link (a 100,000-layer chain has 99,999 of them), in one pass over the
layers that also checks the links (``link_problems``) and finds the ports left for the graph."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from netgraph.core.errors import Diagnostic, NetGraphError, WiringError, raise_all
from netgraph.core.layer import Layer
from netgraph.core.names import describe_layer
from netgraph.core.naming_scope import scoped_layer
from netgraph.core.ports import Edge, PortRef, new_edge, new_port_ref
from netgraph.core.wiring import Wiring, _Normalizer, format_endpoint, normalize

__all__ = ["chain_wiring", "chain_order", "link_problems", "linked_output", "describe_at", "LINK_KINDS",
           "is_link_error"]

#: The kinds of ``link_problems``' Diagnostics: a layer with no input to follow another, or not one output to feed one.
LINK_KINDS = frozenset({"chain-input", "chain-output"})


def chain_wiring(names: list[str], layers: dict[str, Layer], refs: Sequence[int | str],
                 whole: tuple[int, str] | None = None) -> Wiring | None:
    """What ``normalize`` makes of the edges ``zip(refs, refs[1:])`` (``refs``: the layers' numbers or names): each
    layer's one output (``linked_output``) feeds the next layer's first input (a variadic layer given one input),
    edge ``i`` written ``"<ref i> -> <ref i+1>"``; unwired ports become graph ports, but for the other outputs of a
    layer with ``CHAIN_OUTPUT`` before the last, which are muted. A link that cannot be made (``link_problems``)
    is a WiringError.

    ``whole``: the index and text of a graph's one edge written as the chain ``refs`` through every layer
    (``NetGraph(layers, [("a", "b", "c")])``): each link's Edge is that edge's hop, as ``normalize`` makes it, and
    the edges all run forward; None where a layer is not plain (variadic, or not one output before the last), for
    ``normalize`` to thread its feeds and say what is wrong."""
    n = _Normalizer(names, layers, copy=False)  # the table copied only to give a variadic layer its input count
    edges, unwired, dangling, muted = [], [], [], set()
    last, source, before, index = len(names) - 1, None, "", None  # index: the previous layer's i (no int made a link)
    given = layers.values() if len(layers) == len(names) and list(layers) == names else map(layers.__getitem__, names)
    for i, name, ref, layer in zip(count(), names, refs, given):  # (the table in the names' order: no lookup a name)
        inputs, outputs = layer.input_ports, layer.output_ports
        linked = outputs[0] if len(outputs) == 1 else linked_output(layer) if i < last else None  # (no call for one)
        if whole is not None and ((i < last and len(outputs) != 1) or (i and (layer.variadic or not inputs))):
            return None  # a graph's chain edge through a layer not plain: normalize threads it, or says what is wrong
        if (i < last and linked is None) or (i and not inputs and not layer.variadic):
            raise_all(link_problems(names, layers), WiringError, "invalid NetChain")
        text = str(ref) if type(ref) is int else format_endpoint(ref)  # each made as its edges are (no list of them)
        if i:
            if layer.variadic:
                if n.layers is layers:
                    n.layers = dict(layers)
                layer = n.layers[name] = layer.with_input_count(1)
                inputs = layer.input_ports
            if not inputs:  # a variadic layer left with none: normalize says what is wrong
                return normalize(names, layers, list(zip(refs, refs[1:])))
            link = f"{before} -> {text}"
            edges.append(new_edge(source, new_port_ref(name, inputs[0]), link, index) if whole is None else
                         new_edge(source, new_port_ref(name, inputs[0]), whole[1], whole[0], index, link))
        before, index = text, i
        for port in inputs[1:] if i else inputs:
            unwired.append((name, port))
        if i < last:
            source = new_port_ref(name, linked)
            if outputs[1:]:  # (a slice: no call a layer)
                muted.update(PortRef(name, port) for port in outputs if port != linked)
        else:
            dangling += [PortRef(name, port) for port in outputs]
    wiring = Wiring(n.layers, edges, muted=muted, forward=whole is not None)
    n.name_graph_ports(wiring, [], unwired, dangling, [])
    raise_all(n.errors, WiringError, "invalid wiring")
    return wiring


def chain_order(names: list[str], layers: dict[str, Layer], edges: Sequence[Edge]) -> tuple[str, ...]:
    """What ``order`` gives for a chain's wiring: the names as given, since each edge feeds the next layer (no
    dict of the names to check every edge runs forward, no cycle to find)."""
    return tuple(names)


def link_problems(names: list[str], table: dict[str, Layer]) -> list[Diagnostic]:
    """Each layer after the first needs an input, each before the last exactly one output; the error
    text is built only for the layers at fault (describing every layer made long chains quadratic)."""
    errors, last = [], len(names) - 1
    for i, name in enumerate(names):
        layer = table[name]
        if i > 0 and not layer.input_ports and not layer.variadic:
            errors.append(Diagnostic(f"{describe_at(i, name, layer)} has no input port, so it cannot follow "
                                     f"{_neighbour(i - 1, names, table)} in a chain", "chain-input", layer=(name,),
                                     edge=i - 1))
        if i < last and linked_output(layer) is None:
            errors.append(Diagnostic(f"{describe_at(i, name, layer)} should have exactly one output port to feed "
                                     f"{_neighbour(i + 1, names, table)}, found {list(layer.output_ports)}; wire "
                                     f"several outputs with a NetGraph", "chain-output", layer=(name,), edge=i))
    return errors


def linked_output(layer: Layer) -> str | None:
    """The output a chain feeds to the next layer: the layer's only one, or its ``CHAIN_OUTPUT`` (None: neither)."""
    outputs = layer.output_ports
    if len(outputs) == 1:
        return outputs[0]
    chained = getattr(layer, "CHAIN_OUTPUT", None)  # a user's layer class may not derive from Layer
    return chained if chained in outputs else None


def is_link_error(error: NetGraphError) -> bool:
    """Whether ``error`` is the one ``chain_wiring`` raises for ``link_problems`` (no need to find them again)."""
    return all(d.kind in LINK_KINDS for d in error.diagnostics)


def describe_at(i: int, name: str, layer: Layer) -> str:
    """As ``describe_layer`` for the layer at 0-based position ``i``, without searching the names."""
    return describe_layer({name: i}, {name: layer}, name)


def _neighbour(i: int, names: list[str], table: dict[str, Layer]) -> str:
    """The layer at 0-based position ``i`` as a chain link's message names its neighbour: ``layer 2`` (by its path
    from the top net inside ``naming_under``)."""
    return scoped_layer((names[i],), table[names[i]].type_name) or f"layer {i + 1}"
