"""Wolfram's sign tests (Negative, NonNegative, Positive, NonPositive, PossibleZeroQ) and Threshold and Chop
(QA, Wolfram's docs): Negative[x] is -x here (old specs), so If[Negative[#], 1, 0] silently gave 1 for positive
inputs; the others were 'unknown function' with a misleading did-you-mean 'Negative'. Each is refused naming the
comparison that writes it, and that comparison computes Wolfram's test."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, net_initialize
from netgraph.layers.expression import ExpressionError

X = torch.tensor([-2.0, -1e-12, 0.0, 3e-11, 0.5, 2.0])


def _refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        ElementwiseLayer(text)
    return str(info.value).splitlines()[0]


def _elementwise(text: str) -> torch.Tensor:
    return net_initialize(ElementwiseLayer(text))(X)


@pytest.mark.parametrize("text", ["If[Negative[#], 1, 0]", "Boole[Negative[#]]", "If[Negative[#x - 1], #x, 0]",
                                  "Function[x, Boole[Negative[x]]]"])
def test_negative_read_as_a_test_is_refused_pointing_to_the_comparison(text):
    message = _refusal(text)
    assert "Negative[x] is -x here" in message and "write x < 0" in message, message


def test_negative_as_arithmetic_is_still_minus_x():
    assert torch.equal(_elementwise("Negative[#]"), -X)
    assert torch.equal(_elementwise("If[# > 0, Negative[#], 0]"), torch.where(X > 0, -X, torch.zeros(())))
    assert torch.equal(_elementwise("If[# < 0, 1, 0]"), (X < 0).float())  # the refusal's advice


#: Wolfram's definition of each, on X
WOLFRAM = {"NonNegative[#]": (X >= 0).float(), "Positive[#]": (X > 0).float(), "NonPositive[#]": (X <= 0).float(),
           "PossibleZeroQ[#]": (X == 0).float(), "Threshold[#, 0.5]": torch.where(X.abs() < 0.5, 0.0, X),
           "Chop[#]": torch.where(X.abs() < 1e-10, 0.0, X), "Chop[#, 0.5]": torch.where(X.abs() < 0.5, 0.0, X)}


#: d in the rewrite of each
D = {"Threshold[#, 0.5]": "0.5", "Chop[#, 0.5]": "0.5", "Chop[#]": "10^-10"}


@pytest.mark.parametrize("text", list(WOLFRAM))
def test_a_wolfram_test_is_refused_with_a_rewrite_that_computes_it(text):
    message = _refusal(text).replace("#x", "#")
    assert "did you mean" not in message and "unknown function" not in message, message
    written = re.search(rf"{text.split('[')[0]}\[#(, d)?\] is (.+?)(?: \(|$)", message)
    assert written, message
    rewrite = written.group(2).replace(" d,", f" {D[text]},") if written.group(1) else written.group(2)
    assert text != "Chop[#]" or "d = 10^-10" in message, message
    assert torch.equal(_elementwise(rewrite), WOLFRAM[text]), (rewrite, message)


def test_function_layer_refuses_the_tests_alike():
    with pytest.raises(ExpressionError, match=r"NonNegative is Wolfram's test"):
        FunctionLayer("If[NonNegative[#x], #x, 0]")
