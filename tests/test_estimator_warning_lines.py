"""Estimator warnings name the user's line: the one warning of a backward pass without the surrogate term (raised in
torch's backward engine, under torch's frames), of a class draw made again before its surrogate (under the module
call's). They named netgraph's own lines (a fixed stacklevel)."""

from __future__ import annotations

import sys
import warnings

import torch

from netgraph import BernoulliDistribution, CategoricalDistribution, NetGraph, RandomArrayLayer
from netgraph.layers.estimators import EstimatorWarning


def _where(caught) -> list[tuple[str, int]]:
    return [(w.filename, w.lineno) for w in caught if issubclass(w.category, EstimatorWarning)]


def test_a_backward_pass_without_the_surrogate_warns_at_the_backward_line():
    module = NetGraph({"coin": RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=()).compile()
    p = torch.full((4,), 0.3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draws = module(p=p)
        line = sys._getframe().f_lineno + 1
        ((draws - 0.45) ** 2).mean().backward()
    assert _where(caught) == [(__file__, line)]


def test_a_class_draw_made_again_before_its_surrogate_warns_at_the_module_call():
    module = NetGraph({"draw": RandomArrayLayer(CategoricalDistribution("#p"))}, [], p=3).compile()
    p = torch.full((4, 3), 1 / 3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module(p=p)
        line = sys._getframe().f_lineno + 1
        module(p=p)
    assert _where(caught) == [(__file__, line)]

