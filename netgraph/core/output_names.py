"""Automatic graph output names kept through net_drop: a NetGraph numbers the unwired outputs whose names clash
(``Output1``, ``Output2``), and a net rebuilt without some layers numbered them again, so ``Output1`` came to mean
another layer's output (and the decoder of ``Output2``, which the same layer still gave, was lost).

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)}, [], Input=3)
>>> part = NetGraph({"b": LinearLayer(3)}, [], Input=3)
>>> part.output_ports, kept_output_names(net, part).output_ports
(('Output',), ('Output2',))
"""

from __future__ import annotations

import itertools
from typing import Callable

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.names import fresh_name
from netgraph.core.nested_ports import output_sources
from netgraph.core.edge_text import with_mutes, written
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.port_rename import rename_ports

__all__ = ["kept_output_names", "kept_output_order"]


def _automatic(net: NetGraph) -> dict[tuple, str]:
    """(layer, port) -> the name of the graph output it gives unwired."""
    return {(e.src.layer, e.src.port): e.dst.port for e in net.edges
            if e.implicit and e.dst.layer is None and e.src.layer is not None}


def kept_output_names(net: NetGraph, part: NetGraph) -> NetGraph:
    """``part`` (``net`` less some layers) with each automatic output that the same layer port gave in ``net`` under
    that name again; a new output (a dropped tail's producer's) that would take such a name gets a fresh one."""
    if isinstance(part, NetChain):
        return part  # a chain's outputs are its last layer's own
    before, now = _automatic(net), _automatic(part)
    renames = {name: before[src] for src, name in now.items() if src in before and before[src] != name}
    if not renames:
        return part
    targets = set(renames.values())
    taken = targets | (set(part.output_ports) - set(renames)) | set(part.input_ports)
    for name in now.values():
        if name in targets and name not in renames:
            taken.add(new := _free_name(name, taken))
            renames[name] = new
    return rename_ports(part, renames)


def _free_name(name: str, taken: set[str]) -> str:
    """A name for an output that would take ``name``: a numbered one (``Output1``) the first free number of its
    stem (``Output2``, not ``Output12``), else ``fresh_name``'s."""
    stem = name.rstrip("0123456789")
    if stem == name or not stem:
        return fresh_name(name, taken)
    return next(f"{stem}{n}" for n in itertools.count(1) if f"{stem}{n}" not in taken)


def kept_output_order(net: NetGraph, part: NetGraph, rank: Callable[[str], int] | None = None) -> NetGraph:
    """``part`` (``net`` less some layers) with the outputs ``net`` had in ``net``'s order, the new ones (a dropped
    tail's producer's) at their source's first output or after them, as Wolfram's NetDelete keeps the remaining ports'
    order (a rebuilt graph lists its unwired outputs in layer order, before those its edges name); ``rank`` (a sort
    key of ``part``'s output names) orders them instead."""
    if isinstance(part, NetChain):
        return part
    wanted = sorted(part.output_ports, key=rank or _rank_in(net, part))
    if tuple(wanted) == part.output_ports:
        return part
    by_port = {e.dst.port: e for e in part.edges if e.dst.layer is None}
    edges = _merged([by_port[port] for port in wanted], [e for e in part.edges if e.dst.layer is not None],
                    part.input_ports)
    if edges is None:  # an output passing a graph input through must come before one reading an input before it:
        return part  # the inputs' order matters more (it is the call's), keep the net as it was
    pairs = with_mutes(part, [written(e) for e in edges])
    rebuilt = NetGraph(dict(part.layers), pairs, **part.port_shape_options())
    return carry_multipliers([part], rebuilt)


def _merged(outputs: list, others: list, inputs: tuple[str, ...]) -> list | None:
    """``outputs`` (the edges to graph outputs, in the order wanted) and ``others`` (in their order) in one list in
    which the graph ``inputs`` are first read in their order (a graph lists its inputs as its edges first read them,
    its outputs as its edges feed them): an output passing an input through goes after the edges reading the inputs
    before it. None where no such list is."""
    merged, read, rest = [], set(), iter(inputs)
    heads = [outputs[::-1], others[::-1]]  # each a stack, its next edge last
    after = next(rest, None)  # the next input to be read
    while any(heads):
        ready = [h for h in heads[::-1] if h and (h[-1].src.layer is not None or h[-1].src.port in read
                                                  or h[-1].src.port == after)]
        if not ready:
            return None
        edge = ready[0].pop()
        merged.append(edge)
        if edge.src.layer is None and edge.src.port not in read:
            read.add(edge.src.port)
            after = next(rest, None)
    return merged


def _rank_in(net: NetGraph, part: NetGraph):
    """Sort key of ``part``'s outputs: an output ``net`` has by name takes that name's place, a new one the place of
    the first output its source gave in ``net`` (after them all if none)."""
    by_name = {port: i for i, port in enumerate(net.output_ports)}
    by_source: dict[tuple, int] = {}
    old_sources, sources = output_sources(net), output_sources(part)
    for i, port in enumerate(net.output_ports):
        by_source.setdefault(old_sources[port], i)
    return lambda port: by_name.get(port, by_source.get(sources[port], len(by_name)))
