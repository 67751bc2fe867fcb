"""Counts in messages are grammatical: '1 argument', '2 arguments', '2 or 4 parameters', never 'argument(s)'."""

from __future__ import annotations

import pytest

from netgraph import (AggregationLayer, CatenateLayer, ConvolutionLayer, NetChain, NetGraph, NetGraphError, OptionError,
                      ReshapeLayer, ShapeError, SoftmaxLayer)
from netgraph.core.wording import counted_either
from netgraph.layers.dist_discrete import BernoulliDistribution
from netgraph.layers.dist_gamma import GammaDistribution
from netgraph.layers.expression import ExpressionError, parse


@pytest.mark.parametrize("counts, expected", [
    ((1,), "1 argument"), ((2,), "2 arguments"), ((1, 2), "1 or 2 arguments"), ((0, 1), "0 or 1 argument"),
])
def test_counted_either_agrees_with_the_last_count(counts, expected):
    assert counted_either(counts, "argument") == expected


@pytest.mark.parametrize("text, expected", [
    ("Exp[#a, #b]", "Exp takes 1 argument, found 2"),
    ("Divide[#a]", "Divide takes 2 arguments, found 1"),
])
def test_expression_arity_errors_count_grammatically(text, expected):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert expected in str(info.value) and "(s)" not in str(info.value)


@pytest.mark.parametrize("make, expected", [
    (lambda: BernoulliDistribution(0.1, 0.2), "BernoulliDistribution takes 1 parameter ("),
    (lambda: GammaDistribution(1), "GammaDistribution takes 2 or 4 parameters ("),
])
def test_distribution_parameter_counts_are_grammatical(make, expected):
    with pytest.raises(OptionError) as info:
        make()
    assert expected in str(info.value)


def test_reshaping_one_element_says_element():
    with pytest.raises(NetGraphError) as info:
        NetChain([ReshapeLayer([2])], input=1)
    assert "cannot reshape 1 element to" in str(info.value)


def test_one_input_channel_against_other_groups_says_channel():
    with pytest.raises(NetGraphError) as info:
        NetChain([ConvolutionLayer(4, 3, channel_groups=2)], input=[1, 8, 8])
    assert "port 'Input' has 1 channel, not divisible" in str(info.value)


@pytest.mark.parametrize("build, level", [
    (lambda: NetGraph([CatenateLayer()], [], Input1=(), Input2=()), "level 1"),  # Wolfram's CatenateLayer of scalars
    (lambda: NetChain([SoftmaxLayer()], input=()), "level -1"),
    (lambda: NetChain([AggregationLayer("Max", 1)], input=()), "levels 1"),
])
def test_a_level_of_a_scalar_says_a_scalar_has_none(build, level):
    """They said '(levels run from 1 to 0, or -1 to -0)'; Diagnostic.expected was '1 to 0, or -1 to -0' too."""
    with pytest.raises(ShapeError) as err:
        build()
    message = str(err.value)
    assert f"{level} do" in message and "a scalar () has no levels" in message and "1 to 0" not in message
    assert err.value.diagnostics[0].expected == "a port of rank 1 or more"
