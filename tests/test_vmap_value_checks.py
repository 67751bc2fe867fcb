"""Layers that check the values of their data, under ``torch.func.vmap``: a batched tensor's values cannot be read as
Python numbers there ("vmap: It looks like you're calling .item() on a Tensor", "Cannot access data pointer of Tensor
that doesn't have storage"), so those checks are skipped inside vmap, as in traced code, and the module computes what
it computes per batch; under other transforms (``torch.func.grad``) they run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from netgraph import (BernoulliDistribution, CrossEntropyLossLayer, DataError, EmbeddingLayer, ExponentialDistribution,
                      GammaDistribution, KLDivergenceLayer, NetChain, NetGraph, NormalDistribution, PortType,
                      RandomArrayLayer, RayleighDistribution, WeibullDistribution, net_initialize)

SPECS = Path(__file__).resolve().parent.parent / "specs"
G = torch.Generator().manual_seed(0)
CHECKED = {  # nets whose layers check data values, and two batches of their inputs (positional, in port order)
    "embedding": (NetChain([EmbeddingLayer(5, 10)], input=PortType(("n",), "Integer")),
                  (torch.randint(0, 10, (2, 3, 4), generator=G),)),
    "cross_entropy": (NetGraph([CrossEntropyLossLayer("Index")], [], Input=4),
                      (torch.softmax(torch.randn(2, 3, 4, generator=G), -1), torch.randint(0, 4, (2, 3), generator=G))),
    "kl_closed_form": (NetGraph([KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution())], [], mu=3,
                                s=3), (torch.randn(2, 4, 3, generator=G), torch.rand(2, 4, 3, generator=G) + 0.5)),
}


@pytest.mark.parametrize("name", CHECKED)
def test_vmap_over_a_layer_that_checks_values_gives_each_batchs_values(name):
    net, batches = CHECKED[name]
    module = net_initialize(net, seed=0).compile()
    expected = torch.stack([module(*inputs) for inputs in zip(*batches)])
    torch.testing.assert_close(torch.func.vmap(module)(*batches), expected)


def test_vmap_over_a_random_layer_that_checks_its_parameters_draws_each_batch_from_the_distribution():
    module = net_initialize(NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.5))], [], a=3), seed=0).compile()
    a = torch.tensor([0.5, 1.0, 3.0]).expand(2, 4000, 3)
    torch.manual_seed(0)
    drawn = torch.func.vmap(module, randomness="different")(a).double()
    z = (drawn - a * 1.5) / (a * 1.5 ** 2).sqrt()  # standardised by Gamma(α, β)'s exact mean αβ and sd √α·β
    assert (z.mean((0, 1)).abs() < 5 / (2 * 4000) ** 0.5).all()  # each parameter's draws, within 5 standard errors
    assert ((z.var((0, 1)) - 1).abs() < 0.15).all()


def test_vmap_over_a_bernoulli_layer_draws_each_batch_from_the_distribution():
    module = net_initialize(NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=3), seed=0).compile()
    p = torch.tensor([0.1, 0.5, 0.8]).expand(2, 4000, 3)
    torch.manual_seed(0)
    drawn = torch.func.vmap(module, randomness="different")(p).double()
    assert ((drawn.mean((0, 1)) - p[0, 0]).abs() < 5 * (p[0, 0] * (1 - p[0, 0]) / 8000) ** 0.5).all()


def test_vmap_over_the_bernoulli_latent_spec_gives_each_batchs_loss_of_its_reconstruction():
    module = net_initialize(NetGraph.from_yaml(SPECS / "bernoulli_latent.yaml"), seed=0).compile()
    x = torch.rand(3, 5, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():  # draws only: with grad, its score-function layer is refused (test_score_function_...)
        out = torch.func.vmap(module, randomness="different")(x)
    assert out["Reconstruction"].shape == (3, 5, 16)
    torch.testing.assert_close(out["Loss"], ((out["Reconstruction"] - x) ** 2).mean(-1))


def test_a_bad_parameter_under_torch_func_grad_is_still_a_data_error():
    module = net_initialize(NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.5))], [], a=3), seed=0).compile()
    with pytest.raises(DataError, match=r"alpha \(shape\) must be a finite number > 0, found -1.0"):
        torch.func.grad(lambda a: module(a).sum())(torch.tensor([[0.5, -1.0, 2.0]]))


@pytest.mark.parametrize("dist, mean, sd", [  # Wolfram's closed forms at the parameters 2 (and 1.5)
    (ExponentialDistribution(2.0), 0.5, 0.5),
    (RayleighDistribution(2.0), 2.0 * (math.pi / 2) ** 0.5, 2.0 * ((4 - math.pi) / 2) ** 0.5),
    (WeibullDistribution(2.0, 1.5), 1.5 * math.gamma(1.5), 1.5 * (math.gamma(2.0) - math.gamma(1.5) ** 2) ** 0.5)])
def test_vmap_over_exponential_noise_draws_each_batch_from_the_distribution(dist, mean, sd):
    # their noise was torch.empty(...).exponential_(), which vmap refuses under randomness="different" (torch's
    # "Cannot ask for different inplace randomness on an unbatched tensor")
    module = NetGraph([RandomArrayLayer(dist, output=3)], []).compile()
    torch.manual_seed(0)
    drawn = torch.func.vmap(lambda x: module(batch_size=4000) + 0 * x, randomness="different")(torch.zeros(2)).double()
    assert not torch.equal(drawn[0], drawn[1])
    z = (drawn - mean) / sd
    assert z.mean().abs() < 5 / (2 * 4000 * 3) ** 0.5
    assert (z.var() - 1).abs() < 0.1
