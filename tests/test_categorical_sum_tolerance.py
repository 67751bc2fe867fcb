"""CategoricalDistribution's p must sum to 1 within a tolerance of its dtype: a bfloat16 or float16 softmax (a half
module, autocast, mixed precision) sums to 0.996 or 0.9995, which the fixed 1e-4 of float32 refused."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CategoricalDistribution, DataError, LinearLayer, NetGraph, RandomArrayLayer, SoftmaxLayer,
                      net_initialize)
from netgraph.layers.dist_categorical import sum_tolerance

DTYPES = [torch.bfloat16, torch.float16, torch.float32, torch.float64]


def softmax_draws(classes: int) -> torch.nn.Module:
    net = NetGraph({"logits": LinearLayer(classes, input=8), "p": SoftmaxLayer(),
                    "draw": RandomArrayLayer(CategoricalDistribution("#p"))}, [("logits", "p", "draw")])
    return net_initialize(net, seed=0).compile()


def inputs(n: int = 512) -> torch.Tensor:
    return 3 * torch.randn(n, 8, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("classes", [10, 1000])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_a_softmax_in_any_dtype_feeds_a_categorical(dtype, classes):
    draws = softmax_draws(classes).to(dtype)(inputs().to(dtype))
    assert draws.shape == (512,) and 0 <= int(draws.min()) and int(draws.max()) < classes


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_a_softmax_under_autocast_feeds_a_categorical(dtype):
    with torch.autocast("cpu", dtype=dtype):
        assert softmax_draws(10)(inputs()).shape == (512,)


def draw_from(p: torch.Tensor, n: int) -> torch.Tensor:
    net = NetGraph({"draw": RandomArrayLayer(CategoricalDistribution("#p"))}, [], p=p.shape[-1])
    torch.manual_seed(3)
    return net.compile()(p=p.expand(n, -1))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_draws_of_a_low_precision_p_follow_it(dtype):
    p = torch.softmax(torch.tensor([0.0, 1.0, -1.0, 2.0]).to(dtype), -1)
    n = 20000
    counts = torch.bincount(draw_from(p, n), minlength=4).double()
    expected = p.double() / p.double().sum()
    sigma = (n * expected * (1 - expected)).sqrt()
    assert ((counts - n * expected).abs() < 4 * sigma).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_p_that_does_not_sum_to_1_is_still_refused_in_each_dtype(dtype):
    tolerance = sum_tolerance(dtype)
    p = torch.tensor([0.25, 0.25, 0.5], dtype=torch.float64) * (1 + 2 * tolerance)  # just past the tolerance
    for given in (p.to(dtype), torch.sigmoid(torch.tensor([0.0, 1.0, 2.0])).to(dtype)):
        with pytest.raises(DataError, match=rf"must sum to 1 \(within {tolerance:g}\), found a sum of "):
            draw_from(given, 4)
