"""ThreadingLayer's broadcasting specification (Wolfram's second argument): levels, None, per-input lists."""

from __future__ import annotations

import pytest
import torch

from netgraph import NetGraph, NetPort, OptionError, ThreadingLayer
from tests.layer_families._helpers import shape_error, three_way

X, V, W = torch.randn(4, 3, 5), torch.randn(4, 3), torch.randn(4, 5)


@pytest.mark.parametrize("spec, small, hand", [
    (-1, V, lambda x, v: x * v[:, :, None]),        # missing dims appended: (3) -> (3, 1)
    (1, W, lambda x, w: x * w[:, None, :]),         # inserted in front: (5) -> (1, 5), numpy's rule
    ("Automatic", W, lambda x, w: x * w[:, None, :]),
    (2, V, lambda x, v: x * v[:, :, None]),         # inserted at level 2: (3) -> (3, 1)
])
def test_missing_dims_are_inserted_at_the_given_level(spec, small, hand):
    net = NetGraph([ThreadingLayer("Times", spec)], [], Input1=(3, 5), Input2=tuple(small.shape[1:]))
    assert net.output_shapes == {"Output": (3, 5)}
    three_way(net, lambda m, Input1, Input2: hand(Input1, Input2), Input1=X, Input2=small)


def test_per_input_specs_and_an_expression():
    y = torch.randn(4, 2, 3, 5)
    net = NetGraph([ThreadingLayer("#a - #b / #c", [-1, "None", -2])], [], a=2, b=(2, 3, 5), c=(2, 5))
    assert net.output_shapes == {"Output": (2, 3, 5)}
    a, c = torch.randn(4, 2), torch.rand(4, 2, 5) + 0.5
    three_way(net, lambda m, a, b, c: a[:, :, None, None] - b / c[:, :, None, :], a=a, b=y, c=c)


def test_one_spec_per_input_sets_the_number_of_inputs_and_must_match_the_edges():
    assert ThreadingLayer("Plus", [1, -1, 1]).input_ports == ("Input1", "Input2", "Input3")
    with pytest.raises(OptionError, match="broadcast= gives 2 specs for 3 inputs"):
        NetGraph({"f": ThreadingLayer("Plus", [1, -1])}, [([NetPort("a"), NetPort("b"), NetPort("c")], "f")],
                 a=3, b=3, c=3)
    with pytest.raises(OptionError, match="broadcast= gives 1 spec for 2 inputs"):
        ThreadingLayer("#a + #b", [1])


def test_none_replicates_nothing():
    shape_error(lambda: NetGraph([ThreadingLayer("Plus", "None")], [], Input1=(3, 5), Input2=5),
                "ThreadingLayer", "'Input2' has rank 1 but the output has rank 2", "'None' replicates nothing")
    shape_error(lambda: NetGraph([ThreadingLayer("Plus", "None")], [], Input1=(3, 5), Input2=(1, 5)),
                "ThreadingLayer", "'Input2' (1, 5) would be replicated to (3, 5)")
    shape_error(lambda: NetGraph([ThreadingLayer("Plus", -1)], [], Input1=(3, 5), Input2=5),
                "ThreadingLayer", "do not broadcast together under broadcast= -1")
    shape_error(lambda: NetGraph([ThreadingLayer("Plus", 3)], [], Input1=(3, 5), Input2=5),
                "ThreadingLayer", "has no level 3")


@pytest.mark.parametrize("bad", [0, "Auto", [], [1, 0], 1.5])
def test_bad_specs(bad):
    with pytest.raises(OptionError, match="ThreadingLayer option broadcast=") as info:
        ThreadingLayer("Plus", bad)
    assert info.value.diagnostics[0].option == "broadcast"
