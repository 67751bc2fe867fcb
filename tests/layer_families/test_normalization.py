"""Softmax, Dropout, BatchNormalization, LayerNormalization: equal to torch, train/eval modes, shape rules."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from netgraph import (BatchNormalizationLayer, DropoutLayer, LayerNormalizationLayer, LinearLayer, NetChain, NetGraph,
                      NormalizationLayer, OptionError, SoftmaxLayer, net_initialize)
from tests.layer_families._helpers import shape_error, three_way


@pytest.mark.parametrize("level, dim", [(-1, -1), (1, 1), (2, 2)])
def test_softmax_levels(level, dim):
    net = NetGraph([SoftmaxLayer(level=level)], [], Input=(3, 4))
    x = torch.randn(2, 3, 4)
    module = three_way(net, lambda m, Input: torch.softmax(Input, dim), Input=x)
    assert "torch.softmax(Input, " in module.code


def test_softmax_level_must_exist():
    shape_error(lambda: NetGraph([SoftmaxLayer(level=3)], [], Input=(3, 4)),
                "layer 1 (SoftmaxLayer)", "level 3 does not exist", "port 'Input'")
    shape_error(lambda: NetGraph([SoftmaxLayer()], [], Input=()), "SoftmaxLayer", "rank 0")
    with pytest.raises(OptionError, match="level= must be a non-zero integer"):
        SoftmaxLayer(level=0)


def test_dropout_follows_train_and_eval_modes():
    net = NetGraph([DropoutLayer(0.5)], [], Input=1000)
    module = net.compile()
    x = torch.ones(4, 1000)
    module.eval()
    assert torch.equal(module(x), x)
    module.train()
    y = module(x)
    zeros = (y == 0).float().mean().item()
    # 4000 Bernoulli(0.5) draws: standard error 0.0079; allow 5 standard errors
    assert abs(zeros - 0.5) < 0.04
    assert torch.equal(y[y != 0], torch.full_like(y[y != 0], 2.0))
    assert torch.equal(net(x), x)  # evaluating a net is Wolfram's "Test" mode


def test_dropout_options():
    for bad in (1.0, -0.1, "half"):
        with pytest.raises(OptionError, match=r"DropoutLayer option p= must be a number in \[0.0, 1.0\)"):
            DropoutLayer(bad)


def test_batch_normalization_equals_torch_in_both_modes():
    net = NetGraph([BatchNormalizationLayer(momentum=0.8, epsilon=1e-4)], [], Input=(3, 5, 5))
    module = net_initialize(net, seed=0).compile()
    with torch.no_grad():
        module.get_submodule("1").Scaling.copy_(torch.randn(3))
        module.get_submodule("1").Biases.copy_(torch.randn(3))
    hand = nn.BatchNorm2d(3, eps=1e-4, momentum=0.2)
    with torch.no_grad():
        hand.weight.copy_(module.get_submodule("1").Scaling)
        hand.bias.copy_(module.get_submodule("1").Biases)
    x = torch.randn(8, 3, 5, 5)
    torch.testing.assert_close(module(x), hand(x))  # training: batch statistics, moving averages updated
    torch.testing.assert_close(module.get_submodule("1").MovingMean, hand.running_mean)
    torch.testing.assert_close(module.get_submodule("1").MovingVariance, hand.running_var)
    module.eval(), hand.eval()
    from netgraph import interpret
    torch.testing.assert_close(module(x), hand(x))
    torch.testing.assert_close(interpret(module.net, module, Input=x), hand(x))
    assert set(module.state_dict()) == {"1.Scaling", "1.Biases", "1.MovingMean", "1.MovingVariance"}
    learned = module.to_net().layers["1"]
    torch.testing.assert_close(learned.arrays["MovingMean"], hand.running_mean)


def test_batch_normalization_arrays_fix_the_channels():
    layer = BatchNormalizationLayer(scaling=[1.0, 2.0])
    assert NetGraph([layer], [], Input=(None, 4)).input_shapes == {"Input": (2, 4)}
    shape_error(lambda: NetGraph([layer], [], Input=(3, 4)),
                "layer 1 (BatchNormalizationLayer)", "port 'Input' dimension 1 must have size 2")
    with pytest.raises(OptionError, match="different lengths"):
        BatchNormalizationLayer(scaling=[1.0, 2.0], biases=[0.0])
    with pytest.raises(OptionError, match="momentum="):
        BatchNormalizationLayer(momentum=2)
    with pytest.raises(OptionError, match="epsilon= must be a positive finite number"):
        BatchNormalizationLayer(epsilon=0)


@pytest.mark.parametrize("layer", [BatchNormalizationLayer, LayerNormalizationLayer, NormalizationLayer])
@pytest.mark.parametrize("epsilon", [0, math.inf, math.nan])
def test_a_normalisation_refuses_an_epsilon_that_is_not_positive_and_finite(layer, epsilon):
    """epsilon=inf was taken, and the layer then gave its biases whatever the input, with zero gradients (x / inf);
    refused as epsilon=0 is, by the shared range check, whose words say finite (inf is positive)."""
    with pytest.raises(OptionError) as info:
        layer(epsilon=epsilon)
    assert str(info.value) == f"{layer.__name__} option epsilon= must be a positive finite number, found {epsilon!r}"
    assert [(d.option, d.kind, d.expected) for d in info.value.diagnostics] == [
        ("epsilon", "option-value", "a positive finite number")]


def test_initial_arrays_are_identity_statistics():
    net = net_initialize(NetGraph([BatchNormalizationLayer()], [], Input=3), seed=0)
    arrays = net.layers["1"].arrays
    assert torch.equal(arrays["Scaling"], torch.ones(3)) and torch.equal(arrays["Biases"], torch.zeros(3))
    assert torch.equal(arrays["MovingMean"], torch.zeros(3)) and torch.equal(arrays["MovingVariance"], torch.ones(3))


def test_layer_normalization_equals_torch():
    net = NetChain([LinearLayer((4, 6)), LayerNormalizationLayer()], input=3)
    x = torch.randn(5, 3)

    def hand(m, Input):
        ln = nn.LayerNorm(6)
        with torch.no_grad():
            ln.weight.copy_(torch.linspace(0.5, 1.5, 6))
            ln.bias.copy_(torch.linspace(-1, 1, 6))
            m.get_submodule("2").Scaling.copy_(ln.weight)
            m.get_submodule("2").Biases.copy_(ln.bias)
        lin = F.linear(Input, m.get_submodule("1").Weights, m.get_submodule("1").Biases).reshape(-1, 4, 6)
        return ln(lin)
    module = net_initialize(net, seed=0).compile()
    expected = hand(module, x)
    torch.testing.assert_close(module(x), expected)
    from netgraph import interpret
    torch.testing.assert_close(interpret(module.net, module, Input=x), expected)
    assert net.output_shapes == {"Output": (4, 6)}


def test_layer_normalization_backward_from_arrays():
    assert NetGraph([LayerNormalizationLayer(biases=[0.0] * 5)], [], Input=(2, None)).input_shapes == {"Input": (2, 5)}
    shape_error(lambda: NetGraph([LayerNormalizationLayer(biases=[0.0] * 5)], [], Input=(2, 4)),
                "LayerNormalizationLayer", "port 'Input' dimension 2 must have size 5")


def test_normalized_dimension_cannot_have_a_variable_length():
    shape_error(lambda: NetGraph([LayerNormalizationLayer()], [], Input=(3, "n")),
                "layer 1 (LayerNormalizationLayer)", "port 'Input' (3, n)", "variable length")
    assert NetGraph([LayerNormalizationLayer()], [], Input=("n", 3)).output_shapes == {"Output": ("n", 3)}


def test_batch_norm_trains_on_a_batch_of_one_vector_without_touching_the_moving_statistics():
    """F.batch_norm refuses one value per channel in training ("Expected more than 1 value per channel"), so
    net(x, mode="train") and net_train with a last batch of one example raised torch's ValueError."""
    from netgraph import net_train
    net = net_initialize(NetChain([BatchNormalizationLayer(biases=[0.5, -1.0, 2.0])], input=3), seed=0)
    torch.testing.assert_close(net(torch.randn(1, 3), mode="train"), torch.tensor([[0.5, -1.0, 2.0]]))
    module = net.compile()  # train mode: the moving statistics stay as they were, not NaN
    module(torch.randn(1, 3))
    torch.testing.assert_close(module.state_dict()["1.MovingVariance"], torch.ones(3))
    x = torch.randn(4, 3)
    biases = torch.tensor([0.5, -1.0, 2.0])
    hand = F.batch_norm(x, torch.zeros(3), torch.ones(3), torch.ones(3), biases, True, 0.1, 1e-3)
    torch.testing.assert_close(module(x), hand)  # a batch of several still normalises by its own statistics
    chain = NetChain([LinearLayer(3), BatchNormalizationLayer(), LinearLayer(1)], input=3)
    data = {"Input": torch.randn(5, 3), "Target": torch.randn(5, 1)}  # batches of 4 and 1
    trained = net_train(chain, data, batch_size=4, max_training_rounds=2, random_seed=0)
    assert torch.isfinite(trained(torch.randn(2, 3))).all()


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1, 1)])
def test_batch_norm_of_one_value_per_channel_gives_the_biases_exactly_with_torch_s_gradients(shape):
    """Each value is its own batch mean, so the output is the Biases: torch's batch_norm divided the rounding in
    x - mean by sqrt(epsilon), 0.9 off the Biases at inputs near 1e6 (3e-5 near 100)."""
    from netgraph import interpret, net_replace_part
    size = shape[1:2] + (1,) * (len(shape) - 2)
    net = net_initialize(NetChain({"bn": BatchNormalizationLayer()}, input=size), seed=0)
    biases, scaling = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, -3.0, 0.5])
    module = net_replace_part(net, {("bn", "Biases"): biases, ("bn", "Scaling"): scaling}).compile().train()
    seed = torch.Generator().manual_seed(1)
    x, grad = torch.randn(shape, generator=seed) * 1e6, torch.randn(shape, generator=seed)
    for run in (module, lambda Input: interpret(module.net, module, Input=Input)):
        leaf = x.clone().requires_grad_()
        out = run(leaf)
        assert torch.equal(out, biases.view(shape))
        out.backward(grad)
        norm = module._modules["bn"]
        assert torch.equal(leaf.grad, torch.zeros(shape)) and torch.equal(norm.Scaling.grad, torch.zeros(3))
        assert torch.equal(norm.Biases.grad, grad.reshape(3))  # torch's batch_norm's gradients, as at small inputs
        norm.zero_grad()
    infinite = torch.tensor([[float("inf"), 1.0, -1e30]]).view(shape)
    torch.testing.assert_close(module(infinite), torch.tensor([[float("nan"), 2.0, 3.0]]).view(shape), rtol=0, atol=0,
                               equal_nan=True)  # torch's NaN where the input is infinite
