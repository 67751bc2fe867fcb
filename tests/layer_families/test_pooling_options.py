"""PoolingLayer's ceil_mode (a partial last window, torch's ceil_mode=True) and dilation (torch's MaxPool dilation):
each equals torch's own pooling, compiled and interpreted, on known and variable sizes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import NetChain, NetGraph, OptionError, PoolingLayer
from tests.layer_families._helpers import shape_error, three_way

MAX = (F.max_pool1d, F.max_pool2d, F.max_pool3d)
AVG = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)


@pytest.mark.parametrize("spatial, kernel, options, torch_options", [
    ((7, 7), 2, dict(stride=2, ceil_mode=True), dict(stride=2, ceil_mode=True)),
    ((7, 8), 3, dict(stride=2, padding_size=1, ceil_mode=True), dict(stride=2, padding=1, ceil_mode=True)),
    ((8,), 3, dict(stride=3, ceil_mode=True), dict(stride=3, ceil_mode=True)),
    ((9, 9), 2, dict(dilation=2), dict(stride=1, dilation=2)),
    ((5, 6, 7), [2, 3, 2], dict(stride=2, dilation=[1, 2, 2], ceil_mode=True),
     dict(stride=2, dilation=[1, 2, 2], ceil_mode=True)),
    ((10,), 3, dict(stride=2, padding_size=1, dilation=3, ceil_mode=True),
     dict(stride=2, padding=1, dilation=3, ceil_mode=True)),
])
def test_max_pooling_with_ceil_mode_and_dilation_equals_torch(spatial, kernel, options, torch_options):
    """Both were refused by ONNX import (no option), so a torch MaxPool2d(3, 2, ceil_mode=True) had no layer."""
    net = NetGraph([PoolingLayer(kernel, **options)], [], Input=(3, *spatial))
    x = torch.randn(2, 3, *spatial, generator=torch.Generator().manual_seed(0))
    want = MAX[len(spatial) - 1](x, kernel, **torch_options)
    assert net.output_shapes == {"Output": tuple(want.shape[1:])}
    three_way(net, lambda m, Input: MAX[len(spatial) - 1](Input, kernel, **torch_options), Input=x)


@pytest.mark.parametrize("spatial, options", [((7, 7), dict(stride=2)), ((8, 7), dict(stride=2, padding_size=1)),
                                              ((10,), dict(stride=3, padding_size=1))])
def test_mean_pooling_with_ceil_mode_averages_the_elements_of_each_window_inside_the_input(spatial, options):
    net = NetGraph([PoolingLayer(3, **options, function="Mean", ceil_mode=True)], [], Input=(2, *spatial))
    x = torch.randn(2, 2, *spatial, generator=torch.Generator().manual_seed(1)) + 3  # a window's count shows
    avg = AVG[len(spatial) - 1]
    three_way(net, lambda m, Input: avg(Input, 3, options["stride"], options.get("padding_size", 0), True, False),
              Input=x)


@pytest.mark.parametrize("kernel, options, name", [
    (2, dict(stride=2), "h_over_2"), (3, dict(stride=2), "h_minus_1_over_2"),
    (3, dict(stride=2, padding_size=1), "h_plus_1_over_2"), (2, dict(stride=3, dilation=2), "h_over_3")])
def test_ceil_mode_over_a_variable_length_is_named_and_exact(kernel, options, name):
    net = NetGraph([PoolingLayer(kernel, **options, ceil_mode=True)], [], Input=(3, "h", "w"))
    assert net.output_shapes == {"Output": (3, name, name.replace("h", "w"))}
    for h, w in ((7, 8), (9, 12), (6, 5)):
        x = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(h))
        torch_options = {"stride": options["stride"], "padding": options.get("padding_size", 0),
                         "dilation": options.get("dilation", 1)}
        three_way(net, lambda m, Input: F.max_pool2d(Input, kernel, ceil_mode=True, **torch_options), Input=x)


def test_ceil_mode_where_torch_drops_a_window_starting_in_the_padding_needs_known_sizes():
    # stride 3 past a kernel of 1: whether the last window starts inside the input depends on the length
    shape_error(lambda: NetGraph([PoolingLayer(1, stride=3, ceil_mode=True)], [], Input=(3, "n")), "ceil_mode",
                "variable length", "stride 3")
    net = NetGraph([PoolingLayer(1, stride=3, ceil_mode=True)], [], Input=(3, 7))
    x = torch.randn(2, 3, 7)
    three_way(net, lambda m, Input: F.max_pool1d(Input, 1, 3, ceil_mode=True), Input=x)


def test_ceil_mode_shape_errors_say_the_shortest_size():
    shape_error(lambda: NetGraph([PoolingLayer(3, stride=2, ceil_mode=True)], [], Input=(3, 1)), "too small",
                "at least 2")


@pytest.mark.parametrize("make, option, message", [
    (lambda: PoolingLayer(2, dilation=2, function="Mean"), "dilation", "'Max' only"),
    (lambda: PoolingLayer(2, stride=2, ceil_mode=True, function="Total"), "ceil_mode", "'Max' and 'Mean'"),
    (lambda: PoolingLayer(2, ceil_mode=1), "ceil_mode", "True or False"),
    (lambda: PoolingLayer(2, dilation=0), "dilation", "a positive integer or a list of them, found 0"),
])
def test_bad_pooling_options(make, option, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert info.value.diagnostics[0].option == option


def test_pooling_options_keep_through_yaml():
    net = NetChain([PoolingLayer(3, stride=2, dilation=[1, 2], ceil_mode=True)], input=(2, "h", 9))
    back = NetGraph.from_yaml(net.to_yaml())
    assert back.output_shapes == net.output_shapes
    x = torch.randn(2, 2, 8, 9)
    torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("spelled, meant", [("Avg", "Mean"), ("avg", "Mean"), ("Average", "Mean"), ("Sum", "Total"),
                                            ("max", "Max")])
def test_torch_and_keras_names_of_a_pooling_function_get_a_hint(spelled, meant):
    # torch's avg_pool and Keras's AveragePooling: "Avg" got no "did you mean" where "mean" did
    with pytest.raises(OptionError) as info:
        PoolingLayer(2, function=spelled)
    assert f"unknown function {spelled!r} (did you mean {meant!r}?)" in str(info.value)
    assert info.value.option == "function" and info.value.found == spelled
