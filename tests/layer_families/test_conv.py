"""ConvolutionLayer and PoolingLayer in 1-3 d: equal to torch.nn on the same weights, shape rules, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from netgraph import (AggregationLayer, ConvolutionLayer, DeconvolutionLayer, LinearLayer, NetChain, NetGraph, OptionError,
                      PoolingLayer, ShapeError)
from netgraph.backend.interpreter import interpret
from tests.layer_families._helpers import convolution_equals_torch, shape_error, three_way

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}


@pytest.mark.parametrize("d, options", [
    (1, dict(kernel=3)),
    (2, dict(kernel=[3, 2], stride=2, padding_size=1)),
    (2, dict(kernel=3, dilation=2, padding_size=[2, 1])),
    (2, dict(kernel=3, channel_groups=2)),
    (3, dict(kernel=2, stride=[1, 2, 1])),
])
def test_convolution_equals_torch(d, options):
    layer = ConvolutionLayer(4, biases=torch.randn(4), **options)
    module = convolution_equals_torch(layer, CONV[d], (9,) * d, options)
    assert f"F.conv{d}d(" in module.code


def test_spatial_rank_comes_from_the_input_when_the_kernel_is_an_int():
    assert NetGraph([ConvolutionLayer(4, 3)], [], Input=(1, 10)).output_shapes == {"Output": (4, 8)}
    assert NetGraph([ConvolutionLayer(4, 3)], [], Input=(1, 10, 10, 10)).output_shapes == {"Output": (4, 8, 8, 8)}


def test_convolution_backward_inference_with_stride_one():
    net = NetGraph([ConvolutionLayer(4, 3, padding_size=1)], [], Output=(4, 10, 12))
    assert net.input_shapes == {"Input": (None, 10, 12)}
    assert NetGraph([ConvolutionLayer(4, 3, weights=torch.zeros(4, 2, 3, 3))], [],
                    Output=(4, 6, 6)).input_shapes == {"Input": (2, 8, 8)}


def test_convolution_shape_errors():
    shape_error(lambda: NetGraph([ConvolutionLayer(4, 5)], [], Input=(1, 3, 3)),
                "layer 1 (ConvolutionLayer)", "port 'Input' (1, 3, 3)", "too small for kernel 5")
    shape_error(lambda: NetGraph([ConvolutionLayer(4, [3, 3])], [], Input=(1, 8)),
                "layer 1 (ConvolutionLayer)", "port 'Input' must have rank 3")
    shape_error(lambda: NetGraph([ConvolutionLayer(4, 3)], [], Input=(5,)),
                "ConvolutionLayer", "port 'Input' must be (channels, *spatial)")
    shape_error(lambda: NetGraph([ConvolutionLayer(4, 3, channel_groups=2)], [], Input=(3, 8)),
                "ConvolutionLayer", "3 channels, not divisible by channel_groups= 2")
    shape_error(lambda: NetGraph([ConvolutionLayer(4, 3)], [], Input=(1, 8), Output=(5, 6)),
                "ConvolutionLayer", "port 'Output'")


@pytest.mark.parametrize("layers, words", [
    ([ConvolutionLayer(8, 3), ConvolutionLayer(4, 3, input=(3, 26, 26))],
     "layer 1 (ConvolutionLayer): port 'Output' has 8 channels (output= 8), but 3 are taken where it goes: expected "
     "shape (8, 26, 26), found (3, 26, 26)"),
    ([ConvolutionLayer(kernel=3, weights=torch.zeros(8, 1, 3, 3)), PoolingLayer(2, input=(3, 26, 26))],
     "port 'Output' has 8 channels (its Weights (8, 1, 3, 3) give them), but 3 are taken where it goes"),
    ([DeconvolutionLayer(8, 3), ConvolutionLayer(4, 3, input=(3, 30, 30))],
     "layer 1 (DeconvolutionLayer): port 'Output' has 8 channels (output= 8), but 3 are taken where it goes"),
    ([ConvolutionLayer(8, 3), PoolingLayer(2), ConvolutionLayer(4, 3, input=(3, 25, 25))],
     "layer 2 (PoolingLayer): port 'Output' has 8 channels (its Input's), but 3 are taken where it goes"),
])
def test_a_channel_clash_with_a_later_layers_input_says_the_channel_counts(layers, words):
    """It said only 'expected shape (3, 26, 26), found (8, 26, 26)': the reader had to find the dimension that differs
    and why."""
    message = shape_error(lambda: NetChain(layers, input=(1, 28, 28)), words)
    assert "set by layer" in message and "port 'Input' (from its options)" in message


@pytest.mark.parametrize("layer", [ConvolutionLayer(4, 3, channel_groups=2), DeconvolutionLayer(4, 3, channel_groups=2)])
def test_input_channels_not_divisible_by_the_groups_name_the_option_and_port(layer):
    """The ShapeError named neither, so a YAML spec could not point at channel_groups=."""
    with pytest.raises(ShapeError) as info:
        NetGraph([layer], [], Input=(3, 8))
    assert [(d.option, d.port) for d in info.value.diagnostics] == [("channel_groups", "Input")]


@pytest.mark.parametrize("make, option, message", [
    (lambda: ConvolutionLayer(4), "kernel", "needs a kernel size"),
    (lambda: ConvolutionLayer(kernel=3), "output", "number of output channels"),
    (lambda: ConvolutionLayer(-4, 3), "output", "output= must be a positive integer, found -4"),
    (lambda: ConvolutionLayer(4, 0), "kernel", "kernel= must be a positive integer or a list of them"),
    (lambda: ConvolutionLayer(4, 3, padding_size=-1), "padding_size",
     "padding_size= must be an integer >= 0 or a list of them"),
    (lambda: ConvolutionLayer(4, 3, padding_size="Same"), "padding_size",
     "found 'Same'; torch's padding='same' is padding_size=1 here"),
    (lambda: PoolingLayer([3, 5], padding_size="same"), "padding_size", "padding_size=\\[1, 2\\] here"),
    (lambda: ConvolutionLayer(4, 4, padding_size="same"), "padding_size", "an even kernel's is uneven: a PaddingLayer"),
    (lambda: ConvolutionLayer(4, [3, 3], stride=[1, 1, 1]), "stride", "must have one length"),
    (lambda: ConvolutionLayer(4, 3, stride=[1, 1], dilation=[1, 1, 1]), "dilation", "must have one length"),
    (lambda: ConvolutionLayer(4, [3, 3, 3, 3]), "kernel", "1, 2 or 3 spatial dimensions"),
    (lambda: ConvolutionLayer(3, 3, channel_groups=2), "channel_groups", "not divisible by channel_groups"),
    (lambda: ConvolutionLayer(4, 3, weights=torch.zeros(5, 1, 3)), "weights", "5 output channels but output= is 4"),
    (lambda: ConvolutionLayer(4, [3, 3], weights=torch.zeros(4, 1, 3)), "weights", "1 kernel dims but the kernel has 2"),
    (lambda: ConvolutionLayer(4, 5, weights=torch.zeros(4, 1, 3)), "weights", "kernel \\[3\\] differs from kernel= "),
    (lambda: ConvolutionLayer(4, 3, biases=torch.zeros(5)), "biases", "vector of length output= 4, found \\(5\\)"),
    (lambda: PoolingLayer(2, function="Avg"), "function", "unknown function 'Avg'"),
    (lambda: PoolingLayer(2, padding_size=2), "padding_size", "at most half the kernel"),
    # torch takes these as int64: once accepted here and refused by F.conv1d with a raw TypeError at the call
    (lambda: ConvolutionLayer(1, 3, stride=10**30), "stride", "stride= must be below 2\\*\\*63"),
    (lambda: PoolingLayer(3, stride=[1, 2**63]), "stride", "stride= must be below 2\\*\\*63"),
    (lambda: DeconvolutionLayer(1, 3, dilation=2**64), "dilation", "dilation= must be below 2\\*\\*63"),
])
def test_bad_options(make, option, message):
    """Each names its option (a YAML spec points at its value); those of the spatial lengths and of the weights
    named none."""
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert [d.option for d in info.value.diagnostics] == [option]


@pytest.mark.parametrize("make, expected, found", [
    (lambda: ConvolutionLayer(4, [3, 3], stride=[1, 1, 1]), "2 values", (1, 1, 1)),  # lists kept as tuples
    (lambda: ConvolutionLayer(4, 3, weights=torch.zeros(5, 1, 3)), 4, 5),
    (lambda: ConvolutionLayer(4, 5, weights=torch.zeros(4, 1, 3)), (5,), (3,)),
    (lambda: ConvolutionLayer(4, 3, biases=torch.zeros(5)), (4,), (5,)),
])
def test_a_bad_value_says_what_was_expected_and_found(make, expected, found):
    with pytest.raises(OptionError) as info:
        make()
    assert (info.value.diagnostics[0].expected, info.value.diagnostics[0].found) == (expected, found)


def test_the_spatial_options_of_other_lengths_are_each_named():
    with pytest.raises(OptionError) as info:
        ConvolutionLayer(4, [3, 3], stride=[1], dilation=[1, 1, 1])
    assert [(d.option, d.kind) for d in info.value.diagnostics] == [("stride", "option-value"),
                                                                    ("dilation", "option-value")]


@pytest.mark.parametrize("d, function, options, hand", [
    (2, "Max", dict(stride=2), lambda x: F.max_pool2d(x, 2, 2)),
    (1, "Max", dict(), lambda x: F.max_pool1d(x, 2, 1)),
    (2, "Mean", dict(stride=2, padding_size=1), lambda x: F.avg_pool2d(x, 2, 2, 1, count_include_pad=False)),
    (3, "Total", dict(), lambda x: F.avg_pool3d(x, 2, 1) * 8),
])
def test_pooling_equals_torch(d, function, options, hand):
    net = NetGraph([PoolingLayer(2, function=function, **options)], [], Input=(3, *(6,) * d))
    x = torch.randn(2, 3, *(6,) * d)
    three_way(net, lambda m, Input: hand(Input), Input=x)
    assert net.output_shapes["Output"] == tuple(hand(x).shape[1:])


def _window_sums(x: torch.Tensor, kernel: tuple, stride: tuple, padding: tuple) -> torch.Tensor:
    """Each window's sum written out: zeros padded, the windows unfolded, summed."""
    x = F.pad(x, [q for p in reversed(padding) for q in (p, p)])
    for axis, (k, s) in enumerate(zip(kernel, stride)):
        x = x.unfold(2 + axis, k, s)
    return x.sum(tuple(range(-len(kernel), 0)))


@pytest.mark.parametrize("kernel, stride, padding", [((7,), (2,), (3,)), ((5, 3), (1, 2), (2, 1)),
                                                     ((3, 3, 3), (1, 1, 2), (1, 0, 1))])
def test_total_pooling_is_each_windows_sum_exactly(kernel, stride, padding):
    """Integers below 2^10 sum exactly in any order: compiled, interpreted and the handwritten sums agree to the bit
    (the mean times the window's size missed hundreds), and so do the gradients for integer weights."""
    d, g = len(kernel), torch.Generator().manual_seed(0)
    layer = PoolingLayer(list(kernel), stride=list(stride), padding_size=list(padding), function="Total")
    net = NetGraph([layer], [], Input=(3, *(9,) * d))
    x = torch.randint(-2 ** 10, 2 ** 10, (2, 3, *(9,) * d), generator=g).float()
    expected = _window_sums(x.requires_grad_(), kernel, stride, padding)
    weights = torch.randint(-8, 9, expected.shape, generator=g).float()
    (expected * weights).sum().backward()
    module = net.compile()
    for run in (module, lambda Input: interpret(net, module, Input=Input)):
        given = x.detach().requires_grad_()
        found = run(Input=given)
        (found * weights).sum().backward()
        assert torch.equal(found, expected) and torch.equal(given.grad, x.grad)


def test_total_pooling_is_the_mean_times_the_window_under_jit_trace_in_both_forwards():
    """Under torch.jit.trace (the ONNX export) the "Total" pool is the mean times the window (an AveragePool ONNX has),
    elsewhere the sum pool (divisor 1), in the compiled forward and the interpreter alike."""
    net = NetGraph([PoolingLayer([3], function="Total")], [], Input=(2, 9))
    module, x = net.compile(), torch.randn(2, 2, 9)
    expected = x.unfold(-1, 3, 1).sum(-1)  # stride 1
    for run in (lambda t: module(Input=t), lambda t: interpret(net, module, Input=t)):
        assert torch.allclose(run(x), expected)
        graph = str(torch.jit.trace(run, (x,), check_trace=False).graph)
        assert "aten::avg_pool1d" in graph and "divisor_override" not in graph and "aten::mul" in graph


def test_pooling_keeps_channels_both_ways():
    assert NetGraph([PoolingLayer(3)], [], Output=(5, 4, 4)).input_shapes == {"Input": (5, 6, 6)}
    assert NetGraph([PoolingLayer(3, stride=2)], [], Output=(5, 4, 4)).input_shapes == {"Input": (5, None, None)}
    shape_error(lambda: NetGraph([PoolingLayer(2)], [], Input=(3, 8, 8), Output=(4, 7, 7)),
                "layer 1 (PoolingLayer)", "port 'Output'")


def test_convolution_over_variable_length_sequences():
    from netgraph import net_initialize
    net = net_initialize(NetGraph([ConvolutionLayer(4, 3, padding_size=1), PoolingLayer(2, stride=2)], [(1, 2)],
                                  Input=(2, "n")), seed=0)
    assert net.output_shapes == {"Output": (4, "n_minus_1_over_2")}  # ceil((n - 1) / 2), named after n
    for length in (6, 10):
        assert net(torch.randn(3, 2, length)).shape == (3, 4, length // 2)


@pytest.mark.parametrize("layer, size, gives", [
    (ConvolutionLayer(2, 1, padding_size=2), 1, 5), (ConvolutionLayer(2, 3, padding_size=2), 2, 3),
    (ConvolutionLayer(2, 2, padding_size=2, dilation=2), 2, 3), (PoolingLayer(2, padding_size=1), 1, 2),
])
def test_an_output_smaller_than_the_padding_makes_is_refused_not_given_an_input_size_below_one(layer, size, gives):
    """Backward inference at stride 1 gave Input sizes of 0, -1, -3 for such an Output, and the net was built."""
    shape_error(lambda: NetGraph({"l": layer}, [], Output=(2, size)),
                f"port 'Output' has a spatial size of {size}, too small for kernel", f"an input of size 1 gives {gives}")
    fits = NetGraph({"l": layer}, [], Output=(2, gives)).input_shapes["Input"][1]
    assert fits == 1 and NetGraph({"l": layer}, [], Input=(2, fits)).output_shapes["Output"] == (2, gives)


@pytest.mark.parametrize("layer, takes", [
    (ConvolutionLayer(8, 3, weights=torch.zeros(8, 4, 3, 3)), "its Weights (8, 4, 3, 3) take 4"),
    (ConvolutionLayer(8, 3, channel_groups=2, weights=torch.zeros(8, 3, 3, 3)),
     "its Weights (8, 3, 3, 3) take 6 (3 per group, channel_groups= 2)"),
    (DeconvolutionLayer(8, 3, weights=torch.zeros(4, 8, 3, 3)), "its Weights (4, 8, 3, 3) take 4"),
])
def test_channels_that_differ_from_the_given_weights_name_the_weights(layer, takes):
    """A convolution with weights= fed another channel count (from the layer before it) names the weights that
    fix its count, the count it takes and the one it found; the weights' count is what the layer expects."""
    message = shape_error(lambda: NetGraph({"a": ConvolutionLayer(5, 1), "b": layer}, [("a", "b")], Input=(3, 6, 6)),
                          "layer 2 'b'", "port 'Input' has 5 channels", takes, "set by layer 1 'a'")
    assert "expected shape (5" not in message


def test_a_linear_layer_after_convolutions_over_variable_sizes_points_to_global_pooling():
    """(channels, h, w) into a LinearLayer: the refusal pointed only at sequences (SequenceLastLayer, NetMapOperator);
    an image's way is global average pooling, which keeps the channels: AggregationLayer("Mean")."""
    shape_error(lambda: NetChain([ConvolutionLayer(4, 3), LinearLayer(10)], input=(3, "h", "w")),
                "layer 2 (LinearLayer)", "AggregationLayer(\"Mean\")", "global average pooling")
    fixed = NetChain([ConvolutionLayer(4, 3), AggregationLayer("Mean"), LinearLayer(10)], input=(3, "h", "w"))
    assert fixed.output_shapes == {"Output": (10,)}  # the fix it names builds
    sequence = shape_error(lambda: NetChain([LinearLayer(10)], input=("n", 4)), "SequenceLastLayer")
    assert "global average pooling" not in sequence  # a sequence's length comes first: not channels


@pytest.mark.parametrize("layer", [ConvolutionLayer(4, 3), PoolingLayer(2, stride=2)])
def test_an_input_declared_channels_last_says_so(layer):
    """`inputs: {Input: [28, 28, 1]}` (Keras's image shape) read only 'a spatial size of 1 is too small for kernel 3'
    (found by QA writing specs from the README): the error now says channels come first, and the shape to give."""
    shape_error(lambda: NetGraph([layer], [], Input=(28, 28, 1)), "too small for kernel",
                "; channels last? netgraph takes channels first (as torch): an input of shape (1, 28, 28)")
    with pytest.raises(Exception) as caught:
        NetGraph([ConvolutionLayer(4, 5)], [], Input=(1, 3, 3))
    assert "channels last?" not in str(caught.value)  # too small whichever dim comes first
