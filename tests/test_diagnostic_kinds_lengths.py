"""A sequence length in the data that a layer cannot take (too short for a kernel or for dropping an element, a part
past its end, a length the input's name does not declare) is of kind "data-shape", as the data's other shape problems
are (it had the default kind "error"), for one length and for ragged examples alike."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ConvolutionLayer, DataError, EmbeddingLayer, LinearLayer, NetChain, NetMapOperator, PartLayer,
                      SequenceLastLayer, SequenceRestLayer, TransposeLayer, net_initialize)


def _part():
    return net_initialize(NetChain({"part": PartLayer(5)}, input=("n", 3)), seed=0)


def _rest():
    return net_initialize(NetChain({"rest": SequenceRestLayer(), "last": SequenceLastLayer()}, input=("n", 3)), seed=0)


def _conv():
    return net_initialize(NetChain({"emb": EmbeddingLayer(4, 10), "tr": TransposeLayer(),
                                    "conv": ConvolutionLayer(2, 3)}, input=("n",)), seed=0)


def _declared():
    return net_initialize(NetChain({"lin": NetMapOperator(LinearLayer(2))}, input=["n_times_2", 3]), seed=0)


@pytest.mark.parametrize("call, port", [
    (lambda: _part()(torch.randn(2, 3, 3)), "Input"),
    (lambda: _part().compile()(torch.randn(2, 3, 3)), "Input"),
    (lambda: _rest()(torch.randn(2, 1, 3)), "Input"),
    (lambda: _rest()([torch.randn(1, 3), torch.randn(3, 3)]), "Input"),
    (lambda: _conv()(torch.randint(0, 10, (2, 2))), "Input"),
    (lambda: _conv()([torch.randint(0, 10, (6,)), torch.randint(0, 10, (2,))]), "Input"),
    (lambda: _declared()(torch.randn(2, 3, 3)), "Input"),
    (lambda: _declared()([torch.randn(4, 3), torch.randn(3, 3)]), "Input"),
])
def test_a_length_a_layer_cannot_take_is_a_data_shape_problem(call, port):
    with pytest.raises(DataError) as info:
        call()
    assert [(d.kind, d.port) for d in info.value.diagnostics] == [("data-shape", port)]
