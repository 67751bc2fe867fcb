"""ParametricRampLayer: equal to torch's F.prelu / leaky_relu, slope shapes by level, the slope's gradient, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import ElementwiseLayer, NetChain, NetGraph, OptionError, ParametricRampLayer, interpret, net_initialize
from netgraph.core.other_layer_names import ELEMENTWISE_FORMS
from tests.layer_families._helpers import shape_error, three_way


def test_per_channel_slope_equals_prelu():
    slope = torch.tensor([0.1, -0.5, 2.0])
    net = NetGraph([ParametricRampLayer(slope=slope)], [], Input=(3, 4, 5))
    three_way(net, lambda m, Input: F.prelu(Input, slope), Input=torch.randn(2, 3, 4, 5))


def test_default_slope_is_wolframs_point_one_and_one_slope_for_levels_empty():
    net = NetGraph([ParametricRampLayer([])], [], Input=(3, 4))
    module = three_way(net, lambda m, Input: F.leaky_relu(Input, 0.1), Input=torch.randn(2, 3, 4))
    assert module.get_submodule("1").Slope.shape == ()


def test_slopes_over_chosen_levels_and_their_gradient():
    net = net_initialize(NetChain([ParametricRampLayer([-1, 1])], input=(2, 3, 4)), seed=0)
    module = net.compile()
    slope = module.get_submodule("1").Slope
    assert slope.shape == (2, 4)
    x = torch.randn(5, 2, 3, 4)
    module(x).sum().backward()
    torch.testing.assert_close(slope.grad, torch.where(x < 0, x, 0).sum((0, 2)))


def test_slope_fixes_the_input_dims():
    assert NetChain([ParametricRampLayer(slope=[0.1, 0.2])], input=(None, 3)).input_shapes == {"Input": (2, 3)}
    shape_error(lambda: NetChain([ParametricRampLayer(slope=[0.1, 0.2])], input=(3, 3)), "ParametricRampLayer",
                "must have size 2")
    shape_error(lambda: NetChain([ParametricRampLayer()], input=("n", 3)), "ParametricRampLayer", "variable length")


@pytest.mark.parametrize("make, option, message", [
    (lambda: ParametricRampLayer(0), "levels", "non-zero integer"),
    (lambda: ParametricRampLayer([], slope=[0.1, 0.2]), "slope", "one slope"),
    (lambda: ParametricRampLayer(slope="steep"), "slope", "real numbers|number"),
])
def test_bad_options(make, option, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert "ParametricRampLayer" in str(info.value) and info.value.diagnostics[0].option == option


def test_a_slope_of_the_wrong_rank_says_which_shape_to_give():
    from netgraph import NetChain, ParametricRampLayer
    # it said "levels 1 of port 'Input' (2, 3) are 1 dims" (found by QA)
    shape_error(lambda: NetChain([ParametricRampLayer(slope=0.3)], input=(2, 3)),
                "slope= has shape (), but levels=1 of port 'Input' (2, 3) take one slope per element of shape (2)",
                "or levels=[] for one slope (a number) for every element")
    assert NetChain([ParametricRampLayer(levels=[], slope=0.3)], input=(2, 3)).layers["1"].slope.shape == ()


@pytest.mark.parametrize("layer, slope", [(ElementwiseLayer("Ramp"), 0.0), (ElementwiseLayer("ReLU"), 0.0),
                                          (ParametricRampLayer([], slope=0.0), 0.0),
                                          (ParametricRampLayer([], slope=0.25), 0.25),
                                          (ElementwiseLayer(ELEMENTWISE_FORMS["LeakyReLU"]), 0.01)])
def test_every_ramp_has_its_slope_below_0_as_its_gradient_at_0_as_torchs(layer, slope):
    """Ramp's gradient at 0 was 0 (torch's relu) while ParametricRampLayer's, and the LeakyReLU form's, was 1: a
    ParametricRampLayer of slope 0 was not Ramp. At 0 each takes its lower branch, as torch's relu, leaky_relu,
    prelu."""
    module = NetGraph([layer], [], Input=3).compile().double()
    x = torch.tensor([[0.0, -0.0, 2.0]], dtype=torch.float64, requires_grad=True)
    (torchs,) = torch.autograd.grad(F.leaky_relu(x, slope).sum(), x)  # of slope 0: relu's
    for run in (module, lambda x: interpret(module.net, module, Input=x)):
        (grad,) = torch.autograd.grad(run(x).sum(), x)
        assert grad.tolist() == torchs.tolist() == [[slope, slope, 1.0]]
