"""Wolfram's Interleaving -> True (channels last) and Keras's data_format= given to a spatial layer (QA, Wolfram's
docs): the unknown-option error said only the options; it says netgraph is channels-first and how to port a
channels-last net, and that advice runs and equals the channels-last layer."""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F

from netgraph import ConvolutionLayer, NetChain, OptionError, PoolingLayer, TransposeLayer, net_initialize

LAYERS = {"ConvolutionLayer": lambda **kw: ConvolutionLayer(4, 3, **kw),
          "PoolingLayer": lambda **kw: PoolingLayer(2, **kw)}


def _advice(make, **option) -> tuple[list[int], list[int]]:
    """The perms of the TransposeLayers the refusal says to put before and after a 2-d layer."""
    with pytest.raises(OptionError) as info:
        make(**option)
    message = str(info.value)
    assert "channels-first" in message, message
    found = re.search(r"TransposeLayer\((\[[\d, ]+\])\) before .*?TransposeLayer\((\[[\d, ]+\])\) after", message)
    assert found, message
    return [int(d) for d in found.group(1)[1:-1].split(",")], [int(d) for d in found.group(2)[1:-1].split(",")]


@pytest.mark.parametrize("option", [{"interleaving": True}, {"Interleaving": True},
                                    {"data_format": "channels_last"}])
@pytest.mark.parametrize("name", list(LAYERS))
def test_a_channels_last_option_is_refused_with_advice_that_gives_the_channels_last_layer(name, option):
    before, after = _advice(LAYERS[name], **option)
    net = net_initialize(NetChain([TransposeLayer(before), LAYERS[name](), TransposeLayer(after)], input=(5, 6, 2)))
    x = torch.randn(3, 5, 6, 2, generator=torch.Generator().manual_seed(0))  # (batch, height, width, channels)
    first = x.permute(0, 3, 1, 2)
    if name == "ConvolutionLayer":
        arrays = net.layers["2"].arrays
        expected = F.conv2d(first, arrays["Weights"], arrays["Biases"])
    else:
        expected = F.max_pool2d(first, 2, stride=1)  # Wolfram's default stride 1
    assert torch.equal(net(x), expected.permute(0, 2, 3, 1))
