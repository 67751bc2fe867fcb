"""How a nested net's ports correspond before and after an edit, for putting it back in the net around it
(``rewiring.put_back``): which outputs give the same value, which inputs mean the same, and a chain's layer
replaced whatever its ports' names."""

from __future__ import annotations

from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.port_options import numbered

__all__ = ["in_chain", "output_map", "output_sources", "same_inputs"]


def in_chain(chain: NetChain, name: str, new: Any) -> NetChain:
    """``chain`` with layer ``name`` replaced by ``new``: the layers follow one another whatever their ports' names
    (a nested chain whose output is now ``Foo`` feeds the next layer as ``Output`` did); the chain's declared port
    types stay on the ports that remain its own."""
    old = chain.layers[name]
    if (new.input_ports, new.output_ports) == (old.input_ports, old.output_ports):
        return chain.replace_layers({name: new})
    layers = {n: new if n == name else layer for n, layer in chain.layers.items()}
    first, last = next(iter(layers)), list(layers)[-1]
    ports = {*layers[first].input_ports, *layers[last].output_ports}
    kept = {p: t for p, t in chain.port_shape_options().items() if p in ports}
    return carry_multipliers([chain], NetChain(list(layers.values()) if numbered(chain) else layers, **kept))


def output_sources(net: NetGraph) -> dict[str, tuple]:
    """Each graph output -> the (layer, port) feeding it (layer None: a graph input passed through)."""
    return {e.dst.port: (e.src.layer, e.src.port) for e in net.edges if e.dst.layer is None}


def output_map(old: NetGraph, new: NetGraph) -> dict[str, str | None]:
    """Each output of ``old`` -> the output of ``new`` giving the same inner value (by its source, else by its name),
    or None when gone; one read from a dropped tail is sourced at the tail's producer, whose port path still reads.
    A chain's one output is its last layer's, so it goes to the edited chain's one output whatever its name (an
    appended layer's ``Foo``), as the name ``Output`` would."""
    def producer(src: tuple) -> tuple:
        while src[0] is not None and src[0] not in new.layers:
            feeds = [(e.src.layer, e.src.port) for e in old.edges if e.dst.layer == src[0]]
            if len(feeds) != 1:
                break
            src = feeds[0]
        return src
    by_source = {src: port for port, src in output_sources(new).items()}
    one = isinstance(old, NetChain) and isinstance(new, NetChain) and len(old.output_ports) == len(new.output_ports) == 1
    last = new.output_ports[0] if one else None
    return {port: by_source.get(src, by_source.get(producer(src), port if port in new.output_ports else last))
            for port, src in output_sources(old).items()}


def same_inputs(old: NetGraph, new: NetGraph) -> set[str]:
    """The inputs of ``new`` that mean what they meant in ``old``: they feed some of the same inner ports only."""
    def readers(g: NetGraph) -> dict[str, set]:
        out: dict[str, set] = {}
        for e in g.edges:
            if e.src.layer is None:
                out.setdefault(e.src.port, set()).add((e.dst.layer, e.dst.port))
        return out
    before, after = readers(old), readers(new)
    return {p for p in new.input_ports if after.get(p, set()) <= before.get(p, set())}
