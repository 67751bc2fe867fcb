"""net_replace_part of a layer by one without the port its net declares (a chain's input=4 on its first layer, now a
ThreadingLayer with Input1 and Input2): found by QA (tester P), the rebuilt net said 'Input' is no port of it, naming
neither the layer replaced nor its new ports."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, ThreadingLayer, WiringError, net_replace_part


def _chain(**declared):
    return NetChain({"l1": LinearLayer(4), "act": "Tanh"}, **declared)


@pytest.mark.parametrize("net, path, graph", [
    (NetChain({"l1": LinearLayer(4), "head": LinearLayer(5)}, input=4), ("l1",), "NetChain declares"),
    (NetGraph({"l1": LinearLayer(4), "head": LinearLayer(5)}, [("l1", "head")], Input=4), ("l1",),
     "NetGraph declares"),
    (NetGraph({"enc": _chain(), "head": LinearLayer(5)}, [("enc", "head")], Input=4), ("enc", "l1"),
     "NetGraph declares"),
    (NetGraph({"enc": _chain(input=4), "head": LinearLayer(5)}, [("enc", "head")]), ("enc", "l1"),
     "NetChain 'enc' declares"),
])
def test_a_replacement_without_the_declared_port_names_the_layer_its_ports_and_the_port(net, path, graph):
    with pytest.raises(WiringError) as info:
        net_replace_part(net, {path if len(path) > 1 else path[0]: ThreadingLayer("Plus")})
    message = str(info.value)
    assert message.startswith(f"net_replace_part: {'/'.join(path)!r} becomes a ThreadingLayer with inputs "
                              f"['Input1', 'Input2'], which lack 'Input'") and f"{graph} as (4)" in message
    problem = info.value.diagnostics[0]
    assert (info.value.kind, problem.layer, problem.port) == ("unknown-graph-port", path, "Input")


def test_a_replacement_keeping_the_declared_port_still_works():
    net = NetChain({"l1": LinearLayer(4), "head": LinearLayer(5)}, input=4)
    assert net_replace_part(net, {"l1": LinearLayer(6)}).port_types["Input"].shape == (4,)
