"""How a net's kind gives a graph port an option, for messages: ``NetChain(layers, input=3)``, ``NetGraph(layers,
edges, Input=3)``. Imports no net class (inference's hints use it while the net classes are being imported)."""

from __future__ import annotations

from typing import Any

__all__ = ["option_form"]


def option_form(net: Any, port: str, value: str) -> str:
    """How ``net``'s kind gives graph port ``port`` an option (a shape, a coder), for messages: a NetChain (whose
    ``PORT_ALIASES`` name its first ports input= and output=) by its alias, a NetGraph by the port's name.

    >>> from netgraph import LinearLayer, NetChain, NetGraph
    >>> c = NetChain([LinearLayer(2)])
    >>> option_form(c, "Input", "3"), option_form(c, "Output", "3"), option_form(NetGraph(c.layers, []), "Input", "3")
    ('NetChain(layers, input=3)', 'NetChain(layers, output=3)', 'NetGraph(layers, edges, Input=3)')
    """
    if "input" in net.PORT_ALIASES:
        alias = "input" if net.input_ports[:1] == (port,) else "output" if net.output_ports[:1] == (port,) else port
        return f"NetChain(layers, {alias}={value})"
    return f"NetGraph(layers, edges, {port}={value})"
