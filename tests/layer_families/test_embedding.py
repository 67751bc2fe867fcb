"""EmbeddingLayer: integer index ports, equal to nn.Embedding, shape rules both ways, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import DataError, EmbeddingLayer, LinearLayer, NetGraph, OptionError, PortType, net_initialize
from tests.layer_families._helpers import shape_error, three_way


def test_embedding_equals_torch_and_has_integer_input():
    net = NetGraph([EmbeddingLayer(4, 10)], [], Input=(6,))
    assert net.port_types == {"Input": PortType((6,), "Integer"), "Output": PortType((6, 4), "Real")}
    x = torch.randint(0, 10, (3, 6))

    def hand(m, Input):
        emb = nn.Embedding(10, 4)
        with torch.no_grad():
            emb.weight.copy_(m.get_submodule("1").Weights)
        return emb(Input)
    module = three_way(net, hand, Input=x)
    with pytest.raises(DataError, match="indices in \\[0, 10\\)"):  # the compiled forward checks the range
        module(Input=torch.full((3, 6), 10))


def test_embedding_shapes_both_ways_and_variable_length():
    assert NetGraph([EmbeddingLayer(4, 10)], [], Output=(5, 4)).input_shapes == {"Input": (5,)}
    assert NetGraph([EmbeddingLayer(4, 10)], [], Input=()).output_shapes == {"Output": (4,)}
    net = net_initialize(NetGraph([EmbeddingLayer(4, 10)], [], Input=["n"]), seed=0)
    assert net(torch.randint(0, 10, (2, 9))).shape == (2, 9, 4)
    assert net(torch.randint(0, 10, (2, 3))).shape == (2, 3, 4)
    shape_error(lambda: NetGraph([EmbeddingLayer(4, 10)], [], Output=(5, 3)),
                "graph output 'Output'", "(5, 4)", "(5, 3)")


def test_embedding_weights_initialised_standard_normal():
    net = net_initialize(NetGraph([EmbeddingLayer(50, 200)], [], Input=()), seed=0)
    w = net.layers["1"].arrays["Weights"]
    assert w.shape == (200, 50)
    # 10000 N(0,1) draws: the mean's standard error is 0.01, the std's about 0.007
    assert abs(w.mean().item()) < 0.05 and abs(w.std().item() - 1) < 0.035


def test_real_data_cannot_feed_an_index_port():
    shape_error(lambda: NetGraph([LinearLayer(3), EmbeddingLayer(4, 10)], [(1, 2)], Input=2),
                "layer 2 (EmbeddingLayer) port 'Input'", "dtype", "Integer", "Real", "edge 1 -> 2")
    net = net_initialize(NetGraph([EmbeddingLayer(4, 10)], [], Input=3), seed=0)
    with pytest.raises(DataError, match="input port 'Input' takes integer indices"):
        net(torch.tensor([[0.5, 1.0, 2.0]]))
    assert net(torch.tensor([[0.0, 1.0, 2.0]])).shape == (1, 3, 4)  # integral floats are accepted


@pytest.mark.parametrize("make, message", [
    (lambda: EmbeddingLayer(n=5), r"needs output= \(the embedding size\)"),
    (lambda: EmbeddingLayer(-4, 10), "output= must be a positive integer"),
    (lambda: EmbeddingLayer(4, 10, weights=torch.zeros(9, 4)), "weights= has shape"),
    (lambda: EmbeddingLayer(4, 10, weights=torch.zeros(10)), "must be a matrix"),
])
def test_bad_options(make, message):
    with pytest.raises(OptionError, match=message):
        make()


def test_an_n_beyond_int64_is_refused():
    """Found by QA: n=2**63 was taken (indices are int64: n - 1 must fit), as README's cap says."""
    with pytest.raises(OptionError, match="n= must be an integer from 1 to 9223372036854775807") as info:
        EmbeddingLayer(4, n=2**63)
    assert (info.value.kind, info.value.option, info.value.found) == ("option-value", "n", 2**63)
    assert EmbeddingLayer(4, n=2**63 - 1).n == 2**63 - 1
