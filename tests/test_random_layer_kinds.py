"""A compiled random layer's refusals at call time carry their kind, as net(x)'s do."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LogGammaDistribution, NetGraph, RandomArrayLayer


def test_eval_mode_mean_with_infinite_slot_mean_is_a_data_error():
    """LogGamma's mean is infinite for a slot value b <= 1: only the values fed show it, so only the call refuses."""
    layer = RandomArrayLayer(LogGammaDistribution(1.0, "#b", 0.0), eval_mode="mean")
    module = NetGraph({"noise": layer}, [], b=2).compile().eval()
    with pytest.raises(DataError, match="infinite") as info:
        module(b=torch.tensor([[0.5, 1.5]]))
    assert (info.value.kind, info.value.layer, info.value.option) == ("infinite-mean", ("noise",), "eval_mode")
