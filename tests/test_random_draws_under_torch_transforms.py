"""Random layers whose parameter port has a variable length under ``torch.compile(fullgraph=True)`` and strict
``torch.export``; a Gamma-family draw under forward-mode AD."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch._dynamo
from torch.autograd import forward_ad
from torch.export import Dim
from torch.func import jacfwd, jacrev

from netgraph import (ElementwiseLayer, ExponentialDistribution, GammaDistribution, HalfNormalDistribution,
                      NetGraph, NetPort, OptionError, PoissonDistribution, RandomArrayLayer, RayleighDistribution,
                      WeibullDistribution, net_initialize)

RATE_DISTRIBUTIONS = {"Exponential": ExponentialDistribution("#r"), "Gamma": GammaDistribution("#r", 1.0),
                      "Poisson": PoissonDistribution("#r"), "HalfNormal": HalfNormalDistribution("#r"),
                      "Rayleigh": RayleighDistribution("#r"), "Weibull": WeibullDistribution("#r", 2.0)}


def _sequence_draw(distribution):
    """A module drawing from ``distribution`` with its parameter "r" a softplus of a sequence of length "n"."""
    net = NetGraph({"sp": ElementwiseLayer("Softplus"), "z": RandomArrayLayer(distribution)},
                   [("sp", NetPort("z", "r"))], Input=("n", 3))
    return net_initialize(net, seed=0).compile().eval()


@pytest.mark.parametrize("name", RATE_DISTRIBUTIONS)
def test_a_draw_at_a_variable_length_compiles_in_one_graph_with_the_modules_values(name):
    m, x = _sequence_draw(RATE_DISTRIBUTIONS[name]), torch.randn(4, 7, 3)
    torch._dynamo.reset()
    compiled = torch.compile(m, backend="eager", fullgraph=True)
    torch.manual_seed(1)
    expected = m(x)
    torch.manual_seed(1)
    assert torch.equal(compiled(x), expected)


@pytest.mark.parametrize("name", ["Exponential", "Gamma"])
def test_a_draw_at_a_variable_length_exports_strictly_with_a_dynamic_length(name):
    m = _sequence_draw(RATE_DISTRIBUTIONS[name])
    program = torch.export.export(m, (torch.randn(4, 7, 3),), strict=True,
                                  dynamic_shapes={"Input": {0: Dim("batch"), 1: Dim("n")}})
    assert program.module()(torch.randn(2, 5, 3)).shape == (2, 5, 3)


@pytest.mark.parametrize("name", ["Exponential", "Poisson"])
def test_strict_export_of_a_draw_finds_no_side_effect_in_the_forward(name):
    """The layer's module was told its label, path and fed ports by its first call, which wrote them onto it: strict
    export warned of side effects in the forward. The compile names it now."""
    m = _sequence_draw(RATE_DISTRIBUTIONS[name])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.export.export(m, (torch.randn(4, 7, 3),), strict=True)
    assert not [w for w in caught if "side effects" in str(w.message)]
    assert (m.z.label, m.z.path) == ("layer 'z'", ("z",))


def _gamma_draw():
    return NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.0))], [], a=3).compile()


def test_jacfwd_through_a_gamma_draw_says_torch_has_no_forward_mode_derivative():
    m = _gamma_draw()
    with pytest.raises(OptionError) as caught:
        jacfwd(lambda a: m(a=a[None]).sum(), randomness="different")(torch.rand(3) + 0.5)
    assert (caught.value.kind, caught.value.layer, caught.value.expected) == (
        "forward-mode-draw", ("1",), "jacrev, grad or backward")


def test_forward_ad_through_a_gamma_draw_is_the_same_error_and_reverse_mode_differentiates_it():
    m = _gamma_draw()
    with forward_ad.dual_level(), pytest.raises(OptionError, match="forward-mode derivative"):
        m(a=forward_ad.make_dual(torch.rand(1, 3) + 0.5, torch.ones(1, 3)))
    a = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    torch.manual_seed(0)
    m(a=a[None]).sum().backward()
    torch.manual_seed(0)
    gradient = jacrev(lambda a: m(a=a[None]).sum())(a.detach())
    assert torch.isfinite(gradient).all() and torch.equal(gradient, a.grad)
