"""How a net's kind gives a graph port an option, for messages: ``NetChain(layers, input=3)``, ``NetGraph(layers,
edges, Input=3)``. Imports no net class (inference's hints use it while the net classes are being imported)."""

from __future__ import annotations

from typing import Any

from netgraph.core.wording import first_few

__all__ = ["option_form", "options_form"]


def option_form(net: Any, port: str, value: str) -> str:
    """How ``net``'s kind gives graph port ``port`` an option (a shape, a coder), for messages: a NetChain (whose
    ``PORT_ALIASES`` name its first ports input= and output=) by its alias, a NetGraph by the port's name.

    >>> from netgraph import LinearLayer, NetChain, NetGraph
    >>> c = NetChain([LinearLayer(2)])
    >>> option_form(c, "Input", "3"), option_form(c, "Output", "3"), option_form(NetGraph(c.layers, []), "Input", "3")
    ('NetChain(layers, input=3)', 'NetChain(layers, output=3)', 'NetGraph(layers, edges, Input=3)')
    """
    return options_form(net, {port: value})


def options_form(net: Any, values: dict[str, str]) -> str:
    """``option_form`` of several graph ports at once (each port -> its value), the first few written.

    >>> from netgraph import CatenateLayer, NetChain
    >>> options_form(NetChain([CatenateLayer()]), {"Input1": "3", "Input2": "4"})
    'NetChain(layers, input=3, Input2=4)'
    """
    if "input" in net.PORT_ALIASES:
        return f"NetChain(layers, {first_few(list(values.items()), text=lambda pv: _aliased(net, *pv))})"
    return f"NetGraph(layers, edges, {first_few([f'{p}={v}' for p, v in values.items()])})"


def _aliased(net: Any, port: str, value: str) -> str:
    """``port=value`` as a NetChain's option: its first input and output by their aliases."""
    alias = "input" if net.input_ports[:1] == (port,) else "output" if net.output_ports[:1] == (port,) else port
    return f"{alias}={value}"
