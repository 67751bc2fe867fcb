"""A size option of 2**63 or more (torch's sizes are int64) is refused when the layer is made, as LinearLayer's
output= is, with one OptionError naming the layer type, the option and the value found."""

import pytest

import netgraph as ng
from netgraph import OptionError

_MADE = {
    "LongShortTermMemoryLayer.output": lambda v: ng.LongShortTermMemoryLayer(v),
    "GatedRecurrentLayer.output": lambda v: ng.GatedRecurrentLayer(v),
    "BasicRecurrentLayer.output": lambda v: ng.BasicRecurrentLayer(v),
    "LongShortTermMemoryLayer.input": lambda v: ng.LongShortTermMemoryLayer(3, input=v),
    "GatedRecurrentLayer.input": lambda v: ng.GatedRecurrentLayer(3, input=v),
    "ConvolutionLayer.output": lambda v: ng.ConvolutionLayer(v, 3),
    "DeconvolutionLayer.output": lambda v: ng.DeconvolutionLayer(v, 3),
    "EmbeddingLayer.output": lambda v: ng.EmbeddingLayer(v, 10),
    "ReplicateLayer.n": lambda v: ng.ReplicateLayer(v),
    "ReshapeLayer.dims": lambda v: ng.ReshapeLayer([2, v]),
    "ResizeLayer.dims": lambda v: ng.ResizeLayer([4, v]),
    "PaddingLayer.padding_size": lambda v: ng.PaddingLayer([[1, v]]),
    "ConvolutionLayer.kernel": lambda v: ng.ConvolutionLayer(3, [2, v]),
    "PoolingLayer.stride": lambda v: ng.PoolingLayer(2, stride=v),
}


@pytest.mark.parametrize("case", sorted(_MADE))
@pytest.mark.parametrize("value", [2**63, 10**30])
def test_size_past_int64_refused_at_construction(case, value):
    layer, option = case.split(".")
    with pytest.raises(OptionError) as info:
        _MADE[case](value)
    words = f"{layer} option {option}= must be below 2**63 (torch's largest size), found "
    assert str(info.value).startswith(words)
    assert str(value) in str(info.value)
    assert (info.value.option, info.value.found, info.value.expected) == (option, value, "an integer below 2**63")


def test_linear_layer_says_the_same():
    """LinearLayer's output= is a shape: its dims are refused by the shape check's own words."""
    with pytest.raises(OptionError, match=r"^LinearLayer option output= dims must be below 2\*\*63 \(torch's largest "
                                          r"size\), found 9223372036854775808$"):
        ng.LinearLayer(2**63)


@pytest.mark.parametrize("make", [lambda: ng.LongShortTermMemoryLayer(2**63 - 1),
                                  lambda: ng.ConvolutionLayer(2**63 - 1, 3), lambda: ng.EmbeddingLayer(2**63 - 1, 10)])
def test_largest_int64_size_still_made(make):
    assert make() is not None  # 2**63 - 1 is a size torch holds: refused later only if memory cannot


def test_bounded_ranges_keep_their_own_words():
    """An option with a declared top (EmbeddingLayer's n) still names its range."""
    with pytest.raises(OptionError, match=r"n= must be an integer from 1 to 9223372036854775807, found 10{30}"):
        ng.EmbeddingLayer(3, n=10**30)
