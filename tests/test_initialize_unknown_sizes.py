"""net_initialize of a net with ports of unknown size: the arrays whose shapes are known (a convolution's depend on its
channels alone) initialise; an array whose shape is not is named, with the port it waits on (found by a newcomer QA
pass: a conv net with input [3, null, null] could not be initialised though every weight's shape was known)."""

import pytest
import torch

from netgraph import (ConvolutionLayer, ElementwiseLayer, FlattenLayer, LinearLayer, NetChain, NetGraph,
                      net_initialize)
from netgraph.core.errors import ShapeError


def test_weights_fixed_by_the_channels_initialise_with_spatial_sizes_unknown():
    net = net_initialize(NetChain([ConvolutionLayer(4, 3), ElementwiseLayer("Ramp"), ConvolutionLayer(2, 3)],
                                  input=(3, None, None)), seed=1)
    assert tuple(net.layers["1"].arrays["Weights"].shape) == (4, 3, 3, 3)
    assert tuple(net.layers["3"].arrays["Weights"].shape) == (2, 4, 3, 3)
    assert float(net.layers["1"].arrays["Weights"].std()) > 0  # drawn, not zeros
    x = torch.randn(2, 3, 9, 9)
    named = NetGraph(net, Input=(3, "h", "w"))  # the sizes named: it runs, with the weights drawn
    assert named(x).shape == (2, 2, 5, 5)
    torch.testing.assert_close(net(x), named(x))  # or the data gives them, as Wolfram's net[data] (it was refused)
    assert torch.equal(named.layers["1"].arrays["Weights"], net.layers["1"].arrays["Weights"])


def test_an_array_whose_shape_waits_on_an_unknown_size_is_named_with_that_port():
    with pytest.raises(ShapeError) as info:
        net_initialize(NetChain([ConvolutionLayer(4, 3), FlattenLayer(), LinearLayer(10)], input=(3, None, None)))
    text = str(info.value)
    assert "layer 3 (LinearLayer) array 'Weights' has unknown shape (10, ?)" in text, text
    assert "port 'Input' of unknown shape (?)" in text and "(3, 'h', 'w')" in text, text
    assert "layer 1" not in text.split("(3, 'h', 'w')")[1], text  # the convolution's arrays are no problem
