"""A layer's refusal names, for each port type it lists, the edges joining that port to the type's setter: not
every edge of the port's class (a -> t below, a sibling of the refused port, played no part)."""

import pytest

from netgraph import ElementwiseLayer, LinearLayer, NetGraph, NetPort, ThreadingLayer
from netgraph.core.errors import ShapeError


def test_a_layer_refusal_names_only_the_edges_joining_each_port_to_its_setter():
    layers = {"a": LinearLayer(3), "t": ElementwiseLayer("Tanh"), "b": LinearLayer(2), "p": ThreadingLayer("Plus")}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [("a", "t"), ("a", NetPort("p", "Input1")), ("b", NetPort("p", "Input2"))], Input=4)
    (found,) = info.value.diagnostics
    assert "'Input1' (3) set by layer 1 'a' (LinearLayer) port 'Output' (from its options) via edge " \
           "a -> NetPort('p', 'Input1');" in found.message
    assert [e.index for e in found.edges] == [1, 2] and found.edge == 2
