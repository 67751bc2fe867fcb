"""Calling a NetChain with labels at an input without an encoder said 'e.g. NetGraph(..., Input=ClassEncoder([...]))',
the NetGraph form; the hint now follows the net's kind, as net_train's does."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, NetGraph, net_initialize


@pytest.mark.parametrize("net, form", [
    (NetChain([LinearLayer(3)], input=2), "NetChain(layers, input=ClassEncoder([...]))"),
    (NetGraph([LinearLayer(3)], [], Input=2), "NetGraph(layers, edges, Input=ClassEncoder([...]))"),
])
def test_the_encoder_hint_of_a_call_has_the_nets_form(net, form):
    with pytest.raises(DataError) as info:
        net_initialize(net, seed=0)(["x", "y"])
    assert f"e.g. {form}" in str(info.value), str(info.value)


def test_a_call_with_numbers_still_works():
    net = net_initialize(NetChain([LinearLayer(3)], input=2), seed=0)
    assert net(torch.ones(4, 2)).shape == (4, 3)
