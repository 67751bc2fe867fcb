"""The compiled code of a NetMapOperator: the sequence folded into the batch, one call of the inner net, and its
outputs viewed back with each element's fixed sizes written as numbers (no ``y.shape[1:]`` read per call), equal in
values and gradients to the interpreter, a variable element size still read from the output."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetMapOperator,
                      interpret, net_initialize)


def _mapped(inner: NetGraph, shape: tuple) -> NetGraph:
    return net_initialize(NetGraph({"map": NetMapOperator(inner)}, [], Input=shape), seed=3)


@pytest.mark.parametrize("shape, view", [((5, 3), "map_folded.view(Input.shape[0], 5, 2, 4)"),
                                         (("n", 3), "map_folded.view(Input.shape[0], Input.shape[1], 2, 4)")])
def test_a_mapped_linear_layer_views_back_with_its_element_sizes_as_numbers(shape, view):
    net = _mapped(NetChain([LinearLayer((2, 4))], Input=3), shape)
    module = net.compile()
    assert f"map_folded = self.map.net(Input.flatten(0, 1))\n    map_2 = {view};" in module.code
    assert "shape[1:]" not in module.code
    x = torch.randn(6, 5, 3, dtype=torch.float64, requires_grad=True)
    compiled, interpreted = module.double()(x), interpret(net, module, Input=x)
    torch.testing.assert_close(compiled, interpreted, rtol=0, atol=0)
    weights = torch.randn(6, 5, 2, 4, dtype=torch.float64)
    grads = [torch.autograd.grad((y * weights).sum(), (x, module.map.net._modules["1"].Weights))
             for y in (compiled, interpreted)]
    torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=0)
    w = module.map.net._modules["1"].Weights  # d(sum(y * weights)) / dW = sum over examples, elements of weights x
    torch.testing.assert_close(grads[0][1], torch.einsum("bnij,bnk->ijk", weights, x).reshape(w.shape))


def test_a_variable_element_size_is_read_from_the_output():
    net = _mapped(NetChain([ElementwiseLayer("Tanh")], Input=("m", 3)), ("n", "m", 3))
    module = net.compile()
    assert "map_folded.view(Input.shape[0], Input.shape[1], map_folded.shape[1], 3)" in module.code
    x = torch.randn(2, 4, 5, 3)
    torch.testing.assert_close(module(x), torch.tanh(x), rtol=0, atol=0)


def test_an_error_inside_the_mapped_net_names_the_inner_layer_and_the_element():
    module = _mapped(NetChain({"emb": EmbeddingLayer(2, 10)}), (4,)).compile()
    tokens = torch.zeros(3, 4, dtype=torch.long)
    tokens[1, 2] = 11
    with pytest.raises(DataError, match=r"layer 'map/net/emb' \(EmbeddingLayer\).*11 at example 1, sequence element 2"):
        module(tokens)
