"""Nested port paths: ``NetPort(("enc", "l1", "Output"))`` names a port of a layer inside nested nets.

``resolve`` checks a path against a net (each part a layer name or 1-based index, the last a port) and
names the missing part and what exists there; ``expose`` gives the net with that inner output made a graph
output of every net on the way (so edges, probing and ``net_take`` reach it with the ordinary machinery).
A path goes through NetGraph and NetChain layers only (an operator's inner net runs per element or per
step, so its values are no single tensor).
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import WiringError, did_you_mean
from netgraph.core.ports import NetPort, PortRef

__all__ = ["resolve", "expose"]


def _is_graph(layer: Any) -> bool:
    return hasattr(layer, "explicit_edges") and hasattr(layer, "layers")


def resolve(layers: Any, port: NetPort, want: str = "output") -> tuple[tuple[str, ...], str]:
    """The layer names along ``port``'s path (from the graph whose ``layers`` mapping is given) and its port
    name; WiringError naming the first missing part and what exists there."""
    where, current, names = "the net", None, []
    for part in port.path:
        if current is not None and not _is_graph(current):
            raise WiringError(f"{port!r}: {where} is a {current.type_name}, not a NetGraph or NetChain; a path "
                              f"goes into nested graphs only (cannot look up {part!r} inside it)")
        table = layers if current is None else current.layers
        names_here = list(table)
        if isinstance(part, int):
            if not 1 <= part <= len(names_here):
                raise WiringError(f"{port!r}: {where} has no layer {part} (its layers are numbered 1 to "
                                  f"{len(names_here)}: {names_here})")
            part = names_here[part - 1]
        if part not in table:
            raise WiringError(f"{port!r}: {where} has no layer {part!r}{did_you_mean(part, names_here)}; its "
                              f"layers are {names_here}")
        names.append(part)
        current, where = table[part], f"layer {'/'.join(names)!r}"
    ports = current.output_ports if want == "output" else current.input_ports
    if port.port not in ports:
        raise WiringError(f"{port!r}: {where} has no {want} port {port.port!r}"
                          f"{did_you_mean(port.port, ports)}; its {want}s are {list(ports)}")
    return tuple(names), port.port


def expose(net: Any, names: tuple[str, ...], port: str, graph: type) -> tuple[Any, str]:
    """``net`` (a graph) with output ``port`` of the layer at ``names`` also a graph output, and that
    output's name (an existing graph output fed by the same port is reused). ``graph`` is NetGraph."""
    head = names[0]
    layers = dict(net.layers)
    if len(names) > 1:
        layers[head], port = expose(layers[head], names[1:], port, graph)
    source = PortRef(head, port)
    for edge in net.edges if len(names) == 1 or layers[head] is net.layers[head] else ():
        if edge.src == source and edge.dst.layer is None:
            return net, edge.dst.port
    taken = {*net.input_ports, *net.output_ports}
    name, i = f"{head}_{port}", 1
    while name in taken:
        i += 1
        name = f"{head}_{port}{i}"
    edges = [e for e in net.explicit_edges() if e[1] is not None or e[0] != NetPort(head, port)]
    return graph(layers, [*edges, (NetPort(head, port), NetPort(name))], **net.port_shape_options()), name
