"""``edges=[]`` beside positional layers is the (no) edges, as ``edges={}`` and a positional ``[]`` are; it is a
scalar port's shape only where a layer has a port named ``edges``."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer, LinearLayer, NetGraph


@pytest.mark.parametrize("empty", [[], ()])
def test_empty_edges_keyword_is_no_edges(empty):
    net = NetGraph([LinearLayer(3), "Tanh"], edges=empty, Input=2)
    assert net == NetGraph([LinearLayer(3), "Tanh"], [], Input=2)
    assert net.output_shapes == {"Output1": (3,), "Output2": (2,)}


def test_empty_edges_keyword_is_a_scalar_shape_for_a_port_named_edges():
    net = NetGraph([FunctionLayer("#edges + #x")], edges=[], x=3)
    assert net.input_shapes == {"edges": (), "x": (3,)}
