"""AggregationLayer and SummationLayer: equal to torch reductions, shape rules, errors."""

from __future__ import annotations

import pytest
import torch

from netgraph import AggregationLayer, NetGraph, OptionError, SummationLayer
from tests.layer_families._helpers import shape_error, three_way

X = torch.randn(3, 2, 4, 5)


@pytest.mark.parametrize("layer, out, hand", [
    (AggregationLayer("Max"), (2,), lambda x: x.amax((2, 3))),
    (AggregationLayer("Mean"), (2,), lambda x: x.mean((2, 3))),
    (AggregationLayer("Min", levels=1), (4, 5), lambda x: x.amin(1)),
    (AggregationLayer("Total", levels=[1, -1]), (4,), lambda x: x.sum((1, 3))),
    (AggregationLayer("Mean", levels="1;;2"), (5,), lambda x: x.mean((1, 2))),
    (SummationLayer(), (), lambda x: x.sum((1, 2, 3))),
])
def test_reductions(layer, out, hand):
    net = NetGraph([layer], [], Input=(2, 4, 5))
    assert net.output_shapes == {"Output": out}
    three_way(net, lambda m, Input: hand(Input), Input=X)


def test_backward_inference_and_conflicts():
    assert NetGraph([AggregationLayer("Max")], [], Input=(None, 4, 5), Output=3).input_shapes == {"Input": (3, 4, 5)}
    shape_error(lambda: NetGraph([AggregationLayer("Max")], [], Input=4),
                "layer 1 (AggregationLayer)", "select no dimension of port 'Input'", "levels=")
    shape_error(lambda: NetGraph([AggregationLayer("Max", levels=3)], [], Input=(2, 3)),
                "AggregationLayer", "levels 3 do not exist in port 'Input'")
    shape_error(lambda: NetGraph([AggregationLayer("Max")], [], Input=(2, 3), Output=(3,)),
                "AggregationLayer", "port 'Output'")


def test_bad_options():
    with pytest.raises(OptionError, match=r"unknown function 'Average'"):
        AggregationLayer("Average")
    with pytest.raises(OptionError, match=r"did you mean 'Mean'"):
        AggregationLayer("mean")
    with pytest.raises(OptionError, match="levels="):
        AggregationLayer("Max", levels=0)
