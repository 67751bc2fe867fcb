"""The branch a constant If condition drops is neither warned of nor refused, as the README says (QA tester V:
If[1, #x, Sqrt[-1]] was refused for the Sqrt[-1] it drops); its ports stay the layer's, and the branch taken, and a
condition that is not constant, are read as before."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import FunctionLayer
from netgraph.layers.expression import ExpressionError

X = torch.tensor([[1.0, -2.0]])


@pytest.mark.parametrize("text", ["If[1, #x, Sqrt[-1]]", "If[0, 1/0, #x]", "If[2 > 1, #x, 10^400]",
                                  "If[1, #x, 0 * Infinity]"])
def test_a_dropped_branch_is_not_refused_nor_warned_of(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = FunctionLayer(text)
    assert layer.input_ports == ("x",)
    torch.testing.assert_close(layer(X), X)


def test_a_dropped_branch_keeps_its_ports():
    assert FunctionLayer("If[1, #x, Sqrt[-1] + #y]").input_ports == ("x", "y")
    assert FunctionLayer("If[0, #y * Log[-1], #x]").input_ports == ("y", "x")


@pytest.mark.parametrize("text, message", [
    ("If[0, #x, Sqrt[-1]]", "not a real number"), ("If[#x > 0, 1, 1/0]", "divides by 0"),
    ("If[Indeterminate, #x, 1]", "reads Indeterminate as true or false"), ("If[1, #x, Foo[2]]", "unknown function"),
    ("If[1, #x, 1e400]", "overflows to infinity"), ("If[1, #x, Boole[Infinity - Infinity]]", "reads Indeterminate"),
    ("If[1, #x, If[Indeterminate, 1, 2]]", "reads Indeterminate"),
    ("If[1, #x, #y == Indeterminate]", "Indeterminate")])  # as the README gives: read as written (review R5)
def test_the_branch_taken_and_a_varying_condition_are_read_as_before(text, message):
    with pytest.raises(ExpressionError, match=message):
        FunctionLayer(text)
