"""NormalizationLayer: equal to torch's instance, layer and group-free norms and to handwritten RMS, shapes, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import DataError, NetChain, NetGraph, NormalizationLayer, OptionError, SequenceMostLayer, net_initialize
from netgraph.backend.interpreter import interpret
from tests.layer_families._helpers import shape_error, three_way


def _arrays(m):
    layer = m.get_submodule("1")
    return layer.Scaling, layer.Biases


def test_default_is_instance_normalisation_with_a_per_channel_affine():
    scaling, biases = torch.rand(3) + 0.5, torch.randn(3)
    net = NetGraph([NormalizationLayer(scaling=scaling, biases=biases)], [], Input=(3, 4, 5))
    three_way(net, lambda m, Input: F.instance_norm(Input, weight=scaling, bias=biases, eps=0.001),
              Input=torch.randn(2, 3, 4, 5))


def test_last_level_with_same_scaling_is_layer_normalisation():
    scaling, biases = torch.rand(6) + 0.5, torch.randn(6)
    net = NetGraph([NormalizationLayer(-1, "Same", scaling=scaling, biases=biases, epsilon=1e-5)], [], Input=(4, 6))
    three_way(net, lambda m, Input: F.layer_norm(Input, (6,), scaling, biases, 1e-5), Input=torch.randn(2, 4, 6))


def test_explicit_levels_rms_and_unbiased_variance():
    x = torch.randn(2, 3, 4, 5)
    net = NetGraph([NormalizationLayer([1, 3], 2, method="RMS")], [], Input=(3, 4, 5))

    def hand(m, Input):
        s, b = _arrays(m)
        return Input / torch.sqrt((Input ** 2).mean((1, 3), keepdim=True) + 0.001) * s[:, None] + b[:, None]
    module = three_way(net, hand, seed=1, Input=x)
    assert _arrays(module)[0].shape == (4,)
    unbiased = NetGraph([NormalizationLayer("1;;2", unbiased=True, scaling=torch.rand(5), biases=torch.rand(5))],
                        [], Input=(3, 4, 5))

    def hand_unbiased(m, Input):
        s, b = _arrays(m)
        mean = Input.mean((1, 2), keepdim=True)
        var = ((Input - mean) ** 2).sum((1, 2), keepdim=True) / 11
        return (Input - mean) / torch.sqrt(var + 0.001) * s + b
    three_way(unbiased, hand_unbiased, Input=x)


@pytest.mark.parametrize("shape, groups", [((6, 4, 5), 3), ((6, 4, 5), 1), ((6, 4, 5), 6), ((4, 7), 2), ((6,), 3),
                                           ((6,), 2)])
def test_group_number_is_group_normalisation(shape, groups):
    """A vector (torch's GroupNorm of a (batch, C) input) is normalised over each group's channels alone."""
    channels = shape[0]
    scaling, biases = torch.rand(channels) + 0.5, torch.randn(channels)
    net = NetGraph([NormalizationLayer(group_number=groups, scaling=scaling, biases=biases, epsilon=1e-5)], [],
                   Input=shape)
    three_way(net, lambda m, Input: F.group_norm(Input, groups, scaling, biases, 1e-5),
              Input=torch.randn(3, *shape) * 2 + 1)


def test_group_number_with_rms_and_explicit_levels_by_hand():
    x = torch.randn(2, 4, 3, 5)
    net = NetGraph([NormalizationLayer(3, 1, group_number=2, method="RMS")], [], Input=(4, 3, 5))

    def hand(m, Input):  # groups of 2 channels, normalised over those channels and level 3
        s, b = _arrays(m)
        grouped = Input.reshape(2, 2, 2, 3, 5)
        y = (grouped / torch.sqrt((grouped ** 2).mean((2, 4), keepdim=True) + 0.001)).reshape(Input.shape)
        return y * s[:, None, None] + b[:, None, None]
    three_way(net, hand, seed=2, Input=x)


def test_group_number_shape_errors():
    shape_error(lambda: NetChain([NormalizationLayer(group_number=4)], input=(6, 3)), "NormalizationLayer",
                "level 1 must have a fixed size divisible by group_number=4, found 6")
    shape_error(lambda: NetChain([NormalizationLayer("1;;", "Same", group_number=2)], input=(6, 3)),
                "must not include level 1")


def test_output_is_standardised_over_the_aggregated_levels():
    net = net_initialize(NetChain([NormalizationLayer(epsilon=1e-9)], input=(2, 50)), seed=0)
    y = net(torch.randn(3, 2, 50) * 4 + 7)
    torch.testing.assert_close(y.mean(-1), torch.zeros(3, 2), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.var(-1, unbiased=False), torch.ones(3, 2), atol=1e-4, rtol=0)


def test_arrays_fix_the_scaled_dims_and_variable_lengths_are_aggregated():
    assert NetChain([NormalizationLayer(scaling=torch.ones(3))], input=(None, 7)).input_shapes == {"Input": (3, 7)}
    assert NetChain([NormalizationLayer(-2, "Complement")], input=("n", 4)).output_shapes == {"Output": ("n", 4)}
    shape_error(lambda: NetChain([NormalizationLayer()], input=("n", 4)), "NormalizationLayer", "variable length")
    shape_error(lambda: NetChain([NormalizationLayer(scaling=torch.ones(3))], input=(4, 7)),
                "NormalizationLayer", "must have size 3")
    shape_error(lambda: NetChain([NormalizationLayer()], input=4), "NormalizationLayer", "select no dimension")
    # Found by review: the hint named levels=, an option NormalizationLayer does not have
    shape_error(lambda: NetChain([NormalizationLayer()], input=4), "NormalizationLayer",
                "aggregation_levels '2;;' select no dimension of port 'Input' of rank 1 (give aggregation_levels=, "
                "e.g. aggregation_levels=1)")
    shape_error(lambda: NetChain([NormalizationLayer(1, "3;;")], input=(2, 3)), "NormalizationLayer",
                "(give scaling_levels=, e.g. scaling_levels=1)")


@pytest.mark.parametrize("make, option, message", [
    (lambda: NormalizationLayer(0), "aggregation_levels", "non-zero integer"),
    (lambda: NormalizationLayer(scaling_levels="Compliment"), "scaling_levels", "did you mean 'Complement'"),
    (lambda: NormalizationLayer(method="L2"), "method", "unknown method 'L2'"),
    (lambda: NormalizationLayer(epsilon=-1), "epsilon", "epsilon= must be a positive finite number"),
    (lambda: NormalizationLayer(unbiased="yes"), "unbiased", "True or False"),
    (lambda: NormalizationLayer(group_number=0), "group_number", "positive integer"),
    (lambda: NormalizationLayer(scaling=[1.0, 2.0], biases=[1.0]), "biases", "one shape"),
])
def test_bad_options(make, option, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert "NormalizationLayer" in str(info.value) and info.value.diagnostics[0].option == option


@pytest.mark.parametrize("layer, shape, groups", [
    (NormalizationLayer(unbiased=True), (4, 1), ""), (NormalizationLayer(-1, unbiased=True), (3, 1), ""),
    (NormalizationLayer(unbiased=True, group_number=2), (2, 1), " and a group of channels"),
])
def test_an_unbiased_variance_of_one_element_is_a_shape_error_not_nan(layer, shape, groups):
    """It divided by n - 1 = 0: the net was built and every output was NaN (with torch's warning)."""
    shape_error(lambda: NetGraph({"l": layer}, [], Input=shape),
                f"unbiased=True divides the variance by n - 1, but port 'Input' {shape}".replace(",)", ")"),
                f"has one element over the aggregation levels {layer.aggregation_levels!r}{groups} (n = 1)")
    fine = net_initialize(NetGraph({"l": layer}, [], Input=(shape[0], 2)))  # two elements: finite
    assert torch.isfinite(fine(torch.randn(3, shape[0], 2))).all()
    assert torch.isfinite(net_initialize(NetGraph({"l": NormalizationLayer(method="RMS", unbiased=True)}, [],
                                                  Input=(4, 1)))(torch.randn(2, 4, 1))).all()  # RMS has no variance


@pytest.mark.parametrize("layers, shortest", [
    ([NormalizationLayer(1, unbiased=True)], 2), ([SequenceMostLayer(), NormalizationLayer(1, unbiased=True)], 3),
])
def test_an_unbiased_variance_over_a_variable_length_of_one_is_a_data_error(layers, shortest):
    """A length the call gives (not the shape) of 1 gave NaN: the net call, the compiled module, a list of sequences
    and the reference interpreter refuse it with one DataError naming the layer, and the shortest length that fits."""
    net = net_initialize(NetChain(layers, input=("n", 3)), seed=0)
    short = torch.randn(2, shortest - 1, 3)
    module = net.compile()
    for call in (net, module, lambda x: net([x[0], torch.randn(shortest + 2, 3)]),
                 lambda x: interpret(net, module, Input=x)):
        with pytest.raises(DataError, match=rf"NormalizationLayer.*unbiased=True.*lengths of {shortest} or more"):
            call(short)
        out = call(torch.randn(2, shortest, 3))
        assert all(torch.isfinite(y).all() for y in (out if isinstance(out, list) else [out]))
    unbiased = NetChain([NormalizationLayer((1, 2), unbiased=True)], input=("n", 3))
    assert torch.isfinite(net_initialize(unbiased)(torch.randn(2, 1, 3))).all()  # n * 3 elements: no check


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("form", [{}, {"unbiased": True}, {"method": "RMS"}], ids=["default", "unbiased", "RMS"])
def test_compiled_and_interpreted_give_the_same_values(form, dtype):
    """The compiled code divided by sqrt and the module multiplied by rsqrt: 1 ulp apart (0.0078 in bfloat16)."""
    seed = torch.Generator().manual_seed(3)
    x = torch.randn(8, 4, 6, 5, generator=seed) * 3 + 1
    for arrays in ({}, {"scaling": False}, {"biases": False}):
        net = net_initialize(NetChain([NormalizationLayer(**form, **arrays)], input=(4, 6, 5)), seed=0)
        module = net.compile()
        with torch.no_grad():
            for array in module.parameters():
                array.copy_(torch.randn(array.shape, generator=seed))
        module = module.to(dtype)
        assert torch.equal(module(x.to(dtype)), interpret(module.net, module, Input=x.to(dtype))), arrays
