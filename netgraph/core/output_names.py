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

from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.names import fresh_name
from netgraph.core.nested_ports import output_sources
from netgraph.core.edge_text import written
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


def kept_output_order(net: NetGraph, part: NetGraph) -> NetGraph:
    """``part`` (``net`` less some layers) with the outputs ``net`` had in ``net``'s order, the new ones (a dropped
    tail's producer's) at their source's first output or after them, as Wolfram's NetDelete keeps the remaining ports'
    order (a rebuilt graph lists its unwired outputs in layer order, before those its edges name)."""
    if isinstance(part, NetChain):
        return part
    wanted = sorted(part.output_ports, key=_rank_in(net, part))
    if tuple(wanted) == part.output_ports:
        return part
    edges = [written(e) for e in part.edges]
    slots = [i for i, e in enumerate(part.edges) if e.dst.layer is None]
    by_port = {part.edges[i].dst.port: edges[i] for i in slots}
    for i, port in zip(slots, wanted):  # the output edges in the order wanted, every other edge where it was
        edges[i] = by_port[port]
    muted = [(a, b) for a, b in part.explicit_edges() if b is None]
    rebuilt = NetGraph(dict(part.layers), edges + muted, **part.port_shape_options())
    if rebuilt.input_ports != part.input_ports:  # an output reading a graph input moved ahead of the edges reading
        return part  # another: the inputs' order matters more (it is the call's), keep the net as it was
    return carry_multipliers([part], rebuilt)


def _rank_in(net: NetGraph, part: NetGraph):
    """Sort key of ``part``'s outputs: an output ``net`` has by name takes that name's place, a new one the place of
    the first output its source gave in ``net`` (after them all if none)."""
    by_name = {port: i for i, port in enumerate(net.output_ports)}
    by_source: dict[tuple, int] = {}
    old_sources, sources = output_sources(net), output_sources(part)
    for i, port in enumerate(net.output_ports):
        by_source.setdefault(old_sources[port], i)
    return lambda port: by_name.get(port, by_source.get(sources[port], len(by_name)))
