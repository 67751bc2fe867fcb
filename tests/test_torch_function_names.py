"""torch's activation and arithmetic functions given where netgraph takes a function name (found by QA with torch
habits: ElementwiseLayer(torch.relu) said only 'needs a function name', ThreadingLayer('add') gave no hint)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import ElementwiseLayer, OptionError, ThreadingLayer


@pytest.mark.parametrize("function, name", [
    (torch.relu, "ReLU"), (F.relu, "ReLU"), (torch.nn.ReLU(), "ReLU"), (torch.nn.Sigmoid, "Sigmoid"),
    (torch.sigmoid, "Sigmoid"), (F.silu, "Swish"), ("silu", "Swish"),
    (torch.tanh, "Tanh"), (F.gelu, "GELU"), (F.softplus, "SoftPlus"),
])
def test_a_torch_activation_names_netgraphs(function, name):
    with pytest.raises(OptionError, match=f"is {name!r} here") as info:
        ElementwiseLayer(function)
    assert info.value.diagnostics[0].option == "function"
    assert ElementwiseLayer(name).function == name  # and the name given works


def test_a_name_differing_only_in_case_keeps_the_did_you_mean():
    """'tanH' may be no torch habit: the usual did-you-mean, no torch's."""
    with pytest.raises(OptionError, match=r"unknown function 'tanH' \(did you mean 'Tanh'\?\)"):
        ElementwiseLayer("tanH")


def test_torch_softmax_points_to_the_layer():
    with pytest.raises(OptionError, match=r"SoftmaxLayer\(\)"):
        ElementwiseLayer(F.softmax)


@pytest.mark.parametrize("function, name", [(torch.add, "Plus"), ("add", "Plus"), (torch.mul, "Times"),
                                            ("sub", "Subtract"), (torch.maximum, "Max"), (torch.pow, "Power")])
def test_a_torch_arithmetic_function_names_netgraphs(function, name):
    with pytest.raises(OptionError, match=f"is {name!r} here"):
        ThreadingLayer(function)
    assert ThreadingLayer(name).function == name


def test_a_function_torch_has_no_name_for_gets_no_torch_words():
    with pytest.raises(OptionError) as info:
        ElementwiseLayer(lambda x: x)
    assert "torch's" not in str(info.value)
