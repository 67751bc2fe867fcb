"""``interpret`` given what only ``net(x)`` encodes (an image path, a text) names itself, not "the compiled module",
and says that net(x) encodes such values; before, it said "the compiled module takes tensors" and that sequences of
different lengths go to net(x)."""

from __future__ import annotations

import pytest
import torch

import netgraph
from netgraph import (ClassDecoder, EmbeddingLayer, FlattenLayer, ImageEncoder, LinearLayer, NetChain,
                      SequenceLastLayer, TokensEncoder, net_initialize)
from netgraph.core.errors import DataError

ENCODED = "net(x) encodes files, texts and labels (its encoders' values)"


def test_interpret_given_an_image_path_names_itself():
    net = net_initialize(NetChain([FlattenLayer(), LinearLayer(2)], input=ImageEncoder(size=(4, 4))), seed=0)
    with pytest.raises(DataError) as info:
        netgraph.interpret(net, net.compile(), Input="cat.png")
    assert str(info.value) == f"input port 'Input': interpret takes tensors, found str 'cat.png'; {ENCODED}"
    assert (info.value.kind, info.value.port) == ("not-a-tensor", "Input")


def test_the_compiled_module_given_a_text_says_net_x_encodes_it():
    net = net_initialize(NetChain([EmbeddingLayer(3), SequenceLastLayer(), LinearLayer(2)],
                                  input=TokensEncoder(["a", "b"]), output=ClassDecoder(["x", "y"])), seed=0)
    with pytest.raises(DataError) as info:
        net.compile()("a b")
    assert str(info.value) == f"input port 'Input': the compiled module takes tensors, found str 'a b'; {ENCODED}"
    assert torch.equal(netgraph.interpret(net, net.compile(), Input=torch.tensor([[2, 3]])),
                       net.compile()(torch.tensor([[2, 3]])))
