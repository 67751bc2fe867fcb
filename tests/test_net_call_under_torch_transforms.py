"""``net(x)`` inside torch.func transforms and torch.compile gives the same values whatever the net's cache of
evaluation modules holds: the first call, which makes the cached module, may come inside them (it raised torch's
"attempting to call Tensor.requires_grad_() inside of a function being transformed", "mutating directly with .data
inside functorch transform" for a new precision, and dynamo's "Guard failed on the same frame it was created")."""

from __future__ import annotations

import pytest
import torch

from netgraph import GatedRecurrentLayer, LinearLayer, NetChain, net_initialize


def _mlp():
    return net_initialize(NetChain([LinearLayer(16), "Ramp", LinearLayer(3)], input=4), seed=0)


def _x(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0), dtype=dtype)


def _jacobian_of_sum(net, x: torch.Tensor, **options) -> torch.Tensor:
    """d sum(net(x)) / dx by autograd on an eager call."""
    x = x.clone().requires_grad_()
    return torch.autograd.grad(net(x, **options).sum(), x)[0]


@pytest.mark.parametrize("precision", [None, "float64"])
def test_grad_on_a_fresh_net_is_autograds(precision):
    options = {"precision": precision} if precision else {}
    x = _x(2, 4, dtype=torch.float64 if precision else torch.float32)
    grads = torch.func.grad(lambda x: _mlp()(x, **options).sum())(x)
    assert grads.dtype == x.dtype
    torch.testing.assert_close(grads, _jacobian_of_sum(_mlp(), x, **options), rtol=0, atol=0)


def test_grad_in_a_new_precision_of_a_net_called_before():
    net = _mlp()
    net(_x(2, 4))  # the float32 module is cached: float64 builds another inside the transform
    x = _x(2, 4, dtype=torch.float64)
    grads = torch.func.grad(lambda x: net(x, precision="float64").sum())(x)
    torch.testing.assert_close(grads, _jacobian_of_sum(_mlp(), x, precision="float64"), rtol=0, atol=0)


def test_vmap_and_jacrev_on_fresh_nets_give_the_eager_values():
    x = _x(3, 4)
    torch.testing.assert_close(torch.func.vmap(_mlp())(x), _mlp()(x), rtol=0, atol=0)
    expected = torch.autograd.functional.jacobian(_mlp(), x[0])
    torch.testing.assert_close(torch.func.jacrev(_mlp())(x[0]), expected, rtol=0, atol=0)


def test_grad_through_a_fresh_nets_padded_module():
    def net():
        return net_initialize(NetChain([GatedRecurrentLayer(2)], input=["n", 1]), seed=0)

    def total(gru, x):
        return sum(y.sum() for y in gru([x, x[:2]]))
    x = _x(4, 1)
    eager = x.clone().requires_grad_()
    torch.testing.assert_close(torch.func.grad(lambda x: total(net(), x))(x),
                               torch.autograd.grad(total(net(), eager), eager)[0], rtol=0, atol=0)


@pytest.mark.slow
def test_torch_compile_of_a_fresh_net_gives_the_eager_values():
    x = _x(2, 4)
    torch.testing.assert_close(torch.compile(_mlp(), backend="eager")(x), _mlp()(x))
