"""DeconvolutionLayer in 1-3 d: equal to torch.nn.ConvTranspose on the same weights, size rules both ways, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import ConvolutionLayer, DeconvolutionLayer, NetChain, NetGraph, OptionError
from tests.layer_families._helpers import convolution_equals_torch, shape_error

DECONV = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


@pytest.mark.parametrize("d, options", [
    (1, dict(kernel=3)),
    (2, dict(kernel=[4, 3], stride=2, padding_size=1)),
    (2, dict(kernel=3, dilation=2, padding_size=[2, 1], stride=[1, 3])),
    (2, dict(kernel=2, channel_groups=2)),
    (3, dict(kernel=2, stride=[1, 2, 1])),
])
def test_deconvolution_equals_torch(d, options):
    layer = DeconvolutionLayer(4, biases=torch.randn(4), **options)
    module = convolution_equals_torch(layer, DECONV[d], (5,) * d, options)
    assert f"F.conv_transpose{d}d(" in module.code


def test_deconvolution_undoes_the_size_change_of_a_strided_convolution():
    net = NetChain([ConvolutionLayer(4, 4, stride=2, padding_size=1), DeconvolutionLayer(3, 4, stride=2, padding_size=1)],
                   input=(3, 16, 12))
    assert net.output_shapes == {"Output": (3, 16, 12)}


def test_deconvolution_infers_its_input_from_its_output_when_the_stride_divides():
    assert NetChain([DeconvolutionLayer(8, 4, stride=2, padding_size=1)], output=(8, 10, 12)).input_shapes == \
        {"Input": (None, 5, 6)}
    assert NetChain([DeconvolutionLayer(8, 4, stride=2)], output=(8, 12)).input_shapes == {"Input": (None, 5)}
    assert NetChain([DeconvolutionLayer(8, 3, weights=torch.zeros(5, 8, 3))], output=(8, 7)).input_shapes == \
        {"Input": (5, 5)}


@pytest.mark.parametrize("layer, size, sizes", [
    (DeconvolutionLayer(8, 4, stride=2), 11, "4, 6, 8, ... (the nearest are 10 and 12)"),
    (DeconvolutionLayer(8, 3, stride=2), 2, "3, 5, 7, ... (the smallest is 3)"),
    (DeconvolutionLayer(8, 3, stride=3, padding_size=2), 3, "2, 5, 8, ... (the nearest are 2 and 5)"),
])
def test_an_output_size_no_input_gives_is_a_shape_error(layer, size, sizes):
    """Such an Output (there is no output padding) left the Input's size unknown: the net was built, and could not
    be initialised or called."""
    shape_error(lambda: NetChain([layer], output=(8, size)),
                f"port 'Output' has a spatial size of {size}, which no input gives with kernel", f"the sizes are {sizes}")


def test_deconvolution_shape_errors():
    shape_error(lambda: NetGraph([DeconvolutionLayer(4, [3, 3])], [], Input=(1, 8)),
                "DeconvolutionLayer", "port 'Input' must have rank 3")
    shape_error(lambda: NetGraph([DeconvolutionLayer(4, 3, channel_groups=2)], [], Input=(3, 8)),
                "DeconvolutionLayer", "3 channels, not divisible by channel_groups= 2")
    shape_error(lambda: NetGraph([DeconvolutionLayer(4, 1, padding_size=2)], [], Input=(1, 2)),
                "DeconvolutionLayer", "gives no output")


@pytest.mark.parametrize("make, option, message", [
    (lambda: DeconvolutionLayer(4), "kernel", "needs a kernel size"),
    (lambda: DeconvolutionLayer(kernel=3), "output", "number of output channels"),
    (lambda: DeconvolutionLayer(0, 3), "output", "output= must be a positive integer, found 0"),
    (lambda: DeconvolutionLayer(4, 3, stride=0), "stride", "stride= must be a positive integer or a list of them"),
    (lambda: DeconvolutionLayer(3, 3, channel_groups=2), "channel_groups", "not divisible by channel_groups"),
    (lambda: DeconvolutionLayer(4, 3, weights=torch.zeros(2, 5, 3)), "weights", "gives 5 output channels"),
    (lambda: DeconvolutionLayer(4, 2, biases=[1.0]), "biases", "vector of length 4"),
])
def test_bad_options(make, option, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert "DeconvolutionLayer" in str(info.value) and info.value.diagnostics[0].option == option
