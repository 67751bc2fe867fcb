"""A NetChain's wiring, made directly: ``normalize(names, layers, [(1, 2), (2, 3), ...])`` without expanding,
resolving and threading one edge form per link (a 100,000-layer chain has 99,999 of them)."""

from __future__ import annotations

from collections.abc import Sequence

from netgraph.core.errors import WiringError, raise_all
from netgraph.core.layer import Layer
from netgraph.core.ports import Edge, PortRef
from netgraph.core.wiring import Wiring, _Normalizer, format_endpoint, normalize

__all__ = ["chain_wiring"]


def chain_wiring(names: list[str], layers: dict[str, Layer], refs: Sequence[int | str]) -> Wiring:
    """What ``normalize`` makes of the edges ``zip(refs, refs[1:])`` (``refs``: the layers' numbers or names) once
    ``NetChain._check_links`` has passed: each layer's one output feeds the next layer's first input (a variadic
    layer given one input), edge ``i`` written ``"<ref i> -> <ref i+1>"``; unwired ports become graph ports."""
    n = _Normalizer(names, layers)
    table, edges = n.layers, []
    texts = [str(r) if type(r) is int else format_endpoint(r) for r in refs]
    for i in range(1, len(names)):
        source, name = names[i - 1], names[i]
        layer = layers[name]
        if layer.variadic:
            layer = table[name] = layer.with_input_count(1)
        if not layer.input_ports:  # a variadic layer left with none: normalize says what is wrong
            return normalize(names, layers, list(zip(refs, refs[1:])))
        edges.append(Edge(PortRef(source, layers[source].output_ports[0]), PortRef(name, layer.input_ports[0]),
                          f"{texts[i - 1]} -> {texts[i]}", False, i - 1))
    wiring = Wiring(table, edges)
    n.add_graph_ports(wiring)
    raise_all(n.errors, WiringError, "invalid wiring")
    return wiring
