"""A compiled random layer's refusals at call time carry their kind, as net(x)'s do."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import (DataError, InverseGammaDistribution, LogGammaDistribution, NetGraph, RandomArrayLayer,
                      UniformDistribution)


def test_eval_mode_mean_with_infinite_slot_mean_is_a_data_error():
    """LogGamma's mean is infinite for a slot value b <= 1: only the values fed show it, so only the call refuses."""
    layer = RandomArrayLayer(LogGammaDistribution(1.0, "#b", 0.0), eval_mode="mean")
    module = NetGraph({"noise": layer}, [], b=2).compile().eval()
    with pytest.raises(DataError, match="infinite") as info:
        module(b=torch.tensor([[0.5, 1.5]]))
    assert (info.value.kind, info.value.layer, info.value.option) == ("infinite-mean", ("noise",), "eval_mode")


def test_a_refused_slot_pair_that_requires_grad_raises_its_error_without_a_torch_warning():
    """UniformDistribution(["#a", "#b"]) fed a = b, both requiring grad: the DataError alone (it read the values
    with float() on tensors that require grad, and torch warned about it)."""
    module = NetGraph([RandomArrayLayer(UniformDistribution(["#a", "#b"]), log_probability=True)], [],
                      a=(), b=()).compile()
    bound = torch.tensor(1.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="needs min < max") as info:
            module(a=bound.expand(8), b=bound.expand(8))
    assert (info.value.kind, info.value.port) == ("parameter-value", "a")


def test_eval_mode_mean_refusal_names_the_port_and_the_first_index():
    """InverseGamma's mean is infinite for α <= 1: the refusal names port 'a' and where the first such α lies."""
    layer = RandomArrayLayer(InverseGammaDistribution("#a", 1.0), eval_mode="mean")
    module = NetGraph({"g": layer}, [], a=2).compile().eval()
    with pytest.raises(DataError, match=r"input port 'a'\), first at index \(1, 0\)") as info:
        module(a=torch.tensor([[2.0, 3.0], [0.5, 2.0]]))
    assert (info.value.kind, info.value.port, info.value.option) == ("infinite-mean", "a", "eval_mode")
