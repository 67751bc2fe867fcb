"""net_train's hints for a NetChain said NetGraph(..., Input=ClassEncoder([...])) and NetGraph(layers, edges,
Input=3), the NetGraph forms, though a chain takes input=; they now follow the net's kind (core.port_options's
option_form), as the hint for a graph input of unknown shape does."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, SoftmaxLayer
from netgraph.core.errors import DataError, ShapeError
from netgraph.train import net_train


def _refusal(net, data, error):
    with pytest.raises(error) as info:
        net_train(net, data, max_training_rounds=1, progress=False)
    return str(info.value)


@pytest.mark.parametrize("net, form", [
    (NetChain([LinearLayer(3), SoftmaxLayer()], input=2), "NetChain(layers, input=ClassEncoder([...]))"),
    (NetGraph({"a": LinearLayer(3), "s": SoftmaxLayer()}, [("a", "s")], Input=2),
     "NetGraph(layers, edges, Input=ClassEncoder([...]))"),
])
def test_the_encoder_hint_has_the_nets_form(net, form):
    said = _refusal(net, {"Input": ["x", "y"], "Target": torch.tensor([0, 1])}, DataError)
    assert f"e.g. {form}" in said


def test_the_unknown_shape_hint_has_the_chains_form():
    net = NetChain([LinearLayer(3)])
    said = _refusal(net, iter([{"Input": torch.ones(2, 2), "Target": torch.ones(2, 3)}]), ShapeError)
    assert "e.g. NetChain(layers, input=3)" in said and "NetGraph(" not in said
