"""NetPairEmbeddingOperator's module computes the distance as its compiled forward does (QA pass 9): the module (which
netgraph.interpret runs) took the Euclidean distance as sqrt of a sum of squares, whose gradient at a distance of 0
is NaN where the compiled forward's torch.linalg.vector_norm gives 0, and the cosine with a clamped product of the
norms, which gave other values than F.cosine_similarity for embeddings of norms below 1e-4."""

from __future__ import annotations

import pytest
import torch

import netgraph
from netgraph import LinearLayer, NetGraph, NetPairEmbeddingOperator, net_initialize


def _pair(distance):
    net = NetGraph({"p": NetPairEmbeddingOperator(LinearLayer(3, biases=False), distance)}, [], Input1=3, Input2=3)
    net = net_initialize(net, seed=0)
    return net, net.compile()


def test_the_euclidean_gradient_at_a_distance_of_0_is_0_interpreted_as_compiled():
    net, module = _pair("Euclidean")
    grads = []
    for run in (module, lambda **xs: netgraph.interpret(net, module, **xs)):
        x = torch.randn(2, 3, generator=torch.Generator().manual_seed(1), requires_grad=True)
        run(Input1=x, Input2=x.detach().clone()).sum().backward()
        grads.append(x.grad)
    assert torch.equal(grads[0], torch.zeros(2, 3)) and torch.equal(grads[1], grads[0])


@pytest.mark.parametrize("scale", [1.0, 1e-6])
def test_the_cosine_distance_interpreted_is_the_compiled_ones(scale):
    net, module = _pair("Cosine")
    a, b = (torch.randn(4, 3, generator=torch.Generator().manual_seed(s)) * scale for s in (2, 3))
    compiled = module(Input1=a, Input2=b)
    embedded = [x @ net.layers["p"].net.layers["layer"].arrays["Weights"].T for x in (a, b)]
    torch.testing.assert_close(compiled, 1 - torch.nn.functional.cosine_similarity(*embedded, dim=1))
    torch.testing.assert_close(netgraph.interpret(net, module, Input1=a, Input2=b), compiled)
