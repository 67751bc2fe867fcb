"""PaddingLayer and ResizeLayer: equal to torch's F.pad and F.interpolate, shape rules both ways, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (ConvolutionLayer, NetChain, NetGraph, NetPort, OptionError, PaddingLayer, PortType, ResizeLayer,
                      ShapeError, ThreadingLayer, net_initialize)
from tests.layer_families._helpers import shape_error, three_way

TORCH_MODE = {"Reflected": "reflect", "Periodic": "circular", "Fixed": "replicate"}


@pytest.mark.parametrize("padding", ["Reflected", "Periodic", "Fixed", 0.0, -1.5])
def test_padding_equals_torch_pad(padding):
    net = NetGraph([PaddingLayer([0, [1, 2], 3], padding=padding)], [], Input=(2, 4, 5))
    x = torch.randn(3, 2, 4, 5)
    if isinstance(padding, str):
        hand = lambda m, Input: F.pad(Input, (3, 3, 1, 2), mode=TORCH_MODE[padding])  # noqa: E731
    else:
        hand = lambda m, Input: F.pad(Input, (3, 3, 1, 2), value=padding)  # noqa: E731
    three_way(net, hand, Input=x)
    assert net.output_shapes == {"Output": (2, 7, 11)}


@pytest.mark.parametrize("padding", [0.0, 2.5, "Periodic"])
def test_padding_fewer_levels_than_the_rank_pads_those_levels_only(padding):
    """F.pad counts from the last dim: a constant pad of level 1 of a rank-3 input once padded the last level."""
    net = NetGraph([PaddingLayer([[0, 2]], padding=padding)], [], Input=(1, 3, 4))
    assert net.output_shapes == {"Output": (3, 3, 4)}
    x = torch.randn(2, 1, 3, 4)
    if isinstance(padding, str):
        hand = lambda m, Input: Input.expand(-1, 3, -1, -1)  # noqa: E731  (a size-1 level wraps onto itself)
    else:
        hand = lambda m, Input: F.pad(Input, (0, 0, 0, 0, 0, 2), value=padding)  # noqa: E731
    three_way(net, hand, Input=x)
    assert net_initialize(net)(x).shape == (2, 3, 3, 4)


def test_padding_the_first_level_and_wolfram_reflection_beyond_one_period():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    net = NetChain([PaddingLayer([[4, 2]], padding="Reflected")], input=3)
    torch.testing.assert_close(net(x), torch.tensor([[1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]))
    periodic = NetChain([PaddingLayer([[4, 1]], padding="Periodic")], input=3)
    torch.testing.assert_close(periodic(x), torch.tensor([[3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]))
    fixed = NetChain([PaddingLayer([[2, 1]], padding="Fixed")], input=3)
    torch.testing.assert_close(fixed(x), torch.tensor([[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]))


def test_padding_infers_its_input_from_its_output():
    assert NetChain([PaddingLayer([[1, 1], 2])], output=(5, 9, 7)).input_shapes == {"Input": (3, 5, 7)}


def test_padding_shape_errors():
    shape_error(lambda: NetGraph([PaddingLayer([1, 1, 1])], [], Input=(2, 3)),
                "PaddingLayer", "pads 3 levels but port 'Input' (2, 3) has 2")


def test_a_constant_padding_pads_variable_lengths_named_after_them():
    """Torch's F.pad over any h, w: 'same' padding for an even kernel (1 before, 2 after) then the convolution gives
    h, w back, so a skip joins it with the input."""
    net = NetGraph({"pad": PaddingLayer([0, [1, 2], [1, 2]]), "conv": ConvolutionLayer(3, 4), "add": ThreadingLayer("Plus")},
                   [("pad", "conv", "add"), (NetPort("Input"), "add")], Input=(3, "h", "w"))
    assert net.layer_types("pad")["Output"].shape == (3, "h_plus_3", "w_plus_3")
    assert net.output_shapes == {"Output": (3, "h", "w")}
    assert NetChain([PaddingLayer([0, 1])], output=(2, "n")).input_shapes == {"Input": (2, "n_minus_2")}
    for h, w in ((5, 7), (2, 1)):
        x = torch.randn(2, 3, h, w)
        three_way(net, lambda m, Input: F.conv2d(F.pad(Input, (1, 2, 1, 2)), m.conv.Weights, m.conv.Biases) + Input,
                  Input=x)


def test_padding_leaves_an_unpadded_variable_length_level_alone():
    # a variable-length level padded by [0, 0] stays "n" (it raised TypeError adding 0 to "n")
    net = NetGraph([PaddingLayer([0, [1, 2]], padding="Reflected")], [], Input=("n", 4))
    assert net.output_shapes == {"Output": ("n", 7)}
    x = torch.randn(2, 5, 4)
    three_way(net, lambda m, Input: F.pad(Input, (1, 2), mode="reflect"), Input=x)


@pytest.mark.parametrize("d, options, size, mode", [
    (2, dict(dims=[8, 6]), (8, 6), "bilinear"),
    (2, dict(dims=[3, 7], resampling="Nearest"), (3, 7), "nearest"),
    (1, dict(scale=2.5), (12,), "linear"),
    (3, dict(scale=[2, 1, 0.5]), (10, 5, 2), "trilinear"),
])
def test_resize_equals_torch_interpolate(d, options, size, mode):
    spatial = (5,) * d
    net = NetGraph([ResizeLayer(**options)], [], Input=(2, *spatial))
    assert net.output_shapes == {"Output": (2, *size)}
    extra = {} if mode == "nearest" else {"align_corners": False}
    three_way(net, lambda m, Input: F.interpolate(Input, size=size, mode=mode, **extra), Input=torch.randn(3, 2, *spatial))


@pytest.mark.parametrize("options, shape, out, mode", [
    (dict(scale=2), (2, "n"), (2, "n_times_2"), "linear"),
    (dict(scale=[2, 3]), (3, "h", "w"), (3, "h_times_2", "w_times_3"), "bilinear"),
    (dict(scale=[2, 1.5]), (3, "h", 4), (3, "h_times_2", 6), "bilinear"),
    (dict(scale=2, resampling="Nearest"), (3, "h", "w"), (3, "h_times_2", "w_times_2"), "nearest"),
    (dict(scale=[1, 2, 2]), (2, 3, "h", "w"), (2, 3, "h_times_2", "w_times_2"), "trilinear"),
])
def test_resize_scales_variable_lengths_by_whole_numbers(options, shape, out, mode):
    """A segmentation decoder's F.interpolate(x, scale_factor=2, mode="bilinear") over dynamic sizes: it was refused
    ("a variable-length dim cannot be scaled"); n becomes n_times_2, as torch computes it at every size."""
    net = NetGraph([ResizeLayer(**options)], [], Input=shape)
    assert net.output_shapes == {"Output": out}
    scale = options["scale"]
    extra = {} if mode == "nearest" else {"align_corners": False}
    for grow in (0, 3):
        size = tuple(5 + grow if isinstance(d, str) else d for d in shape)
        x = torch.randn(2, *size, generator=torch.Generator().manual_seed(grow))
        three_way(net, lambda m, Input: F.interpolate(Input, scale_factor=scale, mode=mode, **extra), Input=x)


def test_resize_over_a_variable_length_keeps_its_options_through_yaml():
    net = NetChain([ResizeLayer(scale=[2, 1], resampling="Nearest")], input=(3, "h", 4))
    back = NetGraph.from_yaml(net.to_yaml())
    assert back.output_shapes == net.output_shapes == {"Output": (3, "h_times_2", 4)}
    x = torch.randn(2, 3, 5, 4)
    torch.testing.assert_close(back(x), net(x))


def test_resize_of_a_scaled_variable_length_infers_the_input_back():
    net = NetChain([ResizeLayer(scale=[2, 1])], output=(3, "h_times_2", 4))
    assert net.input_shapes == {"Input": (3, "h", None)}


@pytest.mark.parametrize("shape, options", [
    ((2, 4, 5), dict(dims=[7, 3])), ((2, 5), dict(dims=[1])), ((2, 3, 4, 2), dict(scale=[2, 0.5, 1.5])),
    ((3, "h", "w"), dict(scale=2))])
def test_resize_with_point_sampling_equals_torch_align_corners(shape, options):
    """Wolfram's "Scheme" -> "Point" (its ArrayResample's: the first and last elements on the input's): torch's
    align_corners=True, which had no equivalent."""
    net = NetGraph([ResizeLayer(**options, scheme="Point")], [], Input=shape)
    d = len(shape) - 1
    mode = ("linear", "bilinear", "trilinear")[d - 1]
    x = torch.randn(3, *(6 if isinstance(n, str) else n for n in shape), generator=torch.Generator().manual_seed(0))
    size = tuple(net.output_shapes["Output"][1:]) if "dims" in options or isinstance(shape[1], int) else None
    scale = None if size else options["scale"]
    three_way(net, lambda m, Input: F.interpolate(Input, size=size, scale_factor=scale, mode=mode, align_corners=True),
              Input=x)
    back = NetGraph.from_yaml(net.to_yaml())
    assert back.layers["1"].scheme == "Point"
    torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("scheme", ["Bin", "Point"])
@pytest.mark.parametrize("shape, options", [((2, 4, 5), dict(dims=[7, 3])), ((2, 6, 4), dict(scale=[0.5, 2])),
                                            ((3, "h", "w"), dict(scale=2))])
def test_cubic_resampling_equals_torch_bicubic(shape, options, scheme):
    """resampling="Cubic" is torch's F.interpolate(mode="bicubic"), align_corners as the scheme (it had none)."""
    net = NetGraph([ResizeLayer(**options, resampling="Cubic", scheme=scheme)], [], Input=shape)
    x = torch.randn(3, *(6 if isinstance(n, str) else n for n in shape), generator=torch.Generator().manual_seed(0))
    size = tuple(net.output_shapes["Output"][1:]) if isinstance(shape[1], int) else None
    scale = None if size else options["scale"]
    three_way(net, lambda m, Input: F.interpolate(Input, size=size, scale_factor=scale, mode="bicubic",
                                                  align_corners=scheme == "Point"), Input=x)
    back = NetGraph.from_yaml(net.to_yaml())
    assert (back.layers["1"].resampling, back.layers["1"].scheme) == ("Cubic", scheme)
    torch.testing.assert_close(back(x), net(x))


def test_cubic_resampling_takes_two_spatial_dims():
    shape_error(lambda: NetGraph([ResizeLayer(scale=2, resampling="Cubic")], [], Input=(3, 8)), "ResizeLayer",
                "'Cubic'", "2 spatial dims", "(3, 8)")


def test_resize_keeps_channels_both_ways():
    assert NetChain([ResizeLayer([4, 4])], output=(3, 4, 4)).input_shapes == {"Input": (3, None, None)}
    assert NetChain([ResizeLayer([4, 4])], input=(3, 9, 9)).output_shapes == {"Output": (3, 4, 4)}


def test_resize_shape_errors():
    shape_error(lambda: NetGraph([ResizeLayer([4, 4])], [], Input=(3, 8)), "ResizeLayer", "2 spatial dims")
    shape_error(lambda: NetGraph([ResizeLayer(scale=1.5)], [], Input=(3, "n")), "ResizeLayer", "variable length",
                "whole-number scale", "1.5")
    shape_error(lambda: NetGraph([ResizeLayer(scale=[2, 1.5])], [], Input=(3, "h", 5)), "ResizeLayer",
                "size 5 scaled by 1.5", "7.5")
    shape_error(lambda: NetGraph([ResizeLayer(scale=0.1)], [], Input=(3, 4)), "ResizeLayer", "is empty")


@pytest.mark.parametrize("make, option, message", [
    (lambda: PaddingLayer([[1, -1]]), "padding_size", "integer >= 0 or a pair"),
    (lambda: PaddingLayer([]), "padding_size", "at least one level"),
    (lambda: PaddingLayer([1], padding="Reflect"), "padding", "did you mean 'Reflected'"),
    (lambda: ResizeLayer(), "dims", "either the output sizes"),
    (lambda: ResizeLayer([4, 4], scale=2), "scale", "not both"),
    (lambda: ResizeLayer([0, 4]), "dims", "positive integers"),
    (lambda: ResizeLayer([4, 4, 4, 4]), "dims", "1 to 3 spatial dims"),
    (lambda: ResizeLayer(scale=-1), "scale", "positive finite number"),
    (lambda: ResizeLayer(scale=float("inf")), "scale", "positive finite number"),
    (lambda: ResizeLayer([4], resampling="Area"), "resampling", "unknown resampling 'Area'"),
    (lambda: ResizeLayer([4], scheme="point"), "scheme", "did you mean 'Point'"),
    (lambda: ResizeLayer([4], resampling="Nearest", scheme="Point"), "scheme", "'Point'.*'Linear' or 'Cubic' only"),
    (lambda: ResizeLayer([4, 4, 4], resampling="Cubic"), "resampling", "'Cubic'.*2 spatial dims, found 3"),
])
def test_bad_options(make, option, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert info.value.diagnostics[0].option == option


@pytest.mark.parametrize("padding", [0.5, 1e20, float("inf"), float("nan")])
def test_padding_an_integer_input_takes_an_integer_value(padding):
    """0.5 was truncated to 0 into an int64 array; 1e20, inf and NaN were torch's error from inside F.pad."""
    with pytest.raises(ShapeError, match=r"padding=.* cannot pad port 'Input' of dtype Integer"):
        NetChain([PaddingLayer([1], padding=padding)], input=PortType((3,), "Integer"))
    net = NetChain([PaddingLayer([1], padding=-7.0)], input=PortType((3,), "Integer"))
    assert torch.equal(net(torch.tensor([[1, 2, 3]])), torch.tensor([[-7, 1, 2, 3, -7]]))


@pytest.mark.parametrize("dims", [["Scaled[2]", "Scaled[2]"], "Scaled[2.5]", ["Scaled[2]", 8]])
def test_wolframs_scaled_sizes_point_to_scale(dims):
    """Wolfram's ResizeLayer[{Scaled[2], Scaled[2]}]: it said only 'dims= must be positive integers'."""
    with pytest.raises(OptionError, match=r"Wolfram's Scaled\[s\] sizes are scale=s here: ResizeLayer\(scale="):
        ResizeLayer(dims)
