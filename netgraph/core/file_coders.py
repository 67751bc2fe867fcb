"""Coders in files written before those an outer graph took from nested graphs were written on the nested ones
(``peripheral_coders``): read back, they are put where a net built in Python holds them."""

from __future__ import annotations

from typing import Any

from netgraph.core.coders import Coder, Encoder, Restricted
from netgraph.core.peripheral_coders import facing, strippable, stripped_coders
from netgraph.core.port_options import with_port_options
from netgraph.core.shared import is_graph

__all__ = ["moved_in"]


def moved_in(net: Any) -> Any:
    """Graph ``net`` as read from a file written before the coders a graph took from nested ones were written on
    them: the writer put them on the outer ports, the nested nets stripped, so read back they were the outer net's
    own, and a replacement of the nested net kept them. Where that is unambiguous they go back onto the nested nets,
    which the outer net then takes them from, as a net built in Python does (at each level down): an encoder on an
    input whose nested graphs all hold no coders and declare there the very type it gives (as a stripped net's port
    does), and a decoder on an output one such graph gives."""
    own = {port: coder for port, coder in net.port_shape_options().items()
           if isinstance(coder, Coder) and not isinstance(coder, Restricted) and port not in net._taken}
    if not own:
        return net  # nearly every net read
    places = {port: [(name, inner) for name in net.layers for outer, inner in facing(net.edges, name)
                     if outer == port] for port in own}
    inputs = {port for port in own if isinstance(own[port], Encoder) and places[port] and
              all(_stripped_there(net.layers[name], inner, own[port]) for name, inner in places[port])}
    marked = {name for port in inputs for name, _ in places[port]}
    outputs = {port for port in own if not isinstance(own[port], Encoder) and len(places[port]) == 1 and
               places[port][0][0] in marked}
    if not inputs:
        return net
    given: dict[str, dict[str, Coder]] = {}
    for port in inputs | outputs:
        for name, inner in places[port]:
            given.setdefault(name, {})[inner] = own[port]
    layers = {**net.layers, **{name: moved_in(with_port_options(net.layers[name], {
        **net.layers[name].port_shape_options(), **coders})) for name, coders in given.items()}}
    return net._rebuilt(layers, {p: v for p, v in net.port_shape_options().items() if p not in inputs | outputs})


def _stripped_there(layer: Any, port: str, encoder: Encoder) -> bool:
    """Whether ``layer`` is a graph holding no coders (none stripped either) whose input ``port`` declares the type
    ``encoder`` gives."""
    return is_graph(layer) and not strippable(layer) and not stripped_coders(layer) and port in layer.input_ports and \
        layer.port_shape_options().get(port) == encoder.port_type()
