"""A level named twice in ``levels=`` (AggregationLayer, ParametricRampLayer, NormalizationLayer's level options) is
refused: Wolfram's AggregationLayer[f, {n1, ..., nk}] gives an array of rank m - k, one level dropped per level
named, which a repeated level cannot give. AggregationLayer("Mean", [1, 1]) reduced level 1 once, silently."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AggregationLayer, NetChain, NormalizationLayer, OptionError, ParametricRampLayer, ShapeError)


@pytest.mark.parametrize("make, option", [
    (lambda: AggregationLayer("Mean", [1, 1]), "levels"),
    (lambda: AggregationLayer("Max", levels=[2, 1, 2]), "levels"),
    (lambda: ParametricRampLayer(levels=[2, 2]), "levels"),
    (lambda: NormalizationLayer(aggregation_levels=[1, 1]), "aggregation_levels"),
])
def test_a_level_named_twice_is_an_option_error(make, option):
    with pytest.raises(OptionError) as info:
        make()
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.option, problem.expected) == ("option-value", option, "distinct levels")
    assert f"{option}= must name each level once" in str(info.value)


def test_a_level_named_from_both_ends_is_refused_where_the_rank_shows_it():
    with pytest.raises(ShapeError) as info:
        NetChain([AggregationLayer("Mean", [1, -2])], input=(2, 3))
    (problem,) = info.value.diagnostics
    assert (problem.port, problem.option, problem.expected, problem.found) == ("Input", "levels", "distinct levels",
                                                                              (1, -2))
    assert "levels [1, -2] name a level of port 'Input' of rank 2 twice" in str(info.value)


def test_distinct_levels_from_both_ends_still_reduce_both():
    net = NetChain([AggregationLayer("Mean", [1, -2])], input=(2, 3, 4))
    x = torch.randn(5, 2, 3, 4)
    torch.testing.assert_close(net(x), x.mean((1, 2)))
